/** Durations in rules and config: '90s', '15m', '2h', '14d', '1w' or milliseconds. */
import type { Duration } from './rule';

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};
const DURATION_RE = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)\s*$/;

/** Parses a duration; returns undefined for anything that is not a positive duration. */
export function parseDuration(d: Duration | undefined): number | undefined {
  if (typeof d === 'number') return Number.isFinite(d) && d > 0 ? d : undefined;
  if (typeof d !== 'string') return undefined;
  const m = DURATION_RE.exec(d);
  if (!m) return undefined;
  const ms = Number(m[1]) * (UNIT_MS[m[2] as string] as number);
  return ms > 0 ? ms : undefined;
}

/** Formats milliseconds the way a person says it: '15 min', '2 h', '14 days', '3 h 5 min'. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return h > 0 ? `${d} day${d === 1 ? '' : 's'} ${h} h` : `${d} day${d === 1 ? '' : 's'}`;
  if (h > 0) return m > 0 ? `${h} h ${m} min` : `${h} h`;
  return `${m} min`;
}
