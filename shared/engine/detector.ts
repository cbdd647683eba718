/**
 * The Detector runs compiled rules over a batch of normalized events against a StateStore.
 *
 * The evaluation is pure (events + state in, findings + state changes out); the only I/O is through
 * the StateStore port, in three stages so parallel invocations never lose a count:
 *   1. rule state (threshold buckets, distinct values, new-term baselines) -> which rules fired;
 *   2. sequence state (step signals per key) -> which sequences completed;
 *   3. finding state (one finding per dedup key per window) -> new and updated findings.
 * Each stage writes every changed item once (coalesced per key), conditionally on its version;
 * conflicting keys are re-read and re-applied, and later stages only see final results.
 */
import { createHash } from 'node:crypto';
import type { AppContext, TriplineEvent } from '../events/types';
import type { StateItem, StateStore, StateWrite } from '../state/port';
import { compileRules } from './compile';
import type { CompileOptions, CompiledRule, CompiledRuleSet } from './compile';
import { formatDuration, parseDuration } from './duration';
import { StateConflictError } from './errors';
import type { RuleErrorReport } from './errors';
import { severityRank } from './findings';
import type { EvidenceItem, Finding, Severity } from './findings';
import {
  distinctAdd,
  findChain,
  newTermsAdd,
  sequenceAdd,
  thresholdAdd,
  type DistinctValue,
  type NewTermsValue,
  type SequenceValue,
  type ThresholdValue,
} from './kinds';
import type { ChainLink, Duration, FireContext, RuleDefinition } from './rule';

export interface DetectorOptions extends CompileOptions {
  rules: readonly RuleDefinition[];
  store: StateStore;
  /** How late an event may arrive and still count and correlate (default '2h'; M365 is often an hour late). */
  lateness?: Duration | undefined;
  /** Evidence items kept per finding (default 20: the first and last halves, with a note). */
  evidenceCap?: number | undefined;
  /** Attempts per stage when writes conflict (default 8). */
  maxAttempts?: number | undefined;
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
}

export interface BatchResult {
  /** Findings created by this batch. */
  findings: Finding[];
  /** Findings that existed and took more matches from this batch (count raised, evidence extended). */
  updated: Finding[];
  ruleErrors: RuleErrorReport[];
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
}

interface Fire {
  rule: CompiledRule;
  e: TriplineEvent;
  ctx: FireContext;
  /** Evidence for a finding this fire creates (for threshold and distinct: the kept tail). */
  evidence: EvidenceItem[];
  /** The firing event's own evidence: what an update of an existing finding adds, once. */
  own: EvidenceItem;
  /** Matches this fire adds to the finding's count when it updates one. */
  increment: number;
  /** Initial count when it creates one. */
  initialCount: number;
  findingKey: string;
  dedupKey: string;
  principal: string;
}

interface FindingValue {
  f: Finding;
  /** Suppression window [start, end). */
  start: number;
  end: number;
  /** Evidence beyond the kept items. */
  extra: number;
}

type Working = { item: StateItem | undefined; value: unknown; dirty: boolean; expiresAt: number };

/**
 * @example
 * const detector = new Detector({ rules: allRules, store: await EmbeddedStateStore.open(':memory:') });
 * const { findings } = await detector.process(events);
 */
export class Detector {
  readonly ruleSet: CompiledRuleSet;
  private readonly store: StateStore;
  private readonly latenessMs: number;
  private readonly evidenceCap: number;
  private readonly maxAttempts: number;

  constructor(opts: DetectorOptions) {
    this.ruleSet = compileRules(opts.rules, opts);
    this.store = opts.store;
    const lateness = parseDuration(opts.lateness ?? '2h');
    if (lateness === undefined)
      throw new Error(`lateness '${String(opts.lateness)}' is not a duration like "2h"`);
    this.latenessMs = lateness;
    this.evidenceCap = Math.max(2, opts.evidenceCap ?? 20);
    this.maxAttempts = opts.maxAttempts ?? 8;
  }

  /** Evaluates one batch. Events may be in any order; they are evaluated by event time. */
  async process(input: readonly TriplineEvent[]): Promise<BatchResult> {
    const stats: BatchStats = {
      events: input.length,
      hits: 0,
      stateReads: 0,
      stateWrites: 0,
      conflicts: 0,
      fires: {},
    };
    const errors = new Map<string, RuleErrorReport>();
    const result: BatchResult = { findings: [], updated: [], ruleErrors: [], stats };
    if (!input.length) return result;
    const events = [...input].sort((a, b) => a.time - b.time);
    const now = (events[events.length - 1] as TriplineEvent).time;

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

    // Phase A: predicates (pure, stateless), group keys, and the state keys stage 1 needs. Match
    // rules always fire, so their finding keys are read now too; other stages read lazily.
    const hits: Hit[] = [];
    const keys = new Set<string>();
    for (const e of events) {
      for (const r of this.ruleSet.candidates(e)) {
        let ok: boolean;
        try {
          ok = r.when ? r.when(e, r.params) === true : true;
        } catch (err) {
          fail(r.id, e.id, err);
          continue;
        }
        if (!ok) continue;
        const hit: Hit = { rule: r, e };
        if (r.kind !== 'match') {
          try {
            hit.group = (r.groupBy as (x: TriplineEvent) => string | undefined)(e);
            if (r.field) hit.value = r.field(e);
          } catch (err) {
            fail(r.id, e.id, err);
            continue;
          }
          if (hit.group === undefined || (hit.value === undefined && r.kind !== 'threshold')) continue;
          // Allowed terms never fire but still build the baseline (and its learning period).
          if (r.kind === 'new_terms' && r.allow.has((hit.value as string).toLowerCase())) hit.allowed = true;
          hit.stateKey = `${r.kind[0]}|${r.id}|${e.tenant}|${hit.group}`;
          keys.add(hit.stateKey);
        } else if (r.emit) keys.add(this.findingKey(r, e, undefined));
        hits.push(hit);
      }
    }
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
      const got = await this.store.get(missing, now);
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
    const stage1 = await this.stage(byKey, cache, now, stats, (w, units) =>
      this.applyRuleState(w, units, now, fail),
    );
    for (const h of hits) if (h.rule.kind === 'match') stage1.push(this.matchFire(h, fail));
    const stage1Fires = stage1.filter((f): f is Fire => f !== undefined).sort((a, b) => a.e.time - b.e.time);
    for (const f of stage1Fires) stats.fires[f.rule.id] = (stats.fires[f.rule.id] ?? 0) + 1;

    // Stage 2: sequences fed by the step rules that fired.
    const signals: Array<{ seq: CompiledRule; key: string; fire: Fire }> = [];
    for (const f of stage1Fires) {
      for (const s of f.rule.stepOf) {
        const k = this.seqKey(s, f.e, fail);
        if (k) signals.push({ seq: s, key: k, fire: f });
      }
    }
    const bySeq = groupBy(signals, (s) => s.key);
    await load(bySeq.keys());
    const seqFires = (
      await this.stage(bySeq, cache, now, stats, (w, units) => this.applySequence(w, units, fail))
    ).filter((f): f is Fire => f !== undefined);
    for (const f of seqFires) stats.fires[f.rule.id] = (stats.fires[f.rule.id] ?? 0) + 1;

    // Stage 3: findings, one per dedup key per window.
    const emitting = [...stage1Fires.filter((f) => f.rule.emit), ...seqFires.filter((f) => f.rule.emit)];
    const byFinding = groupBy(emitting, (f) => f.findingKey);
    await load(byFinding.keys());
    const outcomes = await this.stage(byFinding, cache, now, stats, (w, units) =>
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

  private seqKey(
    s: CompiledRule,
    e: TriplineEvent,
    fail: (r: string, e: string, err: unknown) => void,
  ): string | undefined {
    let v: string | undefined;
    try {
      v = s.by?.(e);
    } catch (err) {
      fail(s.id, e.id, err);
      return undefined;
    }
    return v === undefined ? undefined : `s|${s.id}|${e.tenant}|${v}`;
  }

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
      const working = new Map<string, Working>();
      for (const key of pending) {
        const item = cache.get(key);
        const w: Working = { item, value: item?.value, dirty: false, expiresAt: item?.expiresAt ?? 0 };
        results.set(key, apply(w, units.get(key) as U[]));
        working.set(key, w);
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

  private matchFire(h: Hit, fail: (r: string, e: string, err: unknown) => void): Fire | undefined {
    const r = h.rule;
    const ctx: FireContext = { event: h.e, params: r.params };
    return this.fire(r, h.e, ctx, [this.evidence(h.e)], 1, 1, undefined, fail);
  }

  private fire(
    r: CompiledRule,
    e: TriplineEvent,
    ctx: FireContext,
    evidence: EvidenceItem[],
    increment: number,
    initialCount: number,
    group: string | undefined,
    fail: (r: string, e: string, err: unknown) => void,
    principalOverride?: string,
  ): Fire | undefined {
    if (r.kind !== 'match') ctx.group = group;
    try {
      const principal = principalOverride ?? this.principalOf(r, e, group);
      // The firing event's entry (for a sequence, its highest step) is what an update counts.
      let own: EvidenceItem | undefined;
      for (const x of evidence)
        if (x.id === e.id && (own === undefined || (x.step ?? 0) > (own.step ?? 0))) own = x;
      return {
        rule: r,
        e,
        ctx,
        evidence,
        own: own ?? this.evidence(e),
        increment,
        initialCount,
        findingKey: `f|${r.id}|${this.dedupOf(r, e, group)}`,
        dedupKey: this.dedupOf(r, e, group),
        principal,
      };
    } catch (err) {
      fail(r.id, e.id, err);
      return undefined;
    }
  }

  private applyRuleState(
    w: Working,
    hits: Hit[],
    now: number,
    fail: (r: string, e: string, err: unknown) => void,
  ): Array<Fire | undefined> {
    const out: Array<Fire | undefined> = [];
    const first = hits[0] as Hit;
    const r = first.rule;
    const retain = r.windowMs + this.latenessMs;
    // The evidence tail is also how a redelivered event is recognised and not counted twice. When
    // the count fits in the tail, it is kept whole, so a duplicate can never push a group over its
    // threshold; above that (100 reads), de-duplication is best effort and a short tail shows enough.
    const cap =
      r.kind === 'threshold' && r.count > this.evidenceCap
        ? Math.min(this.evidenceCap, 10)
        : this.evidenceCap;
    if (r.kind === 'threshold') {
      // Mutated in place: after a conflict the stage re-reads the item, so a retry starts fresh.
      const val: ThresholdValue = w.item ? (w.value as ThresholdValue) : { b: [], ev: [] };
      let latest = 0;
      for (const h of hits) {
        const n = thresholdAdd(val, h.e.time, r.windowMs, retain, this.evidence(h.e), cap);
        if (n < 0) continue;
        w.dirty = true;
        latest = Math.max(latest, h.e.time);
        if (n >= r.count) {
          const ctx: FireContext = { event: h.e, params: r.params, observed: n };
          out.push(this.fire(r, h.e, ctx, [...val.ev], 1, n, h.group, fail));
        }
      }
      w.value = val;
      w.expiresAt = Math.max(w.expiresAt, latest + r.windowMs + this.latenessMs);
    } else if (r.kind === 'distinct') {
      const val: DistinctValue = w.item ? (w.value as DistinctValue) : { v: {}, ev: [] };
      let latest = 0;
      for (const h of hits) {
        const values = distinctAdd(
          val,
          h.value as string,
          h.e.time,
          r.windowMs,
          retain,
          this.evidence(h.e),
          cap,
        );
        w.dirty = true;
        latest = Math.max(latest, h.e.time);
        if (values.length >= r.count) {
          const ctx: FireContext = {
            event: h.e,
            params: r.params,
            observed: values.length,
            values: values.sort(),
          };
          out.push(this.fire(r, h.e, ctx, [...val.ev], 1, values.length, h.group, fail));
        }
      }
      w.value = val;
      w.expiresAt = Math.max(w.expiresAt, latest + r.windowMs + this.latenessMs);
    } else if (r.kind === 'new_terms') {
      const val: NewTermsValue = w.item ? (w.value as NewTermsValue) : { since: 0, t: {} };
      // Last-seen times move in steps of history/14 (1 day for 14 days): a known term costs at most
      // one write per step, and "known" is off by at most one step at the history's edge.
      const gran = Math.max(1000, Math.floor(r.historyMs / 14));
      let latest = 0;
      for (const h of hits) {
        const res = newTermsAdd(
          val,
          h.value as string,
          h.e.time,
          r.historyMs,
          r.learningMs,
          gran,
          h.allowed === true,
        );
        if (res.dirty) w.dirty = true;
        latest = Math.max(latest, h.e.time);
        if (res.isNew && res.learned) {
          const ctx: FireContext = { event: h.e, params: r.params, term: h.value, values: res.known };
          out.push(this.fire(r, h.e, ctx, [this.evidence(h.e)], 1, 1, h.group, fail));
        }
      }
      w.value = val;
      if (w.dirty) {
        let maxLast = latest;
        for (const [, last] of Object.values(val.t)) if (last > maxLast) maxLast = last;
        // Activity is recorded once per history period, so the baseline outlives it by two periods.
        const alive = Math.max(maxLast + r.historyMs, (val.seen ?? 0) + 2 * r.historyMs);
        w.expiresAt = Math.max(w.expiresAt, alive + this.latenessMs);
      }
    }
    return out;
  }

  private applySequence(
    w: Working,
    signals: Array<{ seq: CompiledRule; key: string; fire: Fire }>,
    fail: (r: string, e: string, err: unknown) => void,
  ): Array<Fire | undefined> {
    const out: Array<Fire | undefined> = [];
    const s = (signals[0] as { seq: CompiledRule }).seq;
    const val: SequenceValue = w.item ? (w.value as SequenceValue) : { s: [] };
    const retain = s.windowMs + this.latenessMs;
    const lastStep = s.steps.length - 1;
    // The last step keeps signalling while the volume goes on (a sanctioned app reads all day): it
    // is stored at most once per window/24 (3 h for 72 h), so the item is not rewritten per batch.
    const spacing = Math.floor(s.windowMs / 24);
    let latest = 0;
    const fireFor = (fire: Fire, chain: ChainLink[], ev: EvidenceItem[]) => {
      const group = s.by?.(fire.e);
      const ctx: FireContext = { event: fire.e, params: s.params, chain, observed: chain.length, group };
      // Name the principal after the chain's app when a step knew it ("Contoso Sync (appId)").
      const named = s.def.principal ? undefined : chain.find((l) => l.app?.name)?.app?.name;
      const principal = named && group ? `${named} (${group})` : undefined;
      return this.fire(s, fire.e, ctx, ev, 1, 1, group, fail, principal);
    };
    for (const { fire } of signals) {
      const steps: number[] = [];
      s.steps.forEach((st, i) => {
        if (st.rules.has(fire.rule.id)) steps.push(i);
      });
      // More of the last step of a chain that is already complete (the app keeps reading): it only
      // updates the finding, so the sequence item is not rewritten for every read.
      if (steps.length === 1 && steps[0] === lastStep) {
        const done = findChain(val, s.steps.length, s.windowMs);
        const start = done ? Date.parse((done[0] as ChainLink).evidence.time) : NaN;
        if (done && fire.e.time >= start && fire.e.time - start <= s.windowMs) {
          out.push(fireFor(fire, done, [this.evidence(fire.e, lastStep, fire.rule.id)]));
          continue;
        }
      }
      let added = false;
      for (const i of steps) {
        const app: AppContext | undefined = fire.e.app;
        if (
          sequenceAdd(
            val,
            i,
            fire.e.time,
            this.evidence(fire.e, i, fire.rule.id),
            app,
            retain,
            i === lastStep ? spacing : 0,
          )
        )
          added = true;
      }
      if (!added) continue;
      w.dirty = true;
      latest = Math.max(latest, fire.e.time);
      const chain = findChain(val, s.steps.length, s.windowMs);
      if (!chain) continue;
      const inChain = chain.some((l) => l.evidence.id === fire.e.id);
      const ev = inChain
        ? chain.map((l) => l.evidence)
        : [this.evidence(fire.e, Math.max(...steps), fire.rule.id)];
      out.push(fireFor(fire, chain, ev));
    }
    w.value = val;
    let maxT = latest;
    for (const x of val.s) if (x[1] > maxT) maxT = x[1];
    w.expiresAt = Math.max(w.expiresAt, maxT + s.windowMs + this.latenessMs);
    return out;
  }

  private applyFindings(
    w: Working,
    fires: Fire[],
  ): Array<{ finding: Finding; created: boolean } | undefined> {
    const rule = (fires[0] as Fire).rule;
    const stored = w.item ? (w.value as FindingValue) : undefined;
    let cur: FindingValue | undefined = stored ? { ...stored, f: this.hydrate(stored.f, rule) } : undefined;
    let created = false;
    let updatedExisting = false;
    // A key may close one suppression window and open the next within one batch: report both.
    const closed: Array<{ finding: Finding; created: boolean }> = [];
    for (const f of fires) {
      const r = f.rule;
      const t = f.e.time;
      const inWindow = cur && t < cur.end && t >= cur.start - r.dedupWindowMs;
      const severity = this.severityFor(r, f.ctx);
      if (!cur || !inWindow) {
        if (cur && (created || updatedExisting))
          closed.push({ finding: structuredCloneFinding(cur.f), created });
        updatedExisting = false;
        const { finding, dropped } = this.newFinding(f, severity);
        cur = { f: finding, start: t, end: t + r.dedupWindowMs, extra: dropped };
        created = true;
      } else {
        const fd = cur.f;
        const raised = severityRank(severity) > severityRank(fd.severity);
        if (raised) fd.severity = severity;
        // A match whose events the finding already holds (a redelivered batch, or a concurrent
        // invocation whose fire lands after another one folded the same events in) adds nothing.
        if (fd.evidence.some((ev) => evidenceKey(ev) === evidenceKey(f.own))) {
          if (raised) {
            w.dirty = true;
            if (!created) updatedExisting = true;
          }
          continue;
        }
        fd.count += f.increment;
        const iso = new Date(t).toISOString();
        if (iso < fd.firstSeen) fd.firstSeen = iso;
        if (iso > fd.lastSeen) {
          fd.lastSeen = iso;
          fd.why = this.why(r, f.ctx, f.principal);
          try {
            fd.title = r.title(f.ctx);
          } catch {
            /* keep the previous title */
          }
        }
        cur.extra += this.mergeEvidence(cur, [f.own]);
        if (!created) updatedExisting = true;
      }
      w.dirty = true;
    }
    if (!cur || (!created && !updatedExisting)) return closed;
    w.value = { ...cur, f: dehydrate(cur.f) };
    w.expiresAt = cur.end + this.latenessMs;
    return [...closed, { finding: structuredCloneFinding(cur.f), created }];
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
      // Keep the first half (how it started: for sequences, the chain) and the latest half.
      const head = Math.ceil(cap / 2);
      dropped = fd.evidence.length - cap;
      fd.evidence = [...fd.evidence.slice(0, head), ...fd.evidence.slice(fd.evidence.length - (cap - head))];
    }
    const total = cur.extra + dropped;
    if (total > 0) {
      fd.evidenceNote = `${total} more matching event${total === 1 ? '' : 's'} not listed: the first ${Math.ceil(cap / 2)} and the latest ${cap - Math.ceil(cap / 2)} are kept; the count says how many there were.`;
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
    switch (d.kind) {
      case 'match':
        return `${ctx.event.action} by ${ctx.event.actor.name ?? ctx.event.actor.id ?? 'unknown'} matched: ${d.description}`;
      case 'threshold':
        return `${ctx.observed} ${d.unit ?? 'events'} in ${win} for ${ctx.group ?? principal}, threshold ${r.count}`;
      case 'distinct': {
        const vals = ctx.values ?? [];
        const list =
          vals.slice(0, 10).join(', ') + (vals.length > 10 ? `, … (${vals.length - 10} more)` : '');
        return `${ctx.observed} distinct ${d.unit ?? 'values'} in ${win} for ${ctx.group ?? principal}, threshold ${r.count}: ${list}`;
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
        const span = first && last ? Date.parse(last.evidence.time) - Date.parse(first.evidence.time) : 0;
        return `${chain.length} steps in order for ${ctx.group ?? principal} within ${formatDuration(Math.max(span, 1000))} (window ${win}): ${parts.join(' -> ')}`;
      }
    }
  }

  private newFinding(f: Fire, severity: Severity): { finding: Finding; dropped: number } {
    const r = f.rule;
    const times = f.evidence.map((x) => x.time).sort();
    const first = times[0] ?? new Date(f.e.time).toISOString();
    const last = times[times.length - 1] ?? first;
    let title: string;
    try {
      title = r.title(f.ctx);
    } catch {
      title = r.id;
    }
    const id = `${r.id}-${createHash('sha256').update(`${r.id}\n${f.dedupKey}\n${f.e.time}`).digest('hex').slice(0, 16)}`;
    const finding: Finding = {
      schemaVersion: 1,
      id,
      ruleId: r.id,
      title,
      severity,
      attack: [...r.def.attack],
      tenant: f.e.tenant,
      principal: f.principal,
      firstSeen: first,
      lastSeen: last,
      count: f.initialCount,
      evidence: [],
      why: this.why(r, f.ctx, f.principal),
      runbook: [...r.def.runbook],
      dedupKey: f.dedupKey,
      description: r.def.description,
      falsePositives: [...r.def.falsePositives],
    };
    const holder: FindingValue = { f: finding, start: f.e.time, end: f.e.time, extra: 0 };
    const dropped = this.mergeEvidence(holder, f.evidence);
    return { finding, dropped };
  }
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
