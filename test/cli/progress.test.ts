import { ProgressDisplay } from '#shared/cli/progress';
import { DAY1, cleanupTempDirs, jsonl, lines, run, signIn, tempDir, write } from './helpers';

afterAll(cleanupTempDirs);

/** A folder of just over 4 MB of sign-ins (successes: no findings). */
function bigInput(): string {
  const dir = tempDir();
  const t0 = Date.parse('2026-03-05T00:00:00Z');
  const recs = Array.from({ length: 4000 }, (_, i) =>
    signIn(new Date(t0 + i * 1000).toISOString(), `user${i % 50}@contoso.com`, 0),
  );
  write(dir, 'big.jsonl', jsonl(recs));
  return dir;
}

describe('progress display', () => {
  let big: string;
  beforeAll(() => {
    big = bigInput();
  });

  it('off a terminal: a line at each 10% on stderr, for reading then detecting; never on stdout', async () => {
    const r = await run(['replay', big, '--state', ':memory:']);
    expect(r.code).toBe(0);
    const err = lines(r.stderr);
    const reading = err.filter((l) => l.startsWith('tripline: reading '));
    const detecting = err.filter((l) => l.startsWith('tripline: detecting '));
    expect(reading.length).toBeGreaterThanOrEqual(2);
    expect(reading.at(-1)).toMatch(/^tripline: reading 100% \(4\.\d MB of 4\.\d MB\)$/);
    expect(detecting.at(-1)).toBe('tripline: detecting 100% (4,000 of 4,000 events)');
    expect(err).toHaveLength(reading.length + detecting.length);
    expect(r.stdout).not.toContain('reading');
    expect(r.stdout).toContain('  records      4,000 read, 4,000 events normalized');
  });

  it('on a terminal: one bar redrawn with \\r, ended by a newline', async () => {
    const r = await run(['replay', big, '--state', ':memory:', '--format', 'jsonl'], {
      isTTY: { stdout: false, stderr: true },
    });
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('\r\u001b[Ktripline: reading   [########################] 100%');
    expect(r.stderr).toContain(
      '\r\u001b[Ktripline: detecting [########################] 100% (4,000 of 4,000 events)\n',
    );
  });

  it('--no-progress turns it off', async () => {
    const r = await run(['replay', big, '--state', ':memory:', '--no-progress', '--format', 'jsonl']);
    expect(r.stderr).not.toContain('reading');
    expect(lines(r.stderr)).toHaveLength(1);
  });

  it('small input shows none', async () => {
    const r = await run(['replay', DAY1, '--state', ':memory:'], { isTTY: { stdout: false, stderr: true } });
    expect(r.stderr).toBe('');
  });
});

describe('ProgressDisplay', () => {
  it('clears the bar before a message and throttles redraws', () => {
    let out = '';
    let t = 0;
    const p = new ProgressDisplay({ write: (s) => (out += s), tty: true, enabled: true, now: () => t });
    const total = 8 * 1024 * 1024;
    p.update({ phase: 'read', done: 0, total });
    t = 10;
    p.update({ phase: 'read', done: 1024, total }); // within 100 ms: skipped
    expect(out.split('\r').length - 1).toBe(1);
    p.log('tripline: a.json: empty file');
    expect(out.endsWith('\r\u001b[Ktripline: a.json: empty file\n')).toBe(true);
    p.update({ phase: 'read', done: total / 2, total });
    expect(out).toContain(' 50% (4.0 MB of 8.0 MB)');
    p.done();
    expect(out.endsWith('\n')).toBe(true);
  });

  it('log prints plainly when no bar is shown', () => {
    let out = '';
    const p = new ProgressDisplay({ write: (s) => (out += s), tty: true, enabled: false });
    p.update({ phase: 'read', done: 1, total: 100 * 1024 * 1024 });
    p.log('hello');
    expect(out).toBe('hello\n');
  });
});
