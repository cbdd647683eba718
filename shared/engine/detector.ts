/**
 * The Detector runs compiled rules over a batch of normalized events against a StateStore.
 *
 * The evaluation is pure (events + state in, findings + state changes out); the only I/O is through
 * the StateStore port, in three stages so parallel invocations never lose a count:
 *   1. rule state (threshold events, distinct values, new-term baselines) -> which rules fired;
 *   2. sequence state (step signals per key) -> which sequences completed;
 *   3. finding state (one open finding per dedup key) -> new and updated findings.
 * Each stage writes every changed item once (coalesced per key), conditionally on its version;
 * conflicting keys are re-read and re-applied, and later stages only see final results.
 *
 * Time: every answer is judged at the event's own time. A trusted clock (the caller's `now` in live
 * use, else the high-water mark of accepted event times) quarantines future-dated events, tells
 * events too late for stateful rules, and decides what state may be forgotten. The semantics are in
 * docs/architecture.md, "Semantics: time, windows, counting".
 */
import { createHash } from 'node:crypto';
import type { AppContext, SourceId, TriplineEvent } from '../events/types';
import type { StateItem, StateStore, StateWrite } from '../state/port';
import { digest } from './codec';
import { compileRules } from './compile';
import type { CompileOptions, CompiledRule, CompiledRuleSet } from './compile';
import { formatDuration, parseDuration } from './duration';
import { StateConflictError } from './errors';
import type { RuleErrorReport } from './errors';
import { severityRank } from './findings';
import { findingValueProblem } from './state-shapes';
import type { EvidenceItem, Finding, Severity } from './findings';
import {
  NewTermsGroup,
  chainsFor,
  distinctApply,
  sequenceAdd,
  sequenceTrim,
  thresholdApply,
  type KindClock,
  type SequenceValue,
  type Signal,
} from './kinds';
import type { ChainLink, Duration, FireContext, RuleDefinition } from './rule';

export interface DetectorOptions extends CompileOptions {
  rules: readonly RuleDefinition[];
  store: StateStore;
  /**
   * How long after the trusted clock has passed an event's time the event still counts into stateful
   * rules (default '2h'; M365 is often an hour late).
   */
  lateness?: Duration | undefined;
  /** Per-source lateness (a poller's lag); sources not named use `lateness`. */
  latenessBySource?: Partial<Record<SourceId, Duration>> | undefined;
  /**
   * How far after the trusted `now` an event may be dated before it is quarantined as future-dated
   * (default '5m'). Applies when `process` is given `now`.
   */
  maxSkew?: Duration | undefined;
  /**
   * The high-water mark of event times a previous run accepted (replay keeps it in the state file).
   * Used when `process` is called without `now`.
   */
  clock?: number | undefined;
  /** Evidence items kept per finding (default 20: the first and last halves, with a note). */
  evidenceCap?: number | undefined;
  /** Attempts per stage when writes conflict (default 8). */
  maxAttempts?: number | undefined;
}

/** Options of one {@link Detector.process} call. */
export interface ProcessOptions {
  /**
   * The trusted now (epoch ms; live: the invocation's wall clock). Without it the detector's own
   * clock is used: the newest event time it has accepted so far.
   */
  now?: number | undefined;
  /** Without `now`: events dated after this are quarantined (replay: its robust horizon). */
  notAfter?: number | undefined;
  /**
   * With `now`: how far the feed of this batch has read, in event time, when it lags the wall clock
   * (a poller's window end). Lateness is measured from it, and state kept relative to it, instead of
   * from `now`, so a poller catching up after an outage still counts what it reads. Never after `now`.
   */
  watermark?: number | undefined;
  /**
   * Lateness for every event of this batch, instead of the detector's (a poller's source whose
   * observed lag exceeds the configured lateness). State kept by this batch covers it; state written
   * by batches with a smaller lateness keeps only theirs, so set the detector's `lateness` to a
   * source's usual lag and use this for the exceptions.
   */
  lateness?: Duration | undefined;
}

/** An event left out of (some) rules, and why. */
export interface EventProblem {
  eventId: string;
  source: SourceId;
  time: number;
  reason: string;
}

export interface BatchStats {
  events: number;
  /** Rule predicate matches. */
  hits: number;
  stateReads: number;
  stateWrites: number;
  conflicts: number;
  /** Fires per rule id (signal rules included), for tests and metrics. */
  fires: Record<string, number>;
  /** Events quarantined as future-dated or with an invalid time. */
  quarantined: number;
  /** Events too late for stateful rules. */
  late: number;
  /** Hits recognised as records already counted (redeliveries, overlaps, the same sign-in twice). */
  duplicates: number;
}

export interface BatchResult {
  /** Findings created by this batch. */
  findings: Finding[];
  /** Findings that existed and took more matches from this batch (count raised, evidence extended). */
  updated: Finding[];
  ruleErrors: RuleErrorReport[];
  /** Events no rule evaluated: dated in the future (beyond the trusted now plus the skew) or not a valid time. */
  quarantined: EventProblem[];
  /** Events too late for stateful rules (match rules still evaluated them). */
  late: EventProblem[];
  /** The trusted clock after this batch (epoch ms). */
  clock: number;
  stats: BatchStats;
}

interface Hit {
  rule: CompiledRule;
  e: TriplineEvent;
  /** Group value (stateful kinds). */
  group?: string | undefined;
  /** distinct field value / new term. */
  value?: string | undefined;
  /** new_terms: the term is on the rule's allow list. */
  allowed?: boolean | undefined;
  stateKey?: string | undefined;
  /** Too late for stateful rules (match rules only; their fires feed no sequence). */
  late?: boolean | undefined;
}

/**
 * How a fire adds to a finding's count: a running total kept in rule state (threshold: the
 * finding's count becomes the larger of the two, so a late or repeated fire counts nothing twice),
 * an increment (threshold rules whose dedup key spans several groups), or unit digests (a set).
 */
type Units = { total: number } | { add: number } | { keys: string[] };

interface Fire {
  rule: CompiledRule;
  e: TriplineEvent;
  ctx: FireContext;
  /** Evidence of what this fire counts (for a finding it creates, and merged into one it updates). */
  evidence: EvidenceItem[];
  /** Sequences: evidence of the chains' earlier steps, kept whatever the cap. */
  pinned: EvidenceItem[];
  units: Units;
  /** Times of the first and last event this fire counts. */
  first: number;
  last: number;
  findingKey: string;
  dedupKey: string;
  principal: string;
  late: boolean;
  /** Signal-only threshold rules: the first event of the activity the fire belongs to. */
  lead?: EvidenceItem | undefined;
}

interface FindingValue {
  f: Finding;
  /** Evidence beyond the kept items. */
  extra: number;
  /** Digests of the units counted (match, distinct, new_terms, sequence), newest last. */
  u?: string[] | undefined;
  /** Evidence ids that are never dropped by the cap (sequence chains' earlier steps). */
  p?: string[] | undefined;
  /** Kept for items written by older versions; not read. */
  start?: number | undefined;
  end?: number | undefined;
}

type Working = { item: StateItem | undefined; value: unknown; dirty: boolean; expiresAt: number };

/** Unit digests a finding keeps (past this, the oldest are forgotten). */
export const MAX_FINDING_UNITS = 512;
/**
 * How long a finding is remembered after it can no longer be updated (its last event plus the
 * suppression window): a redelivery (SQS keeps records 14 days with the dead-letter queue) or a
 * `replay --reprocess` within that time finds the units it counted and counts nothing again.
 */
export const FINDING_MEMORY_MS = 14 * 86_400_000;
/** How long a learned alias (service principal object id -> app id) is kept: the default state retention. */
const ALIAS_TTL_MS = 90 * 86_400_000;
const ALIAS_REFRESH_MS = 30 * 86_400_000;
/** Date's valid range (ms): times outside it cannot be shown and are quarantined. */
const MAX_TIME = 8.64e15;

/** The identity of the record an event came from: the id the sources share, else source and id. */
export function recordIdentity(e: TriplineEvent): string {
  return e.sameAs ?? `${e.source}|${e.id}`;
}

/** A 48-bit digest (8 characters) for the unit sets of findings. */
function unitDigest(s: string): string {
  return createHash('sha256').update(s).digest('base64url').slice(0, 8);
}

/**
 * @example
 * const detector = new Detector({ rules: allRules, store: await EmbeddedStateStore.open(':memory:') });
 * const { findings } = await detector.process(events, { now: Date.now() });
 */
export class Detector {
  readonly ruleSet: CompiledRuleSet;
  private readonly store: StateStore;
  private readonly latenessMs: number;
  private readonly latenessBySource: Map<SourceId, number>;
  /** The largest lateness of any source: how much history state keeps behind the clock. */
  private readonly retainLatenessMs: number;
  private readonly maxSkewMs: number;
  private readonly evidenceCap: number;
  private readonly maxAttempts: number;
  private highWater: number;

  constructor(opts: DetectorOptions) {
    this.ruleSet = compileRules(opts.rules, opts);
    this.store = opts.store;
    const lateness = parseDuration(opts.lateness ?? '2h');
    if (lateness === undefined)
      throw new Error(`lateness '${String(opts.lateness)}' is not a duration like "2h"`);
    this.latenessMs = lateness;
    this.latenessBySource = new Map();
    for (const [src, d] of Object.entries(opts.latenessBySource ?? {})) {
      const ms = parseDuration(d);
      if (ms === undefined) throw new Error(`lateness for ${src} '${String(d)}' is not a duration like "2h"`);
      this.latenessBySource.set(src as SourceId, ms);
    }
    this.retainLatenessMs = Math.max(lateness, ...this.latenessBySource.values());
    const skew = parseDuration(opts.maxSkew ?? '5m');
    if (skew === undefined) throw new Error(`maxSkew '${String(opts.maxSkew)}' is not a duration like "5m"`);
    this.maxSkewMs = skew;
    this.evidenceCap = Math.max(2, opts.evidenceCap ?? 20);
    this.maxAttempts = opts.maxAttempts ?? 8;
    this.highWater =
      typeof opts.clock === 'number' && Number.isFinite(opts.clock) ? opts.clock : Number.NEGATIVE_INFINITY;
  }

  /** The newest event time accepted so far (the clock of calls without `now`); -Infinity before any. */
  get clock(): number {
    return this.highWater;
  }

  /** Lateness for events of `source` (ms). */
  latenessFor(source: SourceId): number {
    return this.latenessBySource.get(source) ?? this.latenessMs;
  }

  /**
   * Evaluates one batch. Events may be in any order; each is judged at its own time.
   * @throws StateStoreError / StateConflictError when the state store fails: nothing was committed
   * past the stage that failed, and retrying the whole batch counts nothing twice.
   */
  async process(input: readonly TriplineEvent[], opts: ProcessOptions = {}): Promise<BatchResult> {
    const stats: BatchStats = {
      events: input.length,
      hits: 0,
      stateReads: 0,
      stateWrites: 0,
      conflicts: 0,
      // Keyed by rule id (a custom rule may be named anything): no prototype to collide with.
      fires: Object.create(null) as Record<string, number>,
      quarantined: 0,
      late: 0,
      duplicates: 0,
    };
    const errors = new Map<string, RuleErrorReport>();
    const live = typeof opts.now === 'number' && Number.isFinite(opts.now);
    const result: BatchResult = {
      findings: [],
      updated: [],
      ruleErrors: [],
      quarantined: [],
      late: [],
      clock: live ? (opts.now as number) : this.highWater,
      stats,
    };
    if (!input.length) return result;

    // The clock guard: invalid and future-dated events are left out of every rule.
    const guard = live
      ? (opts.now as number) + this.maxSkewMs
      : typeof opts.notAfter === 'number'
        ? opts.notAfter
        : Number.POSITIVE_INFINITY;
    const events: TriplineEvent[] = [];
    for (const e of input) {
      const t = e.time;
      if (typeof t !== 'number' || !Number.isFinite(t) || Math.abs(t) > MAX_TIME) {
        result.quarantined.push({
          eventId: e.id,
          source: e.source,
          time: t,
          reason: `event time ${String(t)} is not a valid date`,
        });
      } else if (t > guard) {
        result.quarantined.push({
          eventId: e.id,
          source: e.source,
          time: t,
          reason: live
            ? `dated ${new Date(t).toISOString()}, ${formatDuration(t - (opts.now as number))} after the trusted now ${new Date(opts.now as number).toISOString()} (allowed skew ${formatDuration(this.maxSkewMs)}): a future-dated record would move the state's clock`
            : `dated ${new Date(t).toISOString()}, after ${new Date(guard).toISOString()}, the latest time this run trusts: a future-dated record would move the state's clock`,
        });
      } else events.push(e);
    }
    stats.quarantined = result.quarantined.length;
    if (!events.length) return result;
    events.sort((a, b) => a.time - b.time);

    // Admission: lateness is measured against the trusted clock before this batch (live: now, or
    // the feed's watermark when it lags).
    const liveClock =
      live && typeof opts.watermark === 'number' && Number.isFinite(opts.watermark)
        ? Math.min(opts.watermark, opts.now as number)
        : (opts.now as number);
    const before = live ? liveClock : this.highWater;
    const newest = (events[events.length - 1] as TriplineEvent).time;
    const after = live ? liveClock : Math.max(this.highWater, newest);
    if (!live) this.highWater = after;
    result.clock = after;
    const ioNow = Number.isFinite(before) ? before : (events[0] as TriplineEvent).time;
    let batchLateness: number | undefined;
    if (opts.lateness !== undefined) {
      batchLateness = parseDuration(opts.lateness);
      if (batchLateness === undefined)
        throw new Error(`lateness '${String(opts.lateness)}' is not a duration like "2h"`);
    }
    const latenessOf = (src: SourceId): number => batchLateness ?? this.latenessFor(src);
    const clock: KindClock = { now: after, latenessMs: Math.max(this.retainLatenessMs, batchLateness ?? 0) };
    const isLate = (e: TriplineEvent) => Number.isFinite(before) && e.time < before - latenessOf(e.source);

    const fail = (ruleId: string, eventId: string, err: unknown) => {
      const prev = errors.get(ruleId);
      if (prev) prev.count++;
      else
        errors.set(ruleId, {
          ruleId,
          eventId,
          message: err instanceof Error ? err.message : String(err),
          count: 1,
        });
    };

    // Phase A: predicates (pure, stateless), allow lists, group keys, and the state keys stage 1
    // needs. Match rules always fire, so their finding keys are read now too; other stages read lazily.
    const hits: Hit[] = [];
    const keys = new Set<string>();
    for (const e of events) {
      const late = isLate(e);
      if (late) {
        result.late.push({
          eventId: e.id,
          source: e.source,
          time: e.time,
          reason: `dated ${new Date(e.time).toISOString()}, more than ${formatDuration(latenessOf(e.source))} (the lateness) before the trusted clock ${new Date(before).toISOString()}: too late for stateful rules`,
        });
      }
      for (const r of this.ruleSet.candidates(e)) {
        if (late && r.kind !== 'match') continue;
        if (allowListed(r, e, undefined)) continue;
        let ok: boolean;
        try {
          ok = r.when ? r.when(e, r.params) === true : true;
        } catch (err) {
          fail(r.id, e.id, err);
          continue;
        }
        if (!ok) continue;
        const hit: Hit = { rule: r, e, late };
        if (r.kind !== 'match') {
          try {
            hit.group = (r.groupBy as (x: TriplineEvent) => string | undefined)(e);
            if (r.field) hit.value = r.field(e);
          } catch (err) {
            fail(r.id, e.id, err);
            continue;
          }
          if (hit.group === undefined || (hit.value === undefined && r.kind !== 'threshold')) continue;
          if (r.allowPrincipals.size && r.allowPrincipals.has(hit.group.toLowerCase())) continue;
          // Allowed terms never fire but still build the baseline (and its learning period).
          if (r.kind === 'new_terms' && r.allow.has((hit.value as string).toLowerCase())) hit.allowed = true;
          hit.stateKey = `${r.kind[0]}|${r.id}|${e.tenant}|${hit.group}`;
          keys.add(hit.stateKey);
        } else if (r.emit) keys.add(this.findingKey(r, e, undefined));
        hits.push(hit);
      }
    }
    stats.late = result.late.length;
    stats.hits = hits.length;
    if (!hits.length) {
      result.ruleErrors = [...errors.values()];
      return result;
    }

    const cache = new Map<string, StateItem>();
    const loaded = new Set<string>();
    const load = async (wanted: Iterable<string>) => {
      const missing: string[] = [];
      for (const k of wanted) if (!loaded.has(k)) missing.push(k);
      if (!missing.length) return;
      const got = await this.store.get(missing, ioNow);
      for (const k of missing) loaded.add(k);
      for (const [k, v] of got) cache.set(k, v);
      stats.stateReads += missing.length;
    };
    await load(keys);

    // Stage 1: rule state.
    const byKey = groupBy(
      hits.filter((h) => h.stateKey),
      (h) => h.stateKey as string,
    );
    const stage1 = await this.stage(byKey, cache, ioNow, stats, (w, units) =>
      this.applyRuleState(w, units, clock, stats, fail),
    );
    for (const h of hits) if (h.rule.kind === 'match') stage1.push(this.matchFire(h, fail));
    const stage1Fires = stage1.filter((f): f is Fire => f !== undefined).sort((a, b) => a.e.time - b.e.time);
    // Events a step rule matched: the only ones that can teach a sequence's aliases.
    const stepEvents = [...new Set(hits.filter((h) => h.rule.stepOf.length && !h.late).map((h) => h.e))];
    for (const f of stage1Fires) stats.fires[f.rule.id] = (stats.fires[f.rule.id] ?? 0) + 1;

    // Stage 2: sequences fed by the step rules that fired (in time, never late ones).
    const seqFires = await this.sequences(stage1Fires, stepEvents, cache, load, ioNow, clock, stats, fail);
    for (const f of seqFires) stats.fires[f.rule.id] = (stats.fires[f.rule.id] ?? 0) + 1;

    // Stage 3: findings, one open finding per dedup key.
    const emitting = [...stage1Fires.filter((f) => f.rule.emit), ...seqFires.filter((f) => f.rule.emit)].sort(
      (a, b) => a.e.time - b.e.time,
    );
    const byFinding = groupBy(emitting, (f) => f.findingKey);
    await load(byFinding.keys());
    const outcomes = await this.stage(byFinding, cache, ioNow, stats, (w, units) =>
      this.applyFindings(w, units),
    );
    const created = new Map<string, Finding>();
    const updated = new Map<string, Finding>();
    for (const o of outcomes) {
      if (!o) continue;
      if (o.created) {
        created.set(o.finding.id, o.finding);
        updated.delete(o.finding.id);
      } else if (!created.has(o.finding.id)) updated.set(o.finding.id, o.finding);
      else created.set(o.finding.id, o.finding);
    }
    result.findings = [...created.values()];
    result.updated = [...updated.values()];
    result.ruleErrors = [...errors.values()];
    return result;
  }

  // ---------------------------------------------------------------------------------------------

  private principalOf(r: CompiledRule, e: TriplineEvent, group: string | undefined): string {
    try {
      const p = r.principal?.(e);
      if (p) return p;
    } catch {
      /* fall through to the default */
    }
    return group ?? e.actor.name ?? e.actor.id ?? e.actor.ip ?? 'unknown';
  }

  private dedupOf(r: CompiledRule, e: TriplineEvent, group: string | undefined): string {
    let k: string | undefined;
    try {
      k = r.dedupKey?.(e);
    } catch {
      k = undefined;
    }
    return `${e.tenant}|${k ?? (r.kind === 'match' ? this.principalOf(r, e, group) : (group ?? 'unknown'))}`;
  }

  private findingKey(r: CompiledRule, e: TriplineEvent, group: string | undefined): string {
    return `f|${r.id}|${this.dedupOf(r, e, group)}`;
  }

  /** Runs one stage: apply units per key, write changed items conditionally, retry conflicting keys. */
  private async stage<U, R>(
    units: Map<string, U[]>,
    cache: Map<string, StateItem>,
    now: number,
    stats: BatchStats,
    apply: (w: Working, units: U[]) => R[],
  ): Promise<R[]> {
    const results = new Map<string, R[]>();
    let pending = [...units.keys()];
    for (let attempt = 1; pending.length; attempt++) {
      const writes: StateWrite[] = [];
      for (const key of pending) {
        const item = cache.get(key);
        const w: Working = { item, value: item?.value, dirty: false, expiresAt: item?.expiresAt ?? 0 };
        results.set(key, apply(w, units.get(key) as U[]));
        if (w.dirty)
          writes.push({ key, expectedVersion: item?.version ?? 0, expiresAt: w.expiresAt, value: w.value });
      }
      if (!writes.length) break;
      const { conflicts } = await this.store.write(writes, now);
      stats.stateWrites += writes.length - conflicts.length;
      const conflicted = new Set(conflicts);
      for (const wr of writes) {
        if (conflicted.has(wr.key)) continue;
        cache.set(wr.key, {
          key: wr.key,
          version: (wr.expectedVersion ?? 0) + 1,
          expiresAt: wr.expiresAt,
          value: wr.value,
        });
      }
      if (!conflicts.length) break;
      stats.conflicts += conflicts.length;
      if (attempt >= this.maxAttempts) throw new StateConflictError(conflicts, attempt);
      const fresh = await this.store.get(conflicts, now);
      stats.stateReads += conflicts.length;
      for (const k of conflicts) {
        const it = fresh.get(k);
        if (it) cache.set(k, it);
        else cache.delete(k);
      }
      pending = conflicts;
    }
    return [...results.values()].flat();
  }

  private evidence(e: TriplineEvent, step?: number, stepRule?: string): EvidenceItem {
    const ev: EvidenceItem = {
      id: e.id,
      time: new Date(e.time).toISOString(),
      source: e.source,
      action: e.action,
      actor: e.actor.name ?? e.actor.id ?? e.actor.appId ?? 'unknown',
    };
    if (e.actor.ip) ev.ip = e.actor.ip;
    const target = e.target?.name ?? e.target?.id ?? e.app?.name ?? e.app?.id;
    if (target) ev.target = target;
    if (step !== undefined) {
      ev.step = step + 1;
      if (stepRule) ev.stepRule = stepRule;
    }
    return ev;
  }

  /** The event's evidence, built on first use. */
  private lazyEvidence(e: TriplineEvent): () => EvidenceItem {
    let ev: EvidenceItem | undefined;
    return () => (ev ??= this.evidence(e));
  }

  private unitOf(r: CompiledRule, e: TriplineEvent): string {
    let k: string | undefined;
    try {
      k = r.unitKey?.(e);
    } catch {
      k = undefined;
    }
    return unitDigest(k !== undefined ? `key|${k}` : `rec|${recordIdentity(e)}`);
  }

  private matchFire(h: Hit, fail: (r: string, e: string, err: unknown) => void): Fire | undefined {
    const r = h.rule;
    const ctx: FireContext = { event: h.e, params: r.params };
    return this.fire(r, h.e, ctx, {
      evidence: [this.evidence(h.e)],
      units: { keys: [this.unitOf(r, h.e)] },
      first: h.e.time,
      last: h.e.time,
      group: undefined,
      fail,
      late: h.late === true,
    });
  }

  private fire(
    r: CompiledRule,
    e: TriplineEvent,
    ctx: FireContext,
    o: {
      evidence: EvidenceItem[];
      pinned?: EvidenceItem[];
      units: Units;
      first: number;
      last: number;
      group: string | undefined;
      fail: (r: string, e: string, err: unknown) => void;
      principal?: string | undefined;
      late?: boolean;
    },
  ): Fire | undefined {
    if (r.kind !== 'match') ctx.group = o.group;
    try {
      const principal = o.principal ?? this.principalOf(r, e, o.group);
      const dedupKey = this.dedupOf(r, e, o.group);
      return {
        rule: r,
        e,
        ctx,
        evidence: o.evidence,
        pinned: o.pinned ?? [],
        units: o.units,
        first: o.first,
        last: o.last,
        findingKey: `f|${r.id}|${dedupKey}`,
        dedupKey,
        principal,
        late: o.late === true,
      };
    } catch (err) {
      o.fail(r.id, e.id, err);
      return undefined;
    }
  }

  private applyRuleState(
    w: Working,
    hits: Hit[],
    clock: KindClock,
    stats: BatchStats,
    fail: (r: string, e: string, err: unknown) => void,
  ): Array<Fire | undefined> {
    const out: Array<Fire | undefined> = [];
    const first = hits[0] as Hit;
    const r = first.rule;
    const retainMs = clock.latenessMs;
    if (r.kind === 'threshold') {
      const res = thresholdApply(
        w.item ? w.value : undefined,
        hits.map((h) => ({ time: h.e.time, dg: digest(recordIdentity(h.e)), ev: this.lazyEvidence(h.e) })),
        {
          count: r.count,
          windowMs: r.windowMs,
          counting: r.emit,
          evidenceCap: this.evidenceCap,
          burstGapMs: r.dedupWindowMs,
        },
        clock,
      );
      stats.duplicates += res.duplicates;
      if (res.changed) {
        w.dirty = true;
        w.value = res.state;
        w.expiresAt = Math.max(w.expiresAt, res.newest + r.windowMs + retainMs);
      }
      for (const f of res.fires) {
        const h = hits[f.hit] as Hit;
        const ctx: FireContext = { event: h.e, params: r.params, observed: f.observed };
        const fire = this.fire(r, h.e, ctx, {
          evidence: f.evidence.length ? f.evidence : [this.evidence(h.e)],
          // One finding per group (the default dedup key) counts the group's burst total.
          units: r.dedupKey ? { add: f.newly } : { total: f.total },
          first: f.first,
          last: f.last,
          group: h.group,
          fail,
        });
        if (fire && f.lead) fire.lead = f.lead;
        out.push(fire);
      }
    } else if (r.kind === 'distinct') {
      const res = distinctApply(
        w.item ? w.value : undefined,
        hits.map((h) => ({ value: h.value as string, time: h.e.time, ev: this.lazyEvidence(h.e) })),
        { count: r.count, windowMs: r.windowMs, counting: r.emit, evidenceCap: this.evidenceCap },
        clock,
      );
      if (res.changed) {
        w.dirty = true;
        w.value = res.state;
        w.expiresAt = Math.max(w.expiresAt, res.newest + r.windowMs + retainMs);
      }
      for (const f of res.fires) {
        const h = hits[f.hit] as Hit;
        const ctx: FireContext = { event: h.e, params: r.params, observed: f.observed, values: f.values };
        out.push(
          this.fire(r, h.e, ctx, {
            evidence: f.evidence.length ? f.evidence : [this.evidence(h.e)],
            units: { keys: f.values.map((v) => unitDigest(`val|${v}`)) },
            first: f.first,
            last: f.last,
            group: h.group,
            fail,
          }),
        );
      }
    } else if (r.kind === 'new_terms') {
      const group = new NewTermsGroup(w.item ? w.value : undefined);
      // Last-use times move in steps of history/14 (1 day for 14 days): a known term costs at most
      // one write per step (see NewTermsGroup.add for why that never calls a recent term new).
      const gran = Math.max(1000, Math.floor(r.historyMs / 14));
      let dirty = false;
      for (const h of hits) {
        const res = group.add(
          h.value as string,
          h.e.time,
          r.historyMs,
          r.learningMs,
          gran,
          h.allowed === true,
        );
        if (res.dirty) dirty = true;
        if (res.isNew && res.learned) {
          const ctx: FireContext = { event: h.e, params: r.params, term: h.value, values: res.known };
          out.push(
            this.fire(r, h.e, ctx, {
              evidence: [this.evidence(h.e)],
              units: { keys: [this.unitOf(r, h.e)] },
              first: h.e.time,
              last: h.e.time,
              group: h.group,
              fail,
            }),
          );
        }
      }
      if (dirty) {
        w.dirty = true;
        w.value = group.toJSON();
        // Activity is recorded once per history period, so the baseline outlives it by two periods.
        const alive = Math.max(group.newestUse() + r.historyMs + gran, (group.seen ?? 0) + 2 * r.historyMs);
        w.expiresAt = Math.max(w.expiresAt, alive + retainMs);
      }
    }
    return out;
  }

  /** Stage 2: alias learning, then sequence state per key. */
  private async sequences(
    stage1: Fire[],
    events: readonly TriplineEvent[],
    cache: Map<string, StateItem>,
    load: (keys: Iterable<string>) => Promise<void>,
    now: number,
    clock: KindClock,
    stats: BatchStats,
    fail: (r: string, e: string, err: unknown) => void,
  ): Promise<Fire[]> {
    const seqs = [...this.ruleSet.rules.values()].filter((r) => r.kind === 'sequence');
    if (!seqs.length) return [];
    // Aliases: events that name both ids teach them (stored for the next batches too).
    const learned = new Map<string, { to: string; t: number }>();
    for (const s of seqs) {
      if (!s.alias) continue;
      const sources = new Set(s.def.sources);
      for (const e of events) {
        if (!sources.has(e.source)) continue;
        let from: string | undefined;
        let to: string | undefined;
        try {
          from = s.alias.from(e);
          to = s.alias.to(e);
        } catch {
          continue;
        }
        if (!from || !to) continue;
        const key = `a|${s.id}|${e.tenant}|${from.toLowerCase()}`;
        const prev = learned.get(key);
        if (!prev || e.time > prev.t) learned.set(key, { to, t: e.time });
      }
    }
    const signals: Array<{ seq: CompiledRule; key: string; fire: Fire }> = [];
    const unresolved: Array<{ seq: CompiledRule; aliasKey: string; fire: Fire }> = [];
    for (const f of stage1) {
      if (f.late) continue;
      for (const s of f.rule.stepOf) {
        if (allowListed(s, f.e, undefined)) continue;
        let by: string | undefined;
        let from: string | undefined;
        try {
          by = s.by?.(f.e);
          from = by === undefined ? s.alias?.from(f.e) : undefined;
        } catch (err) {
          fail(s.id, f.e.id, err);
          continue;
        }
        if (by !== undefined) {
          if (s.allowApps.has(by.toLowerCase())) continue;
          signals.push({ seq: s, key: `s|${s.id}|${f.e.tenant}|${by}`, fire: f });
        } else if (from !== undefined)
          unresolved.push({ seq: s, aliasKey: `a|${s.id}|${f.e.tenant}|${from.toLowerCase()}`, fire: f });
      }
    }
    if (learned.size || unresolved.length) {
      await load([...learned.keys(), ...unresolved.map((u) => u.aliasKey)]);
      const aliasUnits = new Map<string, Array<{ to: string; t: number }>>();
      for (const [k, v] of learned) {
        const stored = cache.get(k)?.value as { to?: string; t?: number } | undefined;
        if (stored?.to !== v.to || (stored.t ?? 0) < v.t - ALIAS_REFRESH_MS) aliasUnits.set(k, [v]);
      }
      if (aliasUnits.size) {
        await this.stage(aliasUnits, cache, now, stats, (w, units) => {
          const v = units[0] as { to: string; t: number };
          w.value = v;
          w.dirty = true;
          w.expiresAt = v.t + ALIAS_TTL_MS;
          return [];
        });
      }
      for (const u of unresolved) {
        const to =
          learned.get(u.aliasKey)?.to ?? (cache.get(u.aliasKey)?.value as { to?: string } | undefined)?.to;
        if (to === undefined || u.seq.allowApps.has(to.toLowerCase())) continue;
        signals.push({ seq: u.seq, key: `s|${u.seq.id}|${u.fire.e.tenant}|${to}`, fire: u.fire });
      }
    }
    if (!signals.length) return [];
    signals.sort((a, b) => a.fire.e.time - b.fire.e.time);
    const bySeq = groupBy(signals, (s) => s.key);
    await load(bySeq.keys());
    return (
      await this.stage(bySeq, cache, now, stats, (w, units) => this.applySequence(w, units, clock, fail))
    ).filter((f): f is Fire => f !== undefined);
  }

  private applySequence(
    w: Working,
    signals: Array<{ seq: CompiledRule; key: string; fire: Fire }>,
    clock: KindClock,
    fail: (r: string, e: string, err: unknown) => void,
  ): Array<Fire | undefined> {
    const out: Array<Fire | undefined> = [];
    const s = (signals[0] as { seq: CompiledRule }).seq;
    const group = (signals[0] as { key: string }).key.split('|').slice(3).join('|');
    const stored = w.item ? (w.value as SequenceValue) : undefined;
    const val: SequenceValue = { s: stored && Array.isArray(stored.s) ? [...stored.s] : [] };
    const n = s.steps.length;
    const lastStep = n - 1;
    // Last-step signals that can serve no chain a recorded one cannot (the app keeps reading) are
    // stored at most once per window/24 (3 h for 72 h), so the item is not rewritten per batch.
    const spacing = Math.floor(s.windowMs / 24);
    let latest = 0;
    for (const { fire } of signals) {
      const e = fire.e;
      const steps: number[] = [];
      s.steps.forEach((st, i) => {
        if (st.rules.has(fire.rule.id)) steps.push(i);
      });
      const app: AppContext | undefined = e.app;
      let added = false;
      for (const i of steps) {
        if (sequenceAdd(val, i, e.time, this.evidence(e, i, fire.rule.id), app, lastStep, spacing))
          added = true;
      }
      if (added) {
        w.dirty = true;
        latest = Math.max(latest, e.time);
      }
      // The chains this signal completes or continues: one per actor of the first step (for
      // oauth-chain, each user who consented), the tightest one (latest first step) of each.
      const found: ChainLink[][] = [];
      const leads: EvidenceItem[] = [];
      if (steps.includes(lastStep)) {
        const self: Signal = [lastStep, e.time, this.evidence(e, lastStep, fire.rule.id), app ?? null];
        for (const c of chainsFor(val, n, s.windowMs, e.id, self)) {
          // Show where the activity began (the first read of the run), when it followed the step before.
          const lead = fire.lead;
          const prev = c[c.length - 2];
          if (lead && lead.id !== e.id && prev && lead.time >= prev.evidence.time && lead.time < self[2].time)
            leads.push({ ...lead, step: lastStep + 1, stepRule: fire.rule.id });
          found.push(c);
        }
      }
      if (steps.some((i) => i < lastStep)) found.push(...chainsFor(val, n, s.windowMs, e.id));
      const byActor = new Map<string, ChainLink[]>();
      for (const c of found) {
        const start = (c[0] as ChainLink).evidence;
        const prev = byActor.get(start.actor);
        if (!prev || (prev[0] as ChainLink).evidence.time <= start.time) byActor.set(start.actor, c);
      }
      if (!byActor.size) continue;
      const list = [...byActor.values()].sort((a, b) =>
        (a[0] as ChainLink).evidence.time < (b[0] as ChainLink).evidence.time ? -1 : 1,
      );
      const pinned: EvidenceItem[] = [];
      const tail: EvidenceItem[] = [];
      let firstT = Infinity;
      let lastT = -Infinity;
      for (const c of list) {
        for (const l of c) {
          const t = Date.parse(l.evidence.time);
          if (t < firstT) firstT = t;
          if (t > lastT) lastT = t;
          (l.step < lastStep ? pinned : tail).push(l.evidence);
        }
      }
      for (const l of leads.slice(0, 1)) {
        tail.push(l);
        firstT = Math.min(firstT, Date.parse(l.time));
      }
      const ctx: FireContext = {
        event: e,
        params: s.params,
        chain: list[0],
        chains: list,
        observed: (list[0] as ChainLink[]).length,
        group,
      };
      // Name the principal after the chain's app when a step knew it ("Contoso Sync (appId)").
      const hasName = (a: AppContext | null | undefined) => !!a?.name && a.name !== a.id;
      const named = s.def.principal
        ? undefined
        : (list.flat().find((l) => hasName(l.app))?.app?.name ?? val.s.find((x) => hasName(x[3]))?.[3]?.name);
      const starts = list.map((c) => unitDigest(`chain|${(c[0] as ChainLink).evidence.actor}`));
      out.push(
        this.fire(s, e, ctx, {
          evidence: [...pinned, ...tail],
          pinned,
          units: { keys: starts },
          first: firstT,
          last: lastT,
          group,
          fail,
          principal: named ? `${named} (${group})` : undefined,
        }),
      );
    }
    if (w.dirty) {
      sequenceTrim(val, s.windowMs, clock);
      w.value = val;
      let maxT = latest;
      for (const x of val.s) if (x[1] > maxT) maxT = x[1];
      w.expiresAt = Math.max(w.expiresAt, maxT + s.windowMs + clock.latenessMs);
    }
    return out;
  }

  private applyFindings(
    w: Working,
    fires: Fire[],
  ): Array<{ finding: Finding; created: boolean } | undefined> {
    const rule = (fires[0] as Fire).rule;
    // A finding item of the wrong shape (a damaged state file) is read as absent, never trusted.
    const stored =
      w.item && findingValueProblem(w.value) === undefined ? (w.value as FindingValue) : undefined;
    let cur: FindingValue | undefined = stored ? { ...stored, f: this.hydrate(stored.f, rule) } : undefined;
    let created = false;
    let updatedExisting = false;
    // A key may close one finding and open the next within one batch: report both.
    const closed: Array<{ finding: Finding; created: boolean }> = [];
    const D = rule.dedupWindowMs;
    for (const f of fires) {
      const t = f.e.time;
      const severity = this.severityFor(f.rule, f.ctx);
      const open =
        cur !== undefined && t <= Date.parse(cur.f.lastSeen) + D && t >= Date.parse(cur.f.firstSeen) - D;
      if (cur && !open && t < Date.parse(cur.f.firstSeen) - D) {
        // Far older than the open finding (a late batch): its own finding, the open one stays stored.
        closed.push({ finding: structuredCloneFinding(this.newFinding(f, severity).f), created: true });
        continue;
      }
      if (!cur || !open) {
        if (cur && (created || updatedExisting))
          closed.push({ finding: structuredCloneFinding(cur.f), created });
        updatedExisting = false;
        cur = this.newFinding(f, severity);
        created = true;
        w.dirty = true;
        continue;
      }
      const fd = cur.f;
      let changed = false;
      if (severityRank(severity) > severityRank(fd.severity)) {
        fd.severity = severity;
        changed = true;
      }
      // Count only units the finding does not hold: a redelivered batch, a concurrent invocation
      // whose fire lands after another folded the same events in, adds nothing.
      let added = 0;
      if ('add' in f.units) added = f.units.add;
      else if ('total' in f.units) added = Math.max(0, f.units.total - fd.count);
      else {
        const have = new Set(cur.u ?? []);
        for (const k of f.units.keys) {
          if (have.has(k)) continue;
          have.add(k);
          (cur.u ??= []).push(k);
          added++;
        }
        if (cur.u && cur.u.length > MAX_FINDING_UNITS) cur.u = cur.u.slice(cur.u.length - MAX_FINDING_UNITS);
      }
      if (added > 0 || 'total' in f.units) {
        // A burst total may bring no new count (another invocation's fire already raised it) and
        // still widen the span and the evidence to the events it counted.
        if (added > 0) {
          fd.count += added;
          changed = true;
        }
        const firstIso = new Date(f.first).toISOString();
        const lastIso = new Date(f.last).toISOString();
        if (firstIso < fd.firstSeen) {
          fd.firstSeen = firstIso;
          changed = true;
        }
        if (lastIso > fd.lastSeen) {
          fd.lastSeen = lastIso;
          changed = true;
        }
        for (const p of f.pinned) if (!(cur.p ??= []).includes(p.id)) cur.p.push(p.id);
        const n = fd.evidence.length + cur.extra;
        cur.extra += this.mergeEvidence(cur, f.evidence);
        if (fd.evidence.length + cur.extra !== n) changed = true;
      } else {
        // Units the finding holds already (a chain that keeps going, an account that fails again,
        // another record of the same consent): newer events still show, a redelivery changes nothing.
        const have = new Set(fd.evidence.map(evidenceKey));
        const newer = f.evidence.filter((x) => x.time >= fd.lastSeen && !have.has(evidenceKey(x)));
        if (newer.length) {
          for (const x of newer) if (x.time > fd.lastSeen) fd.lastSeen = x.time;
          cur.extra += this.mergeEvidence(cur, newer);
          changed = true;
        }
      }
      if (!changed) continue;
      this.describe(cur, f);
      w.dirty = true;
      if (!created) updatedExisting = true;
    }
    if (!cur || (!created && !updatedExisting)) return closed;
    const value: FindingValue = { f: dehydrate(cur.f), extra: cur.extra };
    if (cur.u?.length) value.u = cur.u;
    if (cur.p?.length) value.p = cur.p;
    w.value = value;
    w.expiresAt = Date.parse(cur.f.lastSeen) + D + Math.max(this.retainLatenessMs, FINDING_MEMORY_MS);
    return [...closed, { finding: structuredCloneFinding(cur.f), created }];
  }

  /** Title and why from the finding's latest state. */
  private describe(cur: FindingValue, f: Fire): void {
    const fd = cur.f;
    f.ctx.count = fd.count;
    f.ctx.firstSeen = fd.firstSeen;
    f.ctx.lastSeen = fd.lastSeen;
    f.ctx.evidence = fd.evidence;
    fd.why = this.why(f.rule, f.ctx, f.principal);
    try {
      fd.title = f.rule.title(f.ctx);
    } catch {
      /* keep the previous title */
    }
  }

  /** Puts back the rule's static text, which is not stored with each finding. */
  private hydrate(f: Finding, r: CompiledRule): Finding {
    return {
      ...f,
      runbook: [...r.def.runbook],
      description: r.def.description,
      falsePositives: [...r.def.falsePositives],
    };
  }

  /** Merges evidence, keeping the pinned items and the first and latest halves of the others. */
  private mergeEvidence(cur: FindingValue, add: EvidenceItem[]): number {
    const fd = cur.f;
    const seen = new Set(fd.evidence.map(evidenceKey));
    let dropped = 0;
    for (const ev of add) {
      const k = evidenceKey(ev);
      if (seen.has(k)) continue;
      seen.add(k);
      fd.evidence.push(ev);
    }
    fd.evidence.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : (a.step ?? 0) - (b.step ?? 0)));
    const cap = this.evidenceCap;
    if (fd.evidence.length > cap) {
      const pinnedIds = new Set(cur.p ?? []);
      const isPinned = (e: EvidenceItem) => pinnedIds.has(e.id) && e.stepRule !== undefined;
      const pinned = fd.evidence.filter(isPinned);
      const rest = fd.evidence.filter((e) => !isPinned(e));
      const room = Math.max(2, cap - pinned.length);
      if (rest.length > room) {
        const head = Math.ceil(room / 2);
        dropped = rest.length - room;
        const keep = new Set([...rest.slice(0, head), ...rest.slice(rest.length - (room - head))]);
        fd.evidence = fd.evidence.filter((e) => isPinned(e) || keep.has(e));
      }
    }
    const total = cur.extra + dropped;
    if (total > 0) {
      const head = Math.ceil(cap / 2);
      fd.evidenceNote = `${total} more event${total === 1 ? '' : 's'} not listed: the first ${head} and the latest ${cap - head} are kept${cur.p?.length ? ', with every chain step before the last' : ''}.`;
    }
    return dropped;
  }

  private severityFor(r: CompiledRule, ctx: FireContext): Severity {
    try {
      return r.def.escalate?.(ctx as never) ?? r.severity;
    } catch {
      return r.severity;
    }
  }

  private why(r: CompiledRule, ctx: FireContext, principal: string): string {
    if (r.def.why) {
      try {
        return r.def.why(ctx as never);
      } catch {
        /* fall back to the generated text */
      }
    }
    const win = formatDuration(r.windowMs);
    const d = r.def;
    const count = ctx.count ?? ctx.observed ?? 1;
    const span =
      ctx.firstSeen && ctx.lastSeen
        ? `from ${ctx.firstSeen.slice(11, 19)} to ${ctx.lastSeen.slice(11, 19)}${ctx.firstSeen.slice(0, 10) === ctx.lastSeen.slice(0, 10) ? '' : ` (${ctx.firstSeen.slice(0, 10)} to ${ctx.lastSeen.slice(0, 10)})`}`
        : '';
    switch (d.kind) {
      case 'match':
        return `${ctx.event.action} by ${ctx.event.actor.name ?? ctx.event.actor.id ?? 'unknown'} matched: ${d.description}${count > 1 ? ` (${count} matches)` : ''}`;
      case 'threshold': {
        const unit = d.unit ?? 'events';
        if (count === ctx.observed)
          return `${count} ${unit} in ${win} for ${ctx.group ?? principal}, threshold ${r.count}`;
        return `${count} ${unit} for ${ctx.group ?? principal} ${span}, up to ${ctx.observed} in any ${win}, threshold ${r.count}`;
      }
      case 'distinct': {
        const vals = ctx.values ?? [];
        const list =
          vals.slice(0, 10).join(', ') + (vals.length > 10 ? `, … (${vals.length - 10} more)` : '');
        const unit = d.unit ?? 'values';
        if (count === ctx.observed)
          return `${count} distinct ${unit} in ${win} for ${ctx.group ?? principal}, threshold ${r.count}: ${list}`;
        return `${count} distinct ${unit} for ${ctx.group ?? principal} ${span}, up to ${ctx.observed} in any ${win}, threshold ${r.count}; latest: ${list}`;
      }
      case 'new_terms': {
        const known = ctx.values ?? [];
        const hist = formatDuration(r.historyMs);
        const allowNote = r.allow.size ? ' besides allow-listed ones' : '';
        const list = known.length
          ? `{${known.slice(0, 10).join(', ')}${known.length > 10 ? ', …' : ''}}${allowNote}`
          : `no other value${allowNote}`;
        return `${d.termLabel ?? 'value'} ${ctx.term} absent from ${ctx.group ?? principal}'s ${hist} history of ${list}`;
      }
      case 'sequence': {
        const chain = ctx.chain ?? [];
        const parts = chain.map((l) => `${r.steps[l.step]?.label ?? l.rule} at ${l.evidence.time}`);
        const first = chain[0];
        const last = chain[chain.length - 1];
        const dur = first && last ? Date.parse(last.evidence.time) - Date.parse(first.evidence.time) : 0;
        const chains = count > 1 ? `; ${count} chains, started by ${startActors(ctx).join(', ')}` : '';
        return `${chain.length} steps in order for ${ctx.group ?? principal} within ${formatDuration(Math.max(dur, 1000))} (window ${win}): ${parts.join(' -> ')}${chains}`;
      }
    }
  }

  private newFinding(f: Fire, severity: Severity): FindingValue {
    const r = f.rule;
    const id = `${r.id}-${createHash('sha256').update(`${r.id}\n${f.dedupKey}\n${f.e.time}`).digest('hex').slice(0, 16)}`;
    const count =
      'add' in f.units
        ? Math.max(1, f.units.add)
        : 'total' in f.units
          ? Math.max(1, f.units.total)
          : new Set(f.units.keys).size || 1;
    const finding: Finding = {
      schemaVersion: 1,
      id,
      ruleId: r.id,
      title: r.id,
      severity,
      attack: [...r.def.attack],
      tenant: f.e.tenant,
      principal: f.principal,
      firstSeen: new Date(Math.min(f.first, f.e.time)).toISOString(),
      lastSeen: new Date(Math.max(f.last, f.e.time)).toISOString(),
      count,
      evidence: [],
      why: '',
      runbook: [...r.def.runbook],
      dedupKey: f.dedupKey,
      description: r.def.description,
      falsePositives: [...r.def.falsePositives],
    };
    const holder: FindingValue = { f: finding, extra: 0 };
    if ('keys' in f.units) holder.u = [...new Set(f.units.keys)];
    if (f.pinned.length) holder.p = [...new Set(f.pinned.map((p) => p.id))];
    holder.extra = this.mergeEvidence(holder, f.evidence);
    this.describe(holder, f);
    return holder;
  }
}

/** The distinct actors of a sequence's first steps, in time order. */
export function startActors(ctx: FireContext): string[] {
  const out: string[] = [];
  const fromEvidence = (ctx.evidence ?? []).filter((e) => e.step === 1).map((e) => e.actor);
  const fromChains = (ctx.chains ?? []).map((c) => (c[0] as ChainLink).evidence.actor);
  for (const a of [...fromEvidence, ...fromChains]) if (!out.includes(a)) out.push(a);
  return out;
}

/** Whether the rule's allow lists cover the event (or the group value). */
function allowListed(r: CompiledRule, e: TriplineEvent, group: string | undefined): boolean {
  if (r.allowApps.size) {
    for (const id of [e.app?.id, e.actor.appId, e.app?.servicePrincipalId])
      if (id && r.allowApps.has(id.toLowerCase())) return true;
  }
  if (r.allowPrincipals.size) {
    for (const p of [e.actor.id, e.actor.name, group])
      if (p && r.allowPrincipals.has(p.toLowerCase())) return true;
  }
  return r.allowIps.size > 0 && r.allowIps.has(e.actor.ip);
}

/**
 * The stored form of a finding: without the rule's static text (description, runbook, false
 * positives), which the rule already holds and would cost write units on every update.
 */
function dehydrate(f: Finding): Finding {
  const { description: _d, falsePositives: _fp, ...rest } = f;
  return { ...rest, runbook: [] };
}

/** One evidence entry per event and sequence step. */
function evidenceKey(e: EvidenceItem): string {
  return `${e.id}#${e.step ?? ''}`;
}

function structuredCloneFinding(f: Finding): Finding {
  return {
    ...f,
    attack: [...f.attack],
    evidence: f.evidence.map((e) => ({ ...e })),
    runbook: [...f.runbook],
  };
}

function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    const list = m.get(k);
    if (list) list.push(it);
    else m.set(k, [it]);
  }
  return m;
}
