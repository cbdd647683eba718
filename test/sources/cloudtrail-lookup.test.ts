/**
 * The CloudTrail LookupEvents collector against a local server speaking the CloudTrail JSON protocol
 * (test/support/fake-cloudtrail.ts), through the real @aws-sdk/client-cloudtrail.
 */
import { EmbeddedStateStore } from '#shared/state/embedded';
import {
  LOOKUP_TIMING,
  LookupConfigError,
  createLookupSource,
  parseLookupOptions,
} from '#shared/sources/cloudtrail-lookup';
import { runPoller } from '#shared/sources/poller';
import type { PollWindow } from '#shared/sources/poller';
import { RateLimiter } from '#shared/sources/rate-limit';
import { iamUserCall } from '../functions/cloudtrail-events';
import { startFakeCloudTrail } from '../support/fake-cloudtrail';
import type { FakeCloudTrail } from '../support/fake-cloudtrail';
import {
  GROUP,
  KILL_POINTS,
  countingRule,
  describeKill,
  mayRedeliver,
  pollKilledThenResumed,
} from './kill-harness';

const MIN = 60_000;
const HOUR = 60 * MIN;
const NOW = Date.parse('2026-03-04T12:00:00Z');
const W: PollWindow = { from: NOW - HOUR, to: NOW };

let ct: FakeCloudTrail;
beforeEach(async () => {
  ct = await startFakeCloudTrail();
});
afterEach(() => ct.close());

const call = (at: number, eventName = 'CreateAccessKey', userName = 'mallory'): Record<string, unknown> =>
  (
    iamUserCall({ at, eventName, eventSource: 'iam.amazonaws.com', userName, ip: '198.51.100.23' }) as {
      detail: Record<string, unknown>;
    }
  ).detail;

const fast = (): RateLimiter => new RateLimiter({ requests: 1000, perMs: 1000 });

describe('parseLookupOptions', () => {
  it('names a region that is not one and an endpoint that is not a URL', () => {
    expect(() => parseLookupOptions({ region: 'Ireland', endpoint: 'cloudtrail' })).toThrow(
      LookupConfigError,
    );
    expect(() => parseLookupOptions({ region: 'Ireland' })).toThrow(/region is not an AWS region/);
    expect(parseLookupOptions({ region: 'eu-west-1' })).toEqual({ region: 'eu-west-1' });
  });
});

describe('CloudTrail LookupEvents source', () => {
  it('pages 50 events at a time through NextToken and hands on the records inside CloudTrailEvent', async () => {
    ct.perSecond = Infinity;
    for (let i = 0; i < 120; i++) ct.add(call(NOW - 50 * MIN + i * 10_000));
    const source = createLookupSource(
      { region: 'us-east-1', endpoint: ct.endpoint },
      { client: ct.client(), limiter: fast() },
    );
    expect(source.name).toBe('cloudtrail-lookup-us-east-1');
    const sizes: number[] = [];
    let cursor: string | undefined;
    do {
      const page = await source.fetchPage(W, cursor);
      sizes.push(page.records.length);
      cursor = page.next;
      expect((page.records[0] as { eventSource: string }).eventSource).toBe('iam.amazonaws.com');
    } while (cursor !== undefined);
    expect(sizes).toEqual([50, 50, 20]);
    expect(ct.requests[0]?.body).toMatchObject({
      MaxResults: 50,
      StartTime: (NOW - HOUR) / 1000,
      EndTime: NOW / 1000,
    });
  });

  it('stays at one request per second by default, under the documented 2, so it is never throttled', async () => {
    for (let i = 0; i < 120; i++) ct.add(call(NOW - 50 * MIN + i * 10_000));
    ct.perSecond = 2;
    const source = createLookupSource({ region: 'us-east-1' }, { client: ct.client(1) });
    let page = await source.fetchPage(W);
    while (page.next !== undefined) page = await source.fetchPage(W, page.next);
    expect(ct.requests).toHaveLength(3);
    expect(ct.throttled).toBe(0);
  });

  it('retries a ThrottlingException and a 500 through the SDK retry strategy', async () => {
    ct.perSecond = Infinity;
    ct.add(call(NOW - 5 * MIN));
    ct.script.push(
      { status: 400, type: 'ThrottlingException', message: 'Rate exceeded' },
      { status: 500, type: 'InternalFailure', message: 'oops' },
    );
    const source = createLookupSource({ region: 'us-east-1' }, { client: ct.client(3), limiter: fast() });
    expect((await source.fetchPage(W)).records).toHaveLength(1);
    expect(ct.requests).toHaveLength(3);
  });

  it('reads the window again from its first page when the saved NextToken is refused', async () => {
    ct.perSecond = Infinity;
    for (let i = 0; i < 60; i++) ct.add(call(NOW - 50 * MIN + i * 10_000));
    const notices: string[] = [];
    const source = createLookupSource(
      { region: 'us-east-1' },
      { client: ct.client(), limiter: fast(), onNotice: (m) => notices.push(m) },
    );
    const first = await source.fetchPage(W);
    ct.expireTokens();
    const again = await source.fetchPage(W, first.next);
    expect(again.records).toHaveLength(50);
    expect(notices[0]).toMatch(/refused the saved NextToken/);
  });

  it('passes a CloudTrailEvent that is not JSON on as text, so the poller quarantines it and goes on', async () => {
    ct.records.push({ record: call(NOW - 6 * MIN), raw: '{"eventVersion":"1.09",' });
    ct.add(call(NOW - 5 * MIN));
    const store = await EmbeddedStateStore.open(':memory:');
    const quarantined: string[] = [];
    const res = await runPoller({
      source: createLookupSource({ region: 'us-east-1' }, { client: ct.client(), limiter: fast() }),
      tenant: '111122223333',
      store,
      ...LOOKUP_TIMING,
      initialLookbackMs: HOUR,
      now: () => NOW,
      remainingMs: () => 600_000,
      onQuarantine: (q) => quarantined.push(q.reason),
      batch: async () => ({
        findings: [],
        updated: [],
        published: [],
        duplicates: [],
        failedPublishes: [],
        abandoned: [],
        outboxErrors: [],
        ruleErrors: [],
        stats: {} as never,
      }),
    });
    expect(res).toMatchObject({ status: 'caught-up', records: 2, events: 1, quarantined: 1 });
    expect(quarantined).toHaveLength(1);
    await store.close();
  });

  describe('killed in the middle of a poll, the next polls lose no record and count none twice', () => {
    const N = 130;
    it.each(KILL_POINTS.map((k) => [describeKill(k), k] as const))('when %s', async (_label, kill) => {
      ct.perSecond = Infinity;
      // 130 key creations by one user over 100 minutes: two windows, five pages.
      for (let i = 0; i < N; i++)
        ct.add(
          call(
            NOW - 110 * MIN + Math.round((i * 100 * MIN) / N),
            'CreateAccessKey',
            `user${i % (N / GROUP)}`,
          ),
        );
      const { sink, delivered, first } = await pollKilledThenResumed(kill, {
        makeSource: (hooks) => {
          const inner = createLookupSource(
            { region: 'us-east-1' },
            { client: ct.client(1), limiter: fast() },
          );
          return {
            name: inner.name,
            sourceId: inner.sourceId,
            fetchPage: async (w, c) => (hooks.beforeFetch(0), inner.fetchPage(w, c)),
          };
        },
        rule: countingRule('aws.cloudtrail', ['CreateAccessKey']),
        timing: { ...LOOKUP_TIMING, initialLookbackMs: 2 * HOUR },
        now: NOW,
        tenant: '111122223333',
      });
      if (kill.kind === 'budget') expect(first).toMatchObject({ status: 'budget' });
      else expect(first).toBeInstanceOf(Error);
      expect(new Set(delivered).size).toBe(N);
      expect(delivered.length - N).toBeLessThanOrEqual(mayRedeliver(kill, 50));
      expect(sink.sent).toHaveLength(N / GROUP);
      expect(sink.sent.map((f) => f.count)).toEqual(Array(N / GROUP).fill(GROUP));
    });
  });
});
