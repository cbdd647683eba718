/**
 * `tripline respond` and `tripline undo` as a user runs them: findings as JSON lines in a file,
 * credentials in the environment, records in a state file, Graph and the Entra token service over
 * HTTPS keeping state.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '#shared/cli/main';
import { testCaFetch } from '../support/https-fetch';
import { RESPONDER_APP, RESPONDER_SECRET, TENANT, chainFinding, startTenant } from './harness';
import type { Tenant } from './harness';

jest.setTimeout(120_000);

let t: Tenant;
let dir: string;
let findings: string;

beforeAll(async () => {
  t = await startTenant();
  dir = mkdtempSync(join(tmpdir(), 'tripline-respond-'));
  findings = join(dir, 'findings.jsonl');
  writeFileSync(
    findings,
    [
      JSON.stringify(chainFinding()),
      '{"not": "a finding"}',
      JSON.stringify(chainFinding({ id: 'password-spray-0000000000000001', ruleId: 'password-spray' })),
      '',
    ].join('\n'),
  );
});

afterAll(async () => {
  await t.close();
});

const env = (): Record<string, string> => ({
  TRIPLINE_ENTRA_TENANT_ID: TENANT,
  TRIPLINE_ENTRA_CLIENT_ID: RESPONDER_APP,
  TRIPLINE_ENTRA_CLIENT_SECRET: RESPONDER_SECRET,
  TRIPLINE_ENTRA_AUTHORITY_HOST: t.entra.base,
  TRIPLINE_GRAPH_BASE: t.graph.base,
});

async function run(
  argv: string[],
  environment: Record<string, string> = env(),
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    env: environment,
    cwd: dir,
    fetch: testCaFetch,
  });
  return { code, out, err };
}

const evilGrants = (): string[] => t.graph.grants.filter((g) => g.clientId === t.evil.id).map((g) => g.id);

describe('tripline respond', () => {
  it('--dry-run prints the plan read from the tenant, records it, and changes nothing', async () => {
    const r = await run(['respond', 'findings.jsonl', '--dry-run', '--state', 'state.json']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/would have/i);
    expect(r.out).toContain('oauth-chain-3b0f6c1d9e2a4f57/entra-grants');
    expect(r.err).toContain('findings.jsonl:2: skipped: not a finding');
    expect(r.err).toMatch(/1 finding selected by the policy \(dry-run: nothing changed\), 1 line skipped/);
    expect(t.graph.mutations).toEqual([]);
    expect(evilGrants()).toHaveLength(2);
  });

  it('--dry-run without credentials still prints the plan and says it could not read the tenant', async () => {
    const r = await run(['respond', 'findings.jsonl', '--state', ':memory:'], {});
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/no Entra credentials/);
    expect(t.graph.mutations).toEqual([]);
  });

  it('refuses --apply without credentials and a policy file that sets the mode', async () => {
    expect((await run(['respond', 'findings.jsonl', '--apply'], {})).code).toBe(2);
    writeFileSync(join(dir, 'policy.json'), '{"mode": "on"}');
    const r = await run(['respond', 'findings.jsonl', '--policy', 'policy.json']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/sets mode/);
    expect(t.graph.mutations).toEqual([]);
  });

  it('--apply revokes, and `tripline undo` puts the grants back with new ids', async () => {
    const before = evilGrants();
    const r = await run(['respond', 'findings.jsonl', '--apply', '--state', 'state.json']);
    expect(r.code).toBe(0);
    expect(evilGrants()).toEqual([]);
    expect(r.out).toContain('tripline undo oauth-chain-3b0f6c1d9e2a4f57/entra-grants --state state.json');
    const u = await run(['undo', 'oauth-chain-3b0f6c1d9e2a4f57/entra-grants', '--state', 'state.json']);
    expect(u.code).toBe(0);
    expect(u.out).toMatch(/^oauth-chain-3b0f6c1d9e2a4f57\/entra-grants: undone$/m);
    const now = evilGrants();
    expect(now).toHaveLength(2);
    for (const id of now) {
      expect(before).not.toContain(id);
      expect(u.out).toContain(`new id ${id}`);
    }
  });

  it('undo of an unknown action says so and exits 2', async () => {
    const u = await run(['undo', 'oauth-chain-ffffffffffffffff/entra-grants', '--state', 'state.json']);
    expect(u.code).toBe(2);
    expect(u.err).toMatch(/no action oauth-chain-ffffffffffffffff\/entra-grants/);
  });
});
