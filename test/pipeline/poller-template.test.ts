/**
 * The poller template's bookkeeping beyond paging: the event-time watermark and lag handed to each
 * batch, silence, feeds that are off, look-back limits, units taken once across overlapping windows,
 * and the record ledger. An in-memory source stands in for the API (the HTTP behaviour of real APIs
 * is specified by each collector's tests).
 */
import type { TriplineEvent } from '#shared/events/types';
import type { RunBatchResult } from '#shared/pipeline/run-batch';
import { StoreRecordLedger } from '#shared/sources/ledger';
import { PollerError, SourceUnavailableError, checkpointKey, runPoller } from '#shared/sources/poller';
import type {
  BatchInfo,
  CheckpointValue,
  PollContext,
  PollPage,
  PollSource,
  PollWindow,
  RunPollerOptions,
} from '#shared/sources/poller';
import { EmbeddedStateStore } from '#shared/state/embedded';
import { FlakyStore } from './helpers';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const T = Date.parse('2026-03-04T00:00:00Z');
const TENANT = '2f4a9c1e-7b3d-4e5f-a6b7-c8d9e0f1a2b3';

let store: FlakyStore;
let clock: number;
let batches: Array<{ ids: string[]; info: BatchInfo }>;

beforeEach(async () => {
  store = new FlakyStore(await EmbeddedStateStore.open(':memory:'));
  clock = T;
  batches = [];
});
afterEach(async () => {
  await store.close();
});

/** A UAL record (the normalizer reads these) at `at`. */
function ual(id: string, at: number): Record<string, unknown> {
  return {
    Id: id,
    CreationTime: new Date(at).toISOString().replace(/\.\d{3}Z$/, ''),
    Operation: 'MailItemsAccessed',
    OrganizationId: TENANT,
    RecordType: 50,
    ResultStatus: 'Succeeded',
    UserId: 'grace@contoso.com',
    Workload: 'Exchange',
    ClientIP: '203.0.113.7',
  };
}

/** A source whose records become visible at given wall-clock times (late indexing), one page per window. */
class TimedSource implements PollSource {
  readonly name = 'test-feed';
  readonly sourceId = 'm365.audit' as const;
  records: Array<{ rec: Record<string, unknown>; at: number; visibleAt: number }> = [];
  windows: PollWindow[] = [];
  fail: unknown;
  fetchPage(w: PollWindow): Promise<PollPage> {
    this.windows.push(w);
    if (this.fail !== undefined) return Promise.reject(this.fail);
    const recs = this.records.filter((r) => r.visibleAt <= clock && r.at >= w.from && r.at < w.to);
    return Promise.resolve({ records: recs.map((r) => r.rec) });
  }
}

function options(source: PollSource, extra: Partial<RunPollerOptions> = {}): RunPollerOptions {
  return {
    source,
    tenant: TENANT,
    store,
    batch: async (events: TriplineEvent[], info: BatchInfo): Promise<RunBatchResult> => {
      batches.push({ ids: events.map((e) => e.id), info });
      return { findings: [], published: [], failedPublishes: [] } as unknown as RunBatchResult;
    },
    now: () => clock,
    remainingMs: () => 120_000,
    overlapMs: 10 * MIN,
    maxWindowMs: 2 * HOUR,
    initialLookbackMs: HOUR,
    delayMs: 2 * MIN,
    ...extra,
  };
}

async function checkpoint(name = 'test-feed'): Promise<CheckpointValue | undefined> {
  const key = checkpointKey(name, TENANT);
  return (await store.get([key], clock)).get(key)?.value as CheckpointValue | undefined;
}

describe('a run against a moving clock', () => {
  it('reads up to where it started and stops, instead of re-reading its overlap until its budget is gone', async () => {
    const src = new TimedSource();
    src.records.push({ rec: ual('a', T - 30 * MIN), at: T - 30 * MIN, visibleAt: T });
    // A real clock: every request takes a second.
    const fetchPage = src.fetchPage.bind(src);
    src.fetchPage = (w: PollWindow) => {
      clock += 1000;
      return fetchPage(w);
    };
    const res = await runPoller(options(src, { remainingMs: () => 3_600_000 }));
    expect(res.status).toBe('caught-up');
    expect(src.windows).toEqual([{ from: T - HOUR - 10 * MIN, to: T - 2 * MIN }]);
    expect(res.events).toBe(1);
  });
});

describe('watermark and lag', () => {
  it('hands each batch the newest event time read and how late the source delivers', async () => {
    const src = new TimedSource();
    // Read at T: an event of T-50m that became visible at T (it was 50 minutes late to the API).
    src.records.push({ rec: ual('a', T - 50 * MIN), at: T - 50 * MIN, visibleAt: T });
    const first = await runPoller(options(src));
    expect(first.watermark).toBe(T - 50 * MIN);
    // The page was readable at the window end (T-2m): 48 minutes after the event.
    expect(batches[0]?.info).toEqual({ watermark: T - 50 * MIN, lagMs: 48 * MIN });
    expect(first.lagMs).toBe(48 * MIN);
    expect((await checkpoint())?.wm).toBe(T - 50 * MIN);
  });

  it('keeps the lag of the last day or two, then forgets it', async () => {
    const src = new TimedSource();
    src.records.push({ rec: ual('a', T - 50 * MIN), at: T - 50 * MIN, visibleAt: T });
    await runPoller(options(src));
    clock = T + 25 * HOUR;
    src.records.push({ rec: ual('b', clock - 5 * MIN), at: clock - 5 * MIN, visibleAt: clock });
    const second = await runPoller(options(src));
    expect(second.lagMs).toBe(48 * MIN); // the previous day's maximum still counts
    clock = T + 74 * HOUR;
    const third = await runPoller(options(src));
    expect(third.lagMs).toBe(0);
  });

  it('measures lag from the time the page became readable when the source says so', async () => {
    const src: PollSource = {
      name: 'test-feed',
      sourceId: 'm365.audit',
      fetchPage: async (w) => ({
        records: w.from < T - 30 * MIN ? [ual('a', T - 3 * HOUR)] : [],
        availableAt: T - 40 * MIN,
      }),
    };
    const res = await runPoller(options(src));
    expect(res.lagMs).toBe(3 * HOUR - 40 * MIN);
  });
});

describe('silence', () => {
  it('does not call a feed that never delivered, and polls fine, silent: it may just be empty', async () => {
    const src = new TimedSource();
    const opts = options(src, { silenceAfterMs: HOUR });
    await runPoller(opts);
    clock = T + 3 * DAY;
    expect((await runPoller(opts)).silence).toBeUndefined();
  });

  it('reports a source that never delivered and whose polls fail, with the last error', async () => {
    const src = new TimedSource();
    src.fail = new Error('HTTP 403 Authorization_RequestDenied');
    const opts = options(src, { silenceAfterMs: 6 * HOUR });
    await expect(runPoller(opts)).rejects.toBeInstanceOf(PollerError);
    clock = T + 7 * HOUR;
    const err = (await runPoller(opts).catch((e: unknown) => e)) as PollerError;
    expect(err.silence).toMatchObject({
      since: T,
      silentForMs: 7 * HOUR,
      thresholdMs: 6 * HOUR,
      everDelivered: false,
      lastError: { message: expect.stringMatching(/Authorization_RequestDenied/) },
    });
  });

  it('reports a source that delivered and then went quiet past its lag plus the margin, and not before', async () => {
    const src = new TimedSource();
    src.records.push({ rec: ual('a', T - 50 * MIN), at: T - 50 * MIN, visibleAt: T });
    const opts = options(src, { silenceAfterMs: 6 * HOUR });
    expect((await runPoller(opts)).silence).toBeUndefined();
    clock = T - 50 * MIN + 6 * HOUR + 48 * MIN; // exactly the margin plus the 48 min lag
    expect((await runPoller(opts)).silence).toBeUndefined();
    clock += MIN;
    expect((await runPoller(opts)).silence).toMatchObject({ since: T - 50 * MIN, everDelivered: true });
  });
});

describe('a feed that is off', () => {
  it('is reported once, not asked again until the retry time, and comes back by itself', async () => {
    let unlicensed = true;
    let calls = 0;
    const src: PollSource = {
      name: 'test-feed',
      sourceId: 'm365.audit',
      fetchPage: async () => {
        calls++;
        if (unlicensed) throw new SourceUnavailableError('no Entra ID P1/P2 licence', DAY);
        return { records: [ual('a', T - 20 * MIN)] };
      },
    };
    const first = await runPoller(options(src, { silenceAfterMs: HOUR }));
    expect(first).toMatchObject({
      status: 'unavailable',
      unavailable: { reason: 'no Entra ID P1/P2 licence', until: T + DAY, newly: true },
    });
    expect(first.silence).toBeUndefined();
    clock = T + 5 * HOUR;
    const second = await runPoller(options(src, { silenceAfterMs: HOUR }));
    expect(second).toMatchObject({ status: 'unavailable', unavailable: { newly: false } });
    expect(calls).toBe(1);
    clock = T + DAY + MIN;
    unlicensed = false;
    const third = await runPoller(options(src));
    expect(third.status).toBe('caught-up');
    expect((await checkpoint())?.off).toBeUndefined();
  });
});

describe('look-back limit', () => {
  it('never asks for time the API no longer serves, and reports the gap', async () => {
    const src = new TimedSource();
    const key = checkpointKey('test-feed', TENANT);
    await store.write(
      [
        {
          key,
          expectedVersion: 0,
          expiresAt: clock + DAY,
          value: { v: 1, until: T - 9 * DAY, seen: '', next: '', updatedAt: 0 },
        },
      ],
      clock,
    );
    const res = await runPoller(options(src, { maxLookbackMs: 7 * DAY, maxWindowMs: 24 * HOUR }));
    expect(res.gaps).toEqual([{ from: T - 9 * DAY, to: T - 7 * DAY }]);
    expect(src.windows[0]).toEqual({ from: T - 7 * DAY, to: T - 6 * DAY });
    expect(res.status).toBe('caught-up');
  });
});

describe('units taken once', () => {
  it('lets a source skip a unit (a content blob) that the previous window took in the overlap', async () => {
    const asked: boolean[] = [];
    const src: PollSource = {
      name: 'test-feed',
      sourceId: 'm365.audit',
      fetchPage: async (_w, _c, ctx?: PollContext) => {
        asked.push(ctx?.taken('blob-1') ?? false);
        return { records: [], taken: [{ id: 'blob-1', time: T - 5 * MIN }] };
      },
    };
    await runPoller(options(src));
    clock += 5 * MIN;
    await runPoller(options(src));
    expect(asked).toEqual([false, true]);
  });
});

describe('record ledger', () => {
  const ledgerFor = (): StoreRecordLedger =>
    new StoreRecordLedger({ store, scope: `test-feed|${TENANT}`, retentionMs: 8 * DAY, now: () => clock });

  it('drops a record served again days later, beyond the overlap', async () => {
    const src = new TimedSource();
    src.records.push({ rec: ual('dup', T - 30 * MIN), at: T - 30 * MIN, visibleAt: T });
    await runPoller(options(src, { ledger: ledgerFor() }));
    // Two days later the API serves the same record again, in a new window (a new blob).
    clock = T + 2 * DAY;
    src.records.push({ rec: ual('dup', T - 30 * MIN), at: clock - 20 * MIN, visibleAt: clock });
    src.records.push({ rec: ual('new', clock - 20 * MIN), at: clock - 20 * MIN, visibleAt: clock });
    const res = await runPoller(options(src, { ledger: ledgerFor(), maxWindowMs: 3 * DAY }));
    expect(res).toMatchObject({ ledgerDuplicates: 1, events: 1 });
    expect(batches.flatMap((b) => b.ids)).toEqual(['dup', 'new']);
  });

  it('commits after the batch and before the checkpoint: a crash between them drops the page as read', async () => {
    const src = new TimedSource();
    src.records.push({ rec: ual('a', T - 30 * MIN), at: T - 30 * MIN, visibleAt: T });
    store.failPrefix.write = 'ckpt|';
    await expect(runPoller(options(src, { ledger: ledgerFor() }))).rejects.toThrow();
    delete store.failPrefix.write;
    const again = await runPoller(options(src, { ledger: ledgerFor() }));
    // The page is read again (the checkpoint did not move), but nothing reaches detection twice.
    expect(again).toMatchObject({ records: 1, ledgerDuplicates: 1, events: 0 });
    expect(batches.flatMap((b) => b.ids)).toEqual(['a']);
  });

  it('keeps the ledger bounded: one chunk per committed page, one small index per hour', async () => {
    const src = new TimedSource();
    clock = T + 30 * MIN;
    for (let i = 0; i < 40; i++) {
      const at = T - 20 * MIN + i * MIN;
      src.records.push({ rec: ual(`r${i}`, at), at, visibleAt: T });
    }
    await runPoller(options(src, { ledger: ledgerFor() }));
    const ledgerWrites = store.writtenKeys.flat().filter((k) => k.startsWith('ids|'));
    // Records span two hour buckets: a chunk and an index item each.
    expect(ledgerWrites.sort()).toEqual(
      [
        `ids|test-feed|${TENANT}|${T - HOUR}`,
        `ids|test-feed|${TENANT}|${T - HOUR}|0`,
        `ids|test-feed|${TENANT}|${T}`,
        `ids|test-feed|${TENANT}|${T}|0`,
      ].sort(),
    );
  });
});
