import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { validateConfig } from '#shared/cli/config';
import { DAY1, UAL, cleanupTempDirs, lines, run, tempDir, write } from './helpers';

afterAll(cleanupTempDirs);

function configFile(doc: unknown): string {
  return write(tempDir(), 'tripline.json', typeof doc === 'string' ? doc : JSON.stringify(doc));
}

describe('--config', () => {
  it('applies rule overrides: a lower count makes day 1 alone fire', async () => {
    const cfg = configFile({ overrides: { 'test-brute-force': { count: 5, severity: 'high' } } });
    const r = await run(['replay', DAY1, '--state', ':memory:', '--config', cfg, '--format', 'jsonl']);
    expect(r.code).toBe(0);
    expect(lines(r.stdout).map((l) => JSON.parse(l) as { ruleId: string; severity: string })).toEqual([
      expect.objectContaining({ ruleId: 'test-brute-force', severity: 'high' }),
    ]);
  });

  it('passes globals to every rule: a tenant domain is not "outside"', async () => {
    const cfg = configFile({ globals: { tenantDomains: ['mailbox-archive.example'] } });
    const r = await run(['replay', UAL, '--state', ':memory:', '--config', cfg, '--format', 'jsonl']);
    expect(r.stdout).toBe('');
  });

  it('can disable a rule', async () => {
    const cfg = configFile({
      overrides: { 'test-forwarding': { enabled: false }, 'test-takeover': { enabled: false } },
    });
    const r = await run(['replay', UAL, '--state', ':memory:', '--config', cfg, '--format', 'jsonl']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
  });

  it('lists every problem with its path, then exits 2', async () => {
    const cfg = configFile({
      overides: {},
      overrides: { 'test-brute-force': { count: 0, window: 'soon', severity: 'urgent', cuont: 3 } },
      globals: { tenantDomains: ['contoso.com', 7] },
    });
    const r = await run(['replay', DAY1, '--state', ':memory:', '--config', cfg]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const err = lines(r.stderr);
    const at = (p: string) => err.filter((l) => l.startsWith(`tripline: ${cfg}: ${p}: `));
    expect(at('(top level)')[0]).toContain('unknown key "overides" (allowed: overrides, globals)');
    expect(at('overrides.test-brute-force')[0]).toContain('unknown key "cuont"');
    expect(at('overrides.test-brute-force.count')[0]).toContain('must be at least 1');
    expect(at('overrides.test-brute-force.window')[0]).toContain('must be a duration like "15m"');
    expect(at('overrides.test-brute-force.severity')[0]).toContain(
      'must be one of info, low, medium, high, critical',
    );
    expect(at('globals.tenantDomains[1]')).toHaveLength(1);
    expect(err.pop()).toBe(`tripline: fix ${cfg} and run again (format: docs/cli.md, "Config file").`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('an override for a rule that does not exist names the known ids', async () => {
    const cfg = configFile({ overrides: { 'test-brute-forse': { count: 3 } } });
    const r = await run(['replay', DAY1, '--state', ':memory:', '--config', cfg]);
    expect(r.code).toBe(2);
    expect(lines(r.stderr)[0]).toBe(
      `tripline: ${cfg}: overrides.test-brute-forse: no rule has this id; known ids: test-brute-force, test-forwarding, test-takeover`,
    );
  });

  it('reports overrides named __proto__ or constructor as unknown rule ids, like any other key', async () => {
    const cfg = configFile(
      '{"overrides": {"__proto__": {"enabled": false}, "constructor": {"enabled": false}}}',
    );
    const r = await run(['replay', DAY1, '--state', ':memory:', '--config', cfg]);
    expect(r.code).toBe(2);
    expect(lines(r.stderr)[0]).toBe(
      `tripline: ${cfg}: overrides.__proto__: no rule has this id (a reserved name)`,
    );
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
    expect(lines(r.stderr)[0]).toMatch(new RegExp(`^tripline: ${bad}: not valid JSON: `));
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

describe('validateConfig', () => {
  it('accepts an empty document and keeps only what was given', () => {
    expect(validateConfig({})).toEqual({ ok: true, config: { overrides: {}, globals: {} } });
    expect(validateConfig({ overrides: { a: { window: '2h', count: 3 } }, globals: { x: 1 } })).toEqual({
      ok: true,
      config: { overrides: { a: { window: '2h', count: 3 } }, globals: { x: 1 } },
    });
  });

  it('rejects a document that is not an object', () => {
    const r = validateConfig([1]);
    expect(r.ok).toBe(false);
  });
});
