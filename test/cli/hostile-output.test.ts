/**
 * Text written into audit logs is attacker-controlled. These are the attacks of issue 13, run
 * through the real CLI and the shipped rules: nothing in a log may recolour, move, clear or add lines
 * on the analyst's terminal.
 */
import { ALL_RULES } from '#shared/rules/index';
import { BASE, MIN, consentAudit, inboxRule } from '#shared/rules/testing/records';
import { cleanupTempDirs, jsonl, run, tempDir, write } from './helpers';

afterAll(cleanupTempDirs);

/** The SGR colour sequences our own styles write (makeStyles); anything else with ESC came from data. */
const OUR_SGR = /\u001b\[(?:0|1|2|33|36|1;31|1;97;41)m/g;
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/;

describe('an OAuth app whose display name carries terminal escapes', () => {
  // Moves the cursor to the start of its own row, erases it and writes LOW in its place.
  const NAME = 'Mail Archiver Pro\u001b[1G\u001b[2K\rLOW       oauth-risky-consent  nothing to see';

  async function replayConsent(color: boolean) {
    const dir = tempDir();
    write(
      dir,
      'audit.json',
      JSON.stringify({
        value: [
          consentAudit({
            upn: 'bob@contoso.com',
            ip: '185.220.101.47',
            at: BASE,
            appId: '6f2d8c41-3a9e-4b7d-9c15-e0a4b2f7d381',
            appName: NAME,
            scopes: ['Mail.ReadWrite', 'Files.Read.All'],
            consentType: 'AllPrincipals',
          }),
        ],
      }),
    );
    return run(['replay', dir, '--state', ':memory:', '--tenant', 'contoso'], {
      rules: ALL_RULES,
      isTTY: { stdout: color, stderr: false },
      columns: 400,
    });
  }

  it('cannot rewrite its CRITICAL row to LOW: the escapes are shown, not obeyed', async () => {
    const r = await replayConsent(true);
    const row = r.stdout.split('\n').find((l) => l.includes('oauth-risky-consent') && l.includes('CRITICAL'));
    expect(row).toBeDefined();
    expect(row).toContain('\\x1b[1G\\x1b[2K\\rLOW');
    expect(r.stdout.replace(OUR_SGR, '')).not.toMatch(RAW_CONTROL);
    expect(r.stdout).not.toContain('\r');
  });

  it('shows the same escapes without colours (a pipe or NO_COLOR)', async () => {
    const r = await replayConsent(false);
    expect(r.stdout).toContain('Mail Archiver Pro\\x1b[1G');
    expect(r.stdout).not.toMatch(RAW_CONTROL);
    expect(r.stdout).not.toContain('\u001b');
  });
});

describe('a record whose keys carry escapes', () => {
  it('cannot clear the screen through its quarantine line on stderr', async () => {
    const dir = tempDir();
    write(dir, 'x.jsonl', `${JSON.stringify({ '\u001b[2J\u001b[H': 1, '\u009b2J': 2, ok: 3 })}\n`);
    const r = await run(['replay', dir, '--state', ':memory:']);
    const line = r.stderr.split('\n').find((l) => l.includes('x.jsonl:1:'));
    expect(line).toContain('\\x1b[2J\\x1b[H');
    expect(line).toContain('\\x9b2J');
    expect(r.stderr).not.toMatch(RAW_CONTROL);
  });

  it('cannot forge stderr lines through a file name', async () => {
    const dir = tempDir();
    write(dir, 'a\nnothing readable: all clear.jsonl', 'not json\n');
    const r = await run(['replay', dir, '--state', ':memory:']);
    expect(r.stderr.split('\n').some((l) => l.startsWith('nothing readable'))).toBe(false);
    expect(r.stderr).toContain('a\\nnothing readable: all clear.jsonl');
  });
});

describe('an inbox rule whose name carries line breaks', () => {
  it('cannot add "severity low" or "why approved by IT" lines to the details block', async () => {
    const dir = tempDir();
    const name = 'Archive\n  severity   low\n  why        approved by IT (ticket 4411)';
    write(
      dir,
      'ual.jsonl',
      jsonl([
        inboxRule({
          user: 'alice@contoso.com',
          at: BASE + MIN,
          params: { Name: name, ForwardTo: 'drop@evil.example', StopProcessingRules: 'True' },
        }),
      ]),
    );
    const r = await run(['replay', dir, '--state', ':memory:'], { rules: ALL_RULES, columns: 300 });
    expect(r.stdout).toContain('HIGH');
    const lines = r.stdout.split('\n');
    expect(lines.filter((l) => /^\s*severity\b/.test(l))).toEqual(['  severity   high']);
    expect(lines.filter((l) => /^\s*why\b/.test(l))).toHaveLength(1);
    expect(lines.find((l) => /^\s*why\b/.test(l))).toContain('"Archive\\n  severity   low\\n  why');
    expect(r.stdout).not.toMatch(RAW_CONTROL);
  });
});
