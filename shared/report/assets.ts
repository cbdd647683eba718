/**
 * The report's only style sheet and script, inlined into the page and allowed by their SHA-256 in
 * the Content-Security-Policy (nothing else may run or style the page, and nothing may be loaded).
 */
import { createHash } from 'node:crypto';

export const CSS = `
:root { --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --bg: #fff; --panel: #f6f8fa;
  --critical: #8b0000; --high: #d1242f; --medium: #bf6a02; --low: #0969da; --info: #6e7781;
  --ip: #c2410c; --app: #7c3aed; --actor: #0e7490; --chain: #111827; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Liberation Sans", sans-serif; color: var(--fg); background: var(--bg); }
main { max-width: 1280px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 32px 0 12px; padding-bottom: 6px; border-bottom: 1px solid var(--line); }
h3 { font-size: 16px; margin: 0; }
.sub { color: var(--muted); margin: 0; }
.sub-h { margin: 20px 0 8px; }
#index { margin-bottom: 8px; }
.u, td, dd, li, .why { overflow-wrap: break-word; unicode-bidi: isolate; }
td.mono, .sev, .nowrap { white-space: nowrap; }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: 12.5px; }
code { background: var(--panel); padding: 1px 4px; border-radius: 4px; }
.cc { background: #ffebe9; color: #82071e; border: 1px solid #ff818266; border-radius: 3px; padding: 0 2px; font: 11px ui-monospace, monospace; }
mark.fill { background: #fff8c5; border: 1px solid #d4a72c66; border-radius: 4px; padding: 0 3px; color: inherit; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 5px 8px; border-bottom: 1px solid var(--line); }
th { font-weight: 600; color: var(--muted); font-size: 12.5px; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(260px, 1fr)); gap: 14px; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; background: var(--bg); }
.card h3 { font-size: 13px; color: var(--muted); font-weight: 600; margin-bottom: 6px; text-transform: uppercase; letter-spacing: .03em; }
.big { font-size: 22px; font-weight: 650; }
.sev { display: inline-block; min-width: 66px; text-align: center; font-size: 11.5px; font-weight: 700; letter-spacing: .04em; color: #fff; border-radius: 10px; padding: 1px 8px; }
.sev-critical .sev, .sev.sev-critical { background: var(--critical); }
.sev-high .sev, .sev.sev-high { background: var(--high); }
.sev-medium .sev, .sev.sev-medium { background: var(--medium); }
.sev-low .sev, .sev.sev-low { background: var(--low); }
.sev-info .sev, .sev.sev-info { background: var(--info); }
.counts { display: flex; flex-wrap: wrap; gap: 8px; margin: 0; padding: 0; list-style: none; }
.counts li { display: flex; gap: 6px; align-items: center; }
.timeline { width: 100%; height: auto; display: block; border: 1px solid var(--line); border-radius: 8px; background: var(--bg); }
.timeline text { font: 12px system-ui, sans-serif; fill: var(--fg); }
.timeline .lane-bg { fill: var(--bg); }
.timeline .lane-bg.odd { fill: var(--panel); }
.timeline .lane-tag { font-size: 9.5px; font-weight: 700; fill: var(--muted); }
.timeline .lane-label { font-weight: 600; }
.timeline .row-label { text-anchor: end; fill: var(--muted); font-size: 11.5px; }
.timeline .grid { stroke: var(--line); stroke-width: 1; }
.timeline .tick { text-anchor: middle; font-size: 11px; fill: var(--muted); }
.timeline .break rect { fill: #eaeef2; }
.timeline .break path { stroke: var(--muted); stroke-width: 1.2; fill: none; }
.timeline .break text { text-anchor: middle; font-size: 10.5px; fill: var(--muted); }
.timeline .bar { stroke-width: 3; stroke-linecap: round; opacity: .35; }
.timeline .mark { stroke: #fff; stroke-width: 1.2; }
.timeline .sev-critical .bar { stroke: var(--critical); } .timeline .sev-critical .mark { fill: var(--critical); }
.timeline .sev-high .bar { stroke: var(--high); } .timeline .sev-high .mark { fill: var(--high); }
.timeline .sev-medium .bar { stroke: var(--medium); } .timeline .sev-medium .mark { fill: var(--medium); }
.timeline .sev-low .bar { stroke: var(--low); } .timeline .sev-low .mark { fill: var(--low); }
.timeline .sev-info .bar { stroke: var(--info); } .timeline .sev-info .mark { fill: var(--info); }
.timeline .chain { stroke: var(--chain); stroke-width: 1.8; fill: none; }
.timeline .chain-arrow { fill: var(--chain); }
.timeline .step rect { fill: var(--chain); }
.timeline .step text { fill: #fff; font-size: 11px; font-weight: 700; text-anchor: middle; }
.timeline .link { fill: none; stroke-width: 1.6; stroke-dasharray: 5 4; opacity: .75; }
.timeline .link-ip { stroke: var(--ip); } .timeline .link-app { stroke: var(--app); } .timeline .link-actor { stroke: var(--actor); }
.timeline a { cursor: pointer; }
body.focus .timeline [data-f]:not(.hl):not(.lane) { opacity: .15; }
body.focus .finding.hl, body.focus tr.hl { outline: 2px solid var(--chain); outline-offset: 2px; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 18px; margin: 8px 0 0; padding: 0; list-style: none; color: var(--muted); font-size: 12.5px; }
.key { display: inline-block; width: 22px; height: 0; vertical-align: middle; margin-right: 6px; border-top: 2px dashed; }
.key-ip { border-color: var(--ip); } .key-app { border-color: var(--app); } .key-actor { border-color: var(--actor); }
.key-chain { border-top: 2px solid var(--chain); }
.dot { display: inline-block; width: 10px; height: 10px; border-radius: 50%; vertical-align: middle; margin-right: 4px; }
.dot-critical { background: var(--critical); } .dot-high { background: var(--high); } .dot-medium { background: var(--medium); } .dot-low { background: var(--low); } .dot-info { background: var(--info); }
.conn-ip { color: var(--ip); } .conn-app { color: var(--app); } .conn-actor { color: var(--actor); }
.finding { border: 1px solid var(--line); border-left: 6px solid var(--info); border-radius: 8px; padding: 14px 18px; margin: 18px 0; break-inside: auto; }
.finding.sev-critical { border-left-color: var(--critical); } .finding.sev-high { border-left-color: var(--high); }
.finding.sev-medium { border-left-color: var(--medium); } .finding.sev-low { border-left-color: var(--low); }
.finding header { display: flex; gap: 10px; align-items: baseline; flex-wrap: wrap; }
.finding dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 12px 0; }
.finding dt { color: var(--muted); font-weight: 600; }
.finding dd { margin: 0; }
.finding h4 { margin: 16px 0 6px; font-size: 14px; }
.evidence td { font-size: 12.5px; }
.evidence .step-cell { white-space: nowrap; }
details.raw summary { cursor: pointer; color: var(--low); font-size: 12px; white-space: nowrap; }
details.raw pre { margin: 6px 0 0; padding: 8px 10px; background: var(--panel); border: 1px solid var(--line); border-radius: 6px; white-space: pre-wrap; overflow-wrap: anywhere; max-height: 28em; overflow: auto; min-width: 36ch; max-width: 72ch; }
.note { color: var(--muted); font-size: 12.5px; }
.toolbar { display: flex; gap: 8px; margin: 10px 0; }
button { font: inherit; font-size: 12.5px; padding: 3px 10px; border: 1px solid var(--line); border-radius: 6px; background: var(--panel); cursor: pointer; }
footer { margin-top: 40px; color: var(--muted); font-size: 12px; }
@media print {
  body { font-size: 11px; }
  main { max-width: none; padding: 0; }
  .toolbar, .noprint { display: none; }
  h2 { break-after: avoid; }
  .finding { break-inside: avoid-page; }
  .finding, .card, .timeline { border-color: #999; }
  details.raw pre { max-height: none; }
  a { color: inherit; text-decoration: none; }
}
`;

/**
 * Pointing at a finding (in the timeline or the index) lights it and every finding linked to it;
 * two buttons open or close every raw record. Reads only attributes the report itself wrote.
 */
export const SCRIPT = `(() => {
  const all = (s) => Array.from(document.querySelectorAll(s));
  const focus = (n) => {
    const row = document.querySelector('[data-finding-row="' + n + '"]');
    const rel = new Set(((row && row.getAttribute('data-related')) || '').split(' ').filter(Boolean).concat(String(n)));
    document.body.classList.add('focus');
    for (const el of all('[data-f]')) el.classList.toggle('hl', el.getAttribute('data-f').split(' ').some((x) => rel.has(x)));
  };
  const blur = () => {
    document.body.classList.remove('focus');
    for (const el of all('.hl')) el.classList.remove('hl');
  };
  for (const el of all('[data-hover]')) {
    const n = el.getAttribute('data-hover');
    el.addEventListener('mouseenter', () => focus(n));
    el.addEventListener('mouseleave', blur);
    el.addEventListener('focusin', () => focus(n));
    el.addEventListener('focusout', blur);
  }
  for (const b of all('button[data-raw]')) {
    b.addEventListener('click', () => {
      const open = b.getAttribute('data-raw') === 'open';
      for (const d of all('details.raw')) d.open = open;
    });
  }
})();`;

function sha256(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('base64');
}

/**
 * The page's policy: nothing loads from anywhere (no fetch, image, font, frame or form), and only
 * this style sheet and this script (by hash) apply.
 */
export const CSP = [
  "default-src 'none'",
  `style-src 'sha256-${sha256(CSS)}'`,
  `script-src 'sha256-${sha256(SCRIPT)}'`,
  "img-src 'none'",
  "font-src 'none'",
  "connect-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');
