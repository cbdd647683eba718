/**
 * The Graph collector against local HTTPS servers that behave like Entra ID and Microsoft Graph:
 * feeds, paging, throttling, token expiry, the P1/P2 licence error, duplicates and late records.
 */
import type { TriplineEvent } from '#shared/events/types';
import type { RunBatchResult } from '#shared/pipeline/run-batch';
import { EntraTokenSource } from '#shared/sources/microsoft/auth';
import { GRAPH_FEEDS, createGraphSources } from '#shared/sources/microsoft/graph';
import type { GraphSourcesOptions } from '#shared/sources/microsoft/graph';
import { PollerError, runPoller } from '#shared/sources/poller';
import type { PollSource, RunPollerOptions } from '#shared/sources/poller';
import { RateLimiter } from '#shared/sources/rate-limit';
import { EmbeddedStateStore } from '#shared/state/embedded';
import type { StateStore } from '#shared/state/port';
import { startFakeEntra } from '../../support/fake-entra';
import type { FakeEntra } from '../../support/fake-entra';
import { directoryAudit, graphSignIn, startFakeGraph } from '../../support/fake-graph';
import type { FakeGraph } from '../../support/fake-graph';
import { testCaFetch } from '../../support/https-fetch';

const MIN = 60_000;
const T = Date.parse('2026-03-04T00:00:00Z');
const TENANT = '2f4a9c1e-7b3d-4e5f-a6b7-c8d9e0f1a2b3';
const CLIENT = '6c1f3b0e-9d2a-4e8f-b7c6-5a4d3e2f1b0c';
const TIMING = {
  overlapMs: 10 * MIN,
  maxWindowMs: 2 * 60 * MIN,
  initialLookbackMs: 60 * MIN,
  delayMs: 2 * MIN,
};

let entra: FakeEntra;
let graph: FakeGraph;
let store: StateStore;
let clock: number;
let sleeps: number[];
let delivered: TriplineEvent[];

beforeEach(async () => {
  entra = await startFakeEntra();
  entra.register({ tenantId: TENANT, clientId: CLIENT, secret: 's3cr3t' });
  graph = await startFakeGraph(entra, TENANT);
  store = await EmbeddedStateStore.open(':memory:');
  clock = T + 62 * MIN;
  sleeps = [];
  delivered = [];
});
afterEach(async () => {
  await graph.close();
  await entra.close();
  await store.close();
});

/** The tenant's sources; a generous limiter unless the test asks for the default one (`limiter: 'default'`). */
function sources(
  extra: Partial<Omit<GraphSourcesOptions, 'limiter'>> & { limiter?: RateLimiter | 'default' } = {},
): PollSource[] {
  const { limiter, ...rest } = extra;
  const tokens = new EntraTokenSource(
    { tenantId: TENANT, clientId: CLIENT, clientSecret: 's3cr3t' },
    { authorityHost: entra.base, fetch: testCaFetch },
  );
  return createGraphSources({
    tenantId: TENANT,
    tokens,
    graphBase: graph.base,
    fetch: testCaFetch,
    now: () => clock,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock += ms;
    },
    ...(limiter === 'default'
      ? {}
      : { limiter: limiter ?? new RateLimiter({ requests: 1000, perMs: 1000, now: () => clock }) }),
    ...rest,
  });
}

function pollOptions(source: PollSource, extra: Partial<RunPollerOptions> = {}): RunPollerOptions {
  return {
    source,
    tenant: TENANT,
    store,
    batch: async (events) => {
      delivered.push(...events);
      return { findings: [], published: [], failedPublishes: [] } as unknown as RunBatchResult;
    },
    now: () => clock,
    remainingMs: () => 600_000,
    ...TIMING,
    ...extra,
  };
}

async function pollAll(list: PollSource[]): Promise<Map<string, Awaited<ReturnType<typeof runPoller>>>> {
  const out = new Map<string, Awaited<ReturnType<typeof runPoller>>>();
  for (const s of list) out.set(s.name, await runPoller(pollOptions(s)));
  return out;
}

const dataRequests = (): string[] => graph.requests.map((r) => decodeURIComponent(r.path));

describe('Graph collector', () => {
  it('reads directory audits and the four kinds of sign-ins, each from its own endpoint and feed', async () => {
    graph.audits.push(directoryAudit(T + 10 * MIN, { id: 'audit-1' }));
    graph.signIns.push(
      graphSignIn(T + 11 * MIN, { id: 'si-interactive' }),
      graphSignIn(T + 12 * MIN, { id: 'si-noninteractive', type: 'nonInteractiveUser', ok: true }),
      graphSignIn(T + 13 * MIN, { id: 'si-sp', type: 'servicePrincipal', ok: true }),
      graphSignIn(T + 14 * MIN, { id: 'si-mi', type: 'managedIdentity', ok: true }),
    );
    const list = sources();
    expect(list.map((s) => s.name)).toEqual([
      'graph-directory-audits',
      'graph-signins',
      'graph-signins-noninteractive',
      'graph-signins-serviceprincipal',
      'graph-signins-managedidentity',
    ]);
    const res = await pollAll(list);
    expect([...res.values()].map((r) => r.status)).toEqual(Array(5).fill('caught-up'));
    expect(delivered.map((e) => [e.id, e.source, e.tenant])).toEqual([
      ['audit-1', 'entra.audit', TENANT],
      ['si-interactive', 'entra.signin', TENANT],
      ['si-noninteractive', 'entra.signin', TENANT],
      ['si-sp', 'entra.signin', TENANT],
      ['si-mi', 'entra.signin', TENANT],
    ]);
    const from = '2026-03-03T23:52:00Z';
    const to = '2026-03-04T01:00:00Z';
    expect(dataRequests()).toEqual([
      `/v1.0/auditLogs/directoryAudits?$filter=activityDateTime ge ${from} and activityDateTime le ${to}&$top=1000`,
      `/v1.0/auditLogs/signIns?$filter=createdDateTime ge ${from} and createdDateTime le ${to}&$top=1000`,
      `/beta/auditLogs/signIns?$filter=createdDateTime ge ${from} and createdDateTime le ${to} and signInEventTypes/any(t: t eq 'nonInteractiveUser')&$top=1000`,
      `/beta/auditLogs/signIns?$filter=createdDateTime ge ${from} and createdDateTime le ${to} and signInEventTypes/any(t: t eq 'servicePrincipal')&$top=1000`,
      `/beta/auditLogs/signIns?$filter=createdDateTime ge ${from} and createdDateTime le ${to} and signInEventTypes/any(t: t eq 'managedIdentity')&$top=1000`,
    ]);
    // One token for the five feeds, from the configured authority only.
    expect(entra.issued).toHaveLength(1);
    expect(entra.requests.every((r) => r.includes(`/${TENANT}/`))).toBe(true);
  });

  it('follows @odata.nextLink to the last page, newest first, and reads each sign-in once', async () => {
    graph.pageSize = 4;
    for (let i = 0; i < 10; i++) graph.signIns.push(graphSignIn(T + 5 * MIN + i * MIN, { id: `si-${i}` }));
    const [, signIns] = sources();
    const res = await runPoller(pollOptions(signIns as PollSource));
    expect(res).toMatchObject({ pages: 3, records: 10, events: 10 });
    expect(delivered.map((e) => e.id)).toEqual(Array.from({ length: 10 }, (_, i) => `si-${9 - i}`));
    expect(dataRequests().filter((p) => p.includes('$skiptoken'))).toHaveLength(2);
  });

  it('reads a sign-in served twice, in one page or across pages, only once', async () => {
    graph.pageSize = 3;
    const a = graphSignIn(T + 5 * MIN, { id: 'dup-a' });
    const b = graphSignIn(T + 6 * MIN, { id: 'dup-b' });
    graph.signIns.push(a, a, b, graphSignIn(T + 7 * MIN, { id: 'c' }), b);
    const [, signIns] = sources();
    const res = await runPoller(pollOptions(signIns as PollSource));
    expect(res).toMatchObject({ records: 5, events: 3, overlapDuplicates: 2 });
    expect(delivered.map((e) => e.id).sort()).toEqual(['c', 'dup-a', 'dup-b']);
  });

  it('picks up a sign-in indexed late inside the overlap, and not the ones it already read', async () => {
    graph.signIns.push(graphSignIn(T + 55 * MIN, { id: 'early' }));
    const [, signIns] = sources();
    await runPoller(pollOptions(signIns as PollSource));
    graph.signIns.push(graphSignIn(T + 57 * MIN, { id: 'late' }), graphSignIn(T + 63 * MIN, { id: 'new' }));
    clock = T + 72 * MIN;
    const second = await runPoller(pollOptions(signIns as PollSource));
    expect(second).toMatchObject({ records: 3, overlapDuplicates: 1, events: 2 });
    expect(delivered.map((e) => e.id)).toEqual(['early', 'new', 'late']);
  });

  it('waits out a 429 for its Retry-After and a 503 with backoff, then carries on', async () => {
    graph.signIns.push(graphSignIn(T + 5 * MIN, { id: 'x' }));
    graph.failNext(
      {
        status: 429,
        headers: { 'retry-after': '7' },
        body: { error: { code: 'TooManyRequests', message: 'Too many requests' } },
      },
      { status: 503, body: { error: { code: 'ServiceUnavailable', message: 'Service unavailable' } } },
    );
    const [, signIns] = sources({
      limiter: new RateLimiter({ requests: 100, perMs: 1000, now: () => clock }),
    });
    const res = await runPoller(pollOptions(signIns as PollSource));
    expect(res.events).toBe(1);
    // The waits moved the clock on: a second, empty window follows.
    expect(graph.requests.map((r) => r.status).slice(0, 3)).toEqual([429, 503, 200]);
    expect(sleeps[0]).toBe(7000);
  });

  it('stays at or under half of the identity reports quota (5 requests per 10 s per app and tenant)', async () => {
    graph.pageSize = 1;
    for (let i = 0; i < 6; i++) graph.signIns.push(graphSignIn(T + 5 * MIN + i * MIN, { ok: true }));
    const at: number[] = [];
    const list = sources({
      limiter: 'default',
      fetch: async (input, init) => {
        at.push(clock);
        return testCaFetch(input, init);
      },
    });
    await pollAll(list);
    expect(at.length).toBeGreaterThanOrEqual(10);
    for (const t of at) expect(at.filter((u) => u >= t && u < t + 10_000).length).toBeLessThanOrEqual(2);
  });

  it('gets a new token when Graph says the current one has expired, and goes on', async () => {
    graph.signIns.push(graphSignIn(T + 5 * MIN, { id: 'a' }), graphSignIn(T + 6 * MIN, { id: 'b' }));
    graph.pageSize = 1;
    const [, signIns] = sources();
    const src = signIns as PollSource;
    const first = await src.fetchPage({ from: T, to: T + 60 * MIN });
    entra.expireAll();
    const second = await src.fetchPage({ from: T, to: T + 60 * MIN }, first.next);
    expect((second.records[0] as { id: string }).id).toBe('a');
    expect(graph.requests.map((r) => r.status)).toEqual([200, 401, 200]);
    expect(entra.issued).toHaveLength(2);
  });

  it('fails with what to check when Graph refuses even a fresh token', async () => {
    const unauthorized = {
      status: 401,
      body: { error: { code: 'InvalidAuthenticationToken', message: 'Access token validation failure.' } },
    };
    graph.failNext(unauthorized, unauthorized);
    const [audits] = sources();
    const err = (await runPoller(pollOptions(audits as PollSource)).catch((e: unknown) => e)) as PollerError;
    expect(err.message).toMatch(/HTTP 401 InvalidAuthenticationToken/);
    expect(err.message).toMatch(/refused even after a new one was fetched/);
    expect(entra.issued).toHaveLength(2);
  });

  it('turns the sign-in feeds off once in a tenant without Entra ID P1/P2, and keeps reading directory audits', async () => {
    graph.licensed = false;
    graph.audits.push(directoryAudit(T + 10 * MIN, { id: 'audit-1' }));
    const list = sources();
    const first = await pollAll(list);
    expect(first.get('graph-directory-audits')?.status).toBe('caught-up');
    const off = first.get('graph-signins');
    expect(off).toMatchObject({ status: 'unavailable', unavailable: { newly: true } });
    expect(off?.unavailable?.reason).toMatch(
      /Sign-in logs need an Entra ID P1 or P2 licence, which tenant 2f4a9c1e-7b3d-4e5f-a6b7-c8d9e0f1a2b3 does not have .*directory audits go on/,
    );
    const before = graph.requests.length;
    clock += 10 * MIN;
    const second = await pollAll(list);
    expect(second.get('graph-signins-noninteractive')).toMatchObject({
      status: 'unavailable',
      unavailable: { newly: false },
    });
    // Only directory audits asked Graph anything on the second run: no retry loop.
    expect(graph.requests.slice(before).every((r) => r.path.includes('directoryAudits'))).toBe(true);
    expect(delivered.map((e) => e.id)).toEqual(['audit-1']);
  });

  it('names the missing permissions when the app was not granted them', async () => {
    graph.failNext({
      status: 403,
      body: {
        error: {
          code: 'Authorization_RequestDenied',
          message: 'Insufficient privileges to complete the operation.',
        },
      },
    });
    const [audits] = sources();
    const err = (await runPoller(pollOptions(audits as PollSource)).catch((e: unknown) => e)) as PollerError;
    expect(err).toBeInstanceOf(PollerError);
    expect(err.message).toMatch(/HTTP 403 Authorization_RequestDenied: Insufficient privileges/);
    expect(err.message).toMatch(/AuditLog\.Read\.All and Directory\.Read\.All/);
  });

  it('polls only the feeds asked for', () => {
    expect(sources({ feeds: ['directoryAudits', 'signIns'] }).map((s) => s.name)).toEqual([
      'graph-directory-audits',
      'graph-signins',
    ]);
    expect(GRAPH_FEEDS).toHaveLength(5);
  });
});
