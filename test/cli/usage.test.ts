import { REPLAY_FLAGS } from '#shared/cli/help';
import type { RuleDefinition } from '#shared/engine/rule';
import { DAY1, cleanupTempDirs, lines, run } from './helpers';
import { TEST_RULES } from './test-rules';

afterAll(cleanupTempDirs);

/** Bad usage: exit 2, one message on stderr that says what to do, nothing on stdout, no stack. */
function expectUsage(r: { code: number; stdout: string; stderr: string }, ...parts: string[]): void {
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(/^tripline: /);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  for (const p of parts) expect(r.stderr).toContain(p);
}

describe('help and version', () => {
  it('--help lists the commands with examples, on stdout, exit 0', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('tripline replay <files or folders...>');
    expect(r.stdout).toContain('tripline rules');
    expect(r.stdout).toContain('Examples:');
    expect(r.stderr).toBe('');
  });

  it('replay --help documents every replay flag, the exit codes and examples', async () => {
    const r = await run(['replay', '--help']);
    expect(r.code).toBe(0);
    for (const f of REPLAY_FLAGS) expect(r.stdout).toContain(`--${f.name}`);
    expect(r.stdout).toContain('Exit codes');
    expect(r.stdout).toMatch(/Examples:\n {2}tripline replay/);
  });

  it('`help replay` and `-h` show the same text as replay --help', async () => {
    const a = await run(['replay', '--help']);
    expect((await run(['help', 'replay'])).stdout).toBe(a.stdout);
    expect((await run(['replay', '-h'])).stdout).toBe(a.stdout);
  });

  it('rules --help explains the rules command', async () => {
    const r = await run(['rules', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: tripline rules');
  });

  it('--version prints the package version alone', async () => {
    const r = await run(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\d+\.\d+\.\d+\S*\n$/);
  });
});

describe('bad usage exits 2 with a message that says what to do', () => {
  it('no command: usage on stderr', async () => {
    const r = await run([]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('missing command');
  });

  it('unknown command, with a suggestion', async () => {
    expectUsage(
      await run(['replya', 'x']),
      "unknown command 'replya'",
      'Did you mean replay?',
      'tripline --help',
    );
  });

  it('unknown flag, with a suggestion and where to read more', async () => {
    const r = await run(['replay', '--fromat', 'table', DAY1]);
    expect(lines(r.stderr)).toEqual([
      'tripline: unknown flag --fromat. Did you mean --format? Run `tripline replay --help`.',
    ]);
    expectUsage(r);
  });

  it('unknown flag far from any known one: no suggestion', async () => {
    const r = await run(['replay', '--zzzzzzzz', DAY1]);
    expectUsage(r, 'unknown flag --zzzzzzzz.', 'tripline replay --help');
    expect(r.stderr).not.toContain('Did you mean');
  });

  it('a missing value', async () => {
    expectUsage(await run(['replay', DAY1, '--format']), '--format needs a value (table or jsonl)');
    expectUsage(await run(['replay', '--state', '--reprocess', DAY1]), '--state needs a value (PATH)');
  });

  it('a bad severity, format, details or source, naming the allowed values', async () => {
    expectUsage(
      await run(['replay', DAY1, '--fail-on', 'severe']),
      "--fail-on must be info, low, medium, high or critical, not 'severe'",
    );
    expectUsage(
      await run(['replay', DAY1, '--format', 'jsn']),
      "--format must be table or jsonl, not 'jsn'",
      'Did you mean jsonl?',
    );
    expectUsage(
      await run(['replay', DAY1, '--details=some']),
      "--details must be none, high or all, not 'some'",
    );
    expectUsage(
      await run(['replay', DAY1, '--source', 'entra.signins']),
      "--source must be aws.cloudtrail, entra.audit, entra.signin, m365.audit, google.workspace, github.audit, slack.audit or k8s.audit, not 'entra.signins'",
      'Did you mean entra.signin?',
    );
  });

  it('a bad duration', async () => {
    expectUsage(
      await run(['replay', DAY1, '--lateness', 'soon']),
      "--lateness must be a duration like 30m, 2h or 1d, not 'soon'",
    );
  });

  it('a value given to a switch', async () => {
    expectUsage(await run(['replay', DAY1, '--reprocess=yes']), "--reprocess takes no value (got 'yes')");
  });

  it('no paths', async () => {
    expectUsage(
      await run(['replay', '--format', 'jsonl']),
      'replay needs at least one file or folder',
      'tripline replay ./logs',
    );
  });

  it('a flag before the command', async () => {
    expectUsage(await run(['--format', 'jsonl', 'replay', DAY1]), 'unknown flag --format before the command');
  });

  it('rules takes no arguments', async () => {
    expectUsage(await run(['rules', 'extra']), '`tripline rules` takes no arguments');
  });
});

describe('internal errors', () => {
  const broken = [{ ...TEST_RULES[1], id: 'Not Kebab' }] as unknown as RuleDefinition[];

  it('exit 3 with a short message and how to get details; the stack only with TRIPLINE_DEBUG', async () => {
    const r = await run(['replay', DAY1, '--state', ':memory:'], { rules: broken });
    expect(r.code).toBe(3);
    expect(lines(r.stderr)[0]).toMatch(/^tripline: internal error: 1 problem in rule definitions:/);
    expect(lines(r.stderr).pop()).toBe(
      'tripline: this is a bug in Tripline; run again with TRIPLINE_DEBUG=1 for details and report it.',
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const debug = await run(['replay', DAY1, '--state', ':memory:'], {
      rules: broken,
      env: { TRIPLINE_DEBUG: '1' },
    });
    expect(debug.stderr).toMatch(/\n\s+at /);
  });
});
