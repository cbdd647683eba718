import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { configFromValue, parseConfig } from '#shared/config/tripline-config';
import { ALL_RULES } from '#shared/rules/index';
import { BASE, TENANT, consentAudit } from '#shared/rules/testing/records';
import { DAY1, UAL, cleanupTempDirs, inboxRule, jsonl, lines, run, tempDir, write } from './helpers';

afterAll(cleanupTempDirs);

function configFile(doc: unknown, name = 'tripline.json'): string {
  return write(tempDir(), name, typeof doc === 'string' ? doc : JSON.stringify(doc));
}

const findingsOf = (stdout: string) =>
  lines(stdout).map((l) => JSON.parse(l) as { ruleId: string; severity: string; principal: string });

describe('--config', () => {
  it('applies rule overrides: a lower count makes day 1 alone fire', async () => {
    const cfg = configFile({ overrides: { 'test-brute-force': { count: 5, severity: 'high' } } });
    const r = await run(['replay', DAY1, '--state', ':memory:', '--config', cfg, '--format', 'jsonl']);
    expect(r.code).toBe(0);
    expect(findingsOf(r.stdout)).toEqual([
      expect.objectContaining({ ruleId: 'test-brute-force', severity: 'high' }),
    ]);
  });

  it('reads YAML as well as JSON, with the same meaning', async () => {
    const cfg = configFile(
      '# tune the test rules\noverrides:\n  test-brute-force:\n    count: 5\n    severity: high\n',
      'tripline.yaml',
    );
    const r = await run(['replay', DAY1, '--state', ':memory:', '--config', cfg, '--format', 'jsonl']);
    expect(r.code).toBe(0);
    expect(findingsOf(r.stdout)).toEqual([
      expect.objectContaining({ ruleId: 'test-brute-force', severity: 'high' }),
    ]);
  });

  it('applies allow lists: an allow-listed account is not counted, an allow-listed range is checked', async () => {
    const quiet = configFile({
      overrides: { 'test-brute-force': { count: 5, allowPrincipals: ['ALICE@contoso.com'] } },
    });
    const r = await run(['replay', DAY1, '--state', ':memory:', '--config', quiet, '--format', 'jsonl']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    const bad = configFile({ overrides: { 'test-brute-force': { allowIps: ['10.0.0.0/33'] } } });
    const b = await run(['replay', DAY1, '--state', ':memory:', '--config', bad]);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain(
      "overrides.test-brute-force.allowIps: '10.0.0.0/33' is not an IP address or CIDR range like 203.0.113.0/24",
    );
  });

  it('passes globals to every rule: a tenant domain is not "outside"', async () => {
    const cfg = configFile({ globals: { tenantDomains: ['mailbox-archive.example'] } });
    const r = await run(['replay', UAL, '--state', ':memory:', '--config', cfg, '--format', 'jsonl']);
    expect(r.stdout).toBe('');
  });

  it('tenantDomains reaches shipped rules that declare it, although their own default is empty', async () => {
    const dir = tempDir();
    const ual = write(dir, 'ual.jsonl', jsonl([inboxRule('2026-03-03T00:09:40', 'alice@contoso.com')]));
    const plain = await run(['replay', ual, '--state', ':memory:', '--format', 'jsonl'], {
      rules: ALL_RULES,
    });
    expect(findingsOf(plain.stdout).map((f) => f.ruleId)).toEqual(['inbox-forwarding']);
    const cfg = configFile('tenantDomains: [contoso.com, mailbox-archive.example]\n', 'tripline.yaml');
    const tuned = await run(['replay', ual, '--state', ':memory:', '--config', cfg, '--format', 'jsonl'], {
      rules: ALL_RULES,
    });
    expect(tuned.code).toBe(0);
    expect(tuned.stdout).toBe('');
  });

  it('can disable a sequence together with its step', async () => {
    const cfg = configFile({
      overrides: { 'test-forwarding': { enabled: false }, 'test-takeover': { enabled: false } },
    });
    const r = await run(['replay', UAL, '--state', ':memory:', '--config', cfg, '--format', 'jsonl']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
  });

  it('refuses to disable a step of an enabled sequence, naming both and what to do', async () => {
    const cfg = configFile('overrides:\n  test-forwarding:\n    enabled: false\n', 'tripline.yaml');
    const r = await run(['replay', UAL, '--state', ':memory:', '--config', cfg]);
    expect(r.code).toBe(2);
    expect(lines(r.stderr)[0]).toBe(
      `tripline: ${cfg}:3:14: overrides.test-forwarding.enabled: 'test-forwarding' is step 2 of the sequence 'test-takeover', which stays enabled and would never complete. ` +
        `Disable 'test-takeover' too (overrides.test-takeover.enabled: false), or keep 'test-forwarding' enabled and tune it (severity, count, params) or allow-list what it should not see.`,
    );
  });

  it('lists every problem with its line and path, then exits 2', async () => {
    const cfg = configFile(
      [
        'overides: {}',
        'overrides:',
        '  test-brute-force:',
        '    count: 0',
        '    window: soon',
        '    severity: urgent',
        '    cuont: 3',
        'globals:',
        '  tenantDomains: [contoso.com, ""]',
        '',
      ].join('\n'),
      'tripline.yaml',
    );
    const r = await run(['replay', DAY1, '--state', ':memory:', '--config', cfg]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const err = lines(r.stderr);
    expect(err).toEqual(
      expect.arrayContaining([
        `tripline: ${cfg}:1:1: (top level): unknown key "overides" (allowed: rules, tenantDomains, scopeWeights, overrides, allow, globals)`,
        `tripline: ${cfg}:4:12: overrides.test-brute-force.count: must be at least 1`,
        `tripline: ${cfg}:5:13: overrides.test-brute-force.window: must be a duration like "90s", "15m", "2h", "14d" or "1w"`,
        `tripline: ${cfg}:6:15: overrides.test-brute-force.severity: must be one of info, low, medium, high, critical`,
        `tripline: ${cfg}:7:5: overrides.test-brute-force: unknown key "cuont"`,
        `tripline: ${cfg}:9:32: globals.tenantDomains[1]: must not be empty`,
      ]),
    );
    expect(err.pop()).toBe(
      `tripline: fix ${cfg} and run again (rules: docs/rules.md; config: docs/cli.md, "Config file").`,
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('an override for a rule that does not exist names the known ids', async () => {
    const cfg = configFile({ overrides: { 'test-brute-forse': { count: 3 } } });
    const r = await run(['replay', DAY1, '--state', ':memory:', '--config', cfg]);
    expect(r.code).toBe(2);
    expect(lines(r.stderr)[0]).toBe(
      `tripline: ${cfg}:1:15: overrides.test-brute-forse: no rule has this id; known ids: test-brute-force, test-forwarding, test-takeover`,
    );
  });

  it('an override that does not apply to the rule kind is refused rather than ignored', async () => {
    const cfg = configFile('overrides:\n  test-forwarding:\n    count: 3\n', 'tripline.yaml');
    const r = await run(['replay', DAY1, '--state', ':memory:', '--config', cfg]);
    expect(r.code).toBe(2);
    expect(lines(r.stderr)[0]).toBe(
      `tripline: ${cfg}:3:12: overrides.test-forwarding.count: does not apply to test-forwarding, a match rule (count tunes threshold and distinct rules)`,
    );
  });

  it('reports overrides named __proto__ or constructor as unknown rule ids, like any other key', async () => {
    const cfg = configFile(
      '{"overrides": {"__proto__": {"enabled": false}, "constructor": {"enabled": false}}}',
    );
    const r = await run(['replay', DAY1, '--state', ':memory:', '--config', cfg]);
    expect(r.code).toBe(2);
    expect(lines(r.stderr)[0]).toBe(
      `tripline: ${cfg}:1:16: overrides.__proto__: no rule has this id (a reserved name)`,
    );
    // The same in YAML, for globals and scope weights too, each with its line.
    const yaml = configFile(
      'globals:\n  __proto__: { x: 1 }\nscopeWeights:\n  __proto__: 3\n',
      'tripline.yaml',
    );
    const y = await run(['replay', DAY1, '--state', ':memory:', '--config', yaml]);
    expect(y.code).toBe(2);
    expect(lines(y.stderr).slice(0, 2)).toEqual([
      `tripline: ${yaml}:4:3: scopeWeights.__proto__: a reserved name, not a scope`,
      `tripline: ${yaml}:2:3: globals.__proto__: a reserved name, not a parameter`,
    ]);
    const r2 = await run([
      'replay',
      DAY1,
      '--state',
      ':memory:',
      '--config',
      configFile('{"overrides": {"constructor": {}}}'),
    ]);
    expect(r2.stderr).toContain('overrides.constructor: no rule has this id');
  });

  it('a config file that is not JSON, or missing, is bad usage', async () => {
    const bad = configFile('{"overrides": {');
    const r = await run(['replay', DAY1, '--state', ':memory:', '--config', bad]);
    expect(r.code).toBe(2);
    expect(lines(r.stderr)[0]).toMatch(new RegExp(`^tripline: ${bad}:1:\\d+: invalid JSON: `));
    const cwd = tempDir();
    const missing = await run(['replay', DAY1, '--state', ':memory:', '--config', 'nope.json'], { cwd });
    expect(missing.code).toBe(2);
    expect(lines(missing.stderr)[0]).toBe('tripline: nope.json: no such file');
  });

  it('a config problem is reported before anything is read or any state file is created', async () => {
    const cwd = tempDir();
    const cfg = configFile({ overrides: { nope: {} } });
    await run(['replay', DAY1, '--config', cfg], { cwd });
    expect(existsSync(join(cwd, '.tripline'))).toBe(false);
  });
});

describe('allow lists in the config', () => {
  const forwardTo = 'drop@mailbox-archive.example';
  const ualFile = () =>
    write(tempDir(), 'ual.jsonl', jsonl([inboxRule('2026-03-03T00:09:40', 'alice@contoso.com', forwardTo)]));
  const replayWith = async (allowYaml: string) => {
    const cfg = configFile(`allow:\n${allowYaml}`, 'tripline.yaml');
    return run(['replay', ualFile(), '--state', ':memory:', '--config', cfg, '--format', 'jsonl']);
  };

  it('an entry for a principal keeps that principal out of the rule', async () => {
    const r = await replayWith(
      '  - rule: test-forwarding\n    principal: ALICE@contoso.com\n    reason: archive mailbox\n    expires: 2099-01-01\n',
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
  });

  it('an entry for another principal, or another rule, changes nothing', async () => {
    const other = await replayWith(
      '  - rule: test-forwarding\n    principal: bob@contoso.com\n    reason: x\n    expires: never\n',
    );
    expect(findingsOf(other.stdout).map((f) => f.ruleId)).toEqual(['test-forwarding']);
    const otherRule = await replayWith(
      '  - rule: test-brute-force\n    principal: alice@contoso.com\n    reason: x\n    expires: never\n',
    );
    expect(findingsOf(otherRule.stdout).map((f) => f.ruleId)).toEqual(['test-forwarding']);
  });

  it('an entry for an address range applies to every rule when it names none', async () => {
    const r = await replayWith('  - cidr: 198.51.100.0/24\n    reason: office egress\n    expires: never\n');
    expect(r.stdout).toBe('');
  });

  it('an entry applies to events before its expiry only, and an expired one is reported', async () => {
    // The record is from 2026-03-03; an entry that ended on 2026-03-02 no longer covers it.
    const r = await replayWith(
      '  - rule: test-forwarding\n    principal: alice@contoso.com\n    reason: migration\n    expires: 2026-03-02\n',
    );
    expect(findingsOf(r.stdout).map((f) => f.ruleId)).toEqual(['test-forwarding']);
    expect(r.stderr).toMatch(
      /tripline: .*tripline\.yaml:2: allow\[0\] \(principal alice@contoso\.com, rule test-forwarding\) expired 2026-03-02 and no longer applies to newer events: renew or remove it/,
    );
    const covered = await replayWith(
      '  - rule: test-forwarding\n    principal: alice@contoso.com\n    reason: migration\n    expires: 2026-03-03\n',
    );
    expect(covered.stdout).toBe('');
  });

  it('an entry needs a reason, one matcher and a real date', async () => {
    const r = await replayWith(
      [
        '  - rule: test-forwarding',
        '    principal: a@contoso.com',
        '    app: 00000002-0000-0ff1-ce00-000000000000',
        '    expires: 2026-02-30',
        '',
      ].join('\n'),
    );
    expect(r.code).toBe(2);
    const err = lines(r.stderr).join('\n');
    expect(err).toContain('allow[0].reason: is required');
    expect(err).toContain('allow[0]: has principal and app; write one entry for each');
    expect(err).toContain(
      "allow[0].expires: '2026-02-30' is not a date like 2026-12-31, an ISO time, or never",
    );
  });

  it('a sequence cannot be allow-listed: its steps are named instead', async () => {
    const r = await replayWith(
      '  - rule: test-takeover\n    principal: a@contoso.com\n    reason: x\n    expires: never\n',
    );
    expect(r.code).toBe(2);
    expect(lines(r.stderr)[0]).toMatch(
      /allow\[0\]\.rule: 'test-takeover' is a sequence, which has no events of its own; allow-list its step rules \(test-brute-force, test-forwarding\) instead$/,
    );
  });
});

describe('parseConfig', () => {
  it('accepts an empty mapping and keeps only what was given', () => {
    const r = configFromValue({}, 'c.json');
    expect(
      r.ok && { overrides: r.config.overrides, globals: r.config.globals, allow: r.config.allow },
    ).toEqual({
      overrides: {},
      globals: {},
      allow: [],
    });
    const r2 = parseConfig('overrides:\n  a: { window: 2h, count: 3 }\nglobals: { x: 1 }\n', 'c.yaml');
    expect(r2.ok && r2.config.overrides).toEqual({ a: { window: '2h', count: 3 } });
    expect(r2.ok && r2.config.globals).toEqual({ x: 1 });
  });

  it('rejects a document that is not a mapping', () => {
    const r = configFromValue([1], 'c.json');
    expect(r.ok).toBe(false);
  });
});

describe('scopeWeights in the config', () => {
  const consent = (scopes: string[]) =>
    consentAudit({
      upn: 'alice@contoso.com',
      ip: '198.51.100.23',
      at: BASE,
      appId: '3f1a2b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b',
      appName: 'Notes Sync',
      scopes,
    });
  const replayConsent = async (scopes: string[], config?: string) => {
    const dir = tempDir();
    const file = write(dir, 'audit.jsonl', jsonl([consent(scopes)]));
    const argv = ['replay', file, '--state', ':memory:', '--tenant', TENANT, '--format', 'jsonl'];
    if (config) argv.push('--config', write(dir, 'tripline.yaml', config));
    const r = await run(argv, { rules: ALL_RULES });
    expect(r.code).toBe(0);
    return findingsOf(r.stdout).filter((f) => f.ruleId === 'oauth-risky-consent');
  };

  it('a scope the shipped table does not know becomes sensitive with a weight', async () => {
    expect(await replayConsent(['Notes.ReadWrite.All'])).toEqual([]);
    const tuned = await replayConsent(['Notes.ReadWrite.All'], 'scopeWeights: { Notes.ReadWrite.All: 3 }\n');
    expect(tuned).toEqual([expect.objectContaining({ severity: 'critical' })]);
  });

  it('weight 0 makes a shipped sensitive scope harmless', async () => {
    expect(await replayConsent(['Mail.ReadWrite'])).toHaveLength(1);
    expect(await replayConsent(['Mail.ReadWrite'], 'scopeWeights: { mail.readwrite: 0 }\n')).toEqual([]);
  });
});
