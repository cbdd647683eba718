/**
 * The state file lock under real contention: 12 processes take it over and over, and a holder often
 * "crashes", leaving a stale lock that the others race to take over. At no time may two processes
 * hold it (the old takeover moved a fresh lock aside: 2-3 holders at once in 5 of 23 rounds).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FUZZ_LONG } from '../fuzz/seed';

const ROOT = join(__dirname, '..', '..');
const PROCESSES = 12;
const ROUNDS = FUZZ_LONG ? 60 : 15;

interface RacerReport {
  acquired: number;
  overlaps: number;
  crashes: number;
  refusals: number;
}

function race(lock: string, marker: string, deadPid: number, seed: number): Promise<RacerReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        join(ROOT, 'bin', 'run-ts.cjs'),
        join(__dirname, 'lock-racer.ts'),
        lock,
        marker,
        String(ROUNDS),
        String(deadPid),
        String(seed),
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`racer exited ${code}: ${err}`));
      else resolve(JSON.parse(out.trim()) as RacerReport);
    });
  });
}

describe('FileLock with 12 racing processes', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tripline-lock-race-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('never has two holders at once, while stale locks left by crashed holders are taken over', async () => {
    // A pid that existed and is gone: what a crashed holder leaves in its lock.
    const deadPid = spawnSync(process.execPath, ['-e', '0']).pid as number;
    const lock = join(dir, 'state.json.lock');
    const marker = join(dir, 'holder');
    const reports = await Promise.all(
      Array.from({ length: PROCESSES }, (_, i) => race(lock, marker, deadPid, 7919 * (i + 1))),
    );
    const sum = (k: keyof RacerReport) => reports.reduce((a, r) => a + r[k], 0);
    expect(sum('acquired')).toBe(PROCESSES * ROUNDS);
    expect(sum('crashes')).toBeGreaterThan(PROCESSES * ROUNDS * 0.2);
    expect(sum('overlaps')).toBe(0);
  }, 240_000);
});
