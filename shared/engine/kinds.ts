/**
 * The stateful rule kinds as pure functions over the JSON values kept in the StateStore.
 *
 * Windows are exact, sliding and closed (events at a <= b share a window of length W when b - a <= W);
 * every answer is judged at the event's own time. The trusted clock (`now`, see the detector) only
 * decides what may be forgotten: state keeps what an admitted event (dated at or after
 * now - lateness) can still need, and nothing that could change an answer is dropped.
 * docs/architecture.md, "Semantics", states the rules these functions implement.
 */
import type { AppContext } from '../events/types';
import { DIGEST_CHARS, decodeTimes, encodeTimes, lowerBound, splitDigests, upperBound } from './codec';
import type { EvidenceItem } from './findings';
import type { ChainLink } from './rule';

/** Values kept per distinct group and terms per new_terms group (least recently seen dropped first). */
export const MAX_VALUES = 1000;
/** Events kept per threshold group (a burst far past any threshold; the oldest are dropped first). */
export const MAX_ENTRIES = 20_000;
/** Signals kept per sequence step (the earliest half and the latest half). */
export const MAX_SIGNALS_PER_STEP = 32;

/** What every kind needs to know about time. */
export interface KindClock {
  /** The trusted now after this batch: what is older than now - window - lateness is forgotten. */
  now: number;
  latenessMs: number;
}

// ---------------------------------------------------------------------------------------------
// threshold

/** Stored threshold state: exact event times, digests of the recent ones, counted intervals. */
export interface ThresholdState {
  /** Time of the first entry (absent when empty). */
  b?: number | undefined;
  /** Varint deltas of the other entries' times (codec.encodeTimes). */
  t?: string | undefined;
  /** 4-character digests of the newest entries (a suffix of the entries, in time order). */
  d?: string | undefined;
  /** Intervals [a0, b0, a1, b1, ...] covered by windows that reached the threshold: counted events. */
  q?: number[] | undefined;
  /** Evidence of the latest entries (rules that publish findings only). */
  ev?: EvidenceItem[] | undefined;
  /**
   * The current burst (counting rules): events counted since it began, and the times of its first
   * and latest counted event. A burst ends after a quiet gap longer than the suppression window, as
   * its finding does; the finding's count is this total, so a fire that lands late or twice cannot
   * count an event again.
   */
  c?: number | undefined;
  cf?: number | undefined;
  cl?: number | undefined;
  /**
   * Rules that only signal: the first event of the latest run of events (no gap longer than the
   * window between them), so a sequence can show when the activity began, not only when it crossed
   * the threshold.
   */
  rf?: EvidenceItem | undefined;
}

/** One qualifying event to add. */
export interface ThresholdHit {
  time: number;
  /** Digest of the record's identity (codec.digest). */
  dg: string;
  /** The event's evidence, built only when needed (most events of signal rules never need it). */
  ev: () => EvidenceItem;
}

export interface ThresholdParams {
  count: number;
  windowMs: number;
  /** Track which events are counted into findings (rules that publish findings). */
  counting: boolean;
  evidenceCap: number;
  /** The rule's suppression window: a quiet gap longer than this starts a new burst. */
  burstGapMs: number;
}

/** A hit that lies in a window holding at least `count` events. */
export interface ThresholdFire {
  /** Index into the hits given. */
  hit: number;
  /** The most events of any window containing the hit. */
  observed: number;
  /** Events counted for the first time, attributed to this fire (counting rules). */
  newly: number;
  /** The burst's total after this fire, and the time of its first counted event (counting rules). */
  total: number;
  burstStart: number;
  /** Times of the first and last of those (counting rules; the hit's time otherwise). */
  first: number;
  last: number;
  /** Evidence of those events that the state still holds. */
  evidence: EvidenceItem[];
  /** Signal-only rules: the first event of the run of activity the hit belongs to, when known. */
  lead?: EvidenceItem | undefined;
}

export interface ThresholdResult {
  state: ThresholdState;
  /** New events were recorded (the item must be written). */
  changed: boolean;
  fires: ThresholdFire[];
  /** Hits recognised as already recorded (same time and digest). */
  duplicates: number;
  /** Newest entry time (for expiry). */
  newest: number;
}

interface Entries {
  times: number[];
  digs: Array<string | undefined>;
  q: number[];
  ev: EvidenceItem[];
  burst?: { c: number; first: number; last: number } | undefined;
  rf?: EvidenceItem | undefined;
}

function loadThreshold(raw: unknown): Entries {
  const v = (raw ?? {}) as Record<string, unknown>;
  if (Array.isArray(v.b)) {
    // Written by an older Tripline: counts in buckets. Each count becomes events at the bucket's
    // start (no digests); good enough to carry open windows across an upgrade.
    const times: number[] = [];
    for (const pair of v.b as unknown[]) {
      if (!Array.isArray(pair)) continue;
      const [start, n] = pair as [unknown, unknown];
      if (typeof start !== 'number' || typeof n !== 'number') continue;
      for (let i = 0; i < Math.min(n, MAX_ENTRIES); i++) times.push(start);
    }
    times.sort((a, b) => a - b);
    return { times, digs: times.map(() => undefined), q: [], ev: [] };
  }
  const s = v as ThresholdState;
  const burst =
    typeof s.c === 'number' && typeof s.cf === 'number' && typeof s.cl === 'number'
      ? { c: s.c, first: s.cf, last: s.cl }
      : undefined;
  const rf = s.rf && typeof s.rf === 'object' ? s.rf : undefined;
  if (typeof s.b !== 'number')
    return { times: [], digs: [], q: [], ev: Array.isArray(s.ev) ? s.ev : [], burst, rf };
  const times = decodeTimes(s.b, s.t ?? '');
  const ds = splitDigests(typeof s.d === 'string' ? s.d : '');
  const digs: Array<string | undefined> = new Array(times.length).fill(undefined);
  const offset = times.length - ds.length;
  for (let i = 0; i < ds.length; i++) if (offset + i >= 0) digs[offset + i] = ds[i];
  return { times, digs, q: Array.isArray(s.q) ? s.q : [], ev: Array.isArray(s.ev) ? s.ev : [], burst, rf };
}

/** Merges sorted-by-start intervals [a, b] into a flat, disjoint, sorted list. */
function mergeIntervals(list: Array<[number, number]>): number[] {
  list.sort((x, y) => x[0] - y[0]);
  const out: number[] = [];
  for (const [a, b] of list) {
    const n = out.length;
    if (n && a <= (out[n - 1] as number)) {
      if (b > (out[n - 1] as number)) out[n - 1] = b;
    } else out.push(a, b);
  }
  return out;
}

function evTime(e: EvidenceItem): number {
  return Date.parse(e.time);
}

/**
 * Adds qualifying events to a threshold group and says which of them fire.
 *
 * An event fires when some window of `windowMs` containing it holds at least `count` events; a late
 * event completes the windows of the events around it. For counting rules, every event that lies in
 * such a window is counted once into findings (`newly`), whichever event completed its window.
 */
export function thresholdApply(
  raw: unknown,
  hits: readonly ThresholdHit[],
  p: ThresholdParams,
  clock: KindClock,
): ThresholdResult {
  const cur = loadThreshold(raw);
  const n0 = cur.times.length;
  // New entries, without repeats of what is recorded or of each other (same time and digest).
  const seen = new Set<string>();
  const fresh: Array<{ hit: number; time: number; dg: string }> = [];
  let duplicates = 0;
  hits.forEach((h, hit) => {
    const key = `${h.time}|${h.dg}`;
    if (seen.has(key)) {
      duplicates++;
      return;
    }
    for (let j = lowerBound(cur.times, h.time); j < n0 && cur.times[j] === h.time; j++) {
      const d = cur.digs[j];
      // An entry without a digest is older than any admissible duplicate could be; treat the same
      // time as the same record rather than risk counting it twice.
      if (d === undefined || d === h.dg) {
        duplicates++;
        return;
      }
    }
    seen.add(key);
    fresh.push({ hit, time: h.time, dg: h.dg });
  });
  if (!fresh.length) {
    return {
      state: raw as ThresholdState,
      changed: false,
      fires: [],
      duplicates,
      newest: n0 ? (cur.times[n0 - 1] as number) : 0,
    };
  }
  fresh.sort((a, b) => a.time - b.time);

  // Merge (both sorted): times, digests, and for each entry the hit it came from (-1: stored).
  const n = n0 + fresh.length;
  const times = new Array<number>(n);
  const digs = new Array<string | undefined>(n);
  const from = new Array<number>(n);
  for (let i = 0, j = 0, k = 0; k < n; k++) {
    const f = fresh[j];
    if (i < n0 && (f === undefined || (cur.times[i] as number) <= f.time)) {
      times[k] = cur.times[i] as number;
      digs[k] = cur.digs[i];
      from[k] = -1;
      i++;
    } else {
      const ff = f as (typeof fresh)[number];
      times[k] = ff.time;
      digs[k] = ff.dg;
      from[k] = ff.hit;
      j++;
    }
  }

  // One sweep: the events of the window starting at each entry (windows that start between entries
  // hold a subset of the next one's), and which entries lie in a window reaching the threshold.
  const W = p.windowMs;
  const end = new Int32Array(n);
  const diff = new Int32Array(n + 1);
  const spans: Array<[number, number]> = [];
  for (let i = 0, j = 0; i < n; i++) {
    if (j < i) j = i;
    while (j + 1 < n && (times[j + 1] as number) - (times[i] as number) <= W) j++;
    end[i] = j;
    if (j - i + 1 >= p.count) {
      diff[i] = (diff[i] as number) + 1;
      diff[j + 1] = (diff[j + 1] as number) - 1;
      spans.push([times[i] as number, times[j] as number]);
    }
  }
  const qualified = new Uint8Array(n);
  for (let k = 0, run = 0; k < n; k++) {
    run += diff[k] as number;
    qualified[k] = run > 0 ? 1 : 0;
  }

  // Fires: a new event fires when a window containing it holds `count` events among those recorded
  // before this batch and this batch's events up to it (in time order). So a late event that
  // completes a window fires, and in time order (a replay) an event fires when the window ending at it
  // reaches the threshold, whatever the batch boundaries. A Fenwick tree counts the events present.
  const bit = new Int32Array(n + 1);
  const bump = (i: number) => {
    for (let x = i + 1; x <= n; x += x & -x) bit[x] = (bit[x] as number) + 1;
  };
  const prefix = (i: number) => {
    let sum = 0;
    for (let x = i + 1; x > 0; x -= x & -x) sum += bit[x] as number;
    return sum;
  };
  const present = (lo: number, hi: number) => (hi < lo ? 0 : prefix(hi) - (lo > 0 ? prefix(lo - 1) : 0));
  for (let k = 0; k < n; k++) if (from[k] === -1) bump(k);
  const firePos: number[] = [];
  for (let k = 0; k < n; k++) {
    if (from[k] === -1) continue;
    bump(k);
    if (!qualified[k]) continue;
    const t = times[k] as number;
    let best = present(lowerBound(times, t - W), upperBound(times, t) - 1);
    // Windows reaching past t can only hold events recorded before this batch.
    for (let y = upperBound(times, t); best < p.count && y < n && (times[y] as number) - t <= W; y++) {
      if (from[y] !== -1) continue;
      const ty = times[y] as number;
      best = Math.max(best, present(lowerBound(times, ty - W), upperBound(times, ty) - 1));
    }
    if (best >= p.count) firePos.push(k);
  }
  // The most events of any window containing each fire (all events now known): windows start at
  // entries within [t - W, t], a sliding maximum as t only grows.
  const fires: ThresholdFire[] = [];
  const dq: number[] = [];
  let head = 0;
  let nextStart = 0;
  for (const k of firePos) {
    const t = times[k] as number;
    const lastStart = upperBound(times, t) - 1;
    while (nextStart <= lastStart) {
      const c = (end[nextStart] as number) - nextStart;
      while (
        dq.length > head &&
        (end[dq[dq.length - 1] as number] as number) - (dq[dq.length - 1] as number) <= c
      )
        dq.pop();
      dq.push(nextStart++);
    }
    const firstStart = lowerBound(times, t - W);
    while (dq.length > head && (dq[head] as number) < firstStart) head++;
    const best = dq.length > head ? (end[dq[head] as number] as number) - (dq[head] as number) + 1 : 1;
    fires.push({
      hit: from[k] as number,
      observed: best,
      newly: 0,
      total: 0,
      burstStart: t,
      first: t,
      last: t,
      evidence: [],
    });
  }

  // Signal-only rules: where each fire's run of activity began (runs break at gaps over the window).
  let rf: EvidenceItem | undefined;
  if (!p.counting) {
    const runStart = new Int32Array(n);
    for (let k = 1; k < n; k++)
      runStart[k] = (times[k] as number) - (times[k - 1] as number) > W ? k : (runStart[k - 1] as number);
    const evAt = (k: number): EvidenceItem | undefined => {
      if (from[k] !== -1) return (hits[from[k] as number] as ThresholdHit).ev();
      return cur.rf && evTime(cur.rf) === times[k] ? cur.rf : undefined;
    };
    fires.forEach((f, i) => {
      f.lead = evAt(runStart[firePos[i] as number] as number);
    });
    rf = evAt(runStart[n - 1] as number) ?? cur.rf;
  }

  // Counting: entries counted for the first time (new ones in a qualifying window, and stored ones
  // that a new event pulled into one), each attributed to the first fire at or after it.
  const stored = cur.q;
  const merged = mergeIntervals([
    ...spans,
    ...Array.from(
      { length: stored.length >> 1 },
      (_, i) => [stored[2 * i], stored[2 * i + 1]] as [number, number],
    ),
  ]);
  const evById = new Map<string, EvidenceItem>();
  if (p.counting) {
    for (const e of cur.ev) evById.set(e.id, e);
    fresh.forEach((f) => {
      const e = (hits[f.hit] as ThresholdHit).ev();
      evById.set(e.id, e);
    });
    let qi = 0;
    let fi = 0;
    const newlyPos: number[] = [];
    const owner: number[] = [];
    for (let k = 0; k < n && fires.length; k++) {
      if (!qualified[k]) continue;
      const t = times[k] as number;
      if (from[k] === -1) {
        while (qi < stored.length && (stored[qi + 1] as number) < t) qi += 2;
        if (qi < stored.length && (stored[qi] as number) <= t) continue; // counted before
      }
      while (fi < firePos.length - 1 && (firePos[fi] as number) < k) fi++;
      const f = fires[fi] as ThresholdFire;
      if (f.newly === 0 || t < f.first) f.first = t;
      if (f.newly === 0 || t > f.last) f.last = t;
      f.newly++;
      newlyPos.push(k);
      owner.push(fi);
    }
    // The burst totals, fire by fire in time order.
    let burst = cur.burst;
    let pos = 0;
    fires.forEach((f, i) => {
      for (; pos < newlyPos.length && owner[pos] === i; pos++) {
        const t = times[newlyPos[pos] as number] as number;
        if (!burst || t > burst.last + p.burstGapMs || t < burst.first - p.burstGapMs)
          burst = { c: 0, first: t, last: t };
        burst.c++;
        if (t < burst.first) burst.first = t;
        if (t > burst.last) burst.last = t;
      }
      f.total = burst ? burst.c : 0;
      f.burstStart = burst ? burst.first : f.first;
    });
    cur.burst = burst;
    for (const f of fires) {
      const out: EvidenceItem[] = [];
      for (const e of evById.values()) {
        const et = evTime(e);
        if (et >= f.first && et <= f.last) out.push(e);
      }
      out.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
      f.evidence = out;
    }
  }

  // What to keep: every entry newer than now - lateness, and of the older ones within the window,
  // the uncounted ones and the newest `count` (see the module comment: nothing else can decide an
  // answer for an admissible event).
  const keepFrom = clock.now - W - clock.latenessMs;
  const recentFrom = clock.now - clock.latenessMs;
  const keep = new Uint8Array(n);
  let kept = 0;
  let oldKept = 0;
  let qj = merged.length - 2;
  for (let k = n - 1; k >= 0 && kept < MAX_ENTRIES; k--) {
    const t = times[k] as number;
    if (t < keepFrom) break;
    let ok = t >= recentFrom;
    if (!ok) {
      if (oldKept < p.count) ok = true;
      else if (p.counting) {
        while (qj >= 0 && (merged[qj] as number) > t) qj -= 2;
        const counted = qj >= 0 && (merged[qj + 1] as number) >= t;
        ok = !counted;
      }
      if (ok) oldKept++;
    }
    if (ok) {
      keep[k] = 1;
      kept++;
    }
  }
  const keptTimes: number[] = [];
  const keptDigs: Array<string | undefined> = [];
  for (let k = 0; k < n; k++) {
    if (!keep[k]) continue;
    keptTimes.push(times[k] as number);
    keptDigs.push(digs[k]);
  }
  // Digests for the newest entries only: an older duplicate is too late to be admitted anyway.
  let suffix = 0;
  for (let k = keptTimes.length - 1; k >= 0; k--) {
    if ((keptTimes[k] as number) < recentFrom || keptDigs[k] === undefined) break;
    suffix++;
  }
  const enc = encodeTimes(keptTimes);
  const state: ThresholdState = {};
  if (keptTimes.length) {
    state.b = enc.b;
    if (enc.t) state.t = enc.t;
    if (suffix) state.d = keptDigs.slice(keptTimes.length - suffix).join('');
  }
  if (rf && evTime(rf) >= keepFrom) state.rf = rf;
  if (p.counting) {
    const q: number[] = [];
    for (let i = 0; i < merged.length; i += 2) {
      if ((merged[i + 1] as number) >= keepFrom) q.push(merged[i] as number, merged[i + 1] as number);
    }
    if (q.length) state.q = q;
    const tail = [...evById.values()]
      .filter((e) => evTime(e) >= keepFrom)
      .sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
    if (tail.length) state.ev = tail.slice(-p.evidenceCap);
    if (cur.burst) {
      state.c = cur.burst.c;
      state.cf = cur.burst.first;
      state.cl = cur.burst.last;
    }
  }
  return { state, changed: true, fires, duplicates, newest: times[n - 1] as number };
}

/** Decodes a threshold state's event times (tests and tools). */
export function thresholdTimes(raw: unknown): number[] {
  return loadThreshold(raw).times;
}

/** Number of digests a threshold state holds (tests and tools). */
export function thresholdDigestCount(raw: unknown): number {
  const d = (raw as ThresholdState | undefined)?.d;
  return typeof d === 'string' ? d.length / DIGEST_CHARS : 0;
}

// ---------------------------------------------------------------------------------------------
// distinct

/** Stored distinct state: per value, the event times that can decide a window. */
export interface DistinctState {
  /** [value, first time, varint deltas of the other times]. */
  v: Array<[string, number, string]>;
  ev?: EvidenceItem[] | undefined;
}

export interface DistinctHit {
  value: string;
  time: number;
  ev: () => EvidenceItem;
}

export interface DistinctFire {
  hit: number;
  /** The most distinct values of any window containing the hit. */
  observed: number;
  /** Every value of every window containing the hit that reaches the threshold. */
  values: string[];
  /** First and last event time of those windows. */
  first: number;
  last: number;
  evidence: EvidenceItem[];
}

export interface DistinctResult {
  state: DistinctState;
  changed: boolean;
  fires: DistinctFire[];
  newest: number;
}

function loadDistinct(raw: unknown): { values: Map<string, number[]>; ev: EvidenceItem[] } {
  const values = new Map<string, number[]>();
  const v = (raw ?? {}) as { v?: unknown; ev?: unknown };
  const ev = Array.isArray(v.ev) ? (v.ev as EvidenceItem[]) : [];
  if (Array.isArray(v.v)) {
    for (const row of v.v as unknown[]) {
      if (!Array.isArray(row) || typeof row[0] !== 'string' || typeof row[1] !== 'number') continue;
      values.set(row[0], decodeTimes(row[1], typeof row[2] === 'string' ? row[2] : ''));
    }
  } else if (v.v && typeof v.v === 'object') {
    // An older Tripline kept [first, last] per value.
    for (const [key, pair] of Object.entries(v.v as Record<string, unknown>)) {
      if (!Array.isArray(pair) || typeof pair[0] !== 'number' || typeof pair[1] !== 'number') continue;
      values.set(key, pair[0] === pair[1] ? [pair[0]] : [pair[0], pair[1]]);
    }
  }
  return { values, ev };
}

/**
 * Drops the times that cannot decide whether the value is in a window: a time between two kept ones
 * that are at most `windowMs` apart (a window holding it but neither neighbour would be longer than
 * the window).
 */
export function compressPresence(times: number[], windowMs: number): number[] {
  if (times.length <= 2) return times;
  const out = [times[0] as number];
  for (let i = 1; i < times.length - 1; i++) {
    const last = out[out.length - 1] as number;
    if ((times[i + 1] as number) - last <= windowMs) continue;
    out.push(times[i] as number);
  }
  out.push(times[times.length - 1] as number);
  return out;
}

/**
 * Adds (value, time) pairs to a distinct group and says which of them fire: a hit fires when some
 * window containing it holds at least `count` distinct values, a value being in a window when one of
 * its events is.
 */
export function distinctApply(
  raw: unknown,
  hits: readonly DistinctHit[],
  p: { count: number; windowMs: number; counting: boolean; evidenceCap: number },
  clock: KindClock,
): DistinctResult {
  const { values, ev } = loadDistinct(raw);
  const W = p.windowMs;
  const evById = new Map<string, EvidenceItem>();
  for (const e of ev) evById.set(e.id, e);
  let changed = false;
  const fires: DistinctFire[] = [];
  let newest = 0;
  for (const list of values.values()) newest = Math.max(newest, list[list.length - 1] ?? 0);
  hits.forEach((h, hit) => {
    const list = values.get(h.value) ?? [];
    const at = lowerBound(list, h.time);
    if (list[at] === h.time) return; // the same event again: presence is a set
    list.splice(at, 0, h.time);
    const compact = compressPresence(list, W);
    const before = values.get(h.value);
    if (!before || compact.length !== before.length || compact.some((x, i) => x !== before[i]))
      changed = true;
    values.set(h.value, compact);
    if (p.counting) {
      const e = h.ev();
      evById.set(e.id, e);
    }
    newest = Math.max(newest, h.time);
    // Every value's times near the hit; windows start at a point within [t - W, t].
    const pts: Array<[number, string]> = [];
    for (const [val, ts] of values) {
      for (let i = lowerBound(ts, h.time - W); i < ts.length && (ts[i] as number) <= h.time + W; i++)
        pts.push([ts[i] as number, val]);
    }
    pts.sort((a, b) => a[0] - b[0]);
    const counts = new Map<string, number>();
    let distinct = 0;
    let best = 0;
    const mark = new Int32Array(pts.length + 1);
    let any = false;
    for (let lo = 0, hi = -1; lo < pts.length; lo++) {
      const start = (pts[lo] as [number, string])[0];
      if (start > h.time) break;
      while (hi + 1 < pts.length && (pts[hi + 1] as [number, string])[0] - start <= W) {
        hi++;
        const v = (pts[hi] as [number, string])[1];
        const c = counts.get(v) ?? 0;
        if (c === 0) distinct++;
        counts.set(v, c + 1);
      }
      if (start >= h.time - W && (pts[hi] as [number, string])[0] >= h.time) {
        if (distinct > best) best = distinct;
        if (distinct >= p.count) {
          mark[lo] = (mark[lo] as number) + 1;
          mark[hi + 1] = (mark[hi + 1] as number) - 1;
          any = true;
        }
      }
      const v = (pts[lo] as [number, string])[1];
      const c = (counts.get(v) ?? 0) - 1;
      counts.set(v, c);
      if (c === 0) distinct--;
    }
    if (!any) return;
    const inWindows = new Set<string>();
    let first = Infinity;
    let last = -Infinity;
    for (let i = 0, run = 0; i < pts.length; i++) {
      run += mark[i] as number;
      if (run <= 0) continue;
      const [t, v] = pts[i] as [number, string];
      inWindows.add(v);
      if (t < first) first = t;
      if (t > last) last = t;
    }
    const evidence: EvidenceItem[] = [];
    if (p.counting) {
      for (const e of evById.values()) {
        const et = evTime(e);
        if (et >= first && et <= last) evidence.push(e);
      }
      evidence.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
    }
    fires.push({ hit, observed: best, values: [...inWindows].sort(), first, last, evidence });
  });
  if (!changed) return { state: raw as DistinctState, changed: false, fires, newest };
  // Forget what no admissible event can reach, then the least recently seen values past the cap.
  const keepFrom = clock.now - W - clock.latenessMs;
  const rows: Array<[string, number[]]> = [];
  for (const [val, ts] of values) {
    const from = lowerBound(ts, keepFrom);
    if (from < ts.length) rows.push([val, from ? ts.slice(from) : ts]);
  }
  rows.sort((a, b) => (a[1][a[1].length - 1] as number) - (b[1][b[1].length - 1] as number));
  const capped = rows.length > MAX_VALUES ? rows.slice(rows.length - MAX_VALUES) : rows;
  const state: DistinctState = {
    v: capped.map(([val, ts]) => {
      const e = encodeTimes(ts);
      return [val, e.b, e.t];
    }),
  };
  if (p.counting) {
    const tail = [...evById.values()]
      .filter((e) => evTime(e) >= keepFrom)
      .sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
    if (tail.length) state.ev = tail.slice(-p.evidenceCap);
  }
  return { state, changed: true, fires, newest };
}

// ---------------------------------------------------------------------------------------------
// new_terms

/** new_terms: when the group was first seen, and each term's first and last use. */
export interface NewTermsState {
  /** First time the group was seen (the learning period runs from here). */
  since: number;
  /** Last recorded activity of the group; refreshed once per history period, keeps the baseline alive. */
  seen?: number | undefined;
  /** Terms that are not allow-listed: [term, first, last] (a list, so no term can collide with an object key). */
  t: Array<[string, number, number]>;
}

export interface NewTermResult {
  /** The term was not used within the history before this event. */
  isNew: boolean;
  /** The group's baseline is old enough for a new term to count. */
  learned: boolean;
  /** Terms used within the history, for the explanation. */
  known: string[];
  /** The item changed enough to be worth a write. */
  dirty: boolean;
}

/** A new_terms group held in memory: terms in a Map, whatever their spelling (`__proto__` included). */
export class NewTermsGroup {
  since: number;
  seen: number | undefined;
  readonly terms: Map<string, [number, number]>;

  constructor(raw: unknown) {
    const v = (raw ?? {}) as { since?: unknown; seen?: unknown; t?: unknown };
    this.since = typeof v.since === 'number' ? v.since : 0;
    this.seen = typeof v.seen === 'number' ? v.seen : undefined;
    this.terms = new Map();
    if (Array.isArray(v.t)) {
      for (const row of v.t as unknown[]) {
        if (Array.isArray(row) && typeof row[0] === 'string' && typeof row[1] === 'number')
          this.terms.set(row[0], [row[1], typeof row[2] === 'number' ? row[2] : row[1]]);
      }
    } else if (v.t && typeof v.t === 'object') {
      // An older Tripline kept an object keyed by term.
      for (const [k, pair] of Object.entries(v.t as Record<string, unknown>)) {
        if (Array.isArray(pair) && typeof pair[0] === 'number' && typeof pair[1] === 'number')
          this.terms.set(k, [pair[0], pair[1]]);
      }
    }
  }

  toJSON(): NewTermsState {
    const out: NewTermsState = { since: this.since, t: [] };
    if (this.seen !== undefined) out.seen = this.seen;
    for (const [k, [a, b]] of this.terms) out.t.push([k, a, b]);
    return out;
  }

  /**
   * Checks and records a term used at `t`. Last-use times are written at most once per `granularityMs`,
   * so a stored last use can be up to that much older than the real one; a term therefore counts as
   * known until `historyMs + granularityMs` after its stored last use, and is never called new within
   * `historyMs` of its real last use.
   */
  add(
    term: string,
    t: number,
    historyMs: number,
    learningMs: number,
    granularityMs: number,
    allowed: boolean,
  ): NewTermResult {
    let dirty = false;
    if (!(this.since > 0) || t < this.since) {
      this.since = t;
      dirty = true;
    }
    // Activity keeps the baseline alive; recorded once per history period so a mailbox that only
    // uses allow-listed clients costs one write per period, not one per read.
    if (this.seen === undefined || t - this.seen >= historyMs) {
      this.seen = Math.max(this.seen ?? 0, t);
      dirty = true;
    }
    const learned = t - this.since >= learningMs;
    if (allowed) return { isNew: false, learned, known: [], dirty };
    const horizon = t - historyMs - granularityMs;
    const cur = this.terms.get(term);
    const isNew = !cur || cur[1] <= horizon;
    const known: string[] = [];
    if (isNew) {
      for (const [k, [, last]] of this.terms) if (k !== term && last > horizon && last <= t) known.push(k);
    }
    if (!cur) {
      this.terms.set(term, [t, t]);
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
      for (const [k, [, last]] of this.terms) if (last < t - historyMs * 2) this.terms.delete(k);
      if (this.terms.size > MAX_VALUES) {
        const sorted = [...this.terms].sort((a, b) => a[1][1] - b[1][1]);
        for (const [k] of sorted.slice(0, sorted.length - MAX_VALUES)) this.terms.delete(k);
      }
    }
    return { isNew, learned, known: known.sort(), dirty };
  }

  /** Latest last-use time of any term. */
  newestUse(): number {
    let max = 0;
    for (const [, last] of this.terms.values()) if (last > max) max = last;
    return max;
  }
}

// ---------------------------------------------------------------------------------------------
// sequence

/** A step signal: [step, timeMs, evidence, app]. */
export type Signal = [number, number, EvidenceItem, AppContext | null];

/** sequence: the step signals of one key. */
export interface SequenceValue {
  s: Signal[];
}

/**
 * Records a step signal. Returns false when it adds nothing: the same (step, event) is recorded, or
 * (last step only) a recorded last-step signal at most `spacingMs` earlier can serve every chain this
 * one could, because no signal of an earlier step lies between them.
 */
export function sequenceAdd(
  v: SequenceValue,
  step: number,
  t: number,
  ev: EvidenceItem,
  app: AppContext | undefined,
  lastStep: number,
  spacingMs: number,
): boolean {
  let latestOfStep = -Infinity;
  for (const s of v.s) {
    if (s[0] !== step) continue;
    if (s[2].id === ev.id) return false;
    if (s[1] <= t && s[1] > latestOfStep) latestOfStep = s[1];
  }
  if (step === lastStep && t - latestOfStep < spacingMs) {
    const between = v.s.some((s) => s[0] < lastStep && s[1] > latestOfStep && s[1] <= t);
    if (!between) return false;
  }
  v.s.push([step, t, ev, app ?? null]);
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

/** Forgets signals no admissible event can chain with (older than now - window - lateness). */
export function sequenceTrim(v: SequenceValue, windowMs: number, clock: KindClock): void {
  const from = clock.now - windowMs - clock.latenessMs;
  if (v.s.some((s) => s[1] < from)) v.s = v.s.filter((s) => s[1] >= from);
}

function link(s: Signal): ChainLink {
  return { step: s[0], rule: s[2].stepRule ?? '', evidence: s[2], app: s[3] ?? undefined };
}

/**
 * The chains a signal takes part in, one per first-step signal: steps 0..n-1 in time order (one
 * event may satisfy consecutive steps), first to last within `windowMs`, each step the earliest
 * recorded one at or after the previous step.
 *
 * `last`, when given, is a last-step signal that is not recorded (a chain already complete keeps
 * going): chains whose earlier steps are done by its time end with it. Otherwise the chains returned
 * are those containing the event `eventId`.
 */
export function chainsFor(
  v: SequenceValue,
  steps: number,
  windowMs: number,
  eventId: string,
  last?: Signal,
): ChainLink[][] {
  const out: ChainLink[][] = [];
  const starts = v.s.filter((s) => s[0] === 0);
  const lastIndex = steps - 1;
  for (const s0 of starts) {
    const deadline = s0[1] + windowMs;
    const links: Signal[] = [s0];
    let cur = s0[1];
    let ok = true;
    for (let step = 1; step < lastIndex; step++) {
      const next = v.s.find((s) => s[0] === step && s[1] >= cur && s[1] <= deadline);
      if (!next) {
        ok = false;
        break;
      }
      links.push(next);
      cur = next[1];
    }
    if (!ok) continue;
    if (last) {
      if (last[1] < cur || last[1] > deadline) continue;
      links.push(last);
    } else {
      const end =
        lastIndex === 0 ? s0 : v.s.find((s) => s[0] === lastIndex && s[1] >= cur && s[1] <= deadline);
      if (!end) continue;
      if (lastIndex > 0) links.push(end);
      if (!links.some((l) => l[2].id === eventId)) continue;
    }
    out.push(links.map(link));
  }
  return out;
}
