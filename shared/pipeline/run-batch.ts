/**
 * The one function every runtime calls with a batch of normalized events: the real-time Lambda, the
 * pollers, and later the Azure functions. Pure orchestration over ports (detector, StateStore, sink):
 * no SDK, no I/O of its own.
 *
 * Steps:
 * 1. Drop repeats of the same event (source + id) within the batch: EventBridge and SQS deliver at
 *    least once, and a match rule would count a repeat twice.
 * 2. `detector.process` with `now` as the trusted clock (state is committed here: events dated after
 *    `now` plus the allowed skew are quarantined, events older than the lateness count only for
 *    match rules) and, in parallel, read the publish outbox of every tenant in the batch (see
 *    ./outbox.ts).
 * 3. Choose what to publish: every NEW finding; an UPDATED finding only when its count reached a higher
 *    power of ten than the count it was created with (the escalation buckets of `escalationClaimKey`:
 *    1, 10, 100, ...; a brute-force finding created at 10 failures is announced again at 100 and 1000,
 *    and stays silent at 11..99); and every finding still pending in the outbox.
 * 4. Write-ahead: add the new and escalated findings to their tenant's outbox.
 * 5. `publishOnce` with `escalationClaimKey` as the claim key: at most one message per finding per
 *    escalation bucket, across redeliveries and parallel invocations.
 * 6. Settle the outbox: remove what was published or found already published; keep what failed, with
 *    its attempt count, so the next batch of that tenant retries it.
 *
 * Never throws for a publish or outbox problem (they are reported in the result); throws only when
 * detection itself fails (a StateStoreError or StateConflictError from the detector), in which case
 * nothing was published and the caller should retry the whole batch.
 */
import type { BatchResult, BatchStats, EventProblem, ProcessOptions } from '../engine/detector';
import type { RuleErrorReport } from '../engine/errors';
import type { Finding } from '../engine/findings';
import type { TriplineEvent } from '../events/types';
import { escalationClaimKey, publishOnce } from '../sinks/idempotent';
import type { FindingSink } from '../sinks/types';
import type { StateStore } from '../state/port';
import { readOutboxes, updateOutbox } from './outbox';
import type { OutboxSnapshot, PendingFinding } from './outbox';

/** What runBatch needs of a detector: `Detector` satisfies it. */
export interface BatchDetector {
  /** `opts.now` is the trusted clock: the invocation's wall clock (see docs/architecture.md, Semantics). */
  process(events: readonly TriplineEvent[], opts?: ProcessOptions): Promise<BatchResult>;
  /**
   * The compiled rules, used to tell the count a finding starts at (threshold and distinct rules start
   * at their `count`, others at 1) for the escalation decision. Without it every finding is assumed to
   * start at 1.
   */
  readonly ruleSet?: {
    readonly rules: ReadonlyMap<string, { readonly kind: string; readonly count: number }>;
  };
}

/** Dependencies of {@link runBatch}, built once per container / process by the caller. */
export interface RunBatchDeps {
  detector: BatchDetector;
  /** The same store the detector uses: publish claims and the outbox live beside the state. */
  store: StateStore;
  sink: FindingSink;
  /** Wall-clock epoch ms of this invocation (claim leases, expiry decisions, the detector's trusted clock). */
  now: number;
  /**
   * How far the feed has read, in event time, when it lags the wall clock (a poller: the end of the
   * window it reads). The detector measures lateness from it instead of `now`; see `ProcessOptions`.
   */
  watermark?: number | undefined;
  /**
   * Lateness for this batch's events instead of the detector's (ms): a poller's source whose observed
   * lag exceeds the configured lateness. See `ProcessOptions.lateness`.
   */
  lateness?: number | undefined;
  /**
   * How long a publish claim (and an outbox entry) is remembered. Must exceed the longest time the same
   * finding id can be emitted again: the longest suppression window plus the lateness, and the time a
   * record can be redelivered (SQS retention, DLQ redrive). See {@link claimTtlFor}.
   */
  claimTtlMs: number;
}

/** A finding that reached the sink in this call (or had reached it before: see `duplicates`). */
export interface PublishedFinding {
  finding: Finding;
  /** The sink's message id, when it gave one. */
  messageId?: string | undefined;
  /** Published, but something after it went wrong (the claim was not confirmed). */
  warning?: string | undefined;
}

/** A finding whose publish failed in this call. */
export interface FailedPublish {
  findingId: string;
  ruleId: string;
  error: string;
  /** Whether retrying may succeed (publishOnce reports every failure as retryable today). */
  retryable: boolean;
  /**
   * Ids of this batch's events that are in the finding's evidence: the records to hand back for
   * redelivery. Evidence is capped (first and last halves), so a contributing event can be missing;
   * the outbox retries the finding regardless.
   */
  eventIds: string[];
  /** Whether the finding is in its tenant's outbox, so the next batch of that tenant retries it. */
  pending: boolean;
}

/** Counters of one call, for logs and metrics. */
export interface RunBatchStats extends BatchStats {
  /** Events dropped because the same source + id was already in the batch. */
  duplicateEvents: number;
  /** Findings pending in the outboxes read, before this call. */
  pendingBefore: number;
  /** Findings pending in the outboxes after this call (as far as this call knows). */
  pendingAfter: number;
}

/** The result of {@link runBatch}. */
export interface RunBatchResult {
  /** Findings this batch created. */
  findings: Finding[];
  /** Existing findings this batch raised (count, evidence). */
  updated: Finding[];
  /** Published now. */
  published: PublishedFinding[];
  /** Already published by an earlier run (a redelivery, a parallel invocation): nothing sent. */
  duplicates: PublishedFinding[];
  /** Not published; see {@link FailedPublish}. */
  failedPublishes: FailedPublish[];
  /** Pending findings given up on (attempt or size cap): log them, they will not be retried. */
  abandoned: PendingFinding[];
  /** Outbox reads or writes that failed (publishing went ahead without the safety net). */
  outboxErrors: string[];
  ruleErrors: RuleErrorReport[];
  /**
   * Events no rule evaluated because they are dated after `now` plus the detector's allowed skew
   * (or carry no valid time): log them, a retry cannot change them.
   */
  quarantined: EventProblem[];
  /** Events too late for stateful rules (more than the lateness behind `now`); match rules ran. */
  late: EventProblem[];
  stats: RunBatchStats;
}

/**
 * Runs detection on a batch and publishes what it found, once.
 *
 * @throws whatever `detector.process` throws (state unavailable, conflicts after all retries): nothing
 *   was published; retry the whole batch.
 *
 * @example
 * ```ts
 * const detector = new Detector({ rules: ALL_RULES, store, lateness: '15m' });
 * const res = await runBatch(events, { detector, store, sink, now: Date.now(), claimTtlMs: claimTtlFor(detector, 900_000) });
 * for (const f of res.failedPublishes) retryLater(f.eventIds);
 * ```
 */
export async function runBatch(
  events: readonly TriplineEvent[],
  deps: RunBatchDeps,
): Promise<RunBatchResult> {
  const { detector, store, sink, now, claimTtlMs, watermark, lateness } = deps;

  const seen = new Set<string>();
  const unique: TriplineEvent[] = [];
  for (const e of events) {
    const k = `${e.source}\u0000${e.id}`;
    if (seen.has(k)) continue;
    seen.add(k);
    unique.push(e);
  }
  const batchIds = new Set(unique.map((e) => e.id));
  const tenants = new Set(unique.map((e) => e.tenant));

  const outboxErrors: string[] = [];
  const [detected, boxes] = await Promise.all([
    detector.process(unique, {
      now,
      ...(watermark === undefined ? {} : { watermark }),
      ...(lateness === undefined ? {} : { lateness }),
    }),
    readOutboxes(store, tenants, now).catch((e: unknown) => {
      outboxErrors.push(`could not read the outbox: ${errorText(e)}`);
      return new Map<string, OutboxSnapshot>();
    }),
  ]);

  const result: RunBatchResult = {
    findings: detected.findings,
    updated: detected.updated,
    published: [],
    duplicates: [],
    failedPublishes: [],
    abandoned: [],
    outboxErrors,
    ruleErrors: detected.ruleErrors,
    quarantined: detected.quarantined ?? [],
    late: detected.late ?? [],
    stats: {
      ...detected.stats,
      duplicateEvents: events.length - unique.length,
      pendingBefore: 0,
      pendingAfter: 0,
    },
  };
  for (const b of boxes.values()) result.stats.pendingBefore += b.pending.length;

  // What to publish, one entry per finding id (the highest count wins).
  const candidates = new Map<string, Finding>();
  const consider = (f: Finding): void => {
    const cur = candidates.get(f.id);
    if (!cur || f.count >= cur.count) candidates.set(f.id, f);
  };
  const fresh: Finding[] = [...detected.findings, ...detected.updated.filter((f) => escalated(detector, f))];
  const pendingIds = new Set<string>();
  for (const b of boxes.values()) {
    for (const p of b.pending) {
      pendingIds.add(p.finding.id);
      consider(p.finding);
    }
  }
  for (const f of fresh) consider(f);
  // A pending finding that this batch raised again goes out in its latest form.
  for (const f of detected.updated) if (pendingIds.has(f.id)) consider(f);
  if (candidates.size === 0) {
    result.stats.pendingAfter = result.stats.pendingBefore;
    return result;
  }

  // Write-ahead, per tenant.
  const snapshots = new Map<string, OutboxSnapshot>(boxes);
  const addsByTenant = groupBy(fresh, (f) => f.tenant);
  await Promise.all(
    [...addsByTenant].map(async ([tenant, list]) => {
      const snap = snapshots.get(tenant) ?? { tenant, item: undefined, pending: [] };
      try {
        const upd = await updateOutbox(
          store,
          snap,
          { add: list.map((finding) => ({ finding, since: now, attempts: 0 })) },
          now,
          claimTtlMs,
        );
        snapshots.set(tenant, upd.snapshot);
        result.abandoned.push(...upd.abandoned);
      } catch (e) {
        snapshots.delete(tenant);
        outboxErrors.push(
          `could not add ${list.length} finding(s) of tenant ${tenant} to the outbox: ${errorText(e)}`,
        );
      }
    }),
  );

  const list = [...candidates.values()];
  const outcomes = await publishOnce(list, { store, sink, now, claimTtlMs, claimKey: escalationClaimKey });

  const removeByTenant = new Map<string, Set<string>>();
  const failedByTenant = new Map<string, PendingFinding[]>();
  const pendingById = new Map<string, PendingFinding>();
  for (const b of snapshots.values()) for (const p of b.pending) pendingById.set(p.finding.id, p);
  list.forEach((f, i) => {
    const o = outcomes[i];
    if (!o || o.status === 'failed') {
      const error = o?.status === 'failed' ? o.error : 'no outcome';
      const prev = pendingById.get(f.id);
      const entry: PendingFinding = {
        finding: f,
        since: prev?.since ?? now,
        attempts: (prev?.attempts ?? 0) + 1,
        lastError: error,
      };
      getOr(failedByTenant, f.tenant, () => []).push(entry);
      result.failedPublishes.push({
        findingId: f.id,
        ruleId: f.ruleId,
        error,
        retryable: o?.status === 'failed' ? o.retryable : true,
        eventIds: f.evidence.map((x) => x.id).filter((id) => batchIds.has(id)),
        pending: false,
      });
      return;
    }
    getOr(removeByTenant, f.tenant, () => new Set<string>()).add(f.id);
    const entry: PublishedFinding = { finding: f };
    if (o.messageId !== undefined) entry.messageId = o.messageId;
    if (o.status === 'published') {
      if (o.warning !== undefined) entry.warning = o.warning;
      result.published.push(entry);
    } else result.duplicates.push(entry);
  });

  // Settle the outbox of every tenant that has something pending or something to change.
  const touched = new Set([...removeByTenant.keys(), ...failedByTenant.keys()]);
  const stillPending = new Set<string>();
  await Promise.all(
    [...touched].map(async (tenant) => {
      const snap = snapshots.get(tenant) ?? boxes.get(tenant) ?? { tenant, item: undefined, pending: [] };
      const failed = failedByTenant.get(tenant) ?? [];
      try {
        const upd = await updateOutbox(
          store,
          snap,
          { add: failed, remove: removeByTenant.get(tenant) ?? new Set() },
          now,
          claimTtlMs,
        );
        snapshots.set(tenant, upd.snapshot);
        result.abandoned.push(...upd.abandoned);
        for (const p of upd.snapshot.pending) stillPending.add(p.finding.id);
      } catch (e) {
        outboxErrors.push(`could not update the outbox of tenant ${tenant}: ${errorText(e)}`);
        snapshots.delete(tenant);
      }
    }),
  );
  for (const f of result.failedPublishes) f.pending = stillPending.has(f.findingId);
  for (const b of snapshots.values()) result.stats.pendingAfter += b.pending.length;
  return result;
}

/** The escalation bucket of a count: 1, 10, 100, ... (as in `escalationClaimKey`). */
export function escalationBucket(count: number): number {
  return 10 ** Math.floor(Math.log10(Math.max(1, Math.floor(count))));
}

/** True when an updated finding's count has reached a higher bucket than the one it was created in. */
function escalated(detector: BatchDetector, f: Finding): boolean {
  const rule = detector.ruleSet?.rules.get(f.ruleId);
  const start = rule && (rule.kind === 'threshold' || rule.kind === 'distinct') ? rule.count : 1;
  return escalationBucket(f.count) > escalationBucket(start);
}

/** Options of {@link claimTtlFor}. */
export interface ClaimTtlOptions {
  /**
   * How long after its first delivery a record can still come back: queue retention plus a DLQ
   * redrive. Default 14 days (the DLQ retention of the CDK stack).
   */
  redeliveryMs?: number;
  /** Upper bound (the deployment's state retention). */
  maxMs?: number;
}

const DAY = 86_400_000;

/**
 * A publish-claim lifetime that covers every way the same finding id can be emitted again: the
 * longest suppression window of the rules plus the lateness, or the redelivery horizon, whichever is
 * longer, plus a day; capped at `maxMs`.
 *
 * @example
 * ```ts
 * claimTtlFor(detector, config.latenessMs, { maxMs: config.stateRetentionDays * 86_400_000 });
 * ```
 */
export function claimTtlFor(
  detector: {
    readonly ruleSet?: { readonly rules: ReadonlyMap<string, { readonly dedupWindowMs?: number }> };
  },
  latenessMs: number,
  opts: ClaimTtlOptions = {},
): number {
  let longest = 0;
  for (const r of detector.ruleSet?.rules.values() ?? []) longest = Math.max(longest, r.dedupWindowMs ?? 0);
  const ttl = Math.max(longest + latenessMs, opts.redeliveryMs ?? 14 * DAY) + DAY;
  return opts.maxMs !== undefined ? Math.min(ttl, opts.maxMs) : ttl;
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const it of items) getOr(m, key(it), () => []).push(it);
  return m;
}

function getOr<K, V>(m: Map<K, V>, k: K, make: () => V): V {
  let v = m.get(k);
  if (v === undefined) {
    v = make();
    m.set(k, v);
  }
  return v;
}

function errorText(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}
