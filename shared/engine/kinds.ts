/**
 * The stateful rule kinds as pure functions over the JSON values kept in the StateStore.
 * Each takes the item value (mutated in place; the detector reloads on conflict) and returns what
 * happened. Times are event times (epoch ms), never the wall clock.
 */
import type { AppContext } from '../events/types';
import type { EvidenceItem } from './findings';
import type { ChainLink } from './rule';

/** threshold: counts in time buckets, plus the latest evidence while building up. */
export interface ThresholdValue {
  /** [bucketStartMs, count], sorted by bucket. */
  b: Array<[number, number]>;
  ev: EvidenceItem[];
}

/** distinct: value -> [firstMs, lastMs]. */
export interface DistinctValue {
  v: Record<string, [number, number]>;
  ev: EvidenceItem[];
}

/** new_terms: when the group was first seen, and each term's first/last time. */
export interface NewTermsValue {
  /** First time the group was seen (the learning period runs from here). */
  since: number;
  /** Last recorded activity of the group; refreshed once per history period, keeps the baseline alive. */
  seen?: number | undefined;
  /** Terms that are not allow-listed: [first, last] seen. */
  t: Record<string, [number, number]>;
}

/** sequence: step signals [step, timeMs, evidence, app?]. */
export interface SequenceValue {
  s: Array<[number, number, EvidenceItem, AppContext | null]>;
}

/** Buckets per window: the window's resolution is window / BUCKETS. */
export const BUCKETS = 20;
/** Values kept per distinct group and terms per new_terms group (oldest evicted first). */
export const MAX_VALUES = 1000;
/** Signals kept per sequence step (earliest half and latest half). */
export const MAX_SIGNALS_PER_STEP = 8;

export function bucketSize(windowMs: number): number {
  return Math.max(1000, Math.floor(windowMs / BUCKETS));
}

function pushEvidence(list: EvidenceItem[], ev: EvidenceItem, cap: number): boolean {
  for (const x of list) if (x.id === ev.id) return false;
  list.push(ev);
  if (list.length > cap) list.splice(0, list.length - cap);
  return true;
}

/**
 * Adds one event to a threshold item and returns the largest count of any window of `windowMs`
 * that contains the event (so a late event still completes an earlier window).
 * Returns -1 when the event was already counted (same id among the kept evidence).
 */
export function thresholdAdd(
  v: ThresholdValue,
  t: number,
  windowMs: number,
  retainMs: number,
  ev: EvidenceItem,
  evidenceCap: number,
): number {
  if (!pushEvidence(v.ev, ev, evidenceCap)) return -1;
  const size = bucketSize(windowMs);
  const k = Math.floor(t / size) * size;
  // Drop buckets that no window with the newest entry can reach (window + lateness behind it).
  const newest = Math.max(t, v.b.length ? (v.b[v.b.length - 1] as [number, number])[0] : t);
  const horizon = newest - retainMs;
  let drop = 0;
  while (drop < v.b.length && (v.b[drop] as [number, number])[0] + size <= horizon) drop++;
  if (drop) v.b.splice(0, drop);
  let i = v.b.length - 1;
  while (i >= 0 && (v.b[i] as [number, number])[0] > k) i--;
  if (i >= 0 && (v.b[i] as [number, number])[0] === k) (v.b[i] as [number, number])[1]++;
  else v.b.splice(i + 1, 0, [k, 1]);
  return thresholdMax(v, t, windowMs);
}

/** Largest count in a window of `windowMs` (bucket-aligned) containing time t. */
export function thresholdMax(v: ThresholdValue, t: number, windowMs: number): number {
  const size = bucketSize(windowMs);
  const k = Math.floor(t / size) * size;
  const span = Math.max(1, Math.round(windowMs / size)) * size;
  let best = 0;
  for (let start = k - span + size; start <= k; start += size) {
    const end = start + span;
    let sum = 0;
    for (const [b, c] of v.b) if (b >= start && b < end) sum += c;
    if (sum > best) best = sum;
  }
  return best;
}

/**
 * Adds a value to a distinct item and returns the values inside the densest window of `windowMs`
 * that contains t.
 */
export function distinctAdd(
  v: DistinctValue,
  value: string,
  t: number,
  windowMs: number,
  retainMs: number,
  ev: EvidenceItem,
  evidenceCap: number,
): string[] {
  pushEvidence(v.ev, ev, evidenceCap);
  const cur = v.v[value];
  if (cur) {
    if (t < cur[0]) cur[0] = t;
    if (t > cur[1]) cur[1] = t;
  } else v.v[value] = [t, t];
  const keys = Object.keys(v.v);
  let newest = t;
  for (const key of keys)
    if ((v.v[key] as [number, number])[1] > newest) newest = (v.v[key] as [number, number])[1];
  const horizon = newest - retainMs;
  for (const key of keys) if ((v.v[key] as [number, number])[1] < horizon) delete v.v[key];
  if (keys.length > MAX_VALUES) {
    const sorted = Object.entries(v.v).sort((a, b) => a[1][1] - b[1][1]);
    for (const [key] of sorted.slice(0, sorted.length - MAX_VALUES)) delete v.v[key];
  }
  // Each value's time nearest to t stands for it; slide a window of windowMs over those times.
  const pts: Array<[number, string]> = [];
  for (const [key, [first, last]] of Object.entries(v.v)) {
    const near = t < first ? first : t > last ? last : t;
    if (Math.abs(near - t) <= windowMs) pts.push([near, key]);
  }
  pts.sort((a, b) => a[0] - b[0]);
  let best: string[] = [];
  let lo = 0;
  for (let hi = 0; hi < pts.length; hi++) {
    while ((pts[hi] as [number, string])[0] - (pts[lo] as [number, string])[0] > windowMs) lo++;
    const a = (pts[lo] as [number, string])[0];
    const b = (pts[hi] as [number, string])[0];
    if (a <= t && t <= b + windowMs && b >= t - windowMs && hi - lo + 1 > best.length) {
      best = pts.slice(lo, hi + 1).map((p) => p[1]);
    }
  }
  return best.length ? best : [value];
}

export interface NewTermResult {
  /** The term was not seen within the history before this event. */
  isNew: boolean;
  /** The group's baseline is old enough for a new term to count. */
  learned: boolean;
  /** Terms seen within the history, for the explanation. */
  known: string[];
  /** The item changed enough to be worth a write. */
  dirty: boolean;
}

/**
 * Checks and records a term. Last-seen times move in steps of `granularityMs` so a steady stream
 * of known terms costs no writes.
 */
export function newTermsAdd(
  v: NewTermsValue,
  term: string,
  t: number,
  historyMs: number,
  learningMs: number,
  granularityMs: number,
  allowed = false,
): NewTermResult {
  let dirty = false;
  if (!(v.since > 0) || t < v.since) {
    v.since = t;
    dirty = true;
  }
  // Activity keeps the baseline alive; recorded once per history period so a mailbox that only
  // uses allow-listed clients costs one write per period, not one per read.
  if (v.seen === undefined || t - v.seen >= historyMs) {
    v.seen = Math.max(v.seen ?? 0, t);
    dirty = true;
  }
  const learned = t - v.since >= learningMs;
  if (allowed) return { isNew: false, learned, known: [], dirty };
  const cur = v.t[term];
  const isNew = !cur || cur[1] < t - historyMs;
  const known: string[] = [];
  if (isNew) {
    for (const [k, [, last]] of Object.entries(v.t)) if (k !== term && last >= t - historyMs) known.push(k);
  }
  if (!cur) {
    v.t[term] = [t, t];
    dirty = true;
  } else {
    if (t < cur[0]) {
      cur[0] = t;
      dirty = true;
    }
    if (t - cur[1] >= granularityMs) {
      cur[1] = t;
      dirty = true;
    }
  }
  if (dirty) {
    const entries = Object.entries(v.t);
    for (const [k, [, last]] of entries) if (last < t - historyMs * 2) delete v.t[k];
    if (entries.length > MAX_VALUES) {
      const sorted = Object.entries(v.t).sort((a, b) => a[1][1] - b[1][1]);
      for (const [k] of sorted.slice(0, sorted.length - MAX_VALUES)) delete v.t[k];
    }
  }
  return { isNew, learned, known: known.sort(), dirty };
}

/** Records a step signal; returns false when this (step, event) was already recorded. */
export function sequenceAdd(
  v: SequenceValue,
  step: number,
  t: number,
  ev: EvidenceItem,
  app: AppContext | undefined,
  retainMs: number,
  spacingMs = 0,
): boolean {
  let latestOfStep = -Infinity;
  for (const s of v.s) {
    if (s[0] !== step) continue;
    if (s[2].id === ev.id) return false;
    if (s[1] > latestOfStep) latestOfStep = s[1];
  }
  // Moving forward within `spacingMs` of this step's latest signal adds nothing a chain needs.
  if (t >= latestOfStep && t - latestOfStep < spacingMs) return false;
  v.s.push([step, t, ev, app ?? null]);
  let newest = t;
  for (const s of v.s) if (s[1] > newest) newest = s[1];
  const horizon = newest - retainMs;
  v.s = v.s.filter((s) => s[1] >= horizon);
  v.s.sort((a, b) => a[1] - b[1] || a[0] - b[0]);
  // Keep the earliest and the latest signals of each step.
  const byStep = new Map<number, number>();
  for (const s of v.s) byStep.set(s[0], (byStep.get(s[0]) ?? 0) + 1);
  for (const [st, n] of byStep) {
    if (n <= MAX_SIGNALS_PER_STEP) continue;
    const of = v.s.filter((s) => s[0] === st);
    const keep = new Set([...of.slice(0, MAX_SIGNALS_PER_STEP / 2), ...of.slice(-MAX_SIGNALS_PER_STEP / 2)]);
    v.s = v.s.filter((s) => s[0] !== st || keep.has(s));
  }
  return true;
}

/**
 * Finds steps 0..n-1 in time order (one event may satisfy consecutive steps) spanning at most
 * `windowMs`. Tries later starts first, so the tightest chain wins.
 */
export function findChain(v: SequenceValue, steps: number, windowMs: number): ChainLink[] | undefined {
  const starts = v.s.filter((s) => s[0] === 0);
  for (let si = starts.length - 1; si >= 0; si--) {
    const s0 = starts[si] as SequenceValue['s'][number];
    const links = [s0];
    let cur = s0[1];
    for (let step = 1; step < steps; step++) {
      const next = v.s.find((s) => s[0] === step && s[1] >= cur);
      if (!next) break;
      links.push(next);
      cur = next[1];
    }
    if (links.length === steps && cur - s0[1] <= windowMs) {
      return links.map((s) => ({
        step: s[0],
        rule: s[2].stepRule ?? '',
        evidence: s[2],
        app: s[3] ?? undefined,
      }));
    }
  }
  return undefined;
}
