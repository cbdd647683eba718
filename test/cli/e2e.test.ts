/**
 * The real command: `node bin/tripline.cjs ...` in a child process, with the shipped rules.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, UAL, cleanupTempDirs, lines, tempDir, write } from './helpers';

afterAll(cleanupTempDirs);

const BIN = join(__dirname, '..', '..', 'bin', 'tripline.cjs');

function tripline(
  args: string[],
  cwd: string = tempDir(),
): { code: number | null; stdout: string; stderr: string } {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env['TRIPLINE_DEBUG'];
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, env, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('tripline (child process)', () => {
  it('--version', () => {
    const r = tripline(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(
      (JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string })
        .version,
    );
  });

  it('bad usage: exit 2, a helpful message, no stack trace', () => {
    const r = tripline(['replay', '--fromat', 'jsonl', FIXTURES]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'tripline: unknown flag --fromat. Did you mean --format? Run `tripline replay --help`.\n',
    );
  });

  it('--format jsonl: stdout holds only finding JSON lines', () => {
    const r = tripline(['replay', FIXTURES, '--format', 'jsonl', '--state', ':memory:']);
    expect(r.code).toBe(0);
    for (const l of lines(r.stdout)) {
      const f = JSON.parse(l) as { schemaVersion: number; ruleId: string; severity: string };
      expect(f.schemaVersion).toBe(1);
      expect(typeof f.ruleId).toBe('string');
    }
    expect(r.stdout === '' || r.stdout.endsWith('\n')).toBe(true);
    expect(r.stderr).toMatch(
      /^tripline: \d+ findings? .* from 17 events \(17 records read, 0 quarantined\) in /m,
    );
  });

  it('table: findings, summary, default state file; unreadable files on stderr, the rest processed', () => {
    const cwd = tempDir();
    const logs = join(cwd, 'logs');
    mkdirSync(logs);
    write(logs, 'ual.jsonl', readFileSync(UAL));
    write(logs, 'empty.json', '');
    write(logs, 'broken.json', '{"Records": [{"eventVersion": "1.08", ');
    const r = tripline(['replay', 'logs'], cwd);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Summary\n');
    expect(r.stdout).toContain('  records      3 read, 3 events normalized, 0 quarantined');
    expect(lines(r.stderr)).toEqual([
      expect.stringMatching(/^tripline: logs\/broken\.json: invalid JSON at line 1: /),
      'tripline: logs/empty.json: empty file',
    ]);
    expect(existsSync(join(cwd, '.tripline', 'state.json'))).toBe(true);
  });

  it('--fail-on info exits 1 when the shipped rules find anything, 0 otherwise', () => {
    const r = tripline(['replay', FIXTURES, '--state', ':memory:', '--fail-on', 'info', '--format', 'jsonl']);
    expect(r.code).toBe(lines(r.stdout).length > 0 ? 1 : 0);
  });
});
