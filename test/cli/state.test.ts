import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { EmbeddedStateStore } from '#shared/state/embedded';
import { DAY1, DAY2, UAL, cleanupTempDirs, inboxRule, jsonl, lines, run, tempDir, write } from './helpers';

afterAll(cleanupTempDirs);

const TRIPLINE = join(__dirname, '..', '..', 'bin', 'tripline.cjs');

const brute = (stdout: string) => lines(stdout).filter((l) => /^MEDIUM\s+test-brute-force/.test(l));

describe('state file', () => {
  it('replaying day 1 then day 2 into one state file finds what needs both days', async () => {
    const dir = tempDir();
    const state = join(dir, 'state.json');
    const day1 = await run(['replay', DAY1, '--state', state]);
    expect(day1.code).toBe(0);
    expect(day1.stdout).toContain('No findings.');
    const day2 = await run(['replay', DAY2, '--state', state]);
    expect(day2.code).toBe(0);
    expect(brute(day2.stdout)).toHaveLength(1);
    expect(brute(day2.stdout)[0]).toMatch(/alice@contoso\.com .* 2026-03-03 00:04:44\s+11$/);
    // The finding spans both days.
    const json = await run(['replay', DAY2, '--state', state, '--reprocess', '--format', 'jsonl']);
    expect(json.stdout).toBe('');
  });

  it('day 2 alone, or each day into its own state, finds nothing', async () => {
    expect(brute((await run(['replay', DAY2, '--state', ':memory:'])).stdout)).toHaveLength(0);
    const dir = tempDir();
    await run(['replay', DAY1, '--state', join(dir, 'a.json')]);
    expect(brute((await run(['replay', DAY2, '--state', join(dir, 'b.json')])).stdout)).toHaveLength(0);
  });

  it('skips a file already replayed into the state (by content, even renamed) unless --reprocess', async () => {
    const dir = tempDir();
    const state = join(dir, 'state.json');
    await run(['replay', DAY1, '--state', state]);
    const copy = write(dir, 'renamed.json', readFileSync(DAY1));
    const again = await run(['replay', copy, '--state', state]);
    expect(again.code).toBe(0);
    expect(again.stderr).toBe(`tripline: skipped 1 file already replayed into ${state} (use --reprocess)\n`);
    expect(again.stdout).toContain('  files        0 read (0 B), 1 skipped (already replayed)');
    expect(again.stdout).toContain('  records      0 read');
    const forced = await run(['replay', copy, '--state', state, '--reprocess']);
    expect(forced.stderr).toBe('');
    expect(forced.stdout).toContain('  records      8 read, 8 events normalized');
  });

  it('reads only the new files of a folder replayed again', async () => {
    const dir = tempDir();
    const logs = join(dir, 'logs');
    mkdirSync(logs);
    write(logs, 'day1.json', readFileSync(DAY1));
    const state = join(dir, 'state.json');
    await run(['replay', logs, '--state', state]);
    write(logs, 'day2.jsonl', readFileSync(DAY2));
    const r = await run(['replay', logs, '--state', state]);
    expect(r.stderr).toContain('skipped 1 file already replayed');
    expect(r.stdout).toContain('  files        1 read');
    expect(brute(r.stdout)).toHaveLength(1);
  });

  it('a finding open from an earlier replay is reported as updated, not new', async () => {
    const dir = tempDir();
    const state = join(dir, 'state.json');
    const first = await run(['replay', UAL, '--state', state, '--format', 'jsonl']);
    const a = JSON.parse(lines(first.stdout)[0] as string) as { id: string; count: number };
    write(dir, 'later.jsonl', jsonl([inboxRule('2026-03-03T02:00:00', 'alice@contoso.com')]));
    const second = await run(['replay', join(dir, 'later.jsonl'), '--state', state, '--format', 'jsonl']);
    const b = JSON.parse(lines(second.stdout)[0] as string) as { id: string; count: number };
    expect(b.id).toBe(a.id);
    expect(b.count).toBe(2);
    write(dir, 'later2.jsonl', jsonl([inboxRule('2026-03-03T03:00:00', 'alice@contoso.com')]));
    const table = await run(['replay', join(dir, 'later2.jsonl'), '--state', state]);
    expect(table.stdout).toMatch(/findings {5}1: 1 high \(0 new, 1 updated from an earlier replay\)/);
    // Reading an event the finding already holds again (--reprocess) changes nothing.
    const again = await run([
      'replay',
      join(dir, 'later2.jsonl'),
      '--state',
      state,
      '--reprocess',
      '--format',
      'jsonl',
    ]);
    expect(again.stdout).toBe('');
  });

  it('defaults to .tripline/state.json in the working folder, creating the folder', async () => {
    const cwd = tempDir();
    const r = await run(['replay', DAY1], { cwd });
    expect(r.code).toBe(0);
    expect(existsSync(join(cwd, '.tripline', 'state.json'))).toBe(true);
    expect(r.stdout).toContain(`  state        ${join('.tripline', 'state.json')}`);
    expect((await run(['replay', DAY1], { cwd })).stderr).toContain(
      'skipped 1 file already replayed into .tripline/state.json',
    );
  });

  it('resolves a relative --state against the working folder', async () => {
    const cwd = tempDir();
    await run(['replay', DAY1, '--state', 'my-state.json'], { cwd });
    expect(existsSync(join(cwd, 'my-state.json'))).toBe(true);
  });

  it(':memory: writes no file', async () => {
    const cwd = tempDir();
    await run(['replay', DAY1, '--state', ':memory:'], { cwd });
    expect(existsSync(join(cwd, '.tripline'))).toBe(false);
  });

  // A disk that fills up mid-run, for real: the CLI runs under a file size limit (`ulimit -f`, in KiB)
  // small enough for the state file and too small for the quarantine file or the report, so writing
  // them fails with EFBIG as a full disk fails with ENOSPC.
  const limited = (kib: number, args: string[]) =>
    spawnSync('bash', ['-c', `ulimit -f ${kib}; exec node "$0" "$@"`, TRIPLINE, ...args], {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });

  it('a quarantine file that cannot be written loses nothing: exit 2, the state is left as it was, a rerun finds the finding', async () => {
    const dir = tempDir();
    const state = join(dir, 'state.json');
    const junk = Array.from({ length: 300 }, (_, i) => `{broken record ${i} of a damaged export}`);
    const logs = write(dir, 'ual.jsonl', `${readFileSync(UAL, 'utf8').trimEnd()}\n${junk.join('\n')}\n`);
    const full = limited(8, ['replay', logs, '--state', state, '--quarantine', join(dir, 'q.jsonl')]);
    expect(full.status).toBe(2);
    expect(full.stderr).toContain(`cannot write the quarantine file ${join(dir, 'q.jsonl')}: EFBIG`);
    expect(full.stderr).toContain('The state file was left as it was');
    expect(existsSync(state)).toBe(false);
    const again = await run(['replay', logs, '--state', state, '--format', 'jsonl']);
    expect(again.code).toBe(0);
    expect(again.stderr).not.toContain('already replayed');
    expect(lines(again.stdout)).toHaveLength(1);
  });

  it('a report that cannot be written leaves an existing state file as it was', async () => {
    const dir = tempDir();
    const state = join(dir, 'state.json');
    await run(['replay', DAY1, '--state', state]);
    const before = readFileSync(state);
    const r = limited(8, ['replay', DAY2, '--state', state, '--report', join(dir, 'report.html')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`cannot write the report to ${join(dir, 'report.html')}: EFBIG`);
    expect(readFileSync(state)).toEqual(before);
    expect(brute((await run(['replay', DAY2, '--state', state])).stdout)).toHaveLength(1);
  });

  it('a locked state file: exit 2, the message names the file and what to do', async () => {
    const dir = tempDir();
    const state = join(dir, 'state.json');
    const holder = await EmbeddedStateStore.open(state);
    try {
      const r = await run(['replay', DAY1, '--state', state]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(lines(r.stderr)).toHaveLength(1);
      expect(r.stderr).toContain(state);
      expect(r.stderr).toContain('in use by this process');
      expect(r.stderr).toContain('--state :memory:');
      expect(r.stderr).not.toMatch(/\n\s+at /);
    } finally {
      await holder.close();
    }
  });

  it('a corrupt state file: exit 2, the message names the file and what to do', async () => {
    const dir = tempDir();
    const state = join(dir, 'state.json');
    writeFileSync(
      state,
      '{"format":"tripline-state","version":1,"items":3}\n{"key":"a","version":1,"expiresAt":1,"value":1}\n',
    );
    const r = await run(['replay', DAY1, '--state', state]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`State file ${state} is corrupt`);
    expect(r.stderr).toContain('Move it aside');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('a file that is not a state file is refused, not overwritten', async () => {
    const dir = tempDir();
    const state = write(dir, 'notes.txt', 'my notes\n');
    const r = await run(['replay', DAY1, '--state', state]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is not a Tripline state file');
    expect(readFileSync(state, 'utf8')).toBe('my notes\n');
  });
});
