/**
 * Runs the normalizers over the public sample corpus (see the corpus README) and reports, per
 * source, how many records normalized and why the others were quarantined.
 *
 *   npx tsx scripts/eval-corpus.ts ../shared/corpus
 *
 * - det-eng-samples/dataset: every file goes through the file reader (CSV AuditData, JSON lines,
 *   PowerShell arrays...) and `normalize`. Every record must normalize, and the records read must
 *   be exactly those `labeled.jsonl` lists; otherwise the exit code is 1.
 * - panther/<dir>/*.jsonl: each line is `{"rule", "log", "log_types", ...}`; `log` is normalized.
 *   Logs of sources Tripline does not read (GitHub, Okta, Slack, Kubernetes, Azure Activity...)
 *   are counted as unsupported, not as failures.
 * - microsoft-docs: the Management Activity API sample response.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { detectSource, normalize } from '../shared/events/normalize';
import type { SourceId } from '../shared/events/types';
import { readRecords } from '../shared/sources/files';

const SAMPLE_REASONS = 6;

interface Tally {
  normalized: number;
  events: number;
  quarantined: number;
  /** reason -> how often, and where it was first seen */
  reasons: Map<string, { count: number; first: string }>;
}

const newTally = (): Tally => ({ normalized: 0, events: 0, quarantined: 0, reasons: new Map() });

function count(t: Tally, record: unknown, where: string): string | undefined {
  const r = normalize(record);
  if (r.ok) {
    t.normalized++;
    t.events += r.events.length;
    return undefined;
  }
  t.quarantined++;
  const seen = t.reasons.get(r.reason);
  if (seen) seen.count++;
  else t.reasons.set(r.reason, { count: 1, first: where });
  return r.reason;
}

function print(title: string, tallies: Map<string, Tally>): void {
  console.log(`\n${title}`);
  const width = Math.max(...[...tallies.keys()].map((k) => k.length), 8);
  for (const [k, t] of [...tallies].sort(([a], [b]) => a.localeCompare(b))) {
    const total = t.normalized + t.quarantined;
    console.log(
      `  ${k.padEnd(width)}  ${String(t.normalized).padStart(5)} / ${String(total).padStart(5)} normalized` +
        `  (${t.events} events)  ${t.quarantined} quarantined`,
    );
    const top = [...t.reasons].sort((a, b) => b[1].count - a[1].count);
    for (const [reason, { count: n, first }] of top.slice(0, SAMPLE_REASONS)) {
      console.log(`      ${String(n).padStart(4)} × ${reason}   (first: ${first})`);
    }
    if (top.length > SAMPLE_REASONS) console.log(`           … ${top.length - SAMPLE_REASONS} more reasons`);
  }
}

const tallyOf = (m: Map<string, Tally>, k: string): Tally => {
  let t = m.get(k);
  if (t === undefined) m.set(k, (t = newTally()));
  return t;
};

/** det-eng-samples: must be 100% normalized. Returns the number of failures. */
async function detEng(root: string): Promise<number> {
  const dir = join(root, 'det-eng-samples', 'dataset');
  const tallies = new Map<string, Tally>();
  const problems: string[] = [];
  const idsRead = new Set<string>();
  for await (const item of readRecords([dir])) {
    const file = (item.origin.file ?? '').slice(dir.length + 1);
    if (item.kind === 'problem') {
      problems.push(`${file}${item.origin.line !== undefined ? `:${item.origin.line}` : ''}: ${item.reason}`);
      continue;
    }
    const t = tallyOf(tallies, detectSource(item.record) ?? 'unrecognized');
    if (count(t, item.record, `${file}:${item.origin.line ?? ''}`) === undefined) {
      const r = normalize(item.record);
      if (r.ok) for (const e of r.events) idsRead.add(e.id);
    }
  }
  print(`det-eng-samples/dataset (file reader + normalize)`, tallies);
  for (const p of problems) console.log(`  file problem: ${p}`);

  let failures = problems.length;
  for (const t of tallies.values()) failures += t.quarantined;
  const labeledPath = join(root, 'det-eng-samples', 'labeled.jsonl');
  if (existsSync(labeledPath)) {
    const labeled = readFileSync(labeledPath, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as { file: string; log: unknown });
    // labeled.jsonl holds each record as its file holds it (PowerShell rows keep the AuditData
    // wrapper), so compare the ids of the normalized events.
    const want = new Set<string>();
    for (const l of labeled) {
      const r = normalize(l.log);
      if (r.ok) for (const e of r.events) want.add(e.id);
      else failures++;
    }
    const missing = [...want].filter((id) => !idsRead.has(id));
    const extra = [...idsRead].filter((id) => !want.has(id));
    console.log(
      `  labeled.jsonl: ${labeled.length} records, ${want.size} distinct ids; read ${idsRead.size} distinct ids`,
    );
    if (missing.length > 0) console.log(`  MISSING from the reader: ${missing.slice(0, 5).join(', ')}`);
    if (extra.length > 0) console.log(`  NOT in labeled.jsonl: ${extra.slice(0, 5).join(', ')}`);
    failures += missing.length + extra.length;
  }
  return failures;
}

/** Panther log types of the five sources Tripline reads. */
function ourSource(logType: string): SourceId | 'entra' | undefined {
  if (logType === 'AWS.CloudTrail') return 'aws.cloudtrail';
  if (logType === 'Azure.Audit') return 'entra';
  if (logType.startsWith('GSuite.')) return 'google.workspace';
  if (logType.startsWith('Microsoft365.Audit.')) return 'm365.audit';
  return undefined;
}

interface PantherLine {
  rule?: string;
  log?: unknown;
  log_types?: string[];
}

function panther(root: string): void {
  const base = join(root, 'panther');
  const tallies = new Map<string, Tally>();
  const unsupported = new Map<string, number>();
  let lines = 0;
  for (const d of readdirSync(base).sort()) {
    const sub = join(base, d);
    if (!d.endsWith('_rules')) continue;
    for (const f of readdirSync(sub).sort()) {
      if (!f.endsWith('.jsonl')) continue;
      const text = readFileSync(join(sub, f), 'utf8');
      let n = 0;
      for (const l of text.split('\n')) {
        n++;
        if (l.trim() === '') continue;
        lines++;
        const line = JSON.parse(l) as PantherLine;
        const log = line.log;
        const pType =
          log !== null &&
          typeof log === 'object' &&
          typeof (log as { p_log_type?: unknown }).p_log_type === 'string'
            ? (log as { p_log_type: string }).p_log_type
            : line.log_types?.length === 1
              ? line.log_types[0]
              : undefined;
        const detected = detectSource(log);
        const ours = pType !== undefined ? ourSource(pType) : detected;
        if (ours === undefined) {
          const key = pType ?? 'unlabelled, shape not one of ours';
          unsupported.set(key, (unsupported.get(key) ?? 0) + 1);
          continue;
        }
        const key = ours === 'entra' ? (detected ?? 'entra (shape not recognized)') : ours;
        count(tallyOf(tallies, key), log, `${d}/${f}:${n}`);
      }
    }
  }
  print(`panther (${lines} test events; records of our five sources)`, tallies);
  console.log('  unsupported sources (not normalized, not failures):');
  for (const [k, v] of [...unsupported].sort((a, b) => b[1] - a[1]))
    console.log(`      ${String(v).padStart(4)}  ${k}`);
}

async function msDocs(root: string): Promise<void> {
  const dir = join(root, 'microsoft-docs');
  if (!existsSync(dir)) return;
  const tallies = new Map<string, Tally>();
  for await (const item of readRecords([dir])) {
    if (item.kind === 'problem') {
      console.log(`  file problem: ${item.origin.file}: ${item.reason}`);
      continue;
    }
    count(
      tallyOf(tallies, detectSource(item.record) ?? 'unrecognized'),
      item.record,
      `${item.origin.file}:${item.origin.line}`,
    );
  }
  print('microsoft-docs (Management Activity API sample)', tallies);
}

async function main(): Promise<void> {
  const root = process.argv[2];
  if (root === undefined || !existsSync(root)) {
    console.error('usage: npx tsx scripts/eval-corpus.ts <corpus folder>');
    process.exit(2);
  }
  const failures = await detEng(root);
  panther(root);
  await msDocs(root);
  if (failures > 0) {
    console.log(`\nFAIL: ${failures} det-eng-samples record(s) not normalized or not read`);
    process.exit(1);
  }
  console.log('\nOK: every det-eng-samples record normalized');
}

void main();
