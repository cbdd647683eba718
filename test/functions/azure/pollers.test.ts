/**
 * The timer-triggered pollers as the Functions host runs them: registered through `app.timer`, called
 * with a timer and a real InvocationContext; Microsoft Graph and the Management Activity API as local
 * HTTPS servers that accept only the Function App's managed identity tokens (the real
 * ManagedIdentityCredential against a fake identity endpoint: no secret anywhere); state in azurite,
 * findings to the fake Service Bus.
 */
import type { TableClient } from '@azure/data-tables';
import type { Timer } from '@azure/functions';
import type { Finding } from '#shared/engine/findings';
import { createStateTable } from '#shared/state/azure-table';
import type { AzurePollSummary } from '../../../functions/azure/pollers';
import { registerFunctions } from '../../../functions/azure/register';
import { startAzuriteTables } from '../../support/azurite';
import type { LocalAzurite } from '../../support/azurite';
import { graphSignIn, startFakeGraph } from '../../support/fake-graph';
import type { FakeGraph } from '../../support/fake-graph';
import { startFakeIdentity } from '../../support/fake-identity';
import type { FakeIdentity } from '../../support/fake-identity';
import { contentId, startFakeManagement, ualRecord } from '../../support/fake-management';
import type { FakeManagement } from '../../support/fake-management';
import { startFakeServiceBus } from '../../support/fake-service-bus';
import type { FakeServiceBus } from '../../support/fake-service-bus';
import { testCaFetch } from '../../support/https-fetch';
import { invocation, registrations } from './host';
import type { LogLine, Registration } from './host';
import { identityIssuer } from './identity-tokens';
import type { IdentityIssuer } from './identity-tokens';

jest.mock(
  '@azure/functions-core',
  () => (jest.requireActual('./host') as { coreApiMock: () => Record<string, unknown> }).coreApiMock(),
  { virtual: true },
);

const MIN = 60_000;
const HOUR = 60 * MIN;
const T = Date.parse('2026-03-04T08:00:00Z');
const TENANT = '2f4a9c1e-7b3d-4e5f-a6b7-c8d9e0f1a2b3';

let azurite: LocalAzurite;
let identity: FakeIdentity;
let issuer: IdentityIssuer;
let sb: FakeServiceBus;
let graph: FakeGraph;
let m365: FakeManagement;
let clock: number;
let tableNo = 0;
const savedEnv = { ...process.env };

beforeAll(async () => {
  azurite = await startAzuriteTables();
  identity = await startFakeIdentity();
  issuer = identityIssuer(identity, TENANT);
  // The Functions host gives the worker these two for its system-assigned identity.
  Object.assign(process.env, identity.env());
});
afterAll(async () => {
  process.env = savedEnv;
  await azurite.stop();
  await identity.close();
});
beforeEach(async () => {
  clock = T;
  sb = await startFakeServiceBus({
    queues: ['findings'],
    duplicateDetection: ['findings'],
    authorize: (t) => identity.resourceOf(t) === 'https://servicebus.azure.net',
  });
  graph = await startFakeGraph(issuer.entra, TENANT);
  m365 = await startFakeManagement(issuer.entra, TENANT, () => clock);
});
afterEach(async () => {
  await sb.close();
  await graph.close();
  await m365.close();
});

function settings(extra: Record<string, string> = {}): Record<string, string> {
  return {
    STATE_TABLE_ENDPOINT: 'https://triplinetest.table.core.windows.net',
    STATE_TABLE_NAME: 'unused',
    FINDINGS_QUEUE_URL: sb.queueUrl('findings'),
    TENANT_ID: TENANT,
    TRIPLINE_POLL_SOURCES: 'graph,m365',
    ...extra,
  };
}

async function deploy(extra: Record<string, string> = {}): Promise<Map<string, Registration>> {
  const table: TableClient = azurite.tableClient(`poll${++tableNo}`);
  await createStateTable(table);
  registerFunctions({
    env: settings(extra),
    tableClient: table,
    serviceBusHttp: { sleep: async () => {}, baseDelayMs: 1, maxAttempts: 2 },
    endpoints: { graphBase: graph.base, managementBase: m365.base },
    fetch: testCaFetch,
    // The collectors wait (rate limits, Retry-After) on the clock they are given: waiting moves it.
    sleep: async (ms: number) => {
      clock += ms;
    },
    now: () => clock,
  });
  return registrations();
}

const TIMER: Timer = {
  isPastDue: false,
  schedule: { adjustForDST: true },
  scheduleStatus: { last: '', next: '', lastUpdated: '' },
};

async function tick(fn: Registration | undefined): Promise<{ summary: AzurePollSummary; logs: LogLine[] }> {
  if (!fn) throw new Error('the poller was not registered');
  const { context, logs } = invocation({ functionName: fn.metadata.name });
  const summary = (await fn.handler(TIMER, context)) as AzurePollSummary;
  return { summary, logs };
}

const findings = (ruleId?: string): Finding[] =>
  sb.messages
    .map((m) => JSON.parse(m.body) as Finding)
    .filter((f) => ruleId === undefined || f.ruleId === ruleId);

const bruteForce = (from: number, n: number, ip = '45.155.205.233'): Array<Record<string, unknown>> =>
  Array.from({ length: n }, (_, i) => graphSignIn(from + i * MIN, { upn: 'grace@contoso.com', ip }));

describe('registration', () => {
  it('registers one timer per source TRIPLINE_POLL_SOURCES names, every 5 minutes unless told otherwise', async () => {
    const all = await deploy();
    expect([...all.keys()].sort()).toEqual(['pollGraph', 'pollM365', 'stateSweep']);
    for (const name of ['pollGraph', 'pollM365']) {
      expect(Object.values(all.get(name)?.metadata.bindings ?? {})).toContainEqual(
        expect.objectContaining({ type: 'timerTrigger', direction: 'in', schedule: '0 */5 * * * *' }),
      );
    }
    const custom = await deploy({ TRIPLINE_POLL_SOURCES: 'm365', TRIPLINE_POLL_SCHEDULE: '0 */10 * * * *' });
    expect([...custom.keys()].sort()).toEqual(['pollM365', 'stateSweep']);
    expect(Object.values(custom.get('pollM365')?.metadata.bindings ?? {})).toContainEqual(
      expect.objectContaining({ type: 'timerTrigger', schedule: '0 */10 * * * *' }),
    );
  });

  it('registers no poller when TRIPLINE_POLL_SOURCES is unset', async () => {
    const all = await deploy({ TRIPLINE_POLL_SOURCES: '' });
    expect([...all.keys()]).toEqual(['stateSweep']);
  });
});

describe('pollGraph', () => {
  it("reads the tenant's sign-ins with the managed identity's Graph token and publishes a brute force once", async () => {
    graph.signIns.push(...bruteForce(T - 50 * MIN, 10));
    const fns = await deploy();
    const { summary } = await tick(fns.get('pollGraph'));

    expect(summary.tenant).toBe(TENANT);
    expect(summary.feeds.map((f) => f.feed)).toEqual(
      expect.arrayContaining(['graph-directory-audits', 'graph-signins']),
    );
    expect(summary.feeds.find((f) => f.feed === 'graph-signins')).toMatchObject({ events: 10, published: 1 });
    expect(findings()).toHaveLength(1);
    expect(findings('brute-force')[0]).toMatchObject({ tenant: TENANT, principal: 'grace@contoso.com' });
    // The only credential is the identity: a token for Graph's origin, and one for Service Bus.
    expect(identity.requests).toEqual(expect.arrayContaining([graph.base, 'https://servicebus.azure.net']));

    // Five minutes later: the same records are inside the overlap; nothing is published again.
    clock += 5 * MIN;
    const again = await tick(fns.get('pollGraph'));
    expect(again.summary.feeds.find((f) => f.feed === 'graph-signins')).toMatchObject({ published: 0 });
    expect(findings()).toHaveLength(1);
  });

  it('fails the run naming every feed while Graph refuses the identity, and reads on from the checkpoints once it is accepted', async () => {
    const fns = await deploy();
    await tick(fns.get('pollGraph'));

    // The identity's token is refused (roles removed, or not yet effective): every feed fails.
    issuer.revokeAll();
    clock += HOUR;
    graph.signIns.push(...bruteForce(clock - 40 * MIN, 10, '185.220.101.47'));
    const { context, logs } = invocation({ functionName: 'pollGraph' });
    await expect(fns.get('pollGraph')?.handler(TIMER, context)).rejects.toThrow(
      /5 of 5 graph feeds failed.*graph-signins: .*401/,
    );
    expect(logs.filter((l) => l.text.startsWith('Feed failed; the next run resumes'))).toHaveLength(5);
    expect(findings('brute-force')).toHaveLength(0);

    // Accepted again: the next run reads what the failed one could not, and publishes it once.
    issuer.restore();
    clock += 5 * MIN;
    const { summary } = await tick(fns.get('pollGraph'));
    expect(summary.feeds.every((f) => !('error' in f))).toBe(true);
    expect(findings('brute-force')).toEqual([
      expect.objectContaining({ principal: 'grace@contoso.com', tenant: TENANT }),
    ]);
  });
});

describe('pollM365', () => {
  const push = (contentType: string, created: number, records: unknown[]): void =>
    void m365.blobs.push({
      contentType,
      contentId: contentId(contentType, created),
      contentCreated: created,
      records,
    });

  it('starts the subscriptions, reads the unified audit log and detects with the lateness its lag needs', async () => {
    const failures = Array.from({ length: 10 }, (_, i) =>
      ualRecord(T - 3 * HOUR + i * MIN, {
        op: 'UserLoginFailed',
        workload: 'AzureActiveDirectory',
        recordType: 15,
        user: 'grace@contoso.com',
        tenant: TENANT,
        extra: { ErrorNumber: '50126', LogonError: 'InvalidUserNameOrPassword', ClientIP: '45.155.205.233' },
      }),
    );
    push('Audit.AzureActiveDirectory', T - 40 * MIN, failures.slice(0, 6));
    push('Audit.AzureActiveDirectory', T - 30 * MIN, failures); // the first six again, and four more
    const fns = await deploy();
    const { summary, logs } = await tick(fns.get('pollM365'));

    expect(summary.feeds.map((f) => f.feed).sort()).toEqual([
      'm365-audit-azureactivedirectory',
      'm365-audit-exchange',
      'm365-audit-general',
      'm365-audit-sharepoint',
    ]);
    expect(summary.feeds.find((f) => f.feed === 'm365-audit-azureactivedirectory')).toMatchObject({
      events: 10,
      published: 1,
    });
    expect(findings('brute-force')).toEqual([
      expect.objectContaining({ tenant: TENANT, principal: 'grace@contoso.com', count: 10 }),
    ]);
    expect(m365.subscriptions.get('Audit.Exchange')).toBe('enabled');
    expect(logs.filter((l) => l.text.startsWith('Management API subscription started'))).toHaveLength(4);
    expect(logs.some((l) => l.text.startsWith('Detecting a late feed with a wider lateness'))).toBe(true);
    expect(identity.requests).toContain(m365.base);
  });

  it('runs the other feeds when one fails, then fails the invocation naming the feed', async () => {
    push('Audit.Exchange', T - 30 * MIN, [ualRecord(T - 35 * MIN, { tenant: TENANT })]);
    m365.failNext(
      ...Array.from({ length: 40 }, () => ({
        status: 500,
        body: { error: { code: 'AF50000', message: 'An internal error occurred.' } },
        match: 'Audit.SharePoint',
      })),
    );
    const fns = await deploy();
    const fn = fns.get('pollM365');
    const { context, logs } = invocation({ functionName: 'pollM365' });

    await expect(fn?.handler(TIMER, context)).rejects.toThrow(
      /1 of 4 m365 feeds failed.*m365-audit-sharepoint/,
    );

    const done = logs.find((l) => l.text.startsWith('Poll done'));
    const summary = JSON.parse(done?.text.slice('Poll done '.length) ?? '{}') as AzurePollSummary;
    expect(summary.feeds.find((f) => f.feed === 'm365-audit-exchange')).toMatchObject({ events: 1 });
    expect(summary.feeds.find((f) => f.feed === 'm365-audit-sharepoint')).toMatchObject({
      error: expect.stringContaining('500') as unknown,
    });
  });
});
