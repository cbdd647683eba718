/**
 * The fuzz suite, small and seeded so CI stays fast and a failure reproduces (`FUZZ_SEED=<n>`):
 * mutated vendor-format records and damaged or pathological files through the real reader,
 * normalizers, replay and renderers. `npm run fuzz` runs the long mode (20,000 records, 2,000 files).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fuzzFiles, fuzzRecords, mutate, rng, seedRecords } from './harness';
import { FUZZ_SEED } from './seed';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tripline-fuzz-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('fuzz (seeded, small)', () => {
  it('mutated records: normalized or quarantined with a reason, never an exception', async () => {
    const report = await fuzzRecords(300, FUZZ_SEED, join(dir, 'records'));
    expect(report.failures).toEqual([]);
    expect(report.normalized).toBeGreaterThan(0);
    expect(report.quarantined).toBeGreaterThan(0);
  }, 60_000);

  it('damaged and pathological files: every problem has a reason, never an exception', async () => {
    const report = await fuzzFiles(40, FUZZ_SEED, join(dir, 'files'));
    expect(report.failures).toEqual([]);
    expect(report.fileProblems + report.quarantined).toBeGreaterThan(0);
  }, 60_000);

  it('mutations are reproducible from the seed', async () => {
    const seeds = await seedRecords();
    const a = rng(42);
    const b = rng(42);
    expect(JSON.stringify(mutate(seeds[0], a))).toBe(JSON.stringify(mutate(seeds[0], b)));
  });
});
