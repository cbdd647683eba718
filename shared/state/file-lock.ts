/**
 * A lock file that keeps two local Tripline processes from clobbering one state file.
 *
 * The lock is `<state file>.lock` holding `{"pid":…,"host":…,"createdAt":…}`. It is created atomically
 * with its content (written to a temp file, then hard-linked into place, which fails if the lock
 * exists), so a reader never sees a half-written lock. A lock whose process is gone (same host, pid not
 * alive) is stale and is taken over; a lock held by a live process, by another host, or that cannot be
 * read, makes `acquire` fail with a StateStoreError that names the lock file and what to do.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { hostname } from 'node:os';
import { StateStoreError } from './port';

/** What a lock file records about its holder. */
export interface LockHolder {
  pid: number;
  host: string;
  /** ISO time the lock was taken. */
  createdAt: string;
}

function errCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : undefined;
}

/** True when a process with this pid exists on this host (EPERM: it exists but belongs to someone else). */
export function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errCode(err) === 'EPERM';
  }
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v !== 'object' || v === null) return undefined;
    const o = v as Record<string, unknown>;
    if (!Number.isSafeInteger(o['pid']) || typeof o['host'] !== 'string') return undefined;
    return {
      pid: o['pid'] as number,
      host: o['host'],
      createdAt: typeof o['createdAt'] === 'string' ? o['createdAt'] : '?',
    };
  } catch {
    return undefined;
  }
}

async function readOrUndefined(path: string): Promise<string | undefined> {
  try {
    return await fs.readFile(path, 'utf8');
  } catch (err) {
    if (errCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}

function tmpName(path: string, tag: string): string {
  return `${path}.${tag}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** Creates `path` with `content` only if it does not exist (throws EEXIST otherwise). */
async function createExclusive(path: string, content: string): Promise<void> {
  const tmp = tmpName(path, 'tmp');
  await fs.writeFile(tmp, content, { mode: 0o600 });
  try {
    await fs.link(tmp, path);
  } catch (err) {
    const code = errCode(err);
    if (code === 'EEXIST') throw err;
    // File systems without hard links: fall back to O_EXCL create (content written right after).
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'ENOSYS') {
      await fs.writeFile(path, content, { flag: 'wx', mode: 0o600 });
    } else {
      throw err;
    }
  } finally {
    await fs.unlink(tmp).catch(() => undefined);
  }
}

/** A held lock; call {@link FileLock.release} when done. */
export class FileLock {
  private released = false;

  private constructor(
    /** The lock file path. */
    readonly path: string,
    private readonly content: string,
  ) {}

  /**
   * Takes the lock at `lockPath` for this process.
   * @param what - the resource the lock protects, for messages ("state file /x/state.json").
   * @param store - the adapter name recorded in StateStoreError.
   * @throws StateStoreError when another live process holds it, or it cannot be created/read.
   */
  static async acquire(lockPath: string, what: string, store: string): Promise<FileLock> {
    const content = `${JSON.stringify({ pid: process.pid, host: hostname(), createdAt: new Date().toISOString() })}\n`;
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        await createExclusive(lockPath, content);
        return new FileLock(lockPath, content);
      } catch (err) {
        if (errCode(err) !== 'EEXIST') {
          throw new StateStoreError(
            `Cannot create lock file ${lockPath} for ${what}: ${String(err)}`,
            store,
            {
              cause: err,
            },
          );
        }
      }
      let raw: string | undefined;
      try {
        raw = await readOrUndefined(lockPath);
      } catch (err) {
        throw new StateStoreError(`Cannot read lock file ${lockPath} for ${what}: ${String(err)}`, store, {
          cause: err,
        });
      }
      if (raw === undefined) continue; // released meanwhile: try again
      const holder = parseHolder(raw);
      if (holder === undefined) {
        throw new StateStoreError(
          `${what} is locked by ${lockPath}, whose content is not a Tripline lock. ` +
            `If no other Tripline process is using it, delete ${lockPath} and retry.`,
          store,
        );
      }
      const self = holder.pid === process.pid && holder.host === hostname();
      if (holder.host !== hostname()) {
        throw new StateStoreError(
          `${what} is locked by process ${holder.pid} on host ${holder.host} (since ${holder.createdAt}; lock file ${lockPath}). ` +
            `Stop that process, or if it is no longer running delete ${lockPath} and retry.`,
          store,
        );
      }
      if (self || isPidAlive(holder.pid)) {
        throw new StateStoreError(
          `${what} is in use by ${self ? 'this process' : 'process'} ${holder.pid} (since ${holder.createdAt}; lock file ${lockPath}). ` +
            (self
              ? 'Close the other store opened on it first.'
              : `Wait for it to finish or stop it; if that pid is not a Tripline process, delete ${lockPath} and retry.`),
          store,
        );
      }
      await takeOverStale(lockPath, raw, store);
    }
    throw new StateStoreError(
      `Could not take lock file ${lockPath} for ${what}: other processes keep taking it. Retry.`,
      store,
    );
  }

  /** Removes the lock file if it is still ours. Safe to call twice. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    const raw = await readOrUndefined(this.path).catch(() => undefined);
    if (raw === this.content) await fs.unlink(this.path).catch(() => undefined);
  }
}

/**
 * Removes a stale lock without deleting a fresh one another process may have just created: move it
 * aside (atomic), check what was moved is the stale content we judged, and put it back otherwise.
 */
async function takeOverStale(lockPath: string, staleContent: string, store: string): Promise<void> {
  const aside = tmpName(lockPath, 'stale');
  try {
    await fs.rename(lockPath, aside);
  } catch (err) {
    if (errCode(err) === 'ENOENT') return; // someone else removed it
    throw new StateStoreError(`Cannot remove stale lock file ${lockPath}: ${String(err)}`, store, {
      cause: err,
    });
  }
  const moved = await readOrUndefined(aside).catch(() => undefined);
  if (moved !== staleContent) await fs.link(aside, lockPath).catch(() => undefined);
  await fs.unlink(aside).catch(() => undefined);
}
