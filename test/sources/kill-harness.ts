/**
 * Kill-in-the-middle harness shared by the collectors' tests: a poll is stopped at a chosen point
 * (a fetch that fails, detection that crashes, the checkpoint write that never happens, the time
 * budget running out), then polls run normally until caught up. Records come in groups of
 * {@link GROUP} per actor and a threshold rule fires at {@link GROUP}: one finding per group, each with
 * count {@link GROUP}, means no record was lost (its group would never fire) and none was counted twice
 * (a repeat would make its group fire one record early and end above {@link GROUP}). Thresholds up to
 * 20 keep their whole evidence, which is how the engine recognises a record handed to it again; the
 * tests also bound how many records the poller hands again (at most the page being processed when the
 * poll died).
 */
import { Detector } from '#shared/engine/detector';
import { defineRule } from '#shared/engine/rule';
import type { RuleDefinition } from '#shared/engine/rule';
import type { SourceId, TriplineEvent } from '#shared/events/types';
import { runBatch } from '#shared/pipeline/run-batch';
import { runPoller } from '#shared/sources/poller';
import type { PollRunResult, PollSource, PollTiming } from '#shared/sources/poller';
import { EmbeddedStateStore } from '#shared/state/embedded';
import type { StateDelete, StateItem, StateStore, StateWrite, WriteResult } from '#shared/state/port';
import { StateStoreError } from '#shared/state/port';
import { MemorySink } from '../pipeline/helpers';

/** Where a poll is killed. */
export type KillPoint =
  | { kind: 'fetch'; page: number }
  | { kind: 'detect'; page: number }
  | { kind: 'checkpoint'; page: number }
  | { kind: 'budget'; page: number };

export const KILL_POINTS: readonly KillPoint[] = [
  { kind: 'fetch', page: 2 },
  { kind: 'detect', page: 2 },
  { kind: 'checkpoint', page: 1 },
  { kind: 'checkpoint', page: 3 },
  { kind: 'budget', page: 2 },
];

/** Records per actor, and the rule's threshold. */
export const GROUP = 10;

/** Records the poller may hand to detection again after `kill`: the page in flight when it died. */
export function mayRedeliver(kill: KillPoint, pageSize: number): number {
  return kill.kind === 'checkpoint' || kill.kind === 'detect' ? pageSize : 0;
}

export const describeKill = (k: KillPoint): string =>
  ({
    fetch: `the fetch of page ${k.page} fails`,
    detect: `detection crashes on page ${k.page}`,
    checkpoint: `the process dies after detecting page ${k.page}, before saving the checkpoint`,
    budget: `the time budget runs out after page ${k.page}`,
  })[k.kind];

/** A threshold rule over `actions` of `source` that fires when one actor reaches `count` events in a day. */
export function countingRule(source: SourceId, actions: string[], count = GROUP): RuleDefinition {
  return defineRule({
    id: 'test-count-all',
    title: () => 'every record counted',
    description: 'Test rule. Not shipped.',
    falsePositives: ['None: test data'],
    severity: 'low',
    attack: ['T1078'],
    kind: 'threshold',
    sources: [source],
    actions,
    groupBy: 'actor.id',
    count,
    window: '1d',
    unit: 'records',
    runbook: ['None'],
  });
}

/** A store that dies where told: on the n-th checkpoint write, or on a detection write. */
class KillableStore implements StateStore {
  readonly name = 'killable';
  checkpointWrites = 0;
  dieOnCheckpointWrite: number | undefined;
  dieOnNextStateWrite = false;
  constructor(readonly inner: StateStore) {}
  get(keys: readonly string[], now: number): Promise<Map<string, StateItem>> {
    return this.inner.get(keys, now);
  }
  async write(writes: readonly StateWrite[], now: number): Promise<WriteResult> {
    if (writes.some((w) => w.key.startsWith('ckpt|'))) {
      this.checkpointWrites++;
      if (this.dieOnCheckpointWrite === this.checkpointWrites)
        throw new StateStoreError('killed before the checkpoint was saved', this.name);
    } else if (this.dieOnNextStateWrite) {
      this.dieOnNextStateWrite = false;
      throw new StateStoreError('killed during detection', this.name);
    }
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

export interface KillRunOptions {
  /** A fresh source per run (a new container after the kill). */
  makeSource: (hooks: { beforeFetch: (page: number) => void }) => PollSource;
  rule: RuleDefinition;
  timing: PollTiming;
  now: number;
  tenant: string;
}

/** Runs the killed poll, then normal polls until caught up; returns what the sink got and every event passed on. */
export async function pollKilledThenResumed(
  kill: KillPoint,
  o: KillRunOptions,
): Promise<{ sink: MemorySink; delivered: string[]; first: PollRunResult | Error; runs: number }> {
  const store = new KillableStore(await EmbeddedStateStore.open(':memory:'));
  const sink = new MemorySink();
  const detector = new Detector({ rules: [o.rule], store, lateness: '2h' });
  const delivered: string[] = [];
  let pages = 0;
  const run = (killed: boolean): Promise<PollRunResult> => {
    pages = 0;
    const source = o.makeSource({
      beforeFetch: () => {
        pages++;
        if (killed && kill.kind === 'fetch' && pages === kill.page)
          throw new Error('killed: connection reset');
        if (killed && kill.kind === 'detect' && pages === kill.page) store.dieOnNextStateWrite = true;
      },
    });
    store.dieOnCheckpointWrite =
      killed && kill.kind === 'checkpoint' ? store.checkpointWrites + kill.page : undefined;
    return runPoller({
      source,
      tenant: o.tenant,
      store,
      ...o.timing,
      now: () => o.now,
      remainingMs: () => (killed && kill.kind === 'budget' && pages >= kill.page ? 1_000 : 600_000),
      batch: async (events: TriplineEvent[]) => {
        delivered.push(...events.map((e) => e.id));
        return runBatch(events, { detector, store, sink, now: o.now, claimTtlMs: 15 * 86_400_000 });
      },
    });
  };
  const first = await run(true).catch((e: Error) => e);
  let runs = 1;
  for (;;) {
    const res = await run(false);
    runs++;
    if (res.status === 'caught-up') break;
    if (runs > 20) throw new Error('never caught up');
  }
  await store.close();
  return { sink, delivered, first, runs };
}
