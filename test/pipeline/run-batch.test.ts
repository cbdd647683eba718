import { Detector } from '#shared/engine/detector';
import type { Finding } from '#shared/engine/findings';
import type { TriplineEvent } from '#shared/events/types';
import {
  MAX_PENDING_PER_TENANT,
  MAX_PUBLISH_ATTEMPTS,
  applyOutboxChange,
  outboxKey,
  readOutboxes,
} from '#shared/pipeline/outbox';
import type { PendingFinding } from '#shared/pipeline/outbox';
import { claimTtlFor, escalationBucket, runBatch } from '#shared/pipeline/run-batch';
import type { RunBatchDeps } from '#shared/pipeline/run-batch';
import { ALL_RULES } from '#shared/rules/index';
import { EmbeddedStateStore } from '#shared/state/embedded';
import { DAY, HOUR, MIN, T0, ev } from '../support/events';
import { FlakyStore, MemorySink } from './helpers';

// The trusted clock of these batches: ten minutes after the first event (lateness 15 min).
const NOW = T0 + 10 * MIN;

let store: FlakyStore;
let sink: MemorySink;
let detector: Detector;

beforeEach(async () => {
  store = new FlakyStore(await EmbeddedStateStore.open(':memory:'));
  sink = new MemorySink();
  detector = new Detector({ rules: ALL_RULES, store, lateness: '15m' });
});
afterEach(async () => {
  await store.close();
});

const deps = (extra: Partial<RunBatchDeps> = {}): RunBatchDeps => ({
  detector,
  store,
  sink,
  now: NOW,
  claimTtlMs: 15 * DAY,
  ...extra,
});

/** n failed sign-ins for one account, `stepMs` apart, starting at `startMs` after T0. */
function failures(
  n: number,
  opts: { user?: string; startMs?: number; stepMs?: number; prefix?: string } = {},
): TriplineEvent[] {
  const user = opts.user ?? 'alice@contoso.com';
  return Array.from({ length: n }, (_, i) =>
    ev({
      id: `${opts.prefix ?? user}-fail-${i}`,
      at: (opts.startMs ?? 0) + i * (opts.stepMs ?? 5_000),
      actor: { id: user, name: user, ip: '45.155.205.233' },
    }),
  );
}

function stopLogging(id = 'ct-stoplogging-1', at = 0): TriplineEvent {
  return ev({
    id,
    at,
    source: 'aws.cloudtrail',
    tenant: '111122223333',
    action: 'StopLogging',
    outcome: 'success',
    service: 'cloudtrail.amazonaws.com',
    actor: {
      id: 'arn:aws:iam::111122223333:user/mallory',
      name: 'mallory',
      type: 'user',
      ip: '198.51.100.9',
    },
    params: { name: 'management-trail' },
  });
}

describe('runBatch', () => {
  it('publishes every new finding once and reports it as published', async () => {
    const res = await runBatch([...failures(12), stopLogging()], deps());
    expect(res.findings.map((f) => f.ruleId).sort()).toEqual(['brute-force', 'cloud-logging-disabled']);
    expect(res.published.map((p) => p.finding.ruleId).sort()).toEqual([
      'brute-force',
      'cloud-logging-disabled',
    ]);
    expect(res.published.every((p) => p.messageId?.startsWith('msg-'))).toBe(true);
    expect(res.failedPublishes).toEqual([]);
    expect(sink.sent).toHaveLength(2);
    // The write-ahead entries are gone once published.
    expect((await readOutboxes(store, ['tenant-1', '111122223333'], NOW)).get('tenant-1')?.pending).toEqual(
      [],
    );
    expect(res.stats.pendingAfter).toBe(0);
  });

  it('sends nothing for a redelivered batch: the engine ignores counted events and the claims mark the rest as duplicates', async () => {
    const batch = [...failures(12), stopLogging()];
    await runBatch(batch, deps());
    const again = await runBatch(batch, deps({ now: NOW + MIN }));
    expect(again.findings).toEqual([]);
    expect(again.published).toEqual([]);
    expect(sink.sent).toHaveLength(2);
  });

  it('drops repeats of the same event id within one batch, so a match counts once', async () => {
    const e = stopLogging();
    const res = await runBatch([e, { ...e }, { ...e }], deps());
    expect(res.stats.duplicateEvents).toBe(2);
    expect(res.stats.events).toBe(1);
    expect(res.findings).toHaveLength(1);
    expect(res.findings[0]?.count).toBe(1);
  });

  it('does not re-publish an updated finding until its count reaches the next power of ten', async () => {
    const all = failures(100, { stepMs: 5_000 });
    const first = await runBatch(all.slice(0, 10), deps());
    expect(first.findings[0]?.count).toBe(10);
    const quiet = await runBatch(all.slice(10, 99), deps({ now: NOW + MIN }));
    expect(quiet.updated[0]?.count).toBe(99);
    expect(quiet.published).toEqual([]);
    const loud = await runBatch(all.slice(99), deps({ now: NOW + 2 * MIN }));
    expect(loud.updated[0]?.count).toBe(100);
    expect(loud.published.map((p) => p.finding.count)).toEqual([100]);
    expect(sink.sent.map((f) => [f.id, f.count])).toEqual([
      [first.findings[0]?.id, 10],
      [first.findings[0]?.id, 100],
    ]);
  });

  it('reports a failed publish with the batch events in its evidence and keeps the finding in the outbox', async () => {
    sink.failWhen = (f) => f.ruleId === 'brute-force';
    const batch = [...failures(12), stopLogging()];
    const res = await runBatch(batch, deps());
    expect(res.published.map((p) => p.finding.ruleId)).toEqual(['cloud-logging-disabled']);
    expect(res.failedPublishes).toHaveLength(1);
    const failed = res.failedPublishes[0];
    expect(failed).toMatchObject({ ruleId: 'brute-force', retryable: true, pending: true });
    expect(failed?.error).toMatch(/injected/);
    expect(failed?.eventIds.sort()).toEqual(
      failures(12)
        .map((e) => e.id)
        .sort(),
    );
    const box = (await readOutboxes(store, ['tenant-1'], NOW)).get('tenant-1');
    expect(box?.pending.map((p) => [p.finding.ruleId, p.attempts])).toEqual([['brute-force', 1]]);
  });

  it('publishes a pending finding exactly once on the redelivery, although the engine does not re-emit it', async () => {
    sink.failWhen = (f) => f.ruleId === 'brute-force';
    const batch = failures(12);
    const res = await runBatch(batch, deps());
    const id = res.failedPublishes[0]?.findingId;
    sink.failWhen = undefined;

    const retry = await runBatch(batch, deps({ now: NOW + MIN }));
    expect(retry.findings).toEqual([]);
    expect(retry.updated).toEqual([]);
    expect(retry.published.map((p) => p.finding.id)).toEqual([id]);
    expect(retry.stats.pendingBefore).toBe(1);
    expect(retry.stats.pendingAfter).toBe(0);

    const third = await runBatch(batch, deps({ now: NOW + 2 * MIN }));
    expect(third.published).toEqual([]);
    expect(sink.sent.map((f) => f.id)).toEqual([id]);
  });

  it('retries a pending finding in any later batch of the same tenant, not only the redelivery', async () => {
    sink.failWhen = () => true;
    await runBatch([stopLogging('ct-1')], deps());
    sink.failWhen = undefined;
    const other = ev({
      id: 'ct-routine',
      source: 'aws.cloudtrail',
      tenant: '111122223333',
      action: 'DescribeInstances',
      outcome: 'success',
    });
    const res = await runBatch([other], deps({ now: NOW + MIN }));
    expect(res.published.map((p) => p.finding.ruleId)).toEqual(['cloud-logging-disabled']);
    expect(res.failedPublishes).toEqual([]);
  });

  it('still publishes when the outbox cannot be read or written, and says so', async () => {
    store.failPrefix = { get: 'outbox|', write: 'outbox|' };
    const res = await runBatch([stopLogging()], deps());
    expect(res.published).toHaveLength(1);
    expect(res.outboxErrors.join('\n')).toMatch(/could not read the outbox.*injected get failure/);
    expect(res.outboxErrors.join('\n')).toMatch(/could not add 1 finding/);
  });

  it('rejects, publishing nothing, when detection cannot read its state', async () => {
    store.failNext.get = 1;
    await expect(runBatch(failures(12), deps())).rejects.toThrow(/injected get failure/);
    expect(sink.sent).toEqual([]);
  });

  it('does nothing for an empty batch', async () => {
    const res = await runBatch([], deps());
    expect(res).toMatchObject({ findings: [], published: [], failedPublishes: [] });
    expect(store.writtenKeys).toEqual([]);
  });

  it('writes the outbox only when something is published or pending', async () => {
    const routine = ev({ id: 'r1', action: 'UserLoggedIn', outcome: 'success' });
    await runBatch([routine], deps());
    expect(store.writtenKeys.flat().filter((k) => k.startsWith('outbox|'))).toEqual([]);
    await runBatch([stopLogging()], deps());
    expect(store.writtenKeys.flat().filter((k) => k.startsWith('outbox|'))).toEqual([
      outboxKey('111122223333'),
    ]);
  });
});

describe('outbox', () => {
  const finding = (id: string, count = 1): Finding =>
    ({ id, count, ruleId: 'r', tenant: 't', evidence: [] }) as unknown as Finding;
  const pending = (id: string, attempts: number, since = 0): PendingFinding => ({
    finding: finding(id),
    since,
    attempts,
  });

  it('abandons a finding that failed MAX_PUBLISH_ATTEMPTS times', () => {
    const { pending: left, abandoned } = applyOutboxChange([pending('a', MAX_PUBLISH_ATTEMPTS - 1)], {
      add: [pending('a', MAX_PUBLISH_ATTEMPTS)],
    });
    expect(left).toEqual([]);
    expect(abandoned.map((p) => p.finding.id)).toEqual(['a']);
  });

  it('keeps at most MAX_PENDING_PER_TENANT findings, abandoning the oldest', () => {
    const many = Array.from({ length: MAX_PENDING_PER_TENANT + 2 }, (_, i) => pending(`f${i}`, 1, i));
    const { pending: left, abandoned } = applyOutboxChange([], { add: many });
    expect(left).toHaveLength(MAX_PENDING_PER_TENANT);
    expect(abandoned.map((p) => p.finding.id)).toEqual(['f0', 'f1']);
  });

  it('keeps the version with the higher count when a finding is added again', () => {
    const { pending: left } = applyOutboxChange([{ finding: finding('a', 12), since: 5, attempts: 2 }], {
      add: [{ finding: finding('a', 10), since: 9, attempts: 0 }],
    });
    expect(left).toEqual([{ finding: finding('a', 12), since: 5, attempts: 2, lastError: undefined }]);
  });
});

describe('escalationBucket and claimTtlFor', () => {
  it('buckets counts by powers of ten', () => {
    expect([1, 9, 10, 99, 100, 1234].map(escalationBucket)).toEqual([1, 1, 10, 10, 100, 1000]);
  });

  it('remembers claims for the longest suppression window plus lateness, or the redelivery horizon, plus a day', () => {
    const rules = new Map([
      ['a', { dedupWindowMs: 30 * DAY }],
      ['b', { dedupWindowMs: DAY }],
    ]);
    expect(claimTtlFor({ ruleSet: { rules } }, HOUR)).toBe(30 * DAY + HOUR + DAY);
    expect(claimTtlFor({ ruleSet: { rules: new Map() } }, HOUR)).toBe(15 * DAY);
    expect(claimTtlFor({ ruleSet: { rules } }, HOUR, { maxMs: 7 * DAY })).toBe(7 * DAY);
  });
});
