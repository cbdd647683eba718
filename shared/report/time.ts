/** Times as the report writes them: UTC, day and month in words, no locale surprises. */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * `t` (epoch ms) in UTC: 'time' `09:15`, 'day' `2 Mar`, 'dayTime' `2 Mar 09:15`, 'full'
 * `2026-03-02 09:15:07 UTC`.
 */
export function shortTime(t: number, mode: 'time' | 'day' | 'dayTime' | 'full'): string {
  const d = new Date(t);
  if (Number.isNaN(d.getTime())) return '?';
  const iso = d.toISOString();
  const hm = iso.slice(11, 16);
  const day = `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()] as string}`;
  if (mode === 'time') return hm;
  if (mode === 'day') return day;
  if (mode === 'dayTime') return `${day} ${hm}`;
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}

/** '45 s', '12 min', '2 h 6 min', '3 d 4 h'. */
export function duration(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}
