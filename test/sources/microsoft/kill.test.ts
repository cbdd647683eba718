/**
 * Kill a poll in the middle, at several points, and poll again as a restarted Lambda would (new
 * process, same state table): no record is lost and none is counted twice. Each scenario is compared
 * with an uninterrupted run over the same data: the same records reach detection, the same findings
 * are published once, with the same counts.
 *
 * Delivery to detection is at least once by design: only a kill after a page was detected and before
 * its record ids were committed hands that page to detection again, and the engine then counts
 * nothing twice (the counts match the clean run's).
 */
import { Detector } from '#shared/engine/detector';
import type { Finding } from '#shared/engine/findings';
import { runBatch } from '#shared/pipeline/run-batch';
import { ALL_RULES } from '#shared/rules/index';
import { StoreRecordLedger } from '#shared/sources/ledger';
import { EntraTokenSource } from '#shared/sources/microsoft/auth';
import { createGraphSources } from '#shared/sources/microsoft/graph';
import {
  M365_LEDGER_RETENTION_MS,
  M365_POLL_TIMING,
  createManagementSources,
} from '#shared/sources/microsoft/management';
import { GRAPH_LEDGER_RETENTION_MS, GRAPH_POLL_TIMING } from '#shared/sources/microsoft/tenants';
import { runPoller } from '#shared/sources/poller';
import type { PollSource, PollTiming } from '#shared/sources/poller';
import { RateLimiter } from '#shared/sources/rate-limit';
import { EmbeddedStateStore } from '#shared/state/embedded';
import type { StateDelete, StateItem, StateStore, StateWrite, WriteResult } from '#shared/state/port';
import { MemorySink } from '../../pipeline/helpers';
import { startFakeEntra } from '../../support/fake-entra';
import type { FakeEntra } from '../../support/fake-entra';
import { graphSignIn, startFakeGraph } from '../../support/fake-graph';
import type { FakeGraph } from '../../support/fake-graph';
import { contentId, startFakeManagement, ualRecord } from '../../support/fake-management';
import type { FakeManagement } from '../../support/fake-management';
import { testCaFetch } from '../../support/https-fetch';

const MIN = 60_000;
const HOUR = 60 * MIN;
const T = Date.parse('2026-03-04T08:00:00Z');
const TENANT = '2f4a9c1e-7b3d-4e5f-a6b7-c8d9e0f1a2b3';
const CLIENT = '6c1f3b0e-9d2a-4e8f-b7c6-5a4d3e2f1b0c';

/** A crash: the process dies here (nothing after it runs). */
class Killed extends Error {
  override readonly name = 'Killed';
}

/** A store that dies on the write the test chooses. */
class KillableStore implements StateStore {
  readonly name = 'killable';
  killWrite: ((keys: string[]) => boolean) | undefined;
  constructor(private readonly inner: StateStore) {}
  get(keys: readonly string[], now: number): Promise<Map<string, StateItem>> {
    return this.inner.get(keys, now);
  }
  async write(writes: readonly StateWrite[], now: number): Promise<WriteResult> {
    if (this.killWrite?.(writes.map((w) => w.key))) throw new Killed('killed before a state write');
    return this.inner.write(writes, now);
  }
  delete(deletes: readonly StateDelete[]): Promise<WriteResult> {
    return this.inner.delete(deletes);
  }
  flush(): Promise<void> {
    return this.inner.flush();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

interface Kill {
  name: string;
  /** Arms the kill for the first run; `state` counts what happened so far. */
  arm(ctx: KillContext): void;
}
interface KillContext {
  store: KillableStore;
  /** Set to make every request whose URL matches fail on the network (until the run ends). */
  failFetch: { match: ((url: string, n: number) => boolean) | undefined };
  /** Pages fetched so far (data requests). */
  budgetAfterPages: { n: number | undefined };
}

interface Outcome {
  /** Ids handed to detection, in order, over every run. */
  delivered: string[];
  /** Final findings: rule, principal, count. */
  findings: Array<[string, string, number]>;
  published: number;
}

interface Rig {
  name: string;
  timing: PollTiming;
  ledgerRetentionMs: number;
  /** Every record id the API holds. */
  ids: string[];
  /** The page (data request) URLs, to kill at. */
  isDataRequest(url: string): boolean;
  /** Starts the fake APIs with the records. */
  start(): Promise<void>;
  /** New clients, as a restarted process has. */
  sources(fetch: typeof globalThis.fetch): PollSource[];
  stop(): Promise<void>;
}

let clock: number;
const virtualSleep = async (ms: number): Promise<void> => {
  clock += ms;
};

function tokensFor(entra: FakeEntra, fetch: typeof globalThis.fetch): EntraTokenSource {
  return new EntraTokenSource(
    { tenantId: TENANT, clientId: CLIENT, clientSecret: 's3cr3t' },
    { authorityHost: entra.base, fetch },
  );
}

/** Graph sign-ins: 12 failures of one user (brute-force) among 23 successes, 5 per page. */
function graphRig(): Rig {
  let entra: FakeEntra;
  let graph: FakeGraph;
  const ids: string[] = [];
  return {
    name: 'Graph sign-ins',
    timing: { ...GRAPH_POLL_TIMING, initialLookbackMs: HOUR },
    ledgerRetentionMs: GRAPH_LEDGER_RETENTION_MS,
    ids,
    isDataRequest: (url) => url.includes('/auditLogs/'),
    async start() {
      entra = await startFakeEntra();
      entra.register({ tenantId: TENANT, clientId: CLIENT, secret: 's3cr3t' });
      graph = await startFakeGraph(entra, TENANT);
      graph.pageSize = 5;
      for (let i = 0; i < 35; i++) {
        const fail = i % 3 === 0 && ids.filter((x) => x.startsWith('fail')).length < 12;
        const id = `${fail ? 'fail' : 'ok'}-${i}`;
        ids.push(id);
        graph.signIns.push(
          graphSignIn(
            T - 40 * MIN + i * 20_000,
            fail ? { id, upn: 'grace@contoso.com' } : { id, ok: true, upn: `u${i}@contoso.com` },
          ),
        );
      }
    },
    sources: (fetch) =>
      createGraphSources({
        tenantId: TENANT,
        tokens: tokensFor(entra, fetch),
        graphBase: graph.base,
        feeds: ['signIns'],
        fetch,
        now: () => clock,
        sleep: virtualSleep,
        limiter: new RateLimiter({ requests: 1000, perMs: 1000, now: () => clock }),
      }),
    async stop() {
      await graph.close();
      await entra.close();
    },
  };
}

/** Management API: 12 failed logins of one user spread over 6 blobs, repeated records across blobs. */
function m365Rig(): Rig {
  let entra: FakeEntra;
  let api: FakeManagement;
  const ids: string[] = [];
  return {
    name: 'Management Activity API',
    timing: { ...M365_POLL_TIMING, initialLookbackMs: 2 * HOUR },
    ledgerRetentionMs: M365_LEDGER_RETENTION_MS,
    ids,
    isDataRequest: (url) => url.includes('/activity/feed/audit/') || url.includes('subscriptions/content'),
    async start() {
      entra = await startFakeEntra();
      entra.register({ tenantId: TENANT, clientId: CLIENT, secret: 's3cr3t' });
      api = await startFakeManagement(entra, TENANT, () => clock);
      api.subscriptions.set('Audit.AzureActiveDirectory', 'enabled');
      api.listPageSize = 2;
      const records = Array.from({ length: 18 }, (_, i) => {
        const fail = i < 12;
        const id = `${fail ? 'fail' : 'ok'}-${i}`;
        ids.push(id);
        return ualRecord(T - 90 * MIN + i * 40_000, {
          id,
          op: fail ? 'UserLoginFailed' : 'UserLoggedIn',
          workload: 'AzureActiveDirectory',
          recordType: 15,
          user: fail ? 'grace@contoso.com' : `u${i}@contoso.com`,
          extra: fail ? { ErrorNumber: '50126', LogonError: 'InvalidUserNameOrPassword' } : {},
        });
      });
      for (let b = 0; b < 6; b++) {
        const created = T - 60 * MIN + b * 5 * MIN;
        // Each blob holds 3 new records and repeats the previous blob's last one (duplicates by design).
        const own = records.slice(b * 3, b * 3 + 3);
        const repeat = b > 0 ? [records[b * 3 - 1]] : [];
        api.blobs.push({
          contentType: 'Audit.AzureActiveDirectory',
          contentId: contentId('Audit.AzureActiveDirectory', created),
          contentCreated: created,
          records: [...repeat, ...own],
        });
      }
    },
    sources: (fetch) =>
      createManagementSources({
        tenantId: TENANT,
        tokens: tokensFor(entra, fetch),
        managementBase: api.base,
        contentTypes: ['Audit.AzureActiveDirectory'],
        fetch,
        now: () => clock,
        sleep: virtualSleep,
        limiter: new RateLimiter({ requests: 1000, perMs: 1000, now: () => clock }),
      }),
    async stop() {
      await api.close();
      await entra.close();
    },
  };
}

const KILLS: Kill[] = [
  {
    name: 'the network dies while the third page is read',
    arm: ({ failFetch }) => {
      let n = 0;
      failFetch.match = (url) =>
        url.includes('/auditLogs/') || url.includes('/activity/feed/audit/') ? ++n >= 3 : false;
    },
  },
  {
    name: 'the process dies after a page was detected, before its record ids were committed',
    arm: ({ store }) => {
      let n = 0;
      store.killWrite = (keys) => keys.some((k) => k.startsWith('ids|')) && ++n === 3;
    },
  },
  {
    name: 'the process dies after the record ids were committed, before the checkpoint moved',
    arm: ({ store }) => {
      let n = 0;
      store.killWrite = (keys) => keys.some((k) => k.startsWith('ckpt|')) && ++n === 3;
    },
  },
  {
    name: 'the time budget runs out in the middle of a window',
    arm: ({ budgetAfterPages }) => {
      budgetAfterPages.n = 3;
    },
  },
];

async function run(rig: Rig, kill: Kill | undefined): Promise<Outcome> {
  clock = T;
  const store = new KillableStore(await EmbeddedStateStore.open(':memory:'));
  const sink = new MemorySink();
  const detector = new Detector({ rules: ALL_RULES, store, lateness: '2h' });
  const delivered: string[] = [];
  /** Each finding as the engine last stored it (count included). */
  const latest = new Map<string, Finding>();
  const failFetch: KillContext['failFetch'] = { match: undefined };
  const budgetAfterPages: KillContext['budgetAfterPages'] = { n: undefined };
  let pages = 0;
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const url = String(input instanceof Request ? input.url : input);
    if (rig.isDataRequest(url)) {
      pages++;
      if (failFetch.match?.(url, pages))
        throw new TypeError('fetch failed', { cause: new Error('ECONNRESET') });
    }
    return testCaFetch(input, init);
  };
  if (kill) kill.arm({ store, failFetch, budgetAfterPages });

  const pollOnce = async (): Promise<void> => {
    for (const source of rig.sources(fetch)) {
      await runPoller({
        source,
        tenant: TENANT,
        store,
        ...rig.timing,
        batch: async (events) => {
          delivered.push(...events.map((e) => e.id));
          const res = await runBatch(events, {
            detector,
            store,
            sink,
            now: clock,
            claimTtlMs: 15 * 24 * HOUR,
          });
          for (const f of [...res.findings, ...res.updated]) latest.set(f.id, f);
          return res;
        },
        ledger: new StoreRecordLedger({
          store,
          scope: `${source.name}|${TENANT}`,
          retentionMs: rig.ledgerRetentionMs,
          now: () => clock,
        }),
        now: () => clock,
        remainingMs: () =>
          budgetAfterPages.n !== undefined && pages >= budgetAfterPages.n ? 1_000 : 600_000,
      });
    }
  };

  if (kill) {
    let died = false;
    await pollOnce().catch((e: unknown) => {
      died = true;
      return e;
    });
    if (kill.name.includes('budget')) expect(died).toBe(false);
    else expect(died).toBe(true);
    // Restart: healthy again, a few minutes later.
    store.killWrite = undefined;
    failFetch.match = undefined;
    budgetAfterPages.n = undefined;
    clock += 5 * MIN;
  }
  await pollOnce();
  clock += 5 * MIN;
  await pollOnce();
  await store.close();
  const findings = new Map<string, Finding>();
  for (const f of sink.sent) findings.set(f.id, f);
  return {
    delivered,
    findings: [...findings.values()]
      .map((f) => [f.ruleId, f.principal, f.count] as [string, string, number])
      .sort(),
    published: sink.sent.length,
  };
}

describe.each([graphRig, m365Rig])('kill in the middle: %p', (makeRig) => {
  const rig = makeRig();
  let clean: Outcome;

  beforeAll(async () => {
    await rig.start();
    clean = await run(rig, undefined);
  });
  afterAll(async () => {
    await rig.stop();
  });

  it('reads every record once when nothing goes wrong, and finds the brute force', () => {
    expect([...clean.delivered].sort()).toEqual([...rig.ids].sort());
    // The count is the engine's business (newest-first pages meet the threshold before the oldest
    // failures arrive); what matters here is that every kill below ends with the same answer.
    expect(clean.findings).toEqual([['brute-force', 'grace@contoso.com', expect.any(Number)]]);
    expect(clean.findings[0]?.[2]).toBeGreaterThanOrEqual(10);
    expect(clean.published).toBe(1);
  });

  it.each(KILLS.map((k) => [k.name, k] as const))(
    'loses nothing and counts nothing twice when %s',
    async (_name, kill) => {
      const res = await run(rig, kill);
      // Nothing lost: every record reached detection.
      expect(new Set(res.delivered)).toEqual(new Set(rig.ids));
      // Nothing counted twice: the same findings, published once, with the same counts.
      expect(res.findings).toEqual(clean.findings);
      expect(res.published).toBe(clean.published);
      // Only a kill between detection and the id commit hands records to detection again (one page).
      const again = res.delivered.length - new Set(res.delivered).size;
      if (kill.name.includes('before its record ids were committed')) expect(again).toBeGreaterThan(0);
      else expect(again).toBe(0);
      expect(again).toBeLessThanOrEqual(5);
    },
  );
});
