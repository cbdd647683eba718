/**
 * A lock file that keeps two local Tripline processes from clobbering one state file.
 *
 * The lock is `<state file>.lock` holding `{"pid":…,"host":…,"createdAt":…,"nonce":…}`. It is created
 * atomically with its content (written to a temp file, then hard-linked into place, which fails if the
 * lock exists), so a reader never sees a half-written lock, and no two locks ever have the same content.
 * A lock held by a live process, by another host, or that cannot be read makes `acquire` fail with a
 * StateStoreError that names the lock file and what to do.
 *
 * A lock whose process is gone (same host, pid not alive) is stale and is taken over, safely under
 * any number of racing processes: removing it needs a takeover claim, a file named after the stale
 * lock's content (`<lock>.takeover-<hash>.<generation>`) created exclusively, so exactly one live
 * process holds the claim for that content. The claimant re-reads the lock and removes it only if it
 * still holds that content; nobody else can change it meanwhile (its owner is dead, other would-be
 * takers have no claim, and creating a lock fails while it exists). A claimant that dies is replaced
 * by the next generation's. Then everyone competes for the lock by the same atomic create. (The
 * former scheme moved the lock aside and put it back when it was not the stale one, which could move
 * a fresh lock aside and let a third process in: 2-3 holders at once under 12 racing processes.)
 */
import { createHash, randomBytes } from 'node:crypto';
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

function holderContent(): string {
  return `${JSON.stringify({
    pid: process.pid,
    host: hostname(),
    createdAt: new Date().toISOString(),
    nonce: randomBytes(8).toString('hex'),
  })}\n`;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Attempts before `acquire` gives up while other processes keep taking the lock or taking it over. */
const ATTEMPTS = 40;

/** A held lock; call {@link FileLock.release} when done. */
export class FileLock {
  private released = false;

  private constructor(
    /** The lock file path. */
    readonly path: string,
    private readonly content: string,
  ) {}

  /**
   * Takes the lock at `lockPath` for this process, taking over a stale one (its process is gone).
   * @param what - the resource the lock protects, for messages ("state file /x/state.json").
   * @param store - the adapter name recorded in StateStoreError.
   * @throws StateStoreError when another live process holds it, or it cannot be created/read.
   */
  static async acquire(lockPath: string, what: string, store: string): Promise<FileLock> {
    const content = holderContent();
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
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
      const removed = await takeOverStale(lockPath, raw, store);
      // Another live process is taking it over: give it a moment, then look again.
      if (!removed) await sleep(Math.min(50, 2 ** Math.min(attempt, 6)) * (0.5 + Math.random()));
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
    // While we live, nobody else removes or replaces our lock, so read-then-unlink cannot race.
    const raw = await readOrUndefined(this.path).catch(() => undefined);
    if (raw === this.content) await fs.unlink(this.path).catch(() => undefined);
  }
}

/** Generations of takeover claims tried before giving up (each needs its predecessor's claimant dead). */
const CLAIM_GENERATIONS = 16;

/**
 * Removes the stale lock holding `staleContent`, if it is still there, under a takeover claim that
 * exactly one live process can hold (see the module comment). Returns false when another live
 * process holds the claim (it is removing the lock), true when this process dealt with it.
 */
async function takeOverStale(lockPath: string, staleContent: string, store: string): Promise<boolean> {
  const tag = createHash('sha256').update(staleContent).digest('hex').slice(0, 16);
  const claimPath = (gen: number) => `${lockPath}.takeover-${tag}.${gen}`;
  const claim = holderContent();
  for (let gen = 0; gen < CLAIM_GENERATIONS; gen++) {
    try {
      await createExclusive(claimPath(gen), claim);
    } catch (err) {
      if (errCode(err) !== 'EEXIST') {
        throw new StateStoreError(`Cannot take over stale lock file ${lockPath}: ${String(err)}`, store, {
          cause: err,
        });
      }
      const text = await readOrUndefined(claimPath(gen)).catch(() => undefined);
      const claimant = text === undefined ? undefined : parseHolder(text);
      // A claimant that died mid-takeover is replaced by the next generation; a live one is left to it.
      if (
        claimant &&
        claimant.host === hostname() &&
        claimant.pid !== process.pid &&
        !isPidAlive(claimant.pid)
      )
        continue;
      return false;
    }
    try {
      // Only this process may remove the lock while it holds `staleContent`: re-read, then remove.
      if ((await readOrUndefined(lockPath)) === staleContent) await fs.unlink(lockPath);
    } catch (err) {
      if (errCode(err) !== 'ENOENT') {
        throw new StateStoreError(`Cannot remove stale lock file ${lockPath}: ${String(err)}`, store, {
          cause: err,
        });
      }
    } finally {
      // The stale content is gone for good (contents are unique), so later claimants find nothing to remove.
      for (let g = gen; g >= 0; g--) await fs.unlink(claimPath(g)).catch(() => undefined);
    }
    return true;
  }
  return false;
}
