import type { Finding } from '#shared/engine/findings';
import { escalationClaimKey, publishClaimKey, publishOnce } from '#shared/sinks/idempotent';
import type { PublishOutcome } from '#shared/sinks/idempotent';
import { SnsFindingSink } from '#shared/sinks/sns-sink';
import type { FindingSink, PublishResult } from '#shared/sinks/types';
import { EmbeddedStateStore } from '#shared/state/embedded';
import type { StateDelete, StateItem, StateStore, StateWrite, WriteResult } from '#shared/state/port';
import { StateStoreError } from '#shared/state/port';
import { startFakeSns } from '../support/fake-sns';
import type { FakeSns } from '../support/fake-sns';
import { oauthChainFinding } from './fixtures';
import { snsClientFor } from './sns-client';

const MIN = 60_000;
const DAY = 24 * 60 * MIN;
const T0 = Date.UTC(2026, 2, 4, 3, 0, 0);

/** Delegates to a real store; can be told to fail the next call of a kind. */
class FlakyStore implements StateStore {
  readonly name = 'flaky';
  fail: { write?: number; delete?: number; get?: number; flush?: number } = {};
  writes: StateWrite[][] = [];
  constructor(readonly inner: StateStore) {}
  private check(kind: 'write' | 'delete' | 'get' | 'flush'): void {
    const n = this.fail[kind] ?? 0;
    if (n > 0) {
      this.fail[kind] = n - 1;
      throw new StateStoreError(`injected ${kind} failure`, this.name);
    }
  }
  async get(keys: readonly string[], now: number): Promise<Map<string, StateItem>> {
    this.check('get');
    return this.inner.get(keys, now);
  }
  async write(writes: readonly StateWrite[], now: number): Promise<WriteResult> {
    this.check('write');
    this.writes.push([...writes]);
    return this.inner.write(writes, now);
  }
  async delete(deletes: readonly StateDelete[]): Promise<WriteResult> {
    this.check('delete');
    return this.inner.delete(deletes);
  }
  async flush(): Promise<void> {
    this.check('flush');
    return this.inner.flush();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

let sns: FakeSns;
let store: FlakyStore;
let sink: SnsFindingSink;
let client: ReturnType<typeof snsClientFor>;

beforeEach(async () => {
  sns = await startFakeSns();
  store = new FlakyStore(await EmbeddedStateStore.open(':memory:'));
  client = snsClientFor(sns.endpoint, 1);
  sink = new SnsFindingSink(client, sns.topicArn);
});
afterEach(async () => {
  client.destroy();
  await store.close();
  await sns.close();
});

function findings(n: number): Finding[] {
  return Array.from({ length: n }, (_, i) =>
    oauthChainFinding({ id: `oauth-chain:t1:app${i}:1772590269000`, title: `App ${i} consented` }),
  );
}

const opts = (now = T0, extra: { leaseMs?: number } = {}) => ({
  store,
  sink,
  now,
  claimTtlMs: 7 * DAY,
  ...extra,
});

function statuses(outcomes: PublishOutcome[]): string[] {
  return outcomes.map((o) => o.status);
}

/** How many SNS messages each finding id produced. */
function deliveries(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of sns.messages) {
    const id = (JSON.parse(m.structured!.default!) as Finding).id;
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

describe('publishOnce', () => {
  it('publishes new findings and records a published claim with the SNS message id', async () => {
    const batch = findings(3);
    const out = await publishOnce(batch, opts());
    expect(statuses(out)).toEqual(['published', 'published', 'published']);
    expect(sns.messages).toHaveLength(3);

    const key = publishClaimKey(batch[0]!);
    expect(key).toBe('pub#oauth-chain:t1:app0:1772590269000');
    const item = (await store.get([key], T0)).get(key)!;
    expect(item.version).toBe(2);
    expect(item.expiresAt).toBe(T0 + 7 * DAY);
    expect(item.value).toEqual({
      state: 'published',
      findingId: batch[0]!.id,
      claimedAt: T0,
      publishedAt: T0,
      messageId: (out[0] as { messageId: string }).messageId,
    });
    // The claim was created (expectedVersion 0) before anything was published.
    expect(store.writes[0]!.every((w) => w.expectedVersion === 0)).toBe(true);
  });

  it('publishes nothing twice when the same batch is redelivered', async () => {
    const batch = findings(4);
    await publishOnce(batch, opts());
    const again = await publishOnce(structuredClone(batch), opts(T0 + 5 * MIN));
    const third = await publishOnce(structuredClone(batch), opts(T0 + DAY));
    expect(statuses(again)).toEqual(['duplicate', 'duplicate', 'duplicate', 'duplicate']);
    expect(statuses(third)).toEqual(['duplicate', 'duplicate', 'duplicate', 'duplicate']);
    expect(again[1]).toMatchObject({ messageId: sns.messages[1]!.messageId });
    expect(sns.messages).toHaveLength(4);
    expect([...deliveries().values()]).toEqual([1, 1, 1, 1]);
  });

  it('sends each finding once when two runs process the same batch at the same time', async () => {
    const batch = findings(6);
    const [a, b] = await Promise.all([
      publishOnce(batch, opts()),
      publishOnce(structuredClone(batch), opts()),
    ]);
    for (let i = 0; i < batch.length; i++) {
      const pair = [a[i]!.status, b[i]!.status].sort();
      // The loser sees the winner's claim: confirmed (duplicate) or still in flight (failed, retry later).
      expect([
        ['duplicate', 'published'],
        ['failed', 'published'],
      ]).toContainEqual(pair);
    }
    expect(sns.messages).toHaveLength(6);
    const later = await publishOnce(batch, opts(T0 + MIN));
    expect(statuses(later)).toEqual(Array(6).fill('duplicate'));
    expect(sns.messages).toHaveLength(6);
  });

  it('treats a re-emitted finding with a higher count as the same finding', async () => {
    const [f] = findings(1);
    await publishOnce([f!], opts());
    const out = await publishOnce([{ ...f!, count: 5 }], opts(T0 + MIN));
    expect(statuses(out)).toEqual(['duplicate']);
    expect(sns.messages).toHaveLength(1);
  });

  it('publishes a repeated finding within one batch once', async () => {
    const [f] = findings(1);
    const out = await publishOnce([f!, structuredClone(f!)], opts());
    expect(statuses(out)).toEqual(['published', 'duplicate']);
    expect(sns.messages).toHaveLength(1);
  });

  it('releases the claim when SNS answers 500, so the retry publishes exactly once', async () => {
    const [f] = findings(1);
    sns.failNext(1, 'internal');
    const first = await publishOnce([f!], opts());
    expect(first[0]).toMatchObject({ status: 'failed', retryable: true });
    expect((first[0] as { error: string }).error).toContain('InternalError');
    expect(sns.messages).toHaveLength(0);
    expect((await store.get([publishClaimKey(f!)], T0)).size).toBe(0);

    const retry = await publishOnce([f!], opts(T0 + MIN));
    expect(statuses(retry)).toEqual(['published']);
    const redelivered = await publishOnce([f!], opts(T0 + 2 * MIN));
    expect(statuses(redelivered)).toEqual(['duplicate']);
    expect(deliveries().get(f!.id)).toBe(1);
  });

  it('does not let one failing finding stop the others, and the retry sends only the failed one', async () => {
    const batch = findings(5);
    const stop = sns.failWhenMessageContains('app2:');
    const out = await publishOnce(batch, opts());
    expect(statuses(out)).toEqual(['published', 'published', 'failed', 'published', 'published']);
    expect(sns.messages).toHaveLength(4);

    stop();
    const retry = await publishOnce(batch, opts(T0 + MIN));
    expect(statuses(retry)).toEqual(['duplicate', 'duplicate', 'published', 'duplicate', 'duplicate']);
    expect(sns.messages).toHaveLength(5);
    expect([...deliveries().values()]).toEqual([1, 1, 1, 1, 1]);
  });

  it('does not skip a finding another run claimed but has not confirmed; publishes it after the lease', async () => {
    const [f] = findings(1);
    const key = publishClaimKey(f!);
    // Another run claimed it and then crashed before publishing.
    await store.write(
      [
        {
          key,
          expectedVersion: 0,
          expiresAt: T0 + 10 * MIN,
          value: { state: 'publishing', findingId: f!.id, claimedAt: T0 },
        },
      ],
      T0,
    );
    const during = await publishOnce([f!], opts(T0 + MIN));
    expect(during[0]).toMatchObject({ status: 'failed', retryable: true });
    expect((during[0] as { error: string }).error).toBe(
      'another publisher claimed this finding at 2026-03-04T03:00:00.000Z and has not confirmed it; ' +
        'retry after its lease expires at 2026-03-04T03:10:00.000Z',
    );
    expect(sns.messages).toHaveLength(0);
    // The failed attempt must not have removed the other run's claim.
    expect((await store.get([key], T0 + MIN)).get(key)?.version).toBe(1);

    const after = await publishOnce([f!], opts(T0 + 10 * MIN));
    expect(statuses(after)).toEqual(['published']);
    expect(sns.messages).toHaveLength(1);
  });

  it('publishes nothing when the claim cannot be written', async () => {
    store.fail.write = 1;
    const out = await publishOnce(findings(2), opts());
    expect(statuses(out)).toEqual(['failed', 'failed']);
    expect((out[0] as { error: string }).error).toBe(
      'could not claim: StateStoreError: injected write failure',
    );
    expect(sns.messages).toHaveLength(0);
  });

  it('publishes nothing and releases the claims when they cannot be flushed', async () => {
    store.fail.flush = 1;
    const batch = findings(2);
    const out = await publishOnce(batch, opts());
    expect(statuses(out)).toEqual(['failed', 'failed']);
    expect(sns.messages).toHaveLength(0);
    expect((await store.get(batch.map(publishClaimKey), T0)).size).toBe(0);
    expect(statuses(await publishOnce(batch, opts(T0 + MIN)))).toEqual(['published', 'published']);
  });

  it('says when a failed claim could not be released (the lease then frees it)', async () => {
    const [f] = findings(1);
    sns.failNext(1);
    store.fail.delete = 1;
    const out = await publishOnce([f!], opts(T0, { leaseMs: 5 * MIN }));
    expect((out[0] as { error: string }).error).toMatch(
      /InternalError.*; the claim could not be released, so a retry publishes after its lease expires at 2026-03-04T03:05:00.000Z$/,
    );
    expect(statuses(await publishOnce([f!], opts(T0 + MIN)))).toEqual(['failed']);
    expect(statuses(await publishOnce([f!], opts(T0 + 5 * MIN)))).toEqual(['published']);
    expect(sns.messages).toHaveLength(1);
  });

  it('reports published with a warning when the confirmation cannot be written', async () => {
    const [f] = findings(1);
    const failingConfirm = new FlakyStore(store.inner);
    const realWrite = failingConfirm.write.bind(failingConfirm);
    let calls = 0;
    failingConfirm.write = async (w, now) => {
      if (++calls === 2) throw new StateStoreError('injected confirm failure', 'flaky');
      return realWrite(w, now);
    };
    const out = await publishOnce([f!], { ...opts(), store: failingConfirm });
    expect(out[0]).toMatchObject({ status: 'published' });
    expect((out[0] as { warning: string }).warning).toMatch(/not confirmed .*injected confirm failure/);
    expect(sns.messages).toHaveLength(1);
  });

  it('releases every claim when the sink throws, and reports the error per finding', async () => {
    const throwing: FindingSink = {
      publish: async () => {
        throw new Error('network down');
      },
    };
    const batch = findings(2);
    const out = await publishOnce(batch, { ...opts(), sink: throwing });
    expect(out.map((o) => (o as { error: string }).error)).toEqual([
      'sink failed: Error: network down',
      'sink failed: Error: network down',
    ]);
    expect((await store.get(batch.map(publishClaimKey), T0)).size).toBe(0);
  });

  it('treats a missing per-finding result from the sink as a failure', async () => {
    const partial: FindingSink = {
      publish: async (fs): Promise<PublishResult[]> => [{ findingId: fs[0]!.id, ok: true, messageId: 'm1' }],
    };
    const out = await publishOnce(findings(2), { ...opts(), sink: partial });
    expect(statuses(out)).toEqual(['published', 'failed']);
    expect((out[1] as { error: string }).error).toBe('sink returned no result for this finding');
  });

  it('forgets a published claim after claimTtlMs', async () => {
    const [f] = findings(1);
    await publishOnce([f!], { ...opts(), claimTtlMs: DAY });
    expect(statuses(await publishOnce([f!], opts(T0 + DAY - 1)))).toEqual(['duplicate']);
    expect(statuses(await publishOnce([f!], opts(T0 + DAY)))).toEqual(['published']);
  });

  it('with escalationClaimKey, notifies again when the count reaches the next power of ten', async () => {
    const [f] = findings(1);
    const esc = { ...opts(), claimKey: escalationClaimKey };
    expect(escalationClaimKey({ ...f!, count: 1 })).toBe(`pub#${f!.id}#x1`);
    expect(escalationClaimKey({ ...f!, count: 99 })).toBe(`pub#${f!.id}#x10`);
    const counts = [1, 3, 9, 10, 42, 100, 150];
    const out: string[] = [];
    for (const count of counts) out.push(...statuses(await publishOnce([{ ...f!, count }], esc)));
    expect(out).toEqual([
      'published',
      'duplicate',
      'duplicate',
      'published',
      'duplicate',
      'published',
      'duplicate',
    ]);
    expect(sns.messages).toHaveLength(3);
  });

  it('does nothing for an empty batch', async () => {
    expect(await publishOnce([], opts())).toEqual([]);
    expect(store.writes).toHaveLength(0);
  });
});
