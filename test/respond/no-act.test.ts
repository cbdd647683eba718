/**
 * No code path acts in `off` or `dry-run`: the fake Graph records every request that is not a GET,
 * and whatever the finding, the policy, a prior record or a tripped breaker, none is ever sent. The
 * findings below walk every branch the responder has: each rule, each severity, protected and not,
 * apps with and without a service principal, Graph refusing reads, no credentials, repeats.
 */
import type { ResponderPolicy } from '#shared/config/responder';
import { RESPONSE_ACTIONS, parseResponderPolicy } from '#shared/config/responder';
import type { Finding, Severity } from '#shared/engine/findings';
import { SEVERITIES } from '#shared/engine/findings';
import { respond } from '#shared/respond/responder';
import { EmbeddedStateStore } from '#shared/state/embedded';
import { EVIL_APP, RESPONDER_APP, chainFinding, depsFor, startTenant } from './harness';
import type { Tenant } from './harness';

let t: Tenant;
beforeAll(async () => {
  t = await startTenant();
});
afterAll(async () => {
  await t.close();
});

function findings(): Finding[] {
  const out: Finding[] = [];
  let n = 0;
  const id = (): string => `oauth-chain-${String(++n).padStart(16, '0')}`;
  for (const severity of SEVERITIES as readonly Severity[]) {
    for (const ruleId of ['oauth-chain', 'oauth-risky-consent', 'password-spray']) {
      for (const appId of [
        EVIL_APP,
        'd3590ed6-52b3-4102-aeff-aad2292ab01c',
        RESPONDER_APP,
        '11111111-2222-4333-8444-555555555555',
      ]) {
        out.push(chainFinding({ id: id(), severity, ruleId, appId }));
      }
    }
  }
  // Someone else's tenant (no credentials), and a finding without an app id.
  out.push(chainFinding({ id: id(), tenant: '00000000-0000-4000-8000-000000000000' }));
  out.push({ ...chainFinding({ id: id() }), dedupKey: 'x|bob@contoso.com', principal: 'bob@contoso.com' });
  return out;
}

const policies = (mode: 'off' | 'dry-run'): Array<[string, ResponderPolicy]> => [
  [`${mode}, defaults`, parseResponderPolicy({ mode }, 'test')],
  [
    `${mode}, every rule at info`,
    parseResponderPolicy(
      { mode, minSeverity: 'info', rules: ['oauth-chain', 'oauth-risky-consent', 'password-spray'] },
      'test',
    ),
  ],
  [
    `${mode}, one action per hour`,
    parseResponderPolicy(
      { mode, minSeverity: 'info', maxActionsPerHour: 1, actions: [...RESPONSE_ACTIONS] },
      'test',
    ),
  ],
];

describe.each(['off', 'dry-run'] as const)('in %s mode', (mode) => {
  it.each(policies(mode))('sends no request that changes anything (%s)', async (_name, policy) => {
    const store = await EmbeddedStateStore.open(':memory:');
    const deps = await depsFor(t, policy, { store });
    const before = t.graph.mutations.length;
    for (const f of findings()) {
      await respond(f, deps);
      await respond(f, deps); // a redelivery
    }
    // Graph refusing a read, then timing out: still nothing sent.
    t.graph.failNext({
      status: 403,
      body: {
        error: {
          code: 'Authorization_RequestDenied',
          message: 'Insufficient privileges to complete the operation.',
        },
      },
    });
    await respond(chainFinding({ id: 'oauth-chain-ffffffffffff0001' }), deps);
    for (let i = 0; i < 5; i++) t.graph.failNext({ status: 503 });
    await respond(chainFinding({ id: 'oauth-chain-ffffffffffff0002' }), deps);
    expect(t.graph.mutations.slice(before)).toEqual([]);
    expect(t.evil.accountEnabled).toBe(true);
    expect(t.graph.grants.filter((g) => g.clientId === t.evil.id)).toHaveLength(2);
  });
});

it('in dry-run, still reads what exists, records the plan and tells it (the reads are GETs only)', async () => {
  const deps = await depsFor(t, parseResponderPolicy({ mode: 'dry-run' }, 'test'));
  const before = t.graph.requests.length;
  const out = await respond(chainFinding({ id: 'oauth-chain-dddddddddddd0001' }), deps);
  expect(out.result).toBe('dry-run');
  expect(out.records.map((r) => r.status)).toEqual(['dry-run', 'dry-run', 'dry-run', 'dry-run']);
  expect(t.graph.requests.slice(before).every((r) => r.startsWith('GET '))).toBe(true);
  expect(deps.notifier.sent[0]?.Subject).toMatch(
    /^\[Tripline dry-run\] would have revoked 2 grants and 1 app role/,
  );
});
