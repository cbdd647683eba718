/**
 * Compact encodings for rule state: exact event times as base64url varint deltas, and short id
 * digests. State items are billed by the kilobyte (DynamoDB) and read on every batch, so a time costs
 * 1-4 characters instead of 13 digits, and a digest 4 characters instead of a 36-character id.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) VALUE[ALPHABET.charCodeAt(i)] = i;

/** Characters per digest (24 bits). */
export const DIGEST_CHARS = 4;

/**
 * A 24-bit digest of `s` (FNV-1a), as 4 base64url characters. Used to recognise the same record again
 * among the events of one group that share its exact time, so a collision needs the same millisecond
 * and the same 24 bits.
 */
export function digest(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h >>>= 8;
  return (
    ALPHABET.charAt((h >>> 18) & 63) +
    ALPHABET.charAt((h >>> 12) & 63) +
    ALPHABET.charAt((h >>> 6) & 63) +
    ALPHABET.charAt(h & 63)
  );
}

/** Appends a non-negative integer as a varint: 5 bits per character, bit 6 says "more follows". */
function putVarint(out: string[], n: number): void {
  let v = n;
  for (;;) {
    const low = v % 32;
    v = Math.floor(v / 32);
    if (v === 0) {
      out.push(ALPHABET.charAt(low));
      return;
    }
    out.push(ALPHABET.charAt(low + 32));
  }
}

/**
 * Encodes ascending times (epoch ms) as the first time and a string of deltas. A delta that is a whole
 * number of seconds (most audit logs) is stored in seconds, so a few minutes cost 2 characters.
 */
export function encodeTimes(times: readonly number[]): { b: number; t: string } {
  if (times.length === 0) return { b: 0, t: '' };
  const out: string[] = [];
  let prev = times[0] as number;
  for (let i = 1; i < times.length; i++) {
    const cur = times[i] as number;
    const d = cur - prev;
    putVarint(out, d % 1000 === 0 ? (d / 1000) * 2 : d * 2 + 1);
    prev = cur;
  }
  return { b: times[0] as number, t: out.join('') };
}

/** Decodes {@link encodeTimes}; `n` is the number of times (deltas + 1). Returns [] for n = 0. */
export function decodeTimes(b: number, t: string): number[] {
  const out: number[] = [b];
  let prev = b;
  let v = 0;
  let scale = 1;
  for (let i = 0; i < t.length; i++) {
    const c = VALUE[t.charCodeAt(i)] ?? -1;
    if (c < 0) throw new Error(`invalid character in encoded times at ${i}`);
    v += (c & 31) * scale;
    if (c & 32) {
      scale *= 32;
      continue;
    }
    const d = v % 2 === 0 ? (v / 2) * 1000 : (v - 1) / 2;
    prev += d;
    out.push(prev);
    v = 0;
    scale = 1;
  }
  return out;
}

/** Splits a string of concatenated digests. */
export function splitDigests(d: string): string[] {
  const out: string[] = [];
  for (let i = 0; i + DIGEST_CHARS <= d.length; i += DIGEST_CHARS) out.push(d.slice(i, i + DIGEST_CHARS));
  return out;
}

/** Index of the first element of ascending `a` that is >= x. */
export function lowerBound(a: readonly number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((a[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first element of ascending `a` that is > x. */
export function upperBound(a: readonly number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((a[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
