/**
 * The evaluation on data nobody on this project wrote (see the corpus README):
 *
 *   npm run eval -- ../shared/corpus            # prints the report, writes docs/evaluation.md
 *   npm run eval -- ../shared/corpus --check    # writes nothing; exit 1 when docs/evaluation.md is stale
 *
 * 1. Normalizers: every det-eng-samples record must be read and normalized (the file reader over
 *    the dataset folder must read exactly the records labeled.jsonl lists); Panther test events of
 *    the sources Tripline reads are normalized and refusals counted by reason.
 * 2. Panther verdicts: each Panther rule in the mapping table (scripts/eval/panther-map.ts) is
 *    compared with the Tripline rules it maps to, test event by test event. A test event that lacks
 *    the time or the address its rule needs is reported as such, not counted.
 * 3. det-eng-samples: each file is replayed through every shipped rule; every record must fire the
 *    rule its technique maps to (scripts/eval/det-eng-map.ts), where the catalogue has one.
 *
 * Exit 1 when agreement with the mapped Panther verdicts is below 95%, when a disagreement or a
 * det-eng miss has no explanation in the tables, when a det-eng record is not read or normalized,
 * or (with --check) when docs/evaluation.md differs from this run.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { detectSource, normalize } from '../shared/events/normalize';
import type { TriplineEvent } from '../shared/events/types';
import { readRecords } from '../shared/sources/files';
import { detEngMapping } from './eval/det-eng-map';
import { NOT_MAPPED, PANTHER_MAP } from './eval/panther-map';
import type { Mode } from './eval/panther-map';
import { BY_ID, copiesFor, fired, qualifies, rule } from './eval/verdict';

/** Agreement below this fails the evaluation. */
const FLOOR = 0.95;
const TENANT = 'eval-tenant';
const DOC = join(__dirname, '..', 'docs', 'evaluation.md');

// --- normalizers -------------------------------------------------------------------------------

interface Tally {
  ok: number;
  refused: Map<string, number>;
}
const tally = (m: Map<string, Tally>, k: string): Tally => {
  let t = m.get(k);
  if (!t) m.set(k, (t = { ok: 0, refused: new Map() }));
  return t;
};
/** A refusal reason without the record's own values, so reasons group. */
const reasonKey = (r: string) => r.replace(/'[^']*'/g, "'…'");

// --- Panther -----------------------------------------------------------------------------------

interface PantherLine {
  rule: string;
  test: string;
  expected: boolean;
  log: unknown;
  log_types?: string[] | null;
  threshold?: number | null;
}

type Outcome = 'agree' | 'disagree' | 'lacks-time' | 'lacks-ip' | 'not-normalized' | 'other-source';

interface PantherResult {
  rule: string;
  test: string;
  expected: boolean;
  outcome: Outcome;
  verdict?: boolean | undefined;
  /** For events lacking a time: Tripline's verdict once a time is assumed. */
  assumedVerdict?: boolean | undefined;
  detail?: string | undefined;
}

function readPanther(root: string): PantherLine[] {
  const base = join(root, 'panther');
  const out: PantherLine[] = [];
  for (const d of readdirSync(base).sort()) {
    if (!d.endsWith('_rules')) continue;
    for (const f of readdirSync(join(base, d)).sort()) {
      if (!f.endsWith('.jsonl')) continue;
      for (const l of readFileSync(join(base, d, f), 'utf8').split('\n'))
        if (l.trim() !== '') out.push(JSON.parse(l) as PantherLine);
    }
  }
  return out;
}

const TIME_RE =
  /^(?:no |unreadable )(?:eventTime|CreationTime|id\.time|activityDateTime|createdDateTime|TimeGenerated|@timestamp|date_create|requestReceivedTimestamp|timestamp)/;
const ASSUMED = '2024-01-01T00:00:00Z';

/** A copy of a test event with a time in its source's time field (for the "lacks time" report only). */
function withAssumedTime(log: unknown): unknown {
  const o = JSON.parse(JSON.stringify(log)) as Record<string, unknown>;
  if (typeof o.eventName === 'string' || typeof o.eventname === 'string') o.eventTime = ASSUMED;
  else if (o.Operation !== undefined) o.CreationTime = ASSUMED;
  else if (o.operation !== undefined) o.creationtime = ASSUMED;
  else if (typeof o.id === 'object' && o.id !== null) (o.id as Record<string, unknown>).time = ASSUMED;
  else if (typeof o.properties === 'object' && o.properties !== null) o.time = ASSUMED;
  else if (o.kind === 'Event' || o.verb !== undefined) o.requestReceivedTimestamp = ASSUMED;
  else if (o.protoPayload !== undefined) o.timestamp = ASSUMED;
  else if (o.date_create !== undefined || o.context !== undefined) o.date_create = ASSUMED;
  else o.created_at = ASSUMED;
  return o;
}

/** Whether a rule groups or counts by the source address. */
function needsIp(id: string): boolean {
  const r = rule(id);
  if (r.kind === 'sequence') return r.by === 'actor.ip';
  return ('groupBy' in r && r.groupBy === 'actor.ip') || ('field' in r && r.field === 'actor.ip');
}

async function verdictOf(
  m: { id: string; mode: Mode },
  events: TriplineEvent[],
  threshold: number,
): Promise<boolean> {
  if (m.mode === 'qualifies') return events.some((e) => qualifies(m.id, e));
  return (await fired([m.id], events, copiesFor(m.id, threshold))).has(m.id);
}

async function panther(root: string, norm: Map<string, Tally>): Promise<PantherResult[]> {
  const results: PantherResult[] = [];
  for (const line of readPanther(root)) {
    const src = detectSource(line.log);
    const mapping = PANTHER_MAP[line.rule];
    if (src !== undefined) {
      const r = normalize(line.log, { tenant: TENANT });
      const t = tally(norm, `panther ${src}`);
      if (r.ok) t.ok++;
      else t.refused.set(reasonKey(r.reason), (t.refused.get(reasonKey(r.reason)) ?? 0) + 1);
    }
    if (!mapping) continue;
    const base = { rule: line.rule, test: line.test, expected: line.expected };
    if (src === undefined) {
      results.push({ ...base, outcome: 'other-source' });
      continue;
    }
    const threshold = line.threshold ?? 1;
    const r = normalize(line.log, { tenant: TENANT });
    if (!r.ok) {
      if (TIME_RE.test(r.reason)) {
        const a = normalize(withAssumedTime(line.log), { tenant: TENANT });
        let assumedVerdict: boolean | undefined;
        if (a.ok) {
          assumedVerdict = false;
          for (const m of mapping.rules) if (await verdictOf(m, a.events, threshold)) assumedVerdict = true;
        }
        results.push({ ...base, outcome: 'lacks-time', assumedVerdict, detail: r.reason });
      } else results.push({ ...base, outcome: 'not-normalized', detail: r.reason });
      continue;
    }
    if (mapping.rules.every((m) => needsIp(m.id)) && r.events.every((e) => e.actor.ip === undefined)) {
      results.push({
        ...base,
        outcome: 'lacks-ip',
        detail: `${mapping.rules.map((m) => m.id).join(', ')} counts per source address`,
      });
      continue;
    }
    let verdict = false;
    for (const m of mapping.rules) if (await verdictOf(m, r.events, threshold)) verdict = true;
    results.push({ ...base, outcome: verdict === line.expected ? 'agree' : 'disagree', verdict });
  }
  return results;
}

// --- det-eng-samples ---------------------------------------------------------------------------

interface Labeled {
  file: string;
  index: number;
  attack_technique: string;
  activity: string;
  operation: string | null;
  log: unknown;
}

interface DetEngRow {
  file: string;
  technique: string;
  activity: string;
  operation: string;
  rule?: string | undefined;
  none?: string | undefined;
  records: number;
  fired: number;
  explainMiss?: string | undefined;
}

async function detEng(root: string, norm: Map<string, Tally>, problems: string[]): Promise<DetEngRow[]> {
  const dir = join(root, 'det-eng-samples', 'dataset');
  const idsRead = new Set<string>();
  for await (const item of readRecords([dir])) {
    if (item.kind === 'problem') {
      problems.push(
        `${item.origin.file}${item.origin.line !== undefined ? `:${item.origin.line}` : ''}: ${item.reason}`,
      );
      continue;
    }
    const r = normalize(item.record, { tenant: TENANT });
    const t = tally(norm, `det-eng ${detectSource(item.record) ?? 'unrecognized'}`);
    if (r.ok) {
      t.ok++;
      for (const e of r.events) idsRead.add(e.id);
    } else {
      t.refused.set(reasonKey(r.reason), (t.refused.get(reasonKey(r.reason)) ?? 0) + 1);
      problems.push(`${item.origin.file}:${item.origin.line ?? ''}: ${r.reason}`);
    }
  }
  const labeled = readFileSync(join(root, 'det-eng-samples', 'labeled.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Labeled);

  // Records of one file replayed together, as an incident responder would replay that export.
  const byFile = new Map<string, Array<{ l: Labeled; e: TriplineEvent[] }>>();
  for (const l of labeled) {
    const r = normalize(l.log, { tenant: TENANT });
    if (!r.ok) {
      problems.push(`labeled.jsonl ${l.file}#${l.index}: ${r.reason}`);
      continue;
    }
    for (const e of r.events)
      if (!idsRead.has(e.id)) problems.push(`${l.file}#${l.index}: not read from the dataset folder`);
    const list = byFile.get(l.file) ?? [];
    list.push({ l, e: r.events });
    byFile.set(l.file, list);
  }
  const rows = new Map<string, DetEngRow>();
  for (const [file, recs] of [...byFile].sort((a, b) => a[0].localeCompare(b[0]))) {
    const all = recs.flatMap((x) => x.e);
    const ruleIds = [...new Set(recs.flatMap((x) => idsOf(detEngMapping(x.l.activity, operationOf(x)))))];
    const firedIds = ruleIds.length ? await fired(ruleIds, all) : new Set<string>();
    for (const x of recs) {
      const op = operationOf(x);
      const m = detEngMapping(x.l.activity, op);
      const key = `${file}|${op}`;
      const row = rows.get(key) ?? {
        file,
        technique: x.l.attack_technique,
        activity: x.l.activity,
        operation: op ?? '',
        rule: idsOf(m).join(' or ') || undefined,
        none: m === undefined ? 'no entry in scripts/eval/det-eng-map.ts' : m.none,
        records: 0,
        fired: 0,
        explainMiss: m?.explainMiss,
      };
      row.records++;
      if (idsOf(m).some((id) => firedIds.has(id) && x.e.some((e) => qualifies(id, e)))) row.fired++;
      rows.set(key, row);
    }
  }
  return [...rows.values()];
}

/** The rules a det-eng mapping names. */
function idsOf(m: { rule?: string | undefined; rules?: string[] | undefined } | undefined): string[] {
  return m?.rules ?? (m?.rule ? [m.rule] : []);
}

function operationOf(x: { l: Labeled; e: TriplineEvent[] }): string | undefined {
  if (x.l.operation) return x.l.operation;
  const raw = x.e[0]?.raw as { Operation?: unknown } | undefined;
  return typeof raw?.Operation === 'string' ? raw.Operation : undefined;
}

// --- report ------------------------------------------------------------------------------------

const pct = (a: number, b: number) => (b === 0 ? '-' : `${((100 * a) / b).toFixed(1)}%`);
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function render(
  norm: Map<string, Tally>,
  problems: string[],
  results: PantherResult[],
  det: DetEngRow[],
): { doc: string; summary: string; failures: string[] } {
  const failures: string[] = [];
  const counted = results.filter((r) => r.outcome === 'agree' || r.outcome === 'disagree');
  const agree = counted.filter((r) => r.outcome === 'agree').length;
  const lacksTime = results.filter((r) => r.outcome === 'lacks-time');
  const lacksIp = results.filter((r) => r.outcome === 'lacks-ip');
  const notNorm = results.filter((r) => r.outcome === 'not-normalized');
  const disagreements = results.filter((r) => r.outcome === 'disagree');
  const mappedRules = new Set(results.map((r) => r.rule));
  const detMapped = det.filter((r) => r.rule);
  const detRecords = detMapped.reduce((n, r) => n + r.records, 0);
  const detFired = detMapped.reduce((n, r) => n + r.fired, 0);
  const detNone = det.filter((r) => !r.rule).reduce((n, r) => n + r.records, 0);

  for (const d of disagreements)
    if (!PANTHER_MAP[d.rule]?.explain?.[d.test])
      failures.push(`unexplained disagreement: ${d.rule} / ${d.test}`);
  for (const n of notNorm) failures.push(`Panther event not normalized: ${n.rule} / ${n.test}: ${n.detail}`);
  for (const r of detMapped)
    if (r.fired < r.records && !r.explainMiss)
      failures.push(
        `det-eng ${r.file} (${r.operation}): ${r.records - r.fired} record(s) do not fire ${r.rule}`,
      );
  for (const r of det)
    if (!r.rule && r.none?.startsWith('no entry'))
      failures.push(`det-eng ${r.file} (${r.operation}): not in the mapping table`);
  for (const p of problems) failures.push(`det-eng record not read or normalized: ${p}`);
  const rate = counted.length ? agree / counted.length : 0;
  if (rate < FLOOR)
    failures.push(`agreement ${pct(agree, counted.length)} is below the floor of ${FLOOR * 100}%`);

  const summary =
    `eval: Panther ${agree}/${counted.length} agree (${pct(agree, counted.length)}) over ${mappedRules.size} mapped rules, ` +
    `${disagreements.length} disagreements (${disagreements.filter((d) => PANTHER_MAP[d.rule]?.explain?.[d.test]).length} explained); ${lacksTime.length} events lack a time and ${lacksIp.length} an address (reported, not counted); ` +
    `det-eng ${detFired}/${detRecords} mapped records fire their rule, ${detNone} records map to no catalogue rule`;

  const out: string[] = [];
  out.push('# Evaluation', '');
  out.push(
    'Generated by `npm run eval -- ../shared/corpus` (scripts/eval.ts) over the public sample corpus:',
    "Panther's rule test events (panther-labs/panther-analysis) and a lab tenant's unified audit log",
    '(blueteam0ps/det-eng-samples). Nobody on this project wrote them. CI runs the evaluation when the',
    'corpus sits beside the repository and fails below 95% agreement, on an unexplained disagreement or',
    'miss, or when this page is stale (`--check`). Do not edit by hand: explanations live in',
    '`scripts/eval/panther-map.ts` and `scripts/eval/det-eng-map.ts`.',
    '',
    `**${summary}**`,
    '',
  );

  out.push('## How verdicts are compared', '');
  out.push(
    'A Panther test event carries one verdict: the event fires the rule, or, for a rule with a threshold,',
    'it counts toward the threshold. For each Panther rule, the mapping table names the Tripline rules that',
    'answer the same question and how: *finding* replays the event and checks for a finding (a signal for',
    "signal rules); a threshold rule gets the event N times inside its window, N being the larger of Panther's",
    'threshold and its own count, each copy with its own id. *qualifies* checks that the event counts toward',
    'a distinct or new-terms rule (candidate, predicate true, group and value present): copies of one event',
    'cannot make distinct values or a learned baseline. Events of sources Tripline does not read (Okta, Box,',
    '1Password...) are left out. An event without a time cannot be read by Tripline (every event needs its',
    'own time); it is reported with the verdict Tripline gives once a time is assumed, and not counted.',
    '',
  );

  out.push('## Panther rules, mapped', '');
  out.push(
    '| Panther rule | Tripline rules (mode) | agree | disagree | lacks time | lacks address |',
    '| --- | --- | --- | --- | --- | --- |',
  );
  for (const id of [...mappedRules].sort()) {
    const rs = results.filter((r) => r.rule === id);
    const n = (o: Outcome) => rs.filter((r) => r.outcome === o).length;
    const m = PANTHER_MAP[id];
    out.push(
      `| ${id} | ${(m?.rules ?? []).map((x) => `${x.id} (${x.mode})`).join(', ')} | ${n('agree')} | ${n('disagree')} | ${n('lacks-time')} | ${n('lacks-ip')} |`,
    );
  }
  out.push('');

  out.push('### Not mapped, on purpose', '');
  out.push('| Panther rule | why its verdicts are not compared |', '| --- | --- |');
  for (const [id, why] of Object.entries(NOT_MAPPED).sort()) out.push(`| ${id} | ${cell(why)} |`);
  out.push(
    '',
    'Other Panther rules of the sources Tripline reads ask questions no Tripline rule asks (RDS snapshots,',
    'security groups, S3 bucket policies, Workspace calendar sharing, GitHub branch protection...) and are',
    'not compared.',
    '',
  );

  out.push('## Every disagreement, explained', '');
  if (!disagreements.length) out.push('None.', '');
  else {
    out.push('| Panther rule | test event | Panther | Tripline | why |', '| --- | --- | --- | --- | --- |');
    for (const d of disagreements)
      out.push(
        `| ${d.rule} | ${cell(d.test)} | ${d.expected} | ${d.verdict} | ${cell(PANTHER_MAP[d.rule]?.explain?.[d.test] ?? 'UNEXPLAINED')} |`,
      );
    out.push('');
  }

  out.push('## Test events that lack what their rule needs', '');
  out.push(
    `${lacksTime.length} events carry no usable time; ${lacksTime.filter((r) => r.assumedVerdict === r.expected).length} of them would agree once a time is assumed.`,
    `${lacksIp.length} events lack the source address their rule counts by.`,
    '',
  );
  if (lacksTime.length + lacksIp.length) {
    out.push(
      '| Panther rule | test event | lacks | Panther | Tripline with a time assumed |',
      '| --- | --- | --- | --- | --- |',
    );
    for (const r of [...lacksTime, ...lacksIp])
      out.push(
        `| ${r.rule} | ${cell(r.test)} | ${r.outcome === 'lacks-time' ? 'time' : 'address'} | ${r.expected} | ${r.assumedVerdict ?? '-'} |`,
      );
    out.push('');
  }

  out.push('## det-eng-samples', '');
  out.push(
    'Each file is replayed through every shipped rule. A record fires its rule when the rule published a',
    'finding during the replay of its file and the record counts toward it.',
    '',
  );
  out.push(
    '| file | technique | operation | rule | records | fire | note |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const r of [...det].sort(
    (a, b) => a.file.localeCompare(b.file) || a.operation.localeCompare(b.operation),
  ))
    out.push(
      `| ${cell(r.file)} | ${r.technique} | ${cell(r.operation)} | ${r.rule ?? 'none'} | ${r.records} | ${r.rule ? r.fired : '-'} | ${cell(r.rule ? (r.fired < r.records ? (r.explainMiss ?? 'UNEXPLAINED') : '') : (r.none ?? ''))} |`,
    );
  out.push('');

  out.push('## Normalizers over the corpus', '');
  out.push('| corpus and source | read | refused (reason × count) |', '| --- | --- | --- |');
  for (const [k, t] of [...norm].sort((a, b) => a[0].localeCompare(b[0]))) {
    const reasons = [...t.refused].sort((a, b) => b[1] - a[1]).map(([r, n]) => `${cell(r)} × ${n}`);
    out.push(`| ${k} | ${t.ok} | ${reasons.join('; ')} |`);
  }
  out.push('');
  out.push(
    'Panther test events are minimal by design: most refusals are events written without a time.',
    'Logs of sources Tripline does not read (Okta, Azure Activity, GitHub webhooks, Box...) are not counted.',
    '',
  );
  return { doc: out.join('\n'), summary, failures };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const root = args.find((a) => !a.startsWith('--'));
  const check = args.includes('--check');
  if (
    root === undefined ||
    !existsSync(join(root, 'panther')) ||
    !existsSync(join(root, 'det-eng-samples'))
  ) {
    console.error(
      'usage: npm run eval -- <corpus folder> [--check]   (the folder holding panther/ and det-eng-samples/)',
    );
    process.exit(2);
  }
  if (BY_ID.size === 0) throw new Error('no rules');
  const norm = new Map<string, Tally>();
  const problems: string[] = [];
  const det = await detEng(root, norm, problems);
  const results = await panther(root, norm);
  const { doc, summary, failures } = render(norm, problems, results, det);
  if (check) {
    const current = existsSync(DOC) ? readFileSync(DOC, 'utf8') : '';
    if (current !== doc)
      failures.push('docs/evaluation.md is stale: run `npm run eval -- <corpus folder>` and commit it');
  } else writeFileSync(DOC, doc);
  for (const r of results.filter((x) => x.outcome === 'disagree'))
    console.log(`  disagree: ${r.rule} / ${r.test}: Panther ${r.expected}, Tripline ${r.verdict}`);
  console.log(summary);
  if (failures.length) {
    for (const f of failures) console.log(`FAIL: ${f}`);
    process.exit(1);
  }
  console.log(check ? 'OK (docs/evaluation.md is current)' : `OK: wrote ${DOC}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(3);
});
