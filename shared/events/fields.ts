/**
 * Small, allocation-light helpers the per-source normalizers share: typed field access on
 * unknown JSON, time parsing, parameter values. Everything here is pure.
 */
import type { NormalizeResult, Outcome, ParamValue, TriplineEvent } from './types';

/** A parsed JSON object. */
export type Obj = Record<string, unknown>;

/** Tenant used when neither the record nor the caller names one. */
export const UNKNOWN_TENANT = 'unknown';

/** True for a plain JSON object (not null, not an array). */
export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The object at `v`, or undefined. */
export function obj(v: unknown): Obj | undefined {
  return isObj(v) ? v : undefined;
}

/** A non-empty string (numbers become strings), or undefined. */
export function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v === '' ? undefined : v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

/** `o[a]`, falling back to `o[b]` (Panther lower-cases keys of some sources). */
export function get2(o: Obj, a: string, b: string): unknown {
  const v = o[a];
  return v === undefined ? o[b] : v;
}

/** The first non-empty string among the arguments. */
export function firstStr(...vs: unknown[]): string | undefined {
  for (const v of vs) {
    const s = str(v);
    if (s !== undefined) return s;
  }
  return undefined;
}

/** Lower-cased non-empty string, or undefined. */
export function lowerStr(v: unknown): string | undefined {
  const s = str(v);
  return s === undefined ? undefined : s.toLowerCase();
}

const GUID_RE = /[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}/;

/** The first GUID inside `s`, lower-cased. */
export function firstGuid(s: unknown): string | undefined {
  if (typeof s !== 'string') return undefined;
  const m = GUID_RE.exec(s);
  return m ? m[0].toLowerCase() : undefined;
}

/**
 * Graph writes string values of `modifiedProperties` JSON-encoded (`"\"value\""`). Returns the
 * inner string for such values and the value unchanged otherwise.
 */
export function stripJsonQuotes(s: string): string {
  const n = s.length;
  if (n >= 2 && s.charCodeAt(0) === 34 && s.charCodeAt(n - 1) === 34) {
    if (s.indexOf('\\') < 0) return s.slice(1, -1);
    try {
      const v: unknown = JSON.parse(s);
      if (typeof v === 'string') return v;
    } catch {
      // not valid JSON: fall through to the plain slice
    }
    return s.slice(1, -1);
  }
  return s;
}

/**
 * A parameter value as rules read it: scalars as they are, arrays of scalars as string[], anything
 * else (objects, mixed arrays) as compact JSON text. `undefined` for absent values.
 */
export function toParam(v: unknown): ParamValue | undefined {
  if (v === undefined) return undefined;
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (Array.isArray(v)) {
    let scalars = true;
    for (const x of v) {
      if (x !== null && typeof x === 'object') {
        scalars = false;
        break;
      }
    }
    if (scalars) return v.map((x) => (x === null || x === undefined ? '' : String(x)));
  }
  try {
    return JSON.stringify(v);
  } catch {
    return null;
  }
}

/** Sets `params[key]` unless it is already set (earlier sources win) or the value is absent. */
export function setParam(params: Record<string, ParamValue>, key: string, v: unknown): void {
  if (key === '' || params[key] !== undefined) return;
  const p = toParam(v);
  if (p !== undefined) params[key] = p;
}

/**
 * Copies `[{<nameKey>, <valueKey>}]` pairs into params (M365 `Parameters`, `ExtendedProperties`,
 * `ModifiedProperties` with `NewValue`; Graph `additionalDetails` with key/value).
 */
export function pairsToParams(
  params: Record<string, ParamValue>,
  list: unknown,
  nameKey: string,
  valueKey: string,
  prefix = '',
): void {
  if (!Array.isArray(list)) return;
  for (const item of list) {
    if (!isObj(item)) continue;
    const name = item[nameKey];
    if (typeof name !== 'string' || name === '') continue;
    setParam(params, prefix === '' ? name : prefix + name, item[valueKey]);
  }
}

// --- time -----------------------------------------------------------------------------------------

const ISO_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$/i;
const MS_DATE_RE = /^\/Date\((-?\d+)(?:[+-]\d{4})?\)\/$/;
const HAS_ZONE_RE = /(?:Z|UTC|GMT|[+-]\d{2}:?\d{2})$/i;
const NUMERIC_RE = /^\d+(?:\.\d+)?$/;

/**
 * Epoch milliseconds from a record's time field. ISO-8601 with or without a zone (no zone means
 * UTC: M365 `CreationTime` and Panther's `2024-12-16 16:32:16.087554000` are UTC), up to nine
 * fractional digits, PowerShell `/Date(ms)/`, and epoch numbers (seconds or milliseconds).
 * Local-time forms such as `6/1/2023 1:12:18 PM` are refused rather than guessed.
 */
export function parseTime(v: unknown): number | undefined {
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v <= 0) return undefined;
    return v < 1e11 ? Math.round(v * 1000) : Math.round(v);
  }
  if (typeof v !== 'string') return undefined;
  const s = v.trim();
  const m = ISO_RE.exec(s);
  if (m) {
    const mo = Number(m[2]);
    const d = Number(m[3]);
    const h = m[4] === undefined ? 0 : Number(m[4]);
    const mi = m[5] === undefined ? 0 : Number(m[5]);
    const sec = m[6] === undefined ? 0 : Number(m[6]);
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return undefined;
    const frac = m[7];
    const ms = frac === undefined ? 0 : Number((frac + '00').slice(0, 3));
    let t = Date.UTC(Number(m[1]), mo - 1, d, h, mi, sec, ms);
    const z = m[8];
    if (z !== undefined && z.length > 1 && (z[0] === '+' || z[0] === '-')) {
      const digits = z.slice(1).replace(':', '');
      const offMin = Number(digits.slice(0, 2)) * 60 + (digits.length >= 4 ? Number(digits.slice(2, 4)) : 0);
      t -= (z[0] === '+' ? 1 : -1) * offMin * 60000;
    }
    return Number.isFinite(t) ? t : undefined;
  }
  const ms = MS_DATE_RE.exec(s);
  if (ms) return Number(ms[1]);
  if (NUMERIC_RE.test(s)) return parseTime(Number(s));
  if (HAS_ZONE_RE.test(s)) {
    const t = Date.parse(s);
    return Number.isFinite(t) ? t : undefined;
  }
  return undefined;
}

/**
 * Reads a required time field: `{ time }` or a failure reason naming the field
 * ("no eventTime", "unreadable eventTime '6/1/2023'").
 */
export function requireTime(v: unknown, field: string): { time: number } | { reason: string } {
  if (v === undefined || v === null || v === '') return { reason: `no ${field}` };
  const t = parseTime(v);
  if (t === undefined) return { reason: `unreadable ${field} ${excerpt(v)}` };
  return { time: t };
}

/** A short printable rendering of a scalar for messages. */
export function excerpt(v: unknown, max = 60): string {
  const s = typeof v === 'string' ? v : typeof v === 'object' ? Object.prototype.toString.call(v) : String(v);
  return `'${s.length > max ? s.slice(0, max) + '…' : s}'`;
}

/** The `{ok:false}` result. */
export function fail(reason: string): NormalizeResult {
  return { ok: false, reason };
}

/** The `{ok:true}` result for one event. */
export function one(e: TriplineEvent): NormalizeResult {
  return { ok: true, events: [e] };
}

/** Outcome from words sources use for results (case-insensitive). */
export function outcomeOf(v: unknown): Outcome {
  if (typeof v === 'boolean') return v ? 'success' : 'failure';
  if (typeof v !== 'string' || v === '') return 'unknown';
  switch (v.toLowerCase()) {
    case 'success':
    case 'succeeded':
    case 'true':
    case 'partiallysucceeded':
    case 'ok':
      return 'success';
    case 'failed':
    case 'failure':
    case 'false':
    case 'timeout':
    case 'error':
      return 'failure';
    default:
      return 'unknown';
  }
}

/** The part of an ARN or path after the last '/' (or ':' when it has no '/'). */
export function arnTail(arn: string): string {
  const slash = arn.lastIndexOf('/');
  if (slash >= 0) return arn.slice(slash + 1);
  const colon = arn.lastIndexOf(':');
  return colon >= 0 ? arn.slice(colon + 1) : arn;
}

/**
 * A stable id for records that carry none (Panther test events, hand-made samples):
 * built from what the record says, never from the time it was read.
 */
export function syntheticId(
  source: string,
  time: number,
  action: string,
  actorId: string | undefined,
): string {
  return `${source}:${time}:${action}:${actorId ?? ''}`;
}
