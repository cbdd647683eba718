import type { Finding } from '#shared/engine/findings';
import {
  DAY1,
  DAY2,
  FIXTURES,
  UAL,
  cleanupTempDirs,
  inboxRule,
  jsonl,
  lines,
  run,
  signIn,
  tempDir,
  write,
} from './helpers';
import { FIXTURE_TENANT, TEST_RULES } from './test-rules';

afterAll(cleanupTempDirs);

const ALL = ['replay', FIXTURES, '--state', ':memory:', '--tenant', FIXTURE_TENANT];
const ESC = '\u001b[';

describe('--format jsonl', () => {
  it('prints one finding JSON per line on stdout and nothing else; messages go to stderr', async () => {
    const r = await run([...ALL, '--format', 'jsonl']);
    expect(r.code).toBe(0);
    expect(r.stdout.endsWith('\n')).toBe(true);
    const findings = lines(r.stdout).map((l) => JSON.parse(l) as Finding);
    expect(findings.map((f) => f.ruleId)).toEqual(['test-takeover', 'test-forwarding', 'test-brute-force']);
    for (const f of findings) {
      expect(f.schemaVersion).toBe(1);
      expect(f.tenant).toBe(FIXTURE_TENANT);
    }
    expect(r.stderr).toContain('3 findings (1 critical, 1 high, 1 medium) from 17 events');
  });

  it('prints nothing at all on stdout when there are no findings', async () => {
    const r = await run(['replay', DAY1, '--state', ':memory:', '--format', 'jsonl']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('0 findings');
  });

  it('keeps stdout clean while records are quarantined and the progress display runs', async () => {
    const dir = tempDir();
    write(dir, 'bad.jsonl', '{"foo": 1}\n');
    write(dir, 'empty.json', '');
    write(dir, 'ual.jsonl', jsonl([inboxRule('2026-03-03T00:09:40', 'alice@contoso.com')]));
    const r = await run(['replay', dir, '--state', ':memory:', '--format', 'jsonl'], {
      isTTY: { stdout: false, stderr: true },
    });
    expect(lines(r.stdout)).toHaveLength(1);
    expect(JSON.parse(lines(r.stdout)[0] as string)).toMatchObject({ ruleId: 'test-forwarding' });
    expect(r.stderr).toContain('bad.jsonl:1: unknown record shape');
  });
});

describe('--format table (default)', () => {
  it('prints the findings table, the details of high and critical findings, and the summary', async () => {
    const r = await run(ALL);
    expect(r.code).toBe(0);
    const out = r.stdout;
    const [header, ...rows] = lines(out.slice(0, out.indexOf('\n\n')));
    expect(header).toMatch(/^SEVERITY\s+RULE\s+PRINCIPAL\s+TITLE\s+LAST SEEN \(UTC\)\s+COUNT$/);
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatch(
      /^CRITICAL\s+test-takeover\s+alice@contoso.com\s+Account takeover .*2026-03-03 00:09:40\s+1$/,
    );
    expect(rows[2]).toMatch(
      /^MEDIUM\s+test-brute-force\s+alice@contoso.com\s+Password guessing .*2026-03-03 00:04:44\s+11$/,
    );
    // Details: critical and high only by default.
    expect(out).toContain('CRITICAL  Account takeover of alice@contoso.com');
    expect(out).toContain('HIGH  alice@contoso.com forwards mail outside the tenant');
    expect(out).not.toContain('MEDIUM  Password guessing');
    expect(out).toMatch(/ {2}first seen 2026-03-03 00:04:44 UTC\n {2}last seen {2}2026-03-03 00:09:40 UTC/);
    expect(out).toMatch(
      / {4}2026-03-03 00:04:44 {2}\[1\. password guessing\] {2}UserLoginFailed {2}alice@contoso\.com {2}198\.51\.100\.23/,
    );
    expect(out).toMatch(/\[2\. forwarding rule\] {4}New-InboxRule/);
    expect(out).toContain(
      '  runbook\n    1. Revoke the sessions of the account.\n    2. Remove the forwarding rule.',
    );
    // Summary.
    expect(out).toContain('Summary\n');
    expect(out).toMatch(/ {2}files {8}3 read \(\d+\.\d KB\)/);
    expect(out).toContain('  records      17 read, 17 events normalized, 0 quarantined');
    expect(out).toContain('  events from  2026-03-02 16:41:55 to 2026-03-03 00:14:05 UTC');
    expect(out).toContain('  findings     3: 1 critical, 1 high, 1 medium');
    expect(out).toMatch(/ {2}elapsed {6}\d+/);
    expect(out).not.toContain(ESC);
    expect(r.stderr).toBe('');
  });

  it('--details none prints no blocks; --details all prints one per finding', async () => {
    const none = await run([...ALL, '--details', 'none']);
    expect(none.stdout).not.toContain('  runbook');
    const all = await run([...ALL, '--details', 'all']);
    expect(all.stdout.match(/^ {2}runbook$/gm)).toHaveLength(3);
    expect(all.stdout).toContain('MEDIUM  Password guessing against alice@contoso.com');
    expect(all.stdout).toMatch(
      / {2}why {8}1\d failed sign-ins in 15 min for alice@contoso\.com, threshold 10\n/,
    );
  });

  it('says "No findings." when there are none', async () => {
    const r = await run(['replay', DAY2, '--state', ':memory:']);
    expect(r.stdout.startsWith('No findings.\n\nSummary\n')).toBe(true);
    expect(r.stdout).toContain('  findings     0\n');
  });

  it('colors only when stdout is a terminal and NO_COLOR is unset', async () => {
    const tty = await run(ALL, { isTTY: { stdout: true, stderr: false } });
    expect(tty.stdout).toContain(`${ESC}1;31mHIGH${ESC}0m`);
    const noColor = await run(ALL, { isTTY: { stdout: true, stderr: false }, env: { NO_COLOR: '1' } });
    expect(noColor.stdout).not.toContain(ESC);
    const jsonlTty = await run([...ALL, '--format', 'jsonl'], { isTTY: { stdout: true, stderr: true } });
    expect(jsonlTty.stdout).not.toContain(ESC);
  });

  it('fits the table to a terminal by cutting the title, then the principal', async () => {
    const r = await run(ALL, {
      isTTY: { stdout: true, stderr: false },
      env: { NO_COLOR: '1' },
      columns: 100,
    });
    const table = lines(r.stdout.slice(0, r.stdout.indexOf('\n\n')));
    expect(Math.max(...table.map((l) => l.length))).toBeLessThanOrEqual(100);
    expect(table[1]).toMatch(
      /^CRITICAL\s+test-takeover\s+alice@contoso\.com\s+Account takeover of a\w*…\s+2026-03-03 00:09:40\s+1$/,
    );
    const piped = await run(ALL, { columns: 100 });
    expect(lines(piped.stdout)[1]).toContain(
      'Account takeover of alice@contoso.com: guessing, then mail forwarding',
    );
  });

  it('notes the evidence left out of long findings', async () => {
    const dir = tempDir();
    const times = Array.from({ length: 30 }, (_, i) => `2026-03-04T10:${String(i).padStart(2, '0')}:00Z`);
    write(dir, 'spray.jsonl', jsonl(times.map((t) => signIn(t, 'carol@contoso.com'))));
    const r = await run(['replay', dir, '--state', ':memory:', '--details', 'all']);
    expect(r.stdout).toContain('MEDIUM  Password guessing against carol@contoso.com');
    expect(r.stdout).toMatch(/ {4}\d+ more matching events? not listed/);
  });
});

describe('--fail-on', () => {
  it('exits 1 when a finding at or above the threshold appears, and says so on stderr', async () => {
    const r = await run([...ALL, '--fail-on', 'critical']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('1 finding at or above critical (--fail-on critical): exit 1');
    expect((await run([...ALL, '--fail-on', 'info', '--format', 'jsonl'])).code).toBe(1);
  });

  it('exits 0 when every finding is below it', async () => {
    const r = await run(['replay', DAY1, DAY2, '--state', ':memory:', '--fail-on', 'high']);
    expect(r.stdout).toContain('findings     1: 1 medium');
    expect(r.code).toBe(0);
    expect((await run(['replay', DAY1, '--state', ':memory:', '--fail-on', 'info'])).code).toBe(0);
  });

  it('exits 1 on high with the forwarding rule alone', async () => {
    expect((await run(['replay', UAL, '--state', ':memory:', '--fail-on', 'high'])).code).toBe(1);
    expect((await run(['replay', UAL, '--state', ':memory:', '--fail-on', 'critical'])).code).toBe(0);
  });
});

describe('tenant of Graph exports', () => {
  it("without --tenant, gives tenant-less records the run's one Microsoft tenant and says so on stderr", async () => {
    const r = await run(['replay', FIXTURES, '--state', ':memory:', '--fail-on', 'critical']);
    expect(r.stdout).toContain('findings     3: 1 critical, 1 high, 1 medium');
    expect(r.code).toBe(1);
    expect(lines(r.stderr)[0]).toBe(
      `tripline: tenant ${FIXTURE_TENANT} assumed for 14 Microsoft records that carry none (Graph exports); give --tenant to set another`,
    );
  });

  it('with --tenant, uses it and assumes nothing', async () => {
    const r = await run([
      'replay',
      FIXTURES,
      '--state',
      ':memory:',
      '--tenant',
      'other-tenant',
      '--format',
      'jsonl',
    ]);
    expect(r.stderr).not.toContain('assumed');
    const findings = lines(r.stdout).map((l) => JSON.parse(l) as Finding);
    expect(findings.map((f) => f.ruleId)).toEqual(['test-forwarding', 'test-brute-force']);
    expect(findings[1]?.tenant).toBe('other-tenant');
  });
});

describe('rules', () => {
  it('lists id, severity, kind, ATT&CK and title as a table', async () => {
    const r = await run(['rules']);
    expect(r.code).toBe(0);
    const [header, ...rows] = lines(r.stdout);
    expect(header).toMatch(/^ID\s+SEVERITY\s+KIND\s+ATT&CK\s+TITLE$/);
    expect(rows[0]).toMatch(/^test-brute-force\s+medium\s+threshold\s+T1110\.001\s+Test rule$/);
    expect(rows[2]).toMatch(/^test-takeover\s+critical\s+sequence\s+T1110\.001, T1114\.003\s+Test rule$/);
    expect(r.stdout).toContain('3 rules.');
  });

  it('--format jsonl prints one rule per line', async () => {
    const r = await run(['rules', '--format', 'jsonl']);
    const rules = lines(r.stdout).map((l) => JSON.parse(l) as { id: string; kind: string });
    expect(rules.map((x) => x.id)).toEqual(TEST_RULES.map((x) => x.id).sort());
  });

  it('lists the shipped rules with ATT&CK ids, then the catalogue entries no rule covers and why', async () => {
    const r = await run(['rules'], { rules: undefined });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^inbox-hiding-rule\s+high\s+match\s+T1564\.008\s/m);
    expect(r.stdout).toMatch(/^privileged-role-grant\s+high\s+match\s+T1098\.003\s/m);
    expect(r.stdout).toContain('Catalogue entries no event rule covers');
    expect(r.stdout).toMatch(/^source-silent\s+poller\s+T1562\.008\s+Silence is the absence of events/m);
    expect(r.stdout).toMatch(/^exploitation\s+out-of-scope\s+T1189, T1190, T1203, T1210\s/m);
  });

  it('the shipped catalogue lists without error', async () => {
    const r = await run(['rules', '--format', 'jsonl'], { rules: undefined });
    expect(r.code).toBe(0);
    for (const l of lines(r.stdout)) expect(JSON.parse(l)).toHaveProperty('id');
  });
});
