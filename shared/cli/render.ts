/**
 * What `tripline replay` prints: the findings table, a details block per important finding, the
 * closing summary, and the rules list. Pure string building; the caller decides where it goes.
 *
 * Every value goes through the output-safety layer (shared/text/safe.ts): shown on one line with
 * controls and escape sequences made visible, after a label or in a column this module writes, so
 * text from a log can neither restyle the terminal nor produce a line of its own.
 */
import { SEVERITIES, severityRank } from '../engine/findings';
import type { Finding, Severity } from '../engine/findings';
import type { RuleDefinition } from '../engine/rule';
import type { ReplaySummary } from '../replay/replay';
import { safeText } from '../text/safe';
import { renderTable } from './table';
import type { Cell } from './table';

/** ANSI styles, or identity functions when colors are off. */
export interface Styles {
  bold(s: string): string;
  dim(s: string): string;
  severity(sev: Severity, s: string): string;
}

const ESC = '\u001b[';
const wrap = (open: string, s: string) => `${ESC}${open}m${s}${ESC}0m`;

/** Styles for a terminal that shows colors, or plain text. */
export function makeStyles(color: boolean): Styles {
  if (!color) return { bold: (s) => s, dim: (s) => s, severity: (_sev, s) => s };
  const sev: Record<Severity, string> = {
    critical: '1;97;41',
    high: '1;31',
    medium: '33',
    low: '36',
    info: '2',
  };
  return {
    bold: (s) => wrap('1', s),
    dim: (s) => wrap('2', s),
    severity: (v, s) => wrap(sev[v], s),
  };
}

/** '2026-03-02 09:15:00' from an ISO time (UTC), or the input when it is not a time. */
export function utc(iso: string | number): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return d.toISOString().slice(0, 19).replace('T', ' ');
}

/** '12,345'. */
export function num(n: number): string {
  return n.toLocaleString('en-US');
}

/** '1 file' / '3 files'. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${num(n)} ${n === 1 ? one : many}`;
}

/** '512 B', '3.4 KB', '12.0 MB'. */
export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(2)} GB`;
}

/** '320 ms', '1.4 s', '2 min 5 s'. */
export function elapsed(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${s % 60} s`;
}

/**
 * The findings table: severity, rule id, principal, title, last seen (UTC), count. With `width` (a
 * terminal's columns), the title and then the principal are cut so lines fit.
 */
export function findingsTable(findings: readonly Finding[], st: Styles, width?: number): string {
  const rows = findings.map((f): Array<string | Cell> => [
    { text: f.severity.toUpperCase(), style: (s) => st.severity(f.severity, s) },
    f.ruleId,
    f.principal,
    f.title,
    utc(f.lastSeen),
    num(f.count),
  ]);
  return renderTable(
    [
      { header: 'SEVERITY' },
      { header: 'RULE', max: 40 },
      { header: 'PRINCIPAL', max: 40, min: 20 },
      { header: 'TITLE', max: 70, min: 24 },
      { header: 'LAST SEEN (UTC)' },
      { header: 'COUNT', align: 'right' },
    ],
    rows,
    { headerStyle: st.bold, width },
  );
}

/** The label of a sequence step, from the rule that produced the finding. */
function stepLabel(rule: RuleDefinition | undefined, step: number | undefined): string | undefined {
  if (step === undefined || !rule || rule.kind !== 'sequence') return undefined;
  return rule.steps[step - 1]?.label;
}

/**
 * One block per finding: title, severity, principal, tenant, first and last seen, why, the evidence
 * timeline (one line per event: time, step, action, actor, ip, target), the evidence note and the
 * numbered runbook.
 */
export function detailsBlock(f: Finding, rule: RuleDefinition | undefined, st: Styles): string {
  const lines: string[] = [];
  const sev = st.severity(f.severity, safeText(f.severity.toUpperCase()));
  lines.push(`${sev}  ${st.bold(safeText(f.title))}`);
  const field = (k: string, v: string) => lines.push(`  ${k.padEnd(11)}${safeText(v)}`);
  field('rule', `${f.ruleId}${f.attack.length ? ` (${f.attack.join(', ')})` : ''}`);
  field('severity', f.severity);
  field('principal', f.principal);
  field('tenant', f.tenant);
  field('first seen', `${utc(f.firstSeen)} UTC`);
  field('last seen', `${utc(f.lastSeen)} UTC`);
  field('count', num(f.count));
  field('why', f.why);
  lines.push('  evidence');
  const hasStep = f.evidence.some((e) => e.step !== undefined);
  const rows = f.evidence.map((e) => {
    const label = stepLabel(rule, e.step);
    const step = e.step === undefined ? '' : `${e.step}. ${label ?? e.stepRule ?? ''}`.trim();
    const row = [utc(e.time), e.action, e.actor, e.ip ?? '', e.target ? `-> ${e.target}` : ''];
    if (hasStep) row.splice(1, 0, `[${step}]`);
    return row;
  });
  const cols = hasStep ? 6 : 5;
  const body = renderTable(
    Array.from({ length: cols }, (_, i) => ({ header: '', max: i === 0 ? undefined : 60 })),
    rows,
    { header: false, indent: '    ' },
  );
  lines.push(body.trimEnd());
  if (f.evidenceNote) lines.push(`    ${st.dim(safeText(f.evidenceNote))}`);
  if (f.runbook.length) {
    lines.push('  runbook');
    f.runbook.forEach((step, i) => lines.push(`    ${i + 1}. ${safeText(step)}`));
  }
  return `${lines.join('\n')}\n`;
}

/** Findings at or above `min` ('none' shows nothing, 'all' everything). */
export function detailsFor(findings: readonly Finding[], details: 'none' | 'high' | 'all'): Finding[] {
  if (details === 'none') return [];
  if (details === 'all') return [...findings];
  return findings.filter((f) => severityRank(f.severity) >= severityRank('high'));
}

/** Counts like '1 critical, 2 high, 5 medium' (severities with none left out), most severe first. */
export function severityCounts(by: Record<Severity, number>, st: Styles): string {
  const parts: string[] = [];
  for (let i = SEVERITIES.length - 1; i >= 0; i--) {
    const s = SEVERITIES[i] as Severity;
    if (by[s]) parts.push(st.severity(s, `${num(by[s])} ${s}`));
  }
  return parts.join(', ');
}

/** The closing summary: files, records, events, quarantine, findings by severity, state, elapsed. */
export function summaryBlock(s: ReplaySummary, st: Styles): string {
  const lines: string[] = [st.bold('Summary')];
  // Values are numbers and our words, styled; the two that come from data are escaped where built.
  const row = (k: string, v: string) => lines.push(`  ${k.padEnd(13)}${v}`);
  const read = s.files.filter((f) => f.status === 'replayed').length;
  const partly = s.files.filter((x) => x.status === 'replayed' && x.problem !== undefined).length;
  const names = new Set(s.files.map((x) => x.file));
  const unreadable =
    s.files.filter((x) => x.status === 'failed').length +
    s.fileProblems.filter((p) => !names.has(p.file)).length;
  let readBytes = 0;
  for (const f of s.files) if (f.status === 'replayed') readBytes += f.bytes;
  const fileParts = [
    `${num(read)} read (${bytes(readBytes)}${partly ? `; ${num(partly)} only partly, see stderr` : ''})`,
  ];
  if (s.skipped) fileParts.push(`${num(s.skipped)} skipped (already replayed)`);
  if (s.duplicates) fileParts.push(`${num(s.duplicates)} skipped (same content as another file)`);
  if (unreadable) fileParts.push(`${num(unreadable)} unreadable (see stderr)`);
  row('files', fileParts.join(', '));
  row(
    'records',
    `${num(s.recordsRead)} read, ${plural(s.eventsNormalized, 'event')} normalized, ${num(s.quarantined)} quarantined`,
  );
  if (s.quarantineReasons.length) {
    const top = s.quarantineReasons.slice(0, 3).map((r) => `${num(r.count)} × ${safeText(r.reason)}`);
    if (s.quarantineReasons.length > 3) top.push(`${num(s.quarantineReasons.length - 3)} other reasons`);
    row('quarantine', top.join('; '));
  }
  if (s.firstEvent !== undefined && s.lastEvent !== undefined) {
    row('events from', `${utc(s.firstEvent)} to ${utc(s.lastEvent)} UTC`);
  }
  const n = s.findings.length;
  let f = n ? `${num(n)}: ${severityCounts(s.findingsBySeverity, st)}` : '0';
  if (n && s.newFindings < n)
    f += ` (${num(s.newFindings)} new, ${num(n - s.newFindings)} updated from an earlier replay)`;
  row('findings', f);
  if (s.ruleErrors.length) {
    const events = s.ruleErrors.reduce((a, e) => a + e.count, 0);
    row(
      'rule errors',
      `${plural(s.ruleErrors.length, 'rule')} threw on ${plural(events, 'event')} (details on stderr)`,
    );
  }
  row('state', safeText(s.state));
  row('elapsed', elapsed(s.elapsedMs));
  return `${lines.join('\n')}\n`;
}

/** The same summary on one line, for stderr in jsonl mode. */
export function summaryLine(s: ReplaySummary): string {
  const by = severityCounts(s.findingsBySeverity, makeStyles(false));
  return (
    `tripline: ${plural(s.findings.length, 'finding')}${by ? ` (${by})` : ''} from ${num(s.eventsNormalized)} events ` +
    `(${num(s.recordsRead)} records read, ${num(s.quarantined)} quarantined) in ${elapsed(s.elapsedMs)}`
  );
}

/** A rule's title for listings: its text, or its description's first sentence when computed. */
export function ruleTitle(r: RuleDefinition): string {
  if (typeof r.title === 'string') return r.title;
  const d = r.description ?? '';
  const dot = d.search(/\.(\s|$)/);
  return dot > 0 ? d.slice(0, dot) : d;
}

/** `tripline rules`: id, severity, kind, ATT&CK, title; fitted to `width` when given (title cut). */
export function rulesTable(rules: readonly RuleDefinition[], st: Styles, width?: number): string {
  return renderTable(
    [
      { header: 'ID' },
      { header: 'SEVERITY' },
      { header: 'KIND' },
      { header: 'ATT&CK', max: 40 },
      { header: 'TITLE', max: 80, min: 24 },
    ],
    rules.map((r) => [
      r.id,
      { text: r.severity, style: (s: string) => st.severity(r.severity, s) },
      r.kind,
      r.attack.join(', '),
      ruleTitle(r),
    ]),
    { headerStyle: st.bold, width },
  );
}
