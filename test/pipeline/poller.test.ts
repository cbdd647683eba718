/**
 * The poller template against a real local HTTP server that pages like Microsoft Graph.
 */
import { Detector } from '#shared/engine/detector';
import type { TriplineEvent } from '#shared/events/types';
import { runBatch } from '#shared/pipeline/run-batch';
import type { RunBatchResult } from '#shared/pipeline/run-batch';
import { ALL_RULES } from '#shared/rules/index';
import { fetchJson } from '#shared/sources/http';
import { PollerError, checkpointKey, runPoller } from '#shared/sources/poller';
import type { CheckpointValue, PollQuarantine, PollSource, RunPollerOptions } from '#shared/sources/poller';
import { EmbeddedStateStore } from '#shared/state/embedded';
import { startFakeAuditApi, signIn } from './fake-audit-api';
import type { FakeAuditApi } from './fake-audit-api';
import { FlakyStore, MemorySink } from './helpers';

const MIN = 60_000;
const DAY = 24 * 60 * MIN;
const T = Date.parse('2026-03-04T00:00:00Z');
const TENANT = '2f4a9c1e-7b3d-4e5f-a6b7-c8d9e0f1a2b3';
const TIMING = {
  overlapMs: 10 * MIN,
  maxWindowMs: 2 * 60 * MIN,
  initialLookbackMs: 60 * MIN,
  delayMs: 2 * MIN,
};

type GraphPage = { value: unknown[]; '@odata.nextLink'?: string };

let api: FakeAuditApi;
let store: FlakyStore;
let sink: MemorySink;
let clock: number;
let sleeps: number[];
let batches: string[][];

beforeEach(async () => {
  api = await startFakeAuditApi(10);
  store = new FlakyStore(await EmbeddedStateStore.open(':memory:'));
  sink = new MemorySink();
  clock = T + 62 * MIN;
  sleeps = [];
  batches = [];
});
afterEach(async () => {
  await api.close();
  await store.close();
});

const iso = (ms: number): string => new Date(ms).toISOString();

/** A Graph-like source: the first page from the window's $filter, the next ones from @odata.nextLink. */
function graphSource(gate?: Promise<void>): PollSource {
  return {
    name: 'graph-signins',
    sourceId: 'entra.signin',
    async fetchPage(w, cursor) {
      await gate;
      const filter = `createdDateTime ge ${iso(w.from)} and createdDateTime lt ${iso(w.to)}`;
      const url =
        cursor ?? `${api.base}/v1.0/auditLogs/signIns?$filter=${encodeURIComponent(filter)}&$top=10`;
      const { body } = await fetchJson<GraphPage>(url, {
        baseDelayMs: 100,
        sleep: async (ms) => {
          sleeps.push(ms);
        },
      });
      return { records: body.value, next: body['@odata.nextLink'] };
    },
  };
}

function options(extra: Partial<RunPollerOptions> = {}): RunPollerOptions {
  const detector = new Detector({ rules: ALL_RULES, store, lateness: '15m' });
  return {
    source: graphSource(),
    tenant: TENANT,
    store,
    batch: async (events: TriplineEvent[]): Promise<RunBatchResult> => {
      batches.push(events.map((e) => e.id));
      return runBatch(events, { detector, store, sink, now: clock, claimTtlMs: 15 * DAY });
    },
    now: () => clock,
    remainingMs: () => 120_000,
    ...TIMING,
    ...extra,
  };
}

async function checkpoint(): Promise<CheckpointValue | undefined> {
  const key = checkpointKey('graph-signins', TENANT);
  return (await store.get([key], clock)).get(key)?.value as CheckpointValue | undefined;
}

const firstPages = (): string[] => api.requests.map((r) => r.url).filter((u) => u.includes('$filter'));

describe('runPoller', () => {
  it('reads every page of the window through the next links, publishes the finding, and advances to the window end', async () => {
    api.records.push(...Array.from({ length: 12 }, (_, i) => signIn(T + 5 * MIN + i * 20_000)));
    api.records.push(
      ...Array.from({ length: 13 }, (_, i) =>
        signIn(T + 20 * MIN + i * MIN, { upn: `user${i}@contoso.com`, ok: true }),
      ),
    );

    const res = await runPoller(options());
    expect(res).toMatchObject({
      status: 'caught-up',
      windows: 1,
      pages: 3,
      records: 25,
      events: 25,
      quarantined: 0,
      findings: 1,
      published: 1,
    });
    expect(sink.sent.map((f) => [f.ruleId, f.principal, f.tenant])).toEqual([
      ['brute-force', 'grace@contoso.com', TENANT],
    ]);
    // The first window starts one lookback ago minus the overlap, and ends `delay` before now.
    expect(decodeURIComponent(firstPages()[0] ?? '')).toContain(
      `createdDateTime ge ${iso(T + 2 * MIN - 10 * MIN)} and createdDateTime lt ${iso(T + 60 * MIN)}`,
    );
    expect(api.requests.filter((r) => r.url.includes('$skiptoken'))).toHaveLength(2);
    const ck = await checkpoint();
    expect(ck?.until).toBe(T + 60 * MIN);
    expect(ck?.resume).toBeUndefined();
  });

  it('waits out a 429 for its Retry-After and retries a 503 with backoff, then carries on', async () => {
    api.records.push(...Array.from({ length: 5 }, (_, i) => signIn(T + 5 * MIN + i * MIN)));
    api.failNext({ status: 429, headers: { 'retry-after': '2' } }, { status: 503 });
    const res = await runPoller(options());
    expect(res.status).toBe('caught-up');
    expect(res.events).toBe(5);
    expect(api.requests.map((r) => r.status)).toEqual([429, 503, 200]);
    expect(sleeps[0]).toBe(2000);
    expect(sleeps[1]).toBeLessThanOrEqual(200);
  });

  it('stops on another 4xx with an error naming the URL and the status, without moving the checkpoint past anything', async () => {
    api.failNext({
      status: 403,
      body: '{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges"}}',
    });
    const err = await runPoller(options()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PollerError);
    const msg = (err as Error).message;
    expect(msg).toContain(`GET ${api.base}/v1.0/auditLogs/signIns?$filter=createdDateTime`);
    expect(msg).toMatch(/HTTP 403/);
    expect(msg).toMatch(/Insufficient privileges/);
    expect(api.requests).toHaveLength(1);
    // The failure is remembered (for the source-silent check), the position is still the first one.
    const ck = await checkpoint();
    expect(ck?.until).toBe(T + 2 * MIN);
    expect(ck?.resume).toBeUndefined();
    expect(ck?.err?.message).toMatch(/HTTP 403/);
  });

  it('keeps the page whose finding could not be published, reads it again next run, and publishes once', async () => {
    api.records.push(...Array.from({ length: 25 }, (_, i) => signIn(T + 5 * MIN + i * 20_000)));
    sink.failWhen = () => true;
    const first = await runPoller(options());
    expect(first.status).toBe('publish-failed');
    expect(first.failedPublishes.map((f) => f.ruleId)).toEqual(['brute-force']);
    // The threshold is crossed on page 1 (10 failures): the checkpoint stays on that page.
    expect(first.pages).toBe(1);
    expect(first.checkpoint.resume).toMatchObject({
      cursor: undefined,
      window: { from: T - 8 * MIN, to: T + 60 * MIN },
    });
    expect((await checkpoint())?.until).toBe(T + 2 * MIN);

    sink.failWhen = undefined;
    clock += 5 * MIN;
    const second = await runPoller(options());
    expect(second.status).toBe('caught-up');
    // The same first page again, then (5 minutes later) the next window.
    expect(firstPages()).toHaveLength(3);
    expect(firstPages()[1]).toBe(firstPages()[0]);
    expect(sink.sent.map((f) => f.ruleId)).toEqual(['brute-force']);
    expect((await checkpoint())?.until).toBeGreaterThanOrEqual(T + 60 * MIN);
  });

  it('drops events read again in the overlap but processes an event indexed late inside it', async () => {
    api.records.push(...Array.from({ length: 6 }, (_, i) => signIn(T + 52 * MIN + i * MIN, { ok: true })));
    const first = await runPoller(options());
    expect(first.events).toBe(6);

    const late = signIn(T + 55 * MIN + 30_000, { ok: true, upn: 'late@contoso.com' });
    api.records.push(late, signIn(T + 61 * MIN, { ok: true }));
    clock = T + 72 * MIN;
    const second = await runPoller(options());
    // Window [T+50m, T+70m): the six read before, the late one, and one new.
    expect(decodeURIComponent(firstPages()[1] ?? '')).toContain(
      `ge ${iso(T + 50 * MIN)} and createdDateTime lt ${iso(T + 70 * MIN)}`,
    );
    expect(second).toMatchObject({ records: 8, overlapDuplicates: 6, events: 2 });
    expect(batches[1]?.sort()).toEqual([late.id, (api.records[7] as { id: string }).id].sort());
  });

  it('stops for the time budget without passing what it processed, and the next run resumes at the saved cursor', async () => {
    api.records.push(
      ...Array.from({ length: 35 }, (_, i) =>
        signIn(T + 5 * MIN + i * MIN, { ok: true, upn: `u${i}@contoso.com` }),
      ),
    );
    let budget = 3;
    const first = await runPoller(
      options({ remainingMs: () => (budget-- > 0 ? 60_000 : 5_000), safetyMarginMs: 20_000 }),
    );
    expect(first).toMatchObject({ status: 'budget', pages: 3, events: 30 });
    const saved = await checkpoint();
    expect(saved?.until).toBe(T + 2 * MIN);
    expect(saved?.resume?.cursor).toContain('$skiptoken=');
    expect(first.checkpoint.resume?.cursor).toBe(saved?.resume?.cursor);

    const requestsBefore = api.requests.length;
    const second = await runPoller(options());
    expect(second).toMatchObject({ status: 'caught-up', pages: 1, events: 5 });
    expect(api.requests[requestsBefore]?.url).toContain('$skiptoken=');
    // Every record went to detection exactly once over the two runs.
    const all = batches.flat();
    expect(new Set(all).size).toBe(35);
    expect(all).toHaveLength(35);
    expect((await checkpoint())?.resume).toBeUndefined();
  });

  it('lets a second poller running at the same time lose cleanly, without writing', async () => {
    api.records.push(...Array.from({ length: 5 }, (_, i) => signIn(T + 5 * MIN + i * MIN, { ok: true })));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow = runPoller(options({ source: graphSource(gate) }));
    // Let the slow poller read the (missing) checkpoint, then let another run finish first.
    await new Promise((r) => setTimeout(r, 20));
    const fast = await runPoller(options());
    expect(fast.status).toBe('caught-up');
    const winner = await checkpoint();
    release();
    const loser = await slow;
    expect(loser.status).toBe('lost-race');
    expect(await checkpoint()).toEqual(winner);
  });

  it('quarantines a record it cannot normalize, with the reason, and keeps going', async () => {
    api.records.push(
      signIn(T + 5 * MIN, { ok: true }),
      { id: 'broken', userPrincipalName: 'x@contoso.com' },
      signIn(T + 6 * MIN, { ok: true }),
    );
    const seen: PollQuarantine[] = [];
    const res = await runPoller(options({ onQuarantine: (q) => seen.push(q) }));
    expect(res).toMatchObject({ status: 'caught-up', records: 3, quarantined: 1, events: 2 });
    expect(seen[0]?.reason).toMatch(/createdDateTime/);
    expect(seen[0]?.excerpt).toContain('"id":"broken"');
  });

  it('catches up after a long gap in steps of at most maxWindow', async () => {
    const key = checkpointKey('graph-signins', TENANT);
    await store.write(
      [
        {
          key,
          expectedVersion: 0,
          expiresAt: clock + DAY,
          value: { v: 1, until: T - 5 * 60 * MIN, seen: '', next: '', updatedAt: 0 },
        },
      ],
      clock,
    );
    const res = await runPoller(options());
    expect(res).toMatchObject({ status: 'caught-up', windows: 3 });
    const windows = firstPages().map((u) =>
      /ge (\S+) and createdDateTime lt (\S+)&/.exec(decodeURIComponent(u))?.slice(1),
    );
    expect(windows).toEqual([
      [iso(T - 5 * 60 * MIN - 10 * MIN), iso(T - 3 * 60 * MIN)],
      [iso(T - 3 * 60 * MIN - 10 * MIN), iso(T - 60 * MIN)],
      [iso(T - 60 * MIN - 10 * MIN), iso(T + 60 * MIN)],
    ]);
  });

  it('does nothing when the checkpoint is already at now minus the delay', async () => {
    await runPoller(options());
    const n = api.requests.length;
    const res = await runPoller(options());
    expect(res).toMatchObject({ status: 'caught-up', pages: 0, windows: 0 });
    expect(api.requests).toHaveLength(n);
  });

  it('fails with the page context when detection throws, keeping the last saved page', async () => {
    api.records.push(
      ...Array.from({ length: 15 }, (_, i) =>
        signIn(T + 5 * MIN + i * MIN, { ok: true, upn: `u${i}@contoso.com` }),
      ),
    );
    let calls = 0;
    const err = await runPoller(
      options({
        batch: async () => {
          if (++calls === 2) throw new Error('state table unavailable');
          return { findings: [], published: [], failedPublishes: [] } as unknown as RunBatchResult;
        },
      }),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PollerError);
    expect((err as Error).message).toMatch(/detection failed for a page .*state table unavailable/);
    expect((await checkpoint())?.resume?.cursor).toContain('$skiptoken=');
  });
});
