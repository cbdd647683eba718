/**
 * One racing process for file-lock-race.test.ts: takes the lock `rounds` times; inside, claims an
 * exclusive marker file (two holders at once cannot both create it) and holds briefly; then either
 * releases, or "crashes": leaves the lock behind as if held by a dead process, so the next takers
 * must take over a stale lock. Prints one JSON line: acquisitions, overlaps seen, crashes. Gives up
 * after 90 s (then `acquired` falls short: the lock was lost, e.g. left behind by a live holder).
 *
 * Usage: node bin/run-ts.cjs test/state/lock-racer.ts <lock> <marker> <rounds> <dead pid> <seed>
 */
import { writeFileSync, renameSync, unlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { FileLock } from '#shared/state/file-lock';

const [lockPath, marker, roundsArg, deadPidArg, seedArg] = process.argv.slice(2);
if (!lockPath || !marker || !roundsArg || !deadPidArg || !seedArg) throw new Error('usage');
const rounds = Number(roundsArg);
const deadPid = Number(deadPidArg);
let seed = Number(seedArg) >>> 0;
const rand = (): number => {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 2 ** 32;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A racer that cannot get the lock for this long reports itself stuck (a lock lost by its holder). */
const DEADLINE_MS = 90_000;

async function main(): Promise<void> {
  const until = Date.now() + DEADLINE_MS;
  let acquired = 0;
  let overlaps = 0;
  let crashes = 0;
  let refusals = 0;
  while (acquired < rounds && Date.now() < until) {
    let lock: FileLock;
    try {
      lock = await FileLock.acquire(lockPath as string, 'race', 'race');
    } catch {
      refusals++;
      await sleep(rand() * 3);
      continue;
    }
    acquired++;
    let mine = false;
    try {
      writeFileSync(marker as string, String(process.pid), { flag: 'wx' });
      mine = true;
    } catch {
      overlaps++;
    }
    await sleep(rand() * 2);
    if (mine) unlinkSync(marker as string);
    if (rand() < 0.4) {
      // Crash while holding: the lock file stays, naming a process that is gone.
      crashes++;
      const tmp = `${lockPath}.crash-${process.pid}`;
      writeFileSync(
        tmp,
        `${JSON.stringify({ pid: deadPid, host: hostname(), createdAt: new Date().toISOString(), n: `${process.pid}-${acquired}` })}\n`,
      );
      renameSync(tmp, lockPath as string);
    } else {
      await lock.release();
    }
  }
  process.stdout.write(`${JSON.stringify({ acquired, overlaps, crashes, refusals })}\n`);
  process.exit(0);
}

void main();
