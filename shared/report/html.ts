/**
 * `tripline replay --report FILE`: one self-contained HTML page (style, script and data inline,
 * nothing loaded from anywhere, a strict Content-Security-Policy), readable offline and printable.
 * Pure: {@link renderReport} takes the replay's result and returns the page as a string; the CLI
 * writes it.
 */
import { SEVERITIES } from '../engine/findings';
import type { Finding, Severity } from '../engine/findings';
import type { RuleDefinition } from '../engine/rule';
import type { SourceId } from '../events/types';
import type { ReplaySummary } from '../replay/replay';
import { CSP, CSS, SCRIPT } from './assets';
import { escapeHtml, jsonForScript, rawJson, text, visible } from './escape';
import { buildModel } from './model';
import type { Connection, LinkKind, ReportFinding, ReportModel } from './model';
import { runbookStep } from './runbook';
import { duration, shortTime } from './time';
import { timelineSvg } from './timeline';

/** What a report is made of. */
export interface ReportInput {
  /** The replay's result; `evidenceEvents` (replay option `keepEvidence`) gives the raw records. */
  summary: ReplaySummary;
  /** The rules that ran: step labels of sequences. */
  rules?: readonly RuleDefinition[] | undefined;
  /** When the report was made (shown in the header; the report holds no other clock reading). */
  generatedAt: Date | string | number;
  /** The files and folders replayed, as the user named them. */
  inputs?: readonly string[] | undefined;
  /** Tripline's version. */
  version?: string | undefined;
}

/** Files listed one by one in the summary before the rest are only counted. */
const MAX_FILE_ROWS = 40;
/** Quarantine reasons listed before the rest are only counted. */
const MAX_REASONS = 25;

const SOURCE_NAMES: Record<SourceId, string> = {
  'aws.cloudtrail': 'AWS CloudTrail',
  'entra.audit': 'Entra ID audit log',
  'entra.signin': 'Entra ID sign-ins',
  'm365.audit': 'Microsoft 365 unified audit log',
  'google.workspace': 'Google Workspace',
  'github.audit': 'GitHub audit log',
  'slack.audit': 'Slack audit logs',
  'k8s.audit': 'Kubernetes audit',
};

const KIND_NAMES: Record<LinkKind, string> = { ip: 'source address', app: 'app', actor: 'actor' };

function num(n: number): string {
  return n.toLocaleString('en-US');
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${num(n)} ${n === 1 ? one : many}`;
}

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(2)} GB`;
}

function iso(t: number | string): string {
  return shortTime(typeof t === 'number' ? t : Date.parse(t), 'full');
}

function sevBadge(s: Severity): string {
  return `<span class="sev sev-${s}">${s.toUpperCase()}</span>`;
}

function findingLink(f: ReportFinding): string {
  return `<a href="#finding-${f.n}">${text(f.finding.ruleId)}</a>`;
}

function summarySection(s: ReplaySummary): string {
  const out: string[] = ['<section id="summary"><h2>Summary</h2><div class="cards">'];

  // When.
  out.push('<div class="card" id="span"><h3>Time span</h3>');
  if (s.firstEvent !== undefined && s.lastEvent !== undefined) {
    out.push(
      `<div class="big">${escapeHtml(duration(s.lastEvent - s.firstEvent))}</div>`,
      `<div>from <span class="mono" data-first-event>${escapeHtml(iso(s.firstEvent))}</span></div>`,
      `<div>to <span class="mono" data-last-event>${escapeHtml(iso(s.lastEvent))}</span></div>`,
    );
  } else out.push('<div class="big">no events</div>');
  out.push('</div>');

  // Findings by severity.
  out.push(
    `<div class="card" id="by-severity"><h3>Findings</h3><div class="big" data-findings-total>${num(s.findings.length)}</div><ul class="counts">`,
  );
  for (let i = SEVERITIES.length - 1; i >= 0; i--) {
    const sev = SEVERITIES[i] as Severity;
    const n = s.findingsBySeverity[sev];
    if (n) out.push(`<li data-severity-count="${sev}">${sevBadge(sev)} <strong>${num(n)}</strong></li>`);
  }
  out.push('</ul>');
  if (s.newFindings < s.findings.length) {
    out.push(
      `<p class="note">${num(s.newFindings)} new, ${num(s.findings.length - s.newFindings)} updated from an earlier replay into the same state</p>`,
    );
  }
  out.push('</div>');

  // Records.
  out.push(
    '<div class="card" id="records"><h3>Records</h3>',
    `<div class="big">${num(s.recordsRead)}</div>`,
    `<div>read from ${plural(s.files.filter((f) => f.status === 'replayed').length, 'file')} (${escapeHtml(bytes(s.bytes))})</div>`,
    `<div>${plural(s.eventsNormalized, 'event')} normalized, <strong data-quarantined>${num(s.quarantined)}</strong> quarantined</div>`,
  );
  if (s.skipped)
    out.push(`<div>${plural(s.skipped, 'file')} skipped (already replayed into this state)</div>`);
  if (s.duplicates)
    out.push(`<div>${plural(s.duplicates, 'file')} skipped (same content as another file)</div>`);
  out.push('</div></div>');
  out.push('</section>');
  return out.join('\n');
}

/** Sources, quarantine, files and rule errors. */
function inputSection(s: ReplaySummary): string {
  const out: string[] = ['<section id="input"><h2>What was read</h2>'];

  // Sources.
  out.push(
    '<h3 class="sub-h">Sources</h3><table id="sources"><thead><tr><th>source</th><th class="num">events</th></tr></thead><tbody>',
  );
  const sources = Object.entries(s.eventsBySource).sort((a, b) => (b[1] ?? 0) - (a[1] ?? 0));
  for (const [src, n] of sources) {
    out.push(
      `<tr data-source="${escapeHtml(src)}"><td>${text(SOURCE_NAMES[src as SourceId] ?? src)} <span class="note mono">${text(src)}</span></td><td class="num">${num(n ?? 0)}</td></tr>`,
    );
  }
  if (!sources.length) out.push('<tr><td colspan="2">no events</td></tr>');
  out.push('</tbody></table>');

  // Quarantine.
  if (s.quarantined || s.fileProblems.length) {
    out.push(
      '<h3 class="sub-h">Quarantine</h3><table id="quarantine"><thead><tr><th>reason</th><th class="num">records</th></tr></thead><tbody>',
    );
    for (const r of s.quarantineReasons.slice(0, MAX_REASONS)) {
      out.push(`<tr data-reason><td>${text(r.reason)}</td><td class="num">${num(r.count)}</td></tr>`);
    }
    if (s.quarantineReasons.length > MAX_REASONS) {
      const rest = s.quarantineReasons.slice(MAX_REASONS).reduce((n, r) => n + r.count, 0);
      out.push(
        `<tr><td>${plural(s.quarantineReasons.length - MAX_REASONS, 'other reason')}</td><td class="num">${num(rest)}</td></tr>`,
      );
    }
    for (const p of s.fileProblems.slice(0, MAX_REASONS)) {
      out.push(
        `<tr data-file-problem><td><span class="u">${text(p.file)}</span>: ${text(p.reason)}</td><td class="num">whole file</td></tr>`,
      );
    }
    if (s.fileProblems.length > MAX_REASONS) {
      out.push(
        `<tr><td>${plural(s.fileProblems.length - MAX_REASONS, 'other unreadable file')}</td><td></td></tr>`,
      );
    }
    out.push('</tbody></table>');
  }

  // Files.
  out.push(
    '<details class="files"><summary>Files</summary><table id="files"><thead><tr><th>file</th><th>status</th><th class="num">records</th><th class="num">events</th><th class="num">size</th></tr></thead><tbody>',
  );
  for (const f of s.files.slice(0, MAX_FILE_ROWS)) {
    out.push(
      `<tr><td class="u">${text(f.file)}${f.problem ? `<div class="note">${text(f.problem)}</div>` : ''}</td><td>${escapeHtml(f.status)}</td><td class="num">${num(f.records)}</td><td class="num">${num(f.events)}</td><td class="num">${escapeHtml(bytes(f.bytes))}</td></tr>`,
    );
  }
  if (s.files.length > MAX_FILE_ROWS)
    out.push(`<tr><td colspan="5">… and ${plural(s.files.length - MAX_FILE_ROWS, 'more file')}</td></tr>`);
  out.push('</tbody></table></details>');

  // Rule errors.
  if (s.ruleErrors.length) {
    out.push('<h3 class="sub-h">Rule errors</h3><ul>');
    for (const e of s.ruleErrors) {
      out.push(
        `<li>rule <code>${text(e.ruleId)}</code> failed on ${plural(e.count, 'event')} (first: ${text(e.eventId)}): ${text(e.message)}</li>`,
      );
    }
    out.push('</ul>');
  }

  out.push('</section>');
  return out.join('\n');
}

function indexTable(m: ReportModel): string {
  const out: string[] = [];
  out.push(
    '<table id="index"><thead><tr><th>severity</th><th>rule</th><th>principal</th><th>title</th><th>first seen (UTC)</th><th class="num">count</th></tr></thead><tbody>',
  );
  for (const f of m.findings) {
    out.push(
      `<tr class="sev-${f.finding.severity}" data-f="${f.n}" data-hover="${f.n}" data-index-row="${f.n}"><td>${sevBadge(f.finding.severity)}</td><td class="nowrap">${findingLink(f)}</td><td class="u">${text(f.finding.principal)}</td><td class="u">${text(f.finding.title)}</td><td class="mono">${escapeHtml(shortTime(f.first, 'full').replace(' UTC', ''))}</td><td class="num">${num(f.finding.count)}</td></tr>`,
    );
  }
  if (!m.findings.length) out.push('<tr><td colspan="6">No findings.</td></tr>');
  out.push('</tbody></table>');
  return out.join('\n');
}

function connectionItem(c: Connection, m: ReportModel): string {
  const names = c.findings
    .map((n) => m.findings[n - 1])
    .filter((f): f is ReportFinding => f !== undefined)
    .map((f) => `${findingLink(f)} <span class="note">(${text(f.finding.principal)})</span>`);
  return `<li class="conn-${c.kind}" data-connection="${c.kind}" data-f="${c.findings.join(' ')}"><strong>${escapeHtml(KIND_NAMES[c.kind])} <span class="u">${text(c.label)}</span></strong>: ${names.join(' → ')}</li>`;
}

function timelineSection(m: ReportModel): string {
  if (!m.findings.length)
    return '<section id="timeline"><h2>Timeline</h2><p>No findings to draw.</p></section>';
  const out = [
    '<section id="timeline"><h2>Timeline</h2>',
    '<p class="sub">One lane per principal or app a finding is about; each evidence event is a mark at its time (UTC). Numbered badges are the steps of a chain, joined in order. Dashed curves join findings that share a source address, an app or an actor. Point at a finding to light it and what it is linked to; click it for its details.</p>',
    timelineSvg(m),
    '<ul class="legend">',
    ...(['critical', 'high', 'medium', 'low', 'info'] as const).map(
      (s) => `<li><span class="dot dot-${s}"></span>${s}</li>`,
    ),
    '<li><span class="key key-chain"></span>chain steps</li>',
    '<li><span class="key key-ip"></span>same source address</li>',
    '<li><span class="key key-app"></span>same app</li>',
    '<li><span class="key key-actor"></span>same actor</li>',
    '</ul>',
  ];
  if (m.connections.length) {
    out.push('<h3 class="sub-h">Connections</h3><ul id="connections">');
    for (const c of m.connections) out.push(connectionItem(c, m));
    out.push('</ul>');
  }
  out.push('</section>');
  return out.join('\n');
}

function listDd(values: readonly string[]): string {
  return values.map((v) => `<span class="u">${text(v)}</span>`).join(', ');
}

function findingSection(f: ReportFinding, m: ReportModel): string {
  const fd = f.finding;
  const rule = f.rule;
  const out: string[] = [];
  out.push(
    `<article class="finding sev-${fd.severity}" id="finding-${f.n}" data-f="${f.n}" data-finding="${f.n}" data-rule="${escapeHtml(fd.ruleId)}" data-severity="${fd.severity}">`,
    `<header>${sevBadge(fd.severity)}<h3 class="u">${text(fd.title)}</h3></header>`,
    '<dl>',
  );
  const attack = fd.attack
    .map((t) =>
      /^T\d{4}(?:\.\d{3})?$/.test(t)
        ? `<a href="https://attack.mitre.org/techniques/${t.replace('.', '/')}/" rel="noreferrer noopener">${t}</a>`
        : text(t),
    )
    .join(', ');
  const description = fd.description ?? rule?.description;
  out.push(
    `<dt>What</dt><dd><code>${text(fd.ruleId)}</code>${description ? ` ${text(description)}` : ''}${attack ? `<div class="note">ATT&amp;CK ${attack}</div>` : ''}</dd>`,
    `<dt>Who</dt><dd><strong class="u">${text(fd.principal)}</strong> <span class="note">tenant <span class="u">${text(fd.tenant)}</span></span></dd>`,
  );
  if (f.facts.users.length) out.push(`<dt>Users</dt><dd>${listDd(f.facts.users)}</dd>`);
  if (f.facts.apps.length) {
    const apps = f.facts.apps.map((a) =>
      a.name && a.id
        ? `<span class="u">${text(a.name)}</span> <code>${text(a.id)}</code>`
        : `<code>${text(a.id ?? a.name ?? '')}</code>`,
    );
    out.push(`<dt>Apps</dt><dd>${apps.join(', ')}</dd>`);
  }
  if (f.facts.ips.length) out.push(`<dt>Addresses</dt><dd class="mono">${listDd(f.facts.ips)}</dd>`);
  out.push(
    `<dt>When</dt><dd>${escapeHtml(iso(fd.firstSeen))} to ${escapeHtml(iso(fd.lastSeen))} <span class="note">(${escapeHtml(duration(Date.parse(fd.lastSeen) - Date.parse(fd.firstSeen)))})</span></dd>`,
    `<dt>Count</dt><dd data-count>${num(fd.count)}</dd>`,
    `<dt>Why</dt><dd class="why">${text(fd.why)}</dd>`,
    '</dl>',
  );

  // Evidence.
  const hasStep = f.rows.some((r) => r.item.step !== undefined);
  out.push(
    `<h4>Evidence (${plural(f.rows.length, 'event')})</h4><table class="evidence"><thead><tr><th>time (UTC)</th>${hasStep ? '<th>step</th>' : ''}<th>source</th><th>action</th><th>actor</th><th>address</th><th>target</th><th>record</th></tr></thead><tbody>`,
  );
  f.rows.forEach((r, i) => {
    const e = r.item;
    const step = e.step === undefined ? '' : `${e.step}. ${r.stepLabel ?? e.stepRule ?? ''}`;
    const raw = r.event
      ? `<details class="raw"><summary>raw</summary><pre>${rawJson(r.event.raw)}</pre></details>`
      : '<span class="note">not in this run\'s input</span>';
    out.push(
      `<tr data-evidence-row="${i}"${e.step !== undefined ? ` data-step="${e.step}"` : ''}><td class="mono">${escapeHtml(shortTime(r.time, 'full').replace(' UTC', ''))}</td>${hasStep ? `<td class="step-cell">${text(step)}</td>` : ''}<td class="mono">${text(e.source)}</td><td>${text(e.action)}</td><td>${text(e.actor)}</td><td class="mono">${text(e.ip ?? '')}</td><td>${text(e.target ?? '')}</td><td>${raw}</td></tr>`,
    );
  });
  out.push('</tbody></table>');
  if (fd.evidenceNote) out.push(`<p class="note">${text(fd.evidenceNote)}</p>`);

  // Runbook.
  if (fd.runbook.length) {
    out.push('<h4>What to do</h4><ol class="runbook">');
    for (const step of fd.runbook) out.push(`<li>${runbookStep(step, f.facts, fd.principal)}</li>`);
    out.push('</ol>');
  }
  if (fd.falsePositives?.length) {
    out.push('<h4>When it may be benign</h4><ul>');
    for (const fp of fd.falsePositives) out.push(`<li>${text(fp)}</li>`);
    out.push('</ul>');
  }

  // Related findings.
  if (f.related.length) {
    const byOther = new Map<number, string[]>();
    for (const r of f.related) {
      const list = byOther.get(r.n) ?? [];
      list.push(`${KIND_NAMES[r.kind]} <span class="u">${text(r.value)}</span>`);
      byOther.set(r.n, list);
    }
    out.push('<h4>Linked findings</h4><ul class="related">');
    for (const [n, why] of [...byOther].sort((a, b) => a[0] - b[0])) {
      const other = m.findings[n - 1];
      if (!other) continue;
      out.push(
        `<li data-related-to="${n}">${sevBadge(other.finding.severity)} ${findingLink(other)} <span class="u">${text(other.finding.title)}</span> <span class="note">same ${why.join('; same ')}</span></li>`,
      );
    }
    out.push('</ul>');
  }
  out.push(`<p class="note mono">finding id ${text(fd.id)}</p>`, '</article>');
  return out.join('\n');
}

/** Everything in the page a machine may want again: the findings as JSON, and the counts. */
function data(input: ReportInput): unknown {
  const s = input.summary;
  return {
    generatedAt: new Date(input.generatedAt).toISOString(),
    version: input.version,
    firstEvent: s.firstEvent === undefined ? null : new Date(s.firstEvent).toISOString(),
    lastEvent: s.lastEvent === undefined ? null : new Date(s.lastEvent).toISOString(),
    recordsRead: s.recordsRead,
    eventsNormalized: s.eventsNormalized,
    eventsBySource: s.eventsBySource,
    quarantined: s.quarantined,
    quarantineReasons: s.quarantineReasons,
    findingsBySeverity: s.findingsBySeverity,
    findings: s.findings satisfies Finding[],
  };
}

/**
 * The report as one HTML document.
 *
 * @example
 * const summary = await replay(['exports/'], { keepEvidence: true });
 * writeFileSync('report.html', renderReport({ summary, rules: ALL_RULES, generatedAt: new Date() }));
 */
export function renderReport(input: ReportInput): string {
  const s = input.summary;
  const m = buildModel(s.findings, s.evidenceEvents ?? [], input.rules ?? []);
  const generated = iso(new Date(input.generatedAt).getTime());
  const inputs = input.inputs?.length
    ? ` from ${input.inputs.map((p) => `<span class="u mono">${text(p)}</span>`).join(', ')}`
    : '';
  const title = `Tripline report: ${plural(s.findings.length, 'finding')}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(CSP)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="generator" content="tripline${input.version ? ` ${escapeHtml(visible(input.version))}` : ''}">
<title>${escapeHtml(title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
<h1>Tripline incident report</h1>
<p class="sub">${plural(s.findings.length, 'finding')} in ${plural(s.recordsRead, 'record')}${inputs}. Made ${escapeHtml(generated)}${input.version ? ` by tripline ${text(input.version)}` : ''}. Times are UTC.</p>
<div class="toolbar noprint"><button type="button" data-raw="open">Open every raw record</button><button type="button" data-raw="close">Close them</button></div>
${summarySection(s)}
${timelineSection(m)}
${inputSection(s)}
<section id="findings"><h2>Findings</h2>
${indexTable(m)}
${m.findings.map((f) => findingSection(f, m)).join('\n') || '<p>No findings.</p>'}
</section>
<footer>Made by Tripline from exported audit logs. Everything in this page comes from those logs and is shown as text; the page loads nothing.</footer>
</main>
<script type="application/json" id="tripline-data">${jsonForScript(data(input))}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
