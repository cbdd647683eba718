/**
 * The unified audit log collector against local HTTPS servers that behave like Entra ID and the
 * Office 365 Management Activity API: subscriptions, listing windows and pages, one fetch per blob,
 * duplicates across blobs, late and out-of-order blobs, expired content, AF429 and 5xx, token expiry.
 */
import type { TriplineEvent } from '#shared/events/types';
import type { RunBatchResult } from '#shared/pipeline/run-batch';
import { StoreRecordLedger } from '#shared/sources/ledger';
import { EntraTokenSource } from '#shared/sources/microsoft/auth';
import {
  M365_LEDGER_RETENTION_MS,
  M365_POLL_TIMING,
  createManagementSources,
} from '#shared/sources/microsoft/management';
import type { ManagementSourcesOptions } from '#shared/sources/microsoft/management';
import { PollerError, checkpointKey, runPoller } from '#shared/sources/poller';
import type { PollRunResult, PollSource, RunPollerOptions } from '#shared/sources/poller';
import { RateLimiter } from '#shared/sources/rate-limit';
import { EmbeddedStateStore } from '#shared/state/embedded';
import type { StateStore } from '#shared/state/port';
import { startFakeEntra } from '../../support/fake-entra';
import type { FakeEntra } from '../../support/fake-entra';
import { contentId, startFakeManagement, ualRecord } from '../../support/fake-management';
import type { FakeBlob, FakeManagement } from '../../support/fake-management';
import { testCaFetch } from '../../support/https-fetch';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const T = Date.parse('2026-03-04T00:00:00Z');
const TENANT = '2f4a9c1e-7b3d-4e5f-a6b7-c8d9e0f1a2b3';
const CLIENT = '6c1f3b0e-9d2a-4e8f-b7c6-5a4d3e2f1b0c';
const ALL = ['Audit.AzureActiveDirectory', 'Audit.Exchange', 'Audit.SharePoint', 'Audit.General'];

let entra: FakeEntra;
let api: FakeManagement;
let store: StateStore;
let clock: number;
let sleeps: number[];
let delivered: TriplineEvent[];

beforeEach(async () => {
  clock = T;
  entra = await startFakeEntra();
  entra.register({ tenantId: TENANT, clientId: CLIENT, secret: 's3cr3t' });
  api = await startFakeManagement(entra, TENANT, () => clock);
  store = await EmbeddedStateStore.open(':memory:');
  sleeps = [];
  delivered = [];
});
afterEach(async () => {
  await api.close();
  await entra.close();
  await store.close();
});

function sources(extra: Partial<ManagementSourcesOptions> = {}): PollSource[] {
  const tokens = new EntraTokenSource(
    { tenantId: TENANT, clientId: CLIENT, clientSecret: 's3cr3t' },
    { authorityHost: entra.base, fetch: testCaFetch },
  );
  return createManagementSources({
    tenantId: TENANT,
    tokens,
    managementBase: api.base,
    fetch: testCaFetch,
    now: () => clock,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock += ms;
    },
    limiter: new RateLimiter({ requests: 1000, perMs: 1000, now: () => clock }),
    ...extra,
  });
}

function exchange(list: PollSource[]): PollSource {
  return list.find((s) => s.name === 'm365-audit-exchange') as PollSource;
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
    ...M365_POLL_TIMING,
    ledger: new StoreRecordLedger({
      store,
      scope: `${source.name}|${TENANT}`,
      retentionMs: M365_LEDGER_RETENTION_MS,
      now: () => clock,
    }),
    ...extra,
  };
}

function blob(
  contentType: string,
  created: number,
  records: unknown[],
  extra: Partial<FakeBlob> = {},
): FakeBlob {
  const b: FakeBlob = {
    contentType,
    contentId: contentId(contentType, created),
    contentCreated: created,
    records,
    ...extra,
  };
  api.blobs.push(b);
  return b;
}

const ex = (created: number, records: unknown[], extra: Partial<FakeBlob> = {}): FakeBlob =>
  blob('Audit.Exchange', created, records, extra);

describe('Management Activity API collector', () => {
  it('starts the missing subscriptions once, taking "already enabled" as success', async () => {
    api.subscriptions.set('Audit.Exchange', 'enabled');
    const started: string[] = [];
    const list = sources({ onSubscriptionStarted: (t) => started.push(t) });
    clock = T + 2 * HOUR;
    for (const s of list) await runPoller(pollOptions(s));
    expect(started).toEqual(['Audit.AzureActiveDirectory', 'Audit.SharePoint', 'Audit.General']);
    expect(api.requests.filter((r) => r.path.includes('/subscriptions/list'))).toHaveLength(1);
    expect(api.requests.filter((r) => r.path.includes('/subscriptions/start'))).toHaveLength(3);
    expect([...api.subscriptions.keys()].sort()).toEqual([...ALL].sort());
    // A later run of the same process asks nothing about subscriptions again.
    const before = api.requests.length;
    clock += 10 * MIN;
    for (const s of list) await runPoller(pollOptions(s));
    expect(api.requests.slice(before).some((r) => r.path.includes('/subscriptions/'))).toBe(true);
    expect(api.requests.slice(before).every((r) => r.path.includes('/subscriptions/content'))).toBe(true);
  });

  it('lists contentCreated windows in the API time format, follows NextPageUri, and fetches each blob once, one page per blob', async () => {
    api.subscriptions.set('Audit.Exchange', 'enabled');
    api.listPageSize = 2;
    const b = [1, 2, 3].map((i) =>
      ex(T + i * 10 * MIN, [ualRecord(T + i * 10 * MIN - 5 * MIN, { id: `r${i}` })]),
    );
    clock = T + 61 * MIN;
    const res = await runPoller(pollOptions(exchange(sources()), { initialLookbackMs: HOUR }));
    expect(res).toMatchObject({ status: 'caught-up', records: 3, events: 3 });
    expect(delivered.map((e) => [e.id, e.source, e.tenant])).toEqual([
      ['r1', 'm365.audit', TENANT],
      ['r2', 'm365.audit', TENANT],
      ['r3', 'm365.audit', TENANT],
    ]);
    expect(api.downloads).toEqual(b.map((x) => x.contentId));
    const listings = api.requests.filter((r) => r.path.includes('subscriptions/content')).map((r) => r.path);
    expect(listings[0]).toBe(
      `/api/v1.0/${TENANT}/activity/feed/subscriptions/content?contentType=Audit.Exchange&startTime=2026-03-03T23:01:00&endTime=2026-03-04T01:00:00&PublisherIdentifier=${TENANT}`,
    );
    expect(listings[1]).toMatch(/^\/api\/v1\/.*nextPage=2/);
    expect(api.requests.every((r) => r.publisher === TENANT)).toBe(true);
  });

  it('sends the configured PublisherIdentifier on every call', async () => {
    api.subscriptions.set('Audit.Exchange', 'enabled');
    ex(T + 10 * MIN, [ualRecord(T + 5 * MIN)]);
    clock = T + HOUR;
    const publisher = '46b472a7-c68e-4adf-8ade-3db49497518e';
    await runPoller(pollOptions(exchange(sources({ publisherIdentifier: publisher }))));
    expect(api.requests.length).toBeGreaterThan(2);
    expect(api.requests.every((r) => r.publisher === publisher)).toBe(true);
  });

  it('counts a record that the API repeats in the same blob and in another blob a day later once', async () => {
    api.subscriptions.set('Audit.Exchange', 'enabled');
    const rec = ualRecord(T + 5 * MIN, { id: 'same-record' });
    ex(T + 10 * MIN, [rec, ualRecord(T + 6 * MIN, { id: 'other' }), rec]);
    clock = T + HOUR;
    const src = exchange(sources());
    await runPoller(pollOptions(src));
    ex(T + DAY + 10 * MIN, [rec, ualRecord(T + DAY + 5 * MIN, { id: 'new' })]);
    clock = T + DAY + HOUR;
    const second = await runPoller(pollOptions(src));
    expect(second.ledgerDuplicates).toBe(1);
    expect(delivered.filter((e) => e.id === 'same-record')).toHaveLength(1);
    expect(delivered.map((e) => e.id)).toEqual(['same-record', 'other', 'new']);
  });

  it('picks up a blob listed late inside the overlap, without downloading again the blobs it already took', async () => {
    api.subscriptions.set('Audit.Exchange', 'enabled');
    const early = ex(T + 40 * MIN, [ualRecord(T + 35 * MIN, { id: 'early' })]);
    const late = ex(T + 45 * MIN, [ualRecord(T + 44 * MIN, { id: 'late' })], { listedAt: T + 80 * MIN });
    clock = T + 61 * MIN;
    const src = exchange(sources());
    await runPoller(pollOptions(src, { initialLookbackMs: HOUR }));
    expect(api.downloads).toEqual([early.contentId]);
    clock = T + 90 * MIN;
    await runPoller(pollOptions(src));
    expect(api.downloads).toEqual([early.contentId, late.contentId]);
    expect(delivered.map((e) => e.id)).toEqual(['early', 'late']);
  });

  it('takes records out of order across blobs: the watermark is the newest record, the lag the blob delay', async () => {
    api.subscriptions.set('Audit.Exchange', 'enabled');
    ex(T + 10 * MIN, [ualRecord(T + 8 * MIN, { id: 'newer' })]);
    ex(T + 20 * MIN, [ualRecord(T - 50 * MIN, { id: 'older, an hour late' })]);
    clock = T + HOUR;
    const res = await runPoller(pollOptions(exchange(sources())));
    expect(delivered.map((e) => e.id)).toEqual(['newer', 'older, an hour late']);
    expect(res.watermark).toBe(T + 8 * MIN);
    expect(res.lagMs).toBe(70 * MIN);
  });

  it('reports content past its expiration as lost without asking for it, and the AF20051 answer too', async () => {
    api.subscriptions.set('Audit.Exchange', 'enabled');
    const gone = ex(T + 10 * MIN, [ualRecord(T + 5 * MIN)], { contentExpiration: T + 30 * MIN });
    const expiresInFlight = ex(T + 20 * MIN, [ualRecord(T + 15 * MIN)], { contentExpiration: T + 40 * MIN });
    const ok = ex(T + 30 * MIN, [ualRecord(T + 25 * MIN, { id: 'kept' })]);
    clock = T + 35 * MIN;
    // The listing says the second blob is still there; it expires before it is fetched.
    const list = sources({
      fetch: async (input, init) => {
        if (String(input).includes(expiresInFlight.contentId)) clock = T + 41 * MIN;
        return testCaFetch(input, init);
      },
    });
    const res = await runPoller(pollOptions(exchange(list), { initialLookbackMs: HOUR, delayMs: 0 }));
    expect(res.lost.map((l) => l.reason)).toEqual([
      `expired at ${new Date(T + 30 * MIN).toISOString()}`,
      expect.stringMatching(/^AF20051 Content requested with the key .* has already expired/),
    ]);
    expect(api.downloads).toEqual([ok.contentId]);
    expect(api.requests.some((r) => r.path.includes(gone.contentId))).toBe(false);
    expect(delivered.map((e) => e.id)).toEqual(['kept']);
  });

  it('retries AF429 and AF50000 with backoff and carries on', async () => {
    api.subscriptions.set('Audit.Exchange', 'enabled');
    const b = ex(T + 10 * MIN, [ualRecord(T + 5 * MIN, { id: 'x' })]);
    api.failNext(
      {
        status: 429,
        match: '/audit/',
        body: {
          error: { code: 'AF429', message: `Too many requests. Method=GetBlob, PublisherId=${TENANT}` },
        },
      },
      { status: 500, match: '/audit/' },
    );
    clock = T + HOUR;
    const res = await runPoller(pollOptions(exchange(sources())));
    expect(res.events).toBe(1);
    expect(api.requests.filter((r) => r.path.includes(b.contentId)).map((r) => r.status)).toEqual([
      429, 500, 200,
    ]);
    expect(sleeps).toHaveLength(2);
  });

  it('gets a new token when the API refuses an expired one', async () => {
    api.subscriptions.set('Audit.Exchange', 'enabled');
    ex(T + 10 * MIN, [ualRecord(T + 5 * MIN, { id: 'x' })]);
    clock = T + HOUR;
    // Tokens are expired just before the blob request: the first blob attempt gets 401.
    let expired = false;
    const once = sources({
      fetch: async (input, init) => {
        if (!expired && String(input).includes('/audit/')) {
          expired = true;
          entra.expireAll();
        }
        return testCaFetch(input, init);
      },
    });
    const res = await runPoller(pollOptions(exchange(once)));
    expect(res.events).toBe(1);
    expect(api.requests.filter((r) => r.path.includes('/audit/')).map((r) => r.status)).toEqual([401, 200]);
    expect(entra.issued).toHaveLength(2);
  });

  it('starts a subscription the listing says is missing, and reads that window as empty', async () => {
    const list = sources({ contentTypes: ['Audit.General'] });
    // The process believes it is subscribed (listed before), then an admin stopped it.
    api.subscriptions.set('Audit.General', 'enabled');
    clock = T + HOUR;
    await runPoller(pollOptions(list[0] as PollSource));
    api.subscriptions.delete('Audit.General');
    clock += 20 * MIN;
    const res = await runPoller(pollOptions(list[0] as PollSource));
    expect(res.status).toBe('caught-up');
    expect(api.subscriptions.get('Audit.General')).toBe('enabled');
  });

  it('enables again a subscription an admin disabled, and says it did', async () => {
    api.subscriptions.set('Audit.Exchange', 'disabled');
    const started: Array<[string, string]> = [];
    clock = T + HOUR;
    await runPoller(
      pollOptions(exchange(sources({ onSubscriptionStarted: (t, p) => started.push([t, p]) }))),
    );
    expect(started).toContainEqual(['Audit.Exchange', 'disabled']);
    expect(api.subscriptions.get('Audit.Exchange')).toBe('enabled');
  });

  it('fails with the reason when a subscription is disabled under a running poller, and names the permission the app lacks', async () => {
    api.subscriptions.set('Audit.Exchange', 'enabled');
    clock = T + HOUR;
    const src = exchange(sources());
    await runPoller(pollOptions(src));
    api.subscriptions.set('Audit.Exchange', 'disabled');
    clock += 10 * MIN;
    const err = (await runPoller(pollOptions(src)).catch((e: unknown) => e)) as PollerError;
    expect(err).toBeInstanceOf(PollerError);
    expect(err.message).toMatch(
      /AF20023 The subscription was disabled by a tenant admin\. Tripline started the subscription again/,
    );
    expect(api.subscriptions.get('Audit.Exchange')).toBe('enabled');

    api.failNext({
      status: 403,
      body: {
        error: {
          code: 'AF10001',
          message:
            'The permission set () sent in the request did not include the expected permission ActivityFeed.Read.',
        },
      },
    });
    const err2 = (await runPoller(pollOptions(sources()[0] as PollSource)).catch(
      (e: unknown) => e,
    )) as PollerError;
    expect(err2.message).toMatch(/ActivityFeed\.Read in tenant 2f4a9c1e/);
  });

  it('never asks for more than 24 h at once or for content older than 7 days, and reports the time it could not read', async () => {
    api.subscriptions.set('Audit.Exchange', 'enabled');
    const src = exchange(sources());
    const key = checkpointKey(src.name, TENANT);
    await store.write(
      [
        {
          key,
          expectedVersion: 0,
          expiresAt: T + 30 * DAY,
          value: { v: 1, until: T - 9 * DAY, seen: '', next: '', updatedAt: 0 },
        },
      ],
      clock,
    );
    const res: PollRunResult = await runPoller(pollOptions(src));
    expect(res.gaps).toHaveLength(1);
    expect(res.gaps[0]?.from).toBe(T - 9 * DAY);
    expect(res.status).toBe('caught-up');
    expect(api.requests.every((r) => r.status === 200)).toBe(true);
  });

  it('refuses to send its token to a content URI on another host', async () => {
    api.subscriptions.set('Audit.Exchange', 'enabled');
    ex(T + 10 * MIN, [ualRecord(T + 5 * MIN)]);
    clock = T + HOUR;
    const list = sources({
      fetch: async (input, init) => {
        const res = await testCaFetch(input, init);
        if (!String(input).includes('subscriptions/content')) return res;
        const body = (await res.json()) as Array<{ contentUri: string }>;
        for (const b of body) b.contentUri = b.contentUri.replace(api.base, 'https://attacker.example');
        return new Response(JSON.stringify(body), { status: 200, headers: res.headers });
      },
    });
    const err = (await runPoller(pollOptions(exchange(list))).catch((e: unknown) => e)) as PollerError;
    expect(err.message).toMatch(/pointed at https:\/\/attacker\.example, not at the configured .*refused/);
  });
});
