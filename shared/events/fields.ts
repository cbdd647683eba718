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

/**
 * An empty params map without a prototype: parameter names come from the record, and `constructor`,
 * `__proto__` or `toString` must be stored and read like any other name.
 */
export function emptyParams(): Record<string, ParamValue> {
  return Object.create(null) as Record<string, ParamValue>;
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

/**
 * The earliest time a record may carry, exclusive: the epoch itself (1970-01-01T00:00:00Z, what many
 * exporters write for "no time") and anything before it are refused. No audit source Tripline reads
 * existed before 2006, so a pre-1970 time is always a placeholder (.NET's `0001-01-01T00:00:00`) or a
 * broken value, never an event; refusing it also keeps years 0001-0099 from being read as 1901-1999.
 */
export const EARLIEST_RECORD_TIME = 0;

/**
 * The latest time a record may carry, exclusive: 2100-01-01T00:00:00Z. Nothing an audit log records
 * happens decades ahead; a later time is a unit mix-up or a placeholder (.NET's `9999-12-31`). Times
 * a little ahead of the real clock are judged by the engine's clock guard, not here.
 */
export const LATEST_RECORD_TIME = Date.UTC(2100, 0, 1);

const MS_DATE_RE = /^\/Date\((-?\d+)(?:[+-]\d{4})?\)\/$/;
const NUMERIC_RE = /^-?\d+(?:\.\d+)?$/;
const INTEGER_RE = /^\d+$/;
const RFC2822_RE =
  /^(?:[A-Za-z]{3},\s*)?(\d{1,2})\s+([A-Za-z]{3})\s+(\d{4})\s+(\d{2}):(\d{2})(?::(\d{2}))?\s+(GMT|UTC|UT|Z|[+-]\d{4})$/;
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/** Why a time value was refused (the words after "<field> '<value>'"). */
interface TimeRefusal {
  why: string;
}

/** Value of the `n` digits of `s` at `i`, or -1 when they are not all digits. */
function digits(s: string, i: number, n: number): number {
  if (i + n > s.length) return -1;
  let v = 0;
  for (let k = i; k < i + n; k++) {
    const d = s.charCodeAt(k) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

function daysInMonth(y: number, mo: number): number {
  if (mo === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return mo === 4 || mo === 6 || mo === 9 || mo === 11 ? 30 : 31;
}

/** A refusal when `y-mo-d h:mi:sec` is not on the calendar, else undefined. */
function calendarRefusal(y: number, mo: number, d: number, h = 0, mi = 0, sec = 0): TimeRefusal | undefined {
  if (y < 1970) return { why: `is before 1970 (year ${y}): no audit log holds such a time` };
  if (mo < 1 || mo > 12) return { why: `is not a calendar date (month ${mo})` };
  const dim = daysInMonth(y, mo);
  if (d < 1 || d > dim) {
    return { why: `is not a calendar date (${MONTH_NAMES[mo - 1] ?? ''} ${y} has ${dim} days)` };
  }
  if (h > 23 || mi > 59 || sec > 60) return { why: 'is not a time of day' };
  return undefined;
}

/** The refusal for epoch ms outside the accepted range, else the ms. */
function inRange(t: number): number | TimeRefusal {
  if (!Number.isFinite(t)) return { why: 'is not a time' };
  if (t < EARLIEST_RECORD_TIME) return { why: 'is before 1970: no audit log holds such a time' };
  if (t === EARLIEST_RECORD_TIME) {
    return { why: 'is the epoch itself (1970-01-01T00:00:00Z), a placeholder for a missing time' };
  }
  if (t >= LATEST_RECORD_TIME) {
    return {
      why: 'is in 2100 or later: no audit log holds such a time (a unit mix-up or a placeholder date)',
    };
  }
  return t;
}

/**
 * ISO-8601 `YYYY-MM-DD[(T| )HH:MM[:SS[.fraction]]][ ][Z|UTC|GMT|±HH[:MM]]`, read by hand (this runs
 * for every event). No zone means UTC. Undefined when `s` is not in that form; a refusal when it is
 * but names no real instant (2024-02-30, month 13, year 0099).
 */
function parseIso(s: string): number | TimeRefusal | undefined {
  const n = s.length;
  if (n < 10 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return undefined;
  const y = digits(s, 0, 4);
  const mo = digits(s, 5, 2);
  const d = digits(s, 8, 2);
  if (y < 0 || mo < 0 || d < 0) return undefined;
  let h = 0;
  let mi = 0;
  let sec = 0;
  let ms = 0;
  let i = 10;
  if (
    i < n &&
    (s.charCodeAt(i) === 84 /* T */ || s.charCodeAt(i) === 32) &&
    i + 6 <= n &&
    s.charCodeAt(i + 3) === 58
  ) {
    h = digits(s, i + 1, 2);
    mi = digits(s, i + 4, 2);
    if (h < 0 || mi < 0) return undefined;
    i += 6;
    if (i < n && s.charCodeAt(i) === 58 /* : */) {
      sec = digits(s, i + 1, 2);
      if (sec < 0) return undefined;
      i += 3;
      const c = s.charCodeAt(i);
      if (i < n && (c === 46 || c === 44) /* . , */) {
        i++;
        let scale = 100;
        const fracStart = i;
        while (i < n) {
          const dd = s.charCodeAt(i) - 48;
          if (dd < 0 || dd > 9) break;
          ms += dd * scale;
          scale /= 10;
          i++;
        }
        if (i === fracStart) return undefined;
        ms = Math.floor(ms);
      }
    }
  }
  while (i < n && s.charCodeAt(i) === 32) i++;
  let offMin = 0;
  if (i < n) {
    const z = s.slice(i);
    const c = z.charCodeAt(0);
    if (c === 43 || c === 45 /* + - */) {
      const oh = digits(z, 1, 2);
      let om = 0;
      if (oh < 0) return undefined;
      if (z.length === 3) om = 0;
      else if (z.length === 5) om = digits(z, 3, 2);
      else if (z.length === 6 && z.charCodeAt(3) === 58) om = digits(z, 4, 2);
      else return undefined;
      if (om < 0) return undefined;
      if (oh > 23 || om > 59) return { why: 'has no real UTC offset' };
      offMin = (c === 43 ? 1 : -1) * (oh * 60 + om);
    } else if (z !== 'Z' && z !== 'z' && z !== 'UTC' && z !== 'GMT') {
      return undefined;
    }
  }
  const bad = calendarRefusal(y, mo, d, h, mi, sec);
  if (bad !== undefined) return bad;
  return inRange(Date.UTC(y, mo - 1, d, h, mi, sec, ms) - offMin * 60000);
}

/** RFC 2822 / HTTP dates (`Thu, 01 Jun 2023 13:12:18 GMT`), read by hand so 30 Feb is refused. */
function parseRfc2822(s: string): number | TimeRefusal | undefined {
  const m = RFC2822_RE.exec(s);
  if (m === null) return undefined;
  const mo = MONTHS.indexOf((m[2] as string).toLowerCase()) + 1;
  if (mo === 0) return undefined;
  const d = Number(m[1]);
  const y = Number(m[3]);
  const h = Number(m[4]);
  const mi = Number(m[5]);
  const sec = m[6] === undefined ? 0 : Number(m[6]);
  const bad = calendarRefusal(y, mo, d, h, mi, sec);
  if (bad !== undefined) return bad;
  const zone = m[7] as string;
  let offMin = 0;
  if (zone.charCodeAt(0) === 43 || zone.charCodeAt(0) === 45) {
    const oh = Number(zone.slice(1, 3));
    const om = Number(zone.slice(3, 5));
    if (oh > 23 || om > 59) return { why: 'has no real UTC offset' };
    offMin = (zone.charCodeAt(0) === 43 ? 1 : -1) * (oh * 60 + om);
  }
  return inRange(Date.UTC(y, mo - 1, d, h, mi, sec) - offMin * 60000);
}

/**
 * Epoch time in seconds, milliseconds, microseconds or nanoseconds, told apart by size (the integer
 * part's digit count): below 1e11 seconds (up to 11 digits), below 1e14 milliseconds (12-14), below
 * 1e17 microseconds (15-17), below 1e20 nanoseconds (18-20). Within 1970-2100 the four ranges do not
 * overlap. Sub-millisecond digits are dropped. `text` is the numeric string when the value was one,
 * so nanoseconds beyond 2^53 keep their millisecond digits exactly.
 */
function epochOf(v: number, text?: string): number | TimeRefusal {
  if (!Number.isFinite(v)) return { why: 'is not a time' };
  if (v <= 0) return inRange(v);
  if (v < 1e11) return inRange(Math.round(v * 1000));
  if (v < 1e14) return inRange(Math.round(v));
  const exact = text !== undefined && INTEGER_RE.test(text);
  if (v < 1e17) return inRange(exact ? Number(text.slice(0, -3)) : Math.floor(v / 1e3));
  if (v < 1e20) return inRange(exact ? Number(text.slice(0, -6)) : Math.floor(v / 1e6));
  return { why: 'is too large for an epoch time, even in nanoseconds' };
}

/**
 * Epoch milliseconds from a record's time field, or a refusal saying why, or undefined when the
 * value is in no form Tripline reads. Forms: ISO-8601 with or without a zone (no zone means UTC:
 * M365 `CreationTime` and Panther's `2024-12-16 16:32:16.087554000` are UTC) and any number of
 * fractional digits (Graph writes seven; past milliseconds they are dropped); RFC 2822 / HTTP
 * dates; PowerShell `/Date(ms)/`; epoch numbers and numeric strings in seconds, milliseconds,
 * microseconds or nanoseconds (see {@link epochOf}). Local-time forms such as
 * `6/1/2023 1:12:18 PM` are not guessed. Every time returned lies strictly between
 * EARLIEST_RECORD_TIME and LATEST_RECORD_TIME, so `new Date(t).toISOString()` never throws.
 */
function timeOf(v: unknown): number | TimeRefusal | undefined {
  if (typeof v === 'number') return epochOf(v);
  if (typeof v !== 'string') return undefined;
  const iso = parseIso(v);
  if (iso !== undefined) return iso;
  const s = v.trim();
  if (s !== v) return s === '' ? undefined : timeOf(s);
  const ms = MS_DATE_RE.exec(s);
  if (ms) return inRange(Number(ms[1]));
  if (NUMERIC_RE.test(s)) return epochOf(Number(s), s);
  return parseRfc2822(s);
}

/**
 * Epoch milliseconds from a record's time field, or undefined when it is unreadable or refused
 * ({@link requireTime} says why). Every time returned lies in 1970-2100.
 *
 * @example parseTime('2023-06-01T13:12:18.5603524Z') === 1685625138560
 */
export function parseTime(v: unknown): number | undefined {
  const t = timeOf(v);
  return typeof t === 'number' ? t : undefined;
}

/**
 * Reads a required time field: `{ time }` or a failure reason naming the field and the value
 * ("no eventTime", "unreadable eventTime '6/1/2023' ...", "CreationTime '2024-02-30T10:00:00' is
 * not a calendar date (February 2024 has 29 days)").
 */
export function requireTime(v: unknown, field: string): { time: number } | { reason: string } {
  if (v === undefined || v === null || v === '') return { reason: `no ${field}` };
  const t = timeOf(v);
  if (typeof t === 'number') return { time: t };
  if (t === undefined) {
    return {
      reason: `unreadable ${field} ${excerpt(v)}: expected ISO-8601, epoch or /Date(ms)/ (local times are not guessed)`,
    };
  }
  return { reason: `${field} ${excerpt(v)} ${t.why}` };
}

/** A short printable rendering of a scalar for messages. */
export function excerpt(v: unknown, max = 60): string {
  const s = typeof v === 'string' ? v : typeof v === 'object' ? Object.prototype.toString.call(v) : String(v);
  return `'${s.length > max ? s.slice(0, max) + '…' : s}'`;
}

const V8_SNIPPET_RE = /, (?:\.\.\.)?"[\s\S]*"(?:\.\.\.)? is not valid JSON$/;
const V8_POSITION_RE = / in JSON at position \d+(?: \(line \d+ column \d+\))?$/;

/** V8's JSON.parse messages are under 100 characters; the patterns above run only on those. */
const V8_MESSAGE_MAX = 200;

/**
 * A JSON.parse error message without V8's copy of the input or character position. A longer
 * message is not V8's: it is cut, never scanned by the patterns (whose `[\s\S]*` would rescan it).
 */
export function jsonMessage(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  if (m.length > V8_MESSAGE_MAX) return `${m.slice(0, V8_MESSAGE_MAX)}…`;
  return m.replace(V8_SNIPPET_RE, '').replace(V8_POSITION_RE, '');
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
