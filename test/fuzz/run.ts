/**
 * `npm run fuzz`: the long fuzz run (20,000 mutated records, 2,000 damaged or pathological files,
 * seed FUZZ_SEED or the default), one summary line on stdout, the failures (if any) after it, exit 1
 * when any invariant broke. `FUZZ_RECORDS` / `FUZZ_FILES` change the counts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fuzzFiles, fuzzRecords, fuzzStateFiles } from './harness';
import { FUZZ_SEED } from './seed';

async function main(): Promise<number> {
  const records = Number(process.env['FUZZ_RECORDS'] ?? 20_000);
  const files = Number(process.env['FUZZ_FILES'] ?? 2_000);
  const dir = mkdtempSync(join(tmpdir(), 'tripline-fuzz-'));
  const started = performance.now();
  try {
    const r = await fuzzRecords(records, FUZZ_SEED, join(dir, 'records'));
    const f = await fuzzFiles(files, FUZZ_SEED + 1, join(dir, 'files'));
    const s = await fuzzStateFiles(0, FUZZ_SEED + 2, join(dir, 'state'));
    const failures = [...r.failures, ...f.failures, ...(s?.failures ?? [])];
    const secs = ((performance.now() - started) / 1000).toFixed(1);
    process.stdout.write(
      `fuzz seed ${FUZZ_SEED}: ${r.inputs} mutated records (read back: ${r.normalized} normalized, ${r.quarantined} quarantined with a reason, ${r.findings} findings rendered); ` +
        `${f.inputs} files (${f.normalized} records normalized, ${f.quarantined} quarantined, ${f.fileProblems} file problems with a reason); ` +
        `state files: waiting for issue 6; ${failures.length} failures, no uncaught exception; ${secs} s\n`,
    );
    for (const x of failures.slice(0, 50)) process.stdout.write(`  ${x}\n`);
    return failures.length ? 1 : 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`fuzz: uncaught ${(e as Error).stack ?? String(e)}\n`);
    process.exit(2);
  },
);
