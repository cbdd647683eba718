/**
 * Replay throughput: how fast Tripline turns parsed audit records into findings, compared with the
 * bare cost of reading and parsing them.
 *
 *   npm run bench                      # 200,000 records
 *   npm run bench -- --records=50000   # smaller, for a quick look (--runs=N: repetitions, default 3)
 *
 * 1. Generates (once per seed and size) a synthetic corpus of raw records under bench/.out/, one
 *    JSON-lines file per source, from the same builders as the examples: CloudTrail 40 %, M365
 *    unified audit log 30 %, Entra sign-ins 20 %, Entra audit 5 %, Workspace 5 %; 5,000 users,
 *    500 addresses, 200 AWS principals, with a small share of failures and attacker behaviour
 *    (sprays, brute force, MFA fatigue, risky consents, third-party mail and file reads, CloudTrail
 *    stopped, a leaked key sweeping services and reading secrets) so the stateful rules do real
 *    work. The generator records which lines the campaigns planted.
 * 2. parse: reads the files and JSON.parse-s every line (the floor any replay pays).
 * 3. replay: over the parsed records, normalize every record, sort the events by time, and run
 *    every shipped rule (ALL_RULES) through the Detector with the embedded state store in memory,
 *    in batches of 5,000 events, as `tripline replay` does.
 * 4. noise: the findings of the first replay that no planted record took part in, per 1,000 benign
 *    events, per rule and in total (budget: at most 1 per 1,000; bench/noise.ts).
 * Both are warmed up on a slice first, then each runs three times and the medians are reported. Progress goes to stderr; the last stdout line is one JSON
 * object: {"events", "parseEventsPerSec", "replayEventsPerSec", "ratio", "noisePer1kBenign", ...}.
 */
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Detector } from '../shared/engine/detector';
import { normalize } from '../shared/events/normalize';
import type { TriplineEvent } from '../shared/events/types';
import { ALL_RULES } from '../shared/rules/index';
import { EmbeddedStateStore } from '../shared/state/embedded';
import { measureAws } from './aws';
import { costPerMillionEvents } from './cost';
import { CORPUS_MIX, generateCorpus } from './generate';
import type { CorpusFile } from './generate';
import { noiseOf, plantedEventIds } from './noise';
import type { Finding } from '../shared/engine/findings';

const BATCH = 5000;
const WARMUP_RECORDS = 10_000;
const OUT = join(__dirname, '.out');

function arg(name: string, fallback: number): number {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  if (!hit) return fallback;
  const n = Number(hit.slice(name.length + 3));
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number`);
  return Math.floor(n);
}

function log(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}

/** CPU milliseconds (user + system, all threads) since `from`. */
function cpuMs(from: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1000;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

function mb(bytes: number): number {
  return Math.round(bytes / 1e5) / 10;
}

interface Manifest {
  seed: string;
  records: number;
  version: number;
  files: CorpusFile[];
}

/** The corpus for (seed, records), generated unless bench/.out already holds it. */
async function corpus(seed: string, records: number): Promise<CorpusFile[]> {
  const manifestPath = join(OUT, 'manifest.json');
  const version = 3;
  const here = (files: CorpusFile[]) => files.map((f) => ({ ...f, path: join(OUT, basename(f.path)) }));
  if (existsSync(manifestPath)) {
    const m = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
    const files = here(m.files);
    if (
      m.seed === seed &&
      m.records === records &&
      m.version === version &&
      files.every((f) => existsSync(f.path))
    ) {
      log(`corpus: reusing ${OUT} (${files.reduce((n, f) => n + f.records, 0)} records)`);
      return files;
    }
  }
  const t0 = performance.now();
  log(`corpus: generating ${records} records (seed ${seed}) under ${OUT} ...`);
  // Written aside and moved into place with the manifest last, so an interrupted run is never
  // mistaken for a whole corpus.
  rmSync(manifestPath, { force: true });
  const tmp = join(OUT, `.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  const written = await generateCorpus(tmp, { records, seed });
  for (const f of written) renameSync(f.path, join(OUT, basename(f.path)));
  rmSync(tmp, { recursive: true, force: true });
  const m: Manifest = {
    seed,
    records,
    version,
    files: written.map((f) => ({ ...f, path: basename(f.path) })),
  };
  writeFileSync(manifestPath, JSON.stringify(m, null, 2));
  const files = here(m.files);
  log(
    `corpus: ${files.map((f) => `${f.source} ${f.records} (${mb(f.bytes)} MB)`).join(', ')} in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  return files;
}

/** Reads a JSON-lines file and parses every line; `limit` stops early (warm-up). */
function parseFile(path: string, into: unknown[], limit = Infinity): number {
  const text = readFileSync(path, 'utf8');
  let start = 0;
  let n = 0;
  while (start < text.length && n < limit) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    if (end > start) {
      into.push(JSON.parse(text.slice(start, end)) as unknown);
      n++;
    }
    start = end + 1;
  }
  return text.length;
}

interface ReplayResult {
  /** Every finding of the run in its final state. */
  all: Finding[];
  events: number;
  quarantined: number;
  findings: number;
  updated: number;
  byRule: Record<string, number>;
  normalizeMs: number;
  detectMs: number;
  cpuMs: number;
  stateReads: number;
  stateWrites: number;
  ruleErrors: number;
}

/** normalize + sort + Detector over ALL_RULES with a fresh in-memory embedded store. */
async function replayRecords(records: readonly unknown[], progress: boolean): Promise<ReplayResult> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const events: TriplineEvent[] = [];
  let quarantined = 0;
  for (const r of records) {
    const res = normalize(r);
    if (res.ok) for (const e of res.events) events.push(e);
    else quarantined++;
  }
  events.sort((a, b) => a.time - b.time);
  const t1 = performance.now();
  const store = await EmbeddedStateStore.open(':memory:');
  const detector = new Detector({ rules: ALL_RULES, store });
  const ids = new Set<string>();
  const all = new Map<string, Finding>();
  const byRule: Record<string, number> = {};
  let updated = 0;
  let stateReads = 0;
  let stateWrites = 0;
  let ruleErrors = 0;
  const total = events.length;
  for (let i = 0; i < total; i += BATCH) {
    const r = await detector.process(events.slice(i, i + BATCH));
    for (const f of r.findings) {
      if (!ids.has(f.id)) byRule[f.ruleId] = (byRule[f.ruleId] ?? 0) + 1;
      ids.add(f.id);
    }
    for (const f of [...r.findings, ...r.updated]) all.set(f.id, f);
    updated += r.updated.length;
    stateReads += r.stats.stateReads;
    stateWrites += r.stats.stateWrites;
    for (const e of r.ruleErrors) ruleErrors += e.count;
    if (progress && (i / BATCH) % 8 === 0)
      log(`replay: ${Math.min(i + BATCH, total)} / ${total} events, ${ids.size} findings`);
  }
  const t2 = performance.now();
  await store.close();
  return {
    all: [...all.values()],
    events: total,
    quarantined,
    findings: ids.size,
    updated,
    byRule,
    normalizeMs: t1 - t0,
    cpuMs: cpuMs(c0),
    detectMs: t2 - t1,
    stateReads,
    stateWrites,
    ruleErrors,
  };
}

async function main(): Promise<void> {
  const records = arg('records', 200_000);
  const runs = arg('runs', 3);
  const seed = 'tripline-bench-v2';
  const files = await corpus(seed, records);

  // Warm-up: parse and replay a slice of every source so the JIT has seen every path.
  log('warm-up ...');
  const warm: unknown[] = [];
  for (const f of files) parseFile(f.path, warm, Math.ceil(WARMUP_RECORDS * CORPUS_MIX[f.source]));
  await replayRecords(warm, false);
  warm.length = 0;

  // (a) parse: read + JSON.parse per line. (b) replay: normalize + every shipped rule + embedded
  // store over the parsed records. Each `runs` times; the medians are reported.
  const parseRuns: number[] = [];
  const parseCpu: number[] = [];
  let parsed: unknown[] = [];
  let bytes = 0;
  for (let run = 1; run <= runs; run++) {
    parsed = [];
    bytes = 0;
    const c0 = process.cpuUsage();
    const p0 = performance.now();
    for (const f of files) bytes += parseFile(f.path, parsed);
    parseRuns.push(performance.now() - p0);
    parseCpu.push(cpuMs(c0));
    log(
      `parse ${run}/${runs}: ${parsed.length} records, ${mb(bytes)} MB in ${((parseRuns[run - 1] ?? 0) / 1000).toFixed(2)} s`,
    );
  }
  const replayRuns: ReplayResult[] = [];
  for (let run = 1; run <= runs; run++) {
    const r = await replayRecords(parsed, run === 1);
    replayRuns.push(r);
    log(
      `replay ${run}/${runs}: ${r.events} events in ${((r.normalizeMs + r.detectMs) / 1000).toFixed(2)} s (normalize ${(r.normalizeMs / 1000).toFixed(2)} s, detect ${(r.detectMs / 1000).toFixed(2)} s), ${r.findings} findings`,
    );
  }
  const parseMs = median(parseRuns);
  const r = replayRuns[0] as ReplayResult;
  const replayMs = median(replayRuns.map((x) => x.normalizeMs + x.detectMs));
  const normalizeMs = median(replayRuns.map((x) => x.normalizeMs));
  const detectMs = median(replayRuns.map((x) => x.detectMs));
  const parseCpuMs = median(parseCpu);
  const replayCpuMs = median(replayRuns.map((x) => x.cpuMs));

  const noise = noiseOf(r.all, plantedEventIds(files), r.events);
  log(
    `noise: ${noise.noisePer1kBenign} findings per 1,000 benign events (${noise.benignEvents} benign, ${noise.plantedEvents} planted); by rule ${JSON.stringify(noise.noisePer1kByRule)}`,
  );
  const mem = process.memoryUsage();
  const parseEventsPerSec = Math.round(parsed.length / (parseMs / 1000));
  const replayEventsPerSec = Math.round(r.events / (replayMs / 1000));
  const out = {
    events: r.events,
    records: parsed.length,
    parseEventsPerSec,
    replayEventsPerSec,
    ratio: Math.round((replayEventsPerSec / parseEventsPerSec) * 1000) / 1000,
    normalizeEventsPerSec: Math.round(r.events / (normalizeMs / 1000)),
    detectEventsPerSec: Math.round(r.events / (detectMs / 1000)),
    // The same rates per CPU second: steadier than wall time on a busy machine.
    parseEventsPerCpuSec: Math.round(parsed.length / (parseCpuMs / 1000)),
    replayEventsPerCpuSec: Math.round(r.events / (replayCpuMs / 1000)),
    cpuRatio: Math.round((r.events / replayCpuMs / (parsed.length / parseCpuMs)) * 1000) / 1000,
    runs,
    parseRunsSeconds: parseRuns.map((x) => Math.round(x) / 1000),
    replayRunsSeconds: replayRuns.map((x) => Math.round(x.normalizeMs + x.detectMs) / 1000),
    parseSeconds: Math.round(parseMs) / 1000,
    replaySeconds: Math.round(replayMs) / 1000,
    corpusMB: mb(bytes),
    rules: ALL_RULES.length,
    batchSize: BATCH,
    findings: r.findings,
    findingsByRule: r.byRule,
    noisePer1kBenign: noise.noisePer1kBenign,
    noisePer1kByRule: noise.noisePer1kByRule,
    noiseFindingsByRule: noise.noiseByRule,
    plantedFindingsByRule: noise.plantedFindingsByRule,
    benignEvents: noise.benignEvents,
    findingUpdates: r.updated,
    quarantined: r.quarantined,
    ruleErrors: r.ruleErrors,
    stateReads: r.stateReads,
    stateWrites: r.stateWrites,
    heapMB: mb(mem.heapUsed),
    rssMB: mb(mem.rss),
    node: process.version,
  };
  // DynamoDB write units per 1,000 events and Lambda bundle sizes (bench/aws.ts), then the cost
  // model over what this run measured (bench/cost.ts).
  const aws = await measureAws(parsed, { log });
  Object.assign(out, aws, {
    costPerMillionEventsUSD: costPerMillionEvents({
      writeUnitsPer1kEvents: aws.dynamoWriteUnitsPer1kEvents,
      readItemsPer1kEvents: aws.dynamoReadItemsPer1kEvents,
      eventsPerCpuSecond: out.replayEventsPerCpuSec,
    }),
  });
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(
    `[bench] failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exitCode = 1;
});
