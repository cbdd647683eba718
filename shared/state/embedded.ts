/**
 * The embedded StateStore: an in-memory Map, optionally persisted to one local file so that a replay
 * of Monday's logs followed by Tuesday's keeps baselines, window counters and open sequences.
 *
 * ## File format (version 1)
 *
 * JSON Lines, UTF-8, one record per line. The first line is the header, every other line one item:
 *
 * ```text
 * {"format":"tripline-state","version":1,"savedAt":"2025-01-07T08:00:00.000Z","clock":1736236800000,"items":2}
 * {"key":"base|t1|alice","version":3,"expiresAt":1738828800000,"value":{"terms":{"1.2.3.4":[1,2]}}}
 * {"key":"win|t1|bob|17362","version":1,"expiresAt":1736323200000,"value":5}
 * ```
 *
 * - `format` is always `"tripline-state"`; `version` is the format version. A file with a higher
 *   version was written by a newer Tripline and is refused (never silently misread).
 * - `clock` is the highest `now` the store was called with (epoch ms; event time during a replay, so it
 *   may be far in the past); `items` is the number of item lines, which detects truncation.
 * - Items are written with their JSON `value` inline, so the file can be inspected with `jq`.
 *   Items already expired at `clock` are dropped when saving.
 *
 * Saving writes a temp file next to the target, fsyncs it and renames it over the target, so a crash
 * leaves either the old or the new file, never a torn one. A lock file (`<path>.lock`, see
 * {@link FileLock}) keeps a second process from opening the same file.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { checkDeletes, checkKey, checkNow, checkWrites, encodeValue, isLive } from './common';
import { FileLock } from './file-lock';
import type { StateDelete, StateItem, StateStore, StateWrite, WriteResult } from './port';
import { StateStoreError } from './port';

/** The `format` marker of the first line of a state file. */
export const STATE_FILE_FORMAT = 'tripline-state';
/** The file format version this build writes, and the highest it reads. */
export const STATE_FILE_VERSION = 1;

const STORE = 'embedded';
const MEMORY = ':memory:';
/** Size at which buffered output is handed to the file system while saving. */
const WRITE_CHUNK_CHARS = 1 << 20;

/** What the store keeps per key: the value as JSON text, so nothing is aliased with callers. */
interface Entry {
  version: number;
  expiresAt: number;
  json: string;
}

interface Header {
  format: string;
  version: number;
  savedAt?: string;
  clock?: number;
  items: number;
}

function errCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : undefined;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * In-memory StateStore with optional persistence to a local file (see the module comment for the
 * format, atomic save and locking).
 *
 * Values are held as JSON text: a write serializes once, a get parses once, so callers can mutate what
 * they passed in or got back without touching stored state, and a value behaves exactly as it will
 * after a save and reload (or in DynamoDB).
 *
 * @example
 * ```ts
 * const store = await EmbeddedStateStore.open('.tripline/state.jsonl');
 * try {
 *   const now = Date.now();
 *   const got = await store.get(['win|t1|alice'], now);
 *   const cur = got.get('win|t1|alice');
 *   const { conflicts } = await store.write(
 *     [{ key: 'win|t1|alice', expectedVersion: cur?.version ?? 0, expiresAt: now + 3_600_000, value: ((cur?.value as number) ?? 0) + 1 }],
 *     now,
 *   );
 *   if (conflicts.length) {
 *     // someone else wrote it first: re-read and retry
 *   }
 *   await store.flush(); // write the file (only if something changed)
 * } finally {
 *   await store.close(); // flushes and releases the lock
 * }
 * ```
 */
export class EmbeddedStateStore implements StateStore {
  readonly name = STORE;
  private readonly items = new Map<string, Entry>();
  private dirty = false;
  private closed = false;
  /** Highest `now` seen (from calls or the loaded file); decides what is expired when saving. */
  private clock = Number.NEGATIVE_INFINITY;
  private saving: Promise<void> = Promise.resolve();

  private constructor(
    /** Absolute path of the state file, or undefined for a memory-only store. */
    readonly path: string | undefined,
    private readonly lock: FileLock | undefined,
  ) {}

  /**
   * Opens a store. `':memory:'` gives a store that is never written to disk. Any other value is a file
   * path: the file is locked for this process, loaded if it exists (created on the first flush
   * otherwise; missing parent directories are created).
   *
   * `opts.checkValue` says what is wrong with an item's value for its key (the engine's
   * `stateValueProblem`), so a file whose items have the wrong shape is reported as corrupt on load.
   *
   * @throws StateStoreError when the file is corrupt, from a newer Tripline, unreadable, or locked by
   * another live process. The message names the file and what to do.
   */
  static async open(
    path: string,
    opts: { checkValue?: ((key: string, value: unknown) => string | undefined) | undefined } = {},
  ): Promise<EmbeddedStateStore> {
    if (path === MEMORY) return new EmbeddedStateStore(undefined, undefined);
    if (typeof path !== 'string' || path.length === 0) {
      throw new StateStoreError(`embedded: state path must be a file path or ':memory:'`, STORE);
    }
    const abs = resolve(path);
    try {
      await fs.mkdir(dirname(abs), { recursive: true });
    } catch (err) {
      throw new StateStoreError(`Cannot create the directory of state file ${abs}: ${describe(err)}`, STORE, {
        cause: err,
      });
    }
    const lock = await FileLock.acquire(`${abs}.lock`, `State file ${abs}`, STORE);
    const store = new EmbeddedStateStore(abs, lock);
    try {
      await store.removeLeftoverTempFiles();
      await store.load(opts.checkValue);
    } catch (err) {
      await lock.release();
      throw err;
    }
    return store;
  }

  /** Number of items held, including expired ones not yet dropped by a save. */
  get size(): number {
    return this.items.size;
  }

  async get(keys: readonly string[], now: number): Promise<Map<string, StateItem>> {
    this.checkOpen();
    checkNow(STORE, now);
    if (now > this.clock) this.clock = now;
    const out = new Map<string, StateItem>();
    for (const key of keys) {
      if (typeof key !== 'string' || key.length === 0) checkKey(STORE, key, 'get');
      const e = this.items.get(key);
      if (e !== undefined && isLive(e.expiresAt, now)) {
        out.set(key, {
          key,
          version: e.version,
          expiresAt: e.expiresAt,
          value: JSON.parse(e.json) as unknown,
        });
      }
    }
    return out;
  }

  async write(writes: readonly StateWrite[], now: number): Promise<WriteResult> {
    this.checkOpen();
    checkNow(STORE, now);
    checkWrites(STORE, writes);
    // Serialize everything first, so a bad value fails the call before anything is applied.
    const texts = writes.map((w) => encodeValue(STORE, w.key, w.value));
    if (now > this.clock) this.clock = now;
    const conflicts: string[] = [];
    for (let i = 0; i < writes.length; i++) {
      const w = writes[i] as StateWrite;
      const cur = this.items.get(w.key);
      let version: number;
      if (w.expectedVersion === null) {
        version = 1;
      } else if (w.expectedVersion === 0) {
        if (cur !== undefined && isLive(cur.expiresAt, now)) {
          conflicts.push(w.key);
          continue;
        }
        version = 1;
      } else {
        if (cur === undefined || cur.version !== w.expectedVersion) {
          conflicts.push(w.key);
          continue;
        }
        version = w.expectedVersion + 1;
      }
      this.items.set(w.key, { version, expiresAt: w.expiresAt, json: texts[i] as string });
      this.dirty = true;
    }
    return { conflicts };
  }

  async delete(deletes: readonly StateDelete[]): Promise<WriteResult> {
    this.checkOpen();
    checkDeletes(STORE, deletes);
    const conflicts: string[] = [];
    for (const d of deletes) {
      const cur = this.items.get(d.key);
      if (cur === undefined || cur.version !== d.expectedVersion) {
        conflicts.push(d.key);
        continue;
      }
      this.items.delete(d.key);
      this.dirty = true;
    }
    return { conflicts };
  }

  /**
   * Writes the file if anything changed since the last save (no-op for `:memory:`). Items expired at
   * the store's clock (the highest `now` it has seen) are dropped from the file and from memory.
   * Concurrent calls are serialized.
   */
  async flush(): Promise<void> {
    this.checkOpen();
    return this.flushInternal();
  }

  /**
   * Flushes, then releases the lock. Further calls fail; calling close again is a no-op. If the final
   * save fails, the error is thrown and the store stays open and locked, so nothing is lost: fix the
   * cause (disk full, permissions) and call close again. (If the process exits instead, the lock is
   * stale and the next open takes it over.)
   *
   * `discard: true` releases the lock without saving: the file stays as it was at the last flush.
   * A replay that fails midway uses it, so a rerun does not count the same events twice.
   */
  async close(opts: { discard?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    if (!opts.discard) await this.flushInternal();
    this.closed = true;
    this.items.clear();
    await this.lock?.release();
  }

  private flushInternal(): Promise<void> {
    if (this.path === undefined) return Promise.resolve();
    const run = this.saving.then(() => this.saveIfDirty());
    this.saving = run.catch(() => undefined);
    return run;
  }

  private checkOpen(): void {
    if (this.closed) throw new StateStoreError('embedded: the store is closed', STORE);
  }

  private async saveIfDirty(): Promise<void> {
    const path = this.path;
    if (path === undefined || !this.dirty) return;
    // Snapshot synchronously: writes that land while the file is being written mark the store dirty
    // again and go out with the next flush.
    const clock = this.clock;
    for (const [key, e] of this.items) if (!isLive(e.expiresAt, clock)) this.items.delete(key);
    const header: Header = {
      format: STATE_FILE_FORMAT,
      version: STATE_FILE_VERSION,
      savedAt: new Date().toISOString(),
      items: this.items.size,
    };
    if (Number.isFinite(clock)) header.clock = clock;
    const chunks: string[] = [];
    let buf = `${JSON.stringify(header)}\n`;
    for (const [key, e] of this.items) {
      buf += `{"key":${JSON.stringify(key)},"version":${e.version},"expiresAt":${e.expiresAt},"value":${e.json}}\n`;
      if (buf.length >= WRITE_CHUNK_CHARS) {
        chunks.push(buf);
        buf = '';
      }
    }
    chunks.push(buf);
    this.dirty = false;
    const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      const fh = await fs.open(tmp, 'wx', 0o600);
      try {
        for (const c of chunks) await fh.write(c);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await fs.rename(tmp, path);
    } catch (err) {
      this.dirty = true;
      await fs.unlink(tmp).catch(() => undefined);
      throw new StateStoreError(`Cannot save state file ${path}: ${describe(err)}`, STORE, { cause: err });
    }
    await syncDir(dirname(path));
  }

  /** Temp files of earlier processes that crashed mid-save (we hold the lock, so none is live). */
  private async removeLeftoverTempFiles(): Promise<void> {
    const path = this.path as string;
    const dir = dirname(path);
    const prefix = `${basename(path)}.tmp-`;
    const names = await fs.readdir(dir).catch(() => [] as string[]);
    await Promise.all(
      names.filter((n) => n.startsWith(prefix)).map((n) => fs.unlink(resolve(dir, n)).catch(() => undefined)),
    );
  }

  private async load(checkValue?: (key: string, value: unknown) => string | undefined): Promise<void> {
    const path = this.path as string;
    let data: Buffer;
    try {
      data = await fs.readFile(path);
    } catch (err) {
      if (errCode(err) === 'ENOENT') return; // new state: the file appears on the first flush
      throw new StateStoreError(`Cannot read state file ${path}: ${describe(err)}`, STORE, { cause: err });
    }
    const corrupt = (what: string, cause?: unknown): StateStoreError =>
      new StateStoreError(
        `State file ${path} is corrupt (${what}). Move it aside to start with empty state ` +
          `(baselines are relearned), or restore it from a backup.`,
        STORE,
        cause === undefined ? undefined : { cause },
      );
    if (data.length === 0) throw corrupt('the file is empty');

    let pos = 0;
    let lineNo = 0;
    const nextLine = (): string | undefined => {
      while (pos < data.length) {
        let end = data.indexOf(10, pos);
        if (end < 0) end = data.length;
        const line = data.toString('utf8', pos, end).trim();
        pos = end + 1;
        lineNo++;
        if (line.length > 0) return line;
      }
      return undefined;
    };

    const first = nextLine() ?? '';
    let header: unknown;
    try {
      header = JSON.parse(first);
    } catch {
      header = undefined;
    }
    if (typeof header !== 'object' || header === null || (header as Header).format !== STATE_FILE_FORMAT) {
      throw new StateStoreError(
        `${path} is not a Tripline state file (its first line is not a {"format":"${STATE_FILE_FORMAT}"} header). ` +
          `Point Tripline at a different state path, or move this file aside if it is a damaged state file.`,
        STORE,
      );
    }
    const h = header as Header;
    if (!Number.isSafeInteger(h.version) || h.version < 1) {
      throw corrupt(`unknown format version ${JSON.stringify(h.version)}`);
    }
    if (h.version > STATE_FILE_VERSION) {
      throw new StateStoreError(
        `State file ${path} has format version ${h.version}, but this Tripline reads version ${STATE_FILE_VERSION} ` +
          `and older. It was written by a newer Tripline: upgrade Tripline, or use a different state path.`,
        STORE,
      );
    }
    if (!Number.isSafeInteger(h.items) || h.items < 0) throw corrupt('the header has no valid item count');
    if (typeof h.clock === 'number' && Number.isFinite(h.clock)) this.clock = h.clock;

    let count = 0;
    for (let line = nextLine(); line !== undefined; line = nextLine()) {
      let rec: unknown;
      try {
        rec = JSON.parse(line);
      } catch (err) {
        throw corrupt(`line ${lineNo} is not valid JSON: ${describe(err)}`, err);
      }
      const r = rec as { key?: unknown; version?: unknown; expiresAt?: unknown; value?: unknown };
      if (
        typeof rec !== 'object' ||
        rec === null ||
        typeof r.key !== 'string' ||
        r.key.length === 0 ||
        !Number.isSafeInteger(r.version) ||
        (r.version as number) < 1 ||
        typeof r.expiresAt !== 'number' ||
        !Number.isFinite(r.expiresAt) ||
        !('value' in rec)
      ) {
        throw corrupt(`line ${lineNo} is not an item {"key","version","expiresAt","value"}`);
      }
      if (this.items.has(r.key)) throw corrupt(`line ${lineNo} repeats key ${JSON.stringify(r.key)}`);
      const problem = checkValue?.(r.key, r.value);
      if (problem !== undefined) throw corrupt(`line ${lineNo}, item ${JSON.stringify(r.key)}: ${problem}`);
      this.items.set(r.key, {
        version: r.version as number,
        expiresAt: r.expiresAt,
        json: JSON.stringify(r.value),
      });
      count++;
    }
    if (count !== h.items) {
      throw corrupt(
        `the header announces ${h.items} items but the file holds ${count}; it was probably truncated`,
      );
    }
  }
}

/** Makes a rename durable on POSIX; not supported (and not needed) everywhere, so errors are ignored. */
async function syncDir(dir: string): Promise<void> {
  let fh: fs.FileHandle | undefined;
  try {
    fh = await fs.open(dir, 'r');
    await fh.sync();
  } catch {
    // Windows and some file systems cannot fsync a directory.
  } finally {
    await fh?.close().catch(() => undefined);
  }
}
