/**
 * The timeline picture: hand-written SVG (no charting library: the picture is lanes, marks and
 * curves, a few hundred lines of SVG text, and the report stays one small file with nothing to
 * load). One lane per principal or app, a row per finding, each evidence event a mark at its time,
 * the steps of a chain as numbered badges joined by arrows, and dashed curves between findings that
 * share a source address, an app or an actor. Long quiet stretches are cut out of the time axis (a
 * break shows how long), so an attack spread over days stays readable.
 */
import { escapeHtml, svgText } from './escape';
import type { LinkKind, ReportFinding, ReportModel } from './model';
import { duration, shortTime } from './time';

const W = 1200;
const GUTTER = 340;
const RIGHT = 28;
const TOP = 50;
const ROW = 28;
const LANE_PAD = 6;
const GAP_W = 38;
const MIN_SEG_W = 90;
const MAX_SEGMENTS = 8;
const HOUR = 3_600_000;
const MINUTE = 60_000;
const DAY = 24 * HOUR;

interface Segment {
  t0: number;
  t1: number;
  x0: number;
  x1: number;
}

/** A piecewise-linear time axis: stretches with events, and the quiet gaps between them squeezed. */
export interface TimeScale {
  segments: Segment[];
  x(t: number): number;
}

/**
 * Splits `times` into stretches separated by quiet gaps (longer than 2 h and than a tenth of the
 * whole span; at most {@link MAX_SEGMENTS} stretches) and maps them onto [x0, x1].
 */
export function timeScale(times: readonly number[], x0: number, x1: number): TimeScale {
  const ts = [...new Set(times.filter((t) => Number.isFinite(t)))].sort((a, b) => a - b);
  if (!ts.length) ts.push(0);
  const min = ts[0] as number;
  const max = ts[ts.length - 1] as number;
  const span = max - min;
  const threshold = Math.max(2 * HOUR, span / 10);
  let gaps: Array<{ at: number; len: number }> = [];
  for (let i = 1; i < ts.length; i++) {
    const len = (ts[i] as number) - (ts[i - 1] as number);
    if (len > threshold) gaps.push({ at: i, len });
  }
  if (gaps.length > MAX_SEGMENTS - 1) {
    gaps = [...gaps]
      .sort((a, b) => b.len - a.len)
      .slice(0, MAX_SEGMENTS - 1)
      .sort((a, b) => a.at - b.at);
  }
  const clusters: Array<[number, number]> = [];
  let start = 0;
  for (const g of [...gaps, { at: ts.length, len: 0 }]) {
    clusters.push([ts[start] as number, ts[g.at - 1] as number]);
    start = g.at;
  }
  const padded = clusters.map(([a, b]) => {
    const pad = Math.max((b - a) * 0.04, 5 * MINUTE);
    return [a - pad, b + pad] as [number, number];
  });
  const avail = x1 - x0 - GAP_W * (padded.length - 1);
  const total = padded.reduce((n, [a, b]) => n + (b - a), 0);
  const minW = Math.min(MIN_SEG_W, avail / padded.length);
  const segments: Segment[] = [];
  let x = x0;
  for (const [a, b] of padded) {
    const w = minW + ((avail - minW * padded.length) * (b - a)) / total;
    segments.push({ t0: a, t1: b, x0: x, x1: x + w });
    x += w + GAP_W;
  }
  const at = (t: number): number => {
    const first = segments[0] as Segment;
    if (t <= first.t0) return first.x0;
    for (let i = 0; i < segments.length; i++) {
      const s = segments[i] as Segment;
      if (t <= s.t1) return s.x0 + ((t - s.t0) / (s.t1 - s.t0)) * (s.x1 - s.x0);
      const next = segments[i + 1];
      if (next && t < next.t0) return s.x1 + ((t - s.t1) / (next.t0 - s.t1)) * (next.x0 - s.x1);
    }
    return (segments[segments.length - 1] as Segment).x1;
  };
  return { segments, x: at };
}

const STEPS = [
  MINUTE,
  2 * MINUTE,
  5 * MINUTE,
  10 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  DAY,
  2 * DAY,
  7 * DAY,
  14 * DAY,
  30 * DAY,
];

/** Tick times and labels of one segment: the day shown at the first tick and wherever it changes. */
function ticks(s: Segment): Array<{ t: number; label: string }> {
  const ppm = (s.x1 - s.x0) / (s.t1 - s.t0);
  const step = STEPS.find((st) => st * ppm >= 80) ?? (STEPS[STEPS.length - 1] as number);
  const out: Array<{ t: number; label: string }> = [];
  let lastDay = '';
  for (let t = Math.ceil(s.t0 / step) * step; t <= s.t1; t += step) {
    const day = new Date(t).toISOString().slice(0, 10);
    const label = step >= DAY ? shortTime(t, 'day') : shortTime(t, day === lastDay ? 'time' : 'dayTime');
    lastDay = day;
    out.push({ t, label });
  }
  if (!out.length) out.push({ t: (s.t0 + s.t1) / 2, label: shortTime((s.t0 + s.t1) / 2, 'dayTime') });
  return out;
}

const KIND_WORD: Record<LinkKind, string> = { ip: 'source address', app: 'app', actor: 'actor' };
const LANE_TAG: Record<string, string> = { app: 'APP', ip: 'IP', principal: 'WHO' };

function f1(n: number): string {
  return (Math.round(n * 10) / 10).toString();
}

function markTitle(f: ReportFinding, i: number): string {
  const r = f.rows[i];
  if (!r) return '';
  const e = r.item;
  const parts = [shortTime(r.time, 'full')];
  if (e.step !== undefined) parts.push(`step ${e.step}${r.stepLabel ? ` (${r.stepLabel})` : ''}`);
  parts.push(e.action, `by ${e.actor}`);
  if (e.ip) parts.push(`from ${e.ip}`);
  if (e.target) parts.push(`on ${e.target}`);
  return svgText(parts.join(' · '), 400);
}

/** The timeline as an SVG element. */
export function timelineSvg(model: ReportModel): string {
  const { findings, lanes, links } = model;
  const times: number[] = [];
  for (const f of findings) {
    times.push(f.first, f.last);
    for (const r of f.rows) times.push(r.time);
  }
  const scale = timeScale(times, GUTTER, W - RIGHT);
  const laneY: number[] = [];
  let y = TOP;
  for (const l of lanes) {
    laneY.push(y);
    y += l.findings.length * ROW + 2 * LANE_PAD;
  }
  const H = y + 12;
  const rowY = (f: ReportFinding) => (laneY[f.lane] as number) + LANE_PAD + f.row * ROW + ROW / 2;
  const byN = new Map(findings.map((f) => [f.n, f]));
  const out: string[] = [];
  out.push(
    `<svg class="timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="tl-title">`,
    `<title id="tl-title">Timeline: ${findings.length} findings in ${lanes.length} lanes, one per principal or app; times in UTC</title>`,
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="chain-arrow"/></marker></defs>',
  );

  // Lanes.
  out.push('<g class="lanes">');
  lanes.forEach((l, i) => {
    const ly = laneY[i] as number;
    const h = l.findings.length * ROW + 2 * LANE_PAD;
    out.push(
      `<g class="lane" data-lane="${i}" data-f="${l.findings.join(' ')}">`,
      `<rect class="lane-bg${i % 2 ? ' odd' : ''}" x="0" y="${ly}" width="${W}" height="${h}"/>`,
      `<text class="lane-tag" x="8" y="${ly + LANE_PAD + ROW / 2 + 4}">${LANE_TAG[l.kind]}</text>`,
      `<text class="lane-label" x="40" y="${ly + LANE_PAD + ROW / 2 + 4}"><title>${svgText(l.label)}</title>${svgText(l.label, 21)}</text>`,
      '</g>',
    );
  });
  out.push('</g>');

  // Axis: ticks per stretch, breaks between stretches.
  out.push('<g class="axis">');
  scale.segments.forEach((s, i) => {
    for (const t of ticks(s)) {
      const x = f1(scale.x(t.t));
      out.push(
        `<line class="grid" x1="${x}" y1="${TOP - 6}" x2="${x}" y2="${H - 10}"/>`,
        `<text class="tick" x="${x}" y="${TOP - 12}">${escapeHtml(t.label)}</text>`,
      );
    }
    const next = scale.segments[i + 1];
    if (next) {
      const gx = s.x1 + 4;
      const gw = next.x0 - s.x1 - 8;
      out.push(
        `<g class="break"><title>${escapeHtml(`no finding for ${duration(next.t0 - s.t1)} (cut from the axis)`)}</title>`,
        `<rect x="${f1(gx)}" y="${TOP - 6}" width="${f1(gw)}" height="${H - TOP - 4}"/>`,
        `<text x="${f1(gx + gw / 2)}" y="14">${escapeHtml(duration(next.t0 - s.t1))}</text>`,
        `<path d="M${f1(gx + 4)},${TOP - 2} l${f1(gw - 8)},-8 M${f1(gx + 4)},${TOP + 6} l${f1(gw - 8)},-8"/>`,
        '</g>',
      );
    }
  });
  out.push('</g>');

  // Links between findings that share an address, an app or an actor (beneath the marks).
  out.push('<g class="links">');
  for (const l of links) {
    const a = byN.get(l.from.n);
    const b = byN.get(l.to.n);
    if (!a || !b) continue;
    const x1 = scale.x(l.from.time);
    const y1 = rowY(a);
    const x2 = scale.x(l.to.time);
    const y2 = rowY(b);
    const d =
      y1 === y2
        ? `M${f1(x1)},${f1(y1)} C${f1(x1)},${f1(y1 - 22)} ${f1(x2)},${f1(y2 - 22)} ${f1(x2)},${f1(y2)}`
        : `M${f1(x1)},${f1(y1)} C${f1(x1 + (x2 - x1) * 0.1)},${f1((y1 + y2) / 2)} ${f1(x2 - (x2 - x1) * 0.1)},${f1((y1 + y2) / 2)} ${f1(x2)},${f1(y2)}`;
    const title = `same ${KIND_WORD[l.kind]} ${l.value}: ${a.finding.ruleId} → ${b.finding.ruleId}`;
    out.push(
      `<path class="link link-${l.kind}" data-link="${l.kind}" data-from="${a.n}" data-to="${b.n}" data-f="${a.n} ${b.n}" d="${d}"><title>${svgText(title, 400)}</title></path>`,
    );
  }
  out.push('</g>');

  // Findings: a bar from first to last evidence, a mark per evidence event, chain badges.
  out.push('<g class="findings">');
  for (const f of findings) {
    const cy = rowY(f);
    const related = [...new Set(f.related.map((r) => r.n))].join(' ');
    out.push(
      `<g class="finding-row sev-${f.finding.severity}" data-f="${f.n}" data-hover="${f.n}" data-finding-row="${f.n}" data-related="${related}" data-rule="${escapeHtml(f.finding.ruleId)}">`,
      `<text class="row-label" x="${GUTTER - 10}" y="${cy + 4}"><title>${svgText(`${f.finding.ruleId}: ${f.finding.title}`, 400)}</title>${svgText(f.finding.ruleId, 22)}</text>`,
      `<a href="#finding-${f.n}">`,
    );
    const x0 = scale.x(f.first);
    const x1 = scale.x(f.last);
    out.push(`<line class="bar" x1="${f1(x0)}" y1="${cy}" x2="${f1(Math.max(x1, x0 + 0.5))}" y2="${cy}"/>`);
    f.rows.forEach((r, i) => {
      if (!r.time) return;
      out.push(
        `<circle class="mark" data-evidence="${i}" cx="${f1(scale.x(r.time))}" cy="${cy}" r="4.5"><title>${markTitle(f, i)}</title></circle>`,
      );
    });
    if (f.chain.length) {
      // Steps satisfied at one moment (one event may satisfy consecutive steps) share a badge.
      const groups: Array<{ x: number; steps: number[]; labels: string[] }> = [];
      for (const c of f.chain) {
        const x = scale.x(c.time);
        const g = groups[groups.length - 1];
        if (g && Math.abs(g.x - x) < 14) {
          g.steps.push(c.step);
          g.labels.push(c.label ?? '');
        } else groups.push({ x, steps: [c.step], labels: [c.label ?? ''] });
      }
      const by = cy - 13;
      const steps = f.chain.map((c) => c.step).join(',');
      for (let i = 1; i < groups.length; i++) {
        const a = groups[i - 1] as (typeof groups)[number];
        const b = groups[i] as (typeof groups)[number];
        const ax = a.x + 11;
        const bx = b.x - 11;
        const d =
          bx - ax > 24
            ? `M${f1(ax)},${f1(by)} C${f1(ax + 18)},${f1(by - 14)} ${f1(bx - 18)},${f1(by - 14)} ${f1(bx)},${f1(by)}`
            : `M${f1(ax)},${f1(by)} L${f1(Math.max(bx, ax + 2))},${f1(by)}`;
        out.push(
          `<path class="chain" data-chain="${f.n}" data-steps="${a.steps.join(',')}>${b.steps.join(',')}" d="${d}" marker-end="url(#arrow)"/>`,
        );
      }
      for (const g of groups) {
        const label = g.steps.join('+');
        const title = g.steps.map((s, i) => `step ${s}: ${g.labels[i] ?? ''}`).join('; ');
        const rx = Math.max(9, 4 + label.length * 3.5);
        out.push(
          `<g class="step" data-steps="${g.steps.join(',')}" data-chain-of="${f.n}" data-all-steps="${steps}"><title>${svgText(title, 400)}</title>`,
          `<rect x="${f1(g.x - rx)}" y="${f1(by - 9)}" width="${f1(2 * rx)}" height="18" rx="9"/>`,
          `<text x="${f1(g.x)}" y="${f1(by + 4)}">${label}</text></g>`,
        );
      }
    }
    out.push('</a></g>');
  }
  out.push('</g></svg>');
  return out.join('\n');
}
