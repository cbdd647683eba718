import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { replay } from '#shared/replay/replay';
import { BASE, MIN, signIn } from '#shared/rules/testing/records';
import bruteForce from '#shared/rules/identity/brute-force';

describe('a replay that fails midway', () => {
  it('leaves the state file as it was, so a rerun counts nothing twice', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tripline-atomic-'));
    const state = join(dir, 'state.json');
    const day1 = join(dir, 'day1.json');
    const day2 = join(dir, 'day2.json');
    const fails = (from: number, n: number) =>
      Array.from({ length: n }, (_, i) =>
        signIn({ upn: 'finance@contoso.com', ip: '45.155.205.233', at: from + i * 20_000, errorCode: 50126 }),
      );
    writeFileSync(day1, JSON.stringify({ value: fails(BASE, 5) }));
    writeFileSync(day2, JSON.stringify({ value: fails(BASE + 2 * MIN, 5) }));
    await replay([day1], { state, rules: [bruteForce] });
    const before = readFileSync(state, 'utf8');

    // Interrupted in the middle of detection (here by the progress callback; a full disk or a
    // Ctrl-C in the CLI land in the same place).
    const failing = await replay([day2], {
      state,
      rules: [bruteForce],
      batchSize: 2,
      onProgress: (p) => {
        if (p.phase === 'detect' && p.done >= 2) throw new Error('interrupted');
      },
    }).catch((e: unknown) => e);
    expect(failing).toBeInstanceOf(Error);
    expect(readFileSync(state, 'utf8')).toBe(before);
    expect(existsSync(`${state}.lock`)).toBe(false);

    const rerun = await replay([day2], { state, rules: [bruteForce] });
    expect(rerun.findings.map((f) => [f.ruleId, f.count])).toEqual([['brute-force', 10]]);
  });
});
