/**
 * Local replay: exported audit-log files in, findings out, on one machine, with the same engine the
 * cloud deployment runs.
 *
 * Every record is read (the file reader), normalized (source auto-detected unless forced), and kept
 * in memory; the events of all files are sorted by event time (a folder of per-source files spanning
 * days interleaves), then evaluated in batches against the embedded state store. Records that cannot
 * be read or normalized are quarantined with their file, line and reason; nothing is dropped silently.
 *
 * A state file remembers which file contents it has taken in (`replay|file|<sha256>`), so replaying
 * Monday's logs and then Tuesday's into one state file keeps Monday's baselines, windows and open
 * sequences, while replaying Monday's again is skipped instead of counting everything twice.
 */
import { UNKNOWN_TENANT } from '../events/fields';
import { performance } from 'node:perf_hooks';
import { Detector } from '../engine/detector';
import { compileRules } from '../engine/compile';
import type { RuleOverride } from '../engine/compile';
import type { RuleErrorReport } from '../engine/errors';
import { severityRank } from '../engine/findings';
import type { Finding, Severity } from '../engine/findings';
import type { Duration, RuleDefinition, RuleParams } from '../engine/rule';
import { normalize } from '../events/normalize';
import type { NormalizeOptions } from '../events/normalize';
import type { SourceId, TriplineEvent } from '../events/types';
import { ALL_RULES } from '../rules/index';
import { readRecords } from '../sources/files';
import { EmbeddedStateStore } from '../state/embedded';
import type { StateStore, StateWrite } from '../state/port';
import { expandPaths, hashFile } from './files';
import type { InputFile } from './files';

/** Events per Detector batch. */
export const DEFAULT_BATCH_SIZE = 5000;
/** Quarantine entries kept in the summary (every one still goes to `onQuarantine`). */
export const DEFAULT_QUARANTINE_SAMPLE = 1000;
/** Distinct quarantine reasons counted separately; the rest are counted under {@link OTHER_REASONS}. */
const MAX_REASONS = 200;
/** The reason bucket past {@link MAX_REASONS} distinct reasons. */
export const OTHER_REASONS = '(other reasons)';
/** Prefix of the state items that remember replayed file contents. */
export const REPLAY_FILE_KEY_PREFIX = 'replay|file|';
/** How long a replayed-file marker lives. */
const MARKER_TTL_MS = 10 * 365 * 86_400_000;
const EXCERPT_CHARS = 200;

/** A record (or a whole file) that could not be used, and why. */
export interface QuarantineEntry {
  /** The file as the user named it. */
  file: string;
  /** 1-based line (or record index) when the problem is one record; absent for a file-level problem. */
  line?: number | undefined;
  reason: string;
  /** The first characters of the record, for a person to look at. */
  excerpt?: string | undefined;
}

/** Progress of a replay: reading counts bytes, detecting counts events. */
export interface ReplayProgress {
  phase: 'read' | 'detect';
  done: number;
  total: number;
}

/** What happened to one input file. */
export interface ReplayFileResult {
  file: string;
  bytes: number;
  sha256?: string | undefined;
  /**
   * replayed: read (possibly with some records quarantined, or partly: `problem` says why it stopped); skipped: its content was already
   * replayed into this state file; duplicate: same content as an earlier file of this run;
   * failed: nothing could be read from it (see `problem`).
   */
  status: 'replayed' | 'skipped' | 'duplicate' | 'failed';
  records: number;
  events: number;
  problem?: string | undefined;
}

/** Options of {@link replay}. */
export interface ReplayOptions {
  /**
   * Where state lives: a state file path, ':memory:' (default: nothing kept), or an open StateStore
   * (used as is and left open).
   */
  state?: string | StateStore | undefined;
  /** The rules to run (default: every shipped rule, `ALL_RULES`). */
  rules?: readonly RuleDefinition[] | undefined;
  /** Read every record as this source instead of detecting it. */
  source?: SourceId | undefined;
  /** Tenant for records that carry none (Graph exports). */
  tenant?: string | undefined;
  /** How late an event may be and still count (default '2h'). */
  lateness?: Duration | undefined;
  overrides?: Record<string, RuleOverride> | undefined;
  globals?: RuleParams | undefined;
  /** Replay files even when this state file has already taken in their content. */
  reprocess?: boolean | undefined;
  /** Events per Detector batch (default 5,000). */
  batchSize?: number | undefined;
  /** Base for relative paths (default: process.cwd()). */
  cwd?: string | undefined;
  /** Absolute paths never read even inside a given folder (the state file, the quarantine output). */
  exclude?: readonly string[] | undefined;
  /** Quarantine entries kept in the summary (default 1,000). */
  quarantineSample?: number | undefined;
  /** Called with every quarantined record, as it is found. */
  onQuarantine?: ((q: QuarantineEntry) => void) | undefined;
  /** Called with every file-level problem (missing path, unreadable, empty, not a log format). */
  onFileProblem?: ((q: QuarantineEntry) => void) | undefined;
  /** Called as bytes are read and events evaluated; cheap enough to call often, throttle the display. */
  onProgress?: ((p: ReplayProgress) => void) | undefined;
  /** Keep the events the findings' evidence names, raw records included, in `evidenceEvents` (for a report). */
  keepEvidence?: boolean | undefined;
  /**
   * Called once everything is read and detected, before the state file is saved: write what must not
   * be lost here (the quarantine file, a report). If it throws, the state file is left as it was, so
   * a rerun reads the same files again and finds the same findings.
   */
  beforeCommit?: ((summary: ReplaySummary) => Promise<void>) | undefined;
}

/** Everything a replay did, for the closing summary. */
export interface ReplaySummary {
  /** The state file as given, or ':memory:' / the store's name. */
  state: string;
  files: ReplayFileResult[];
  /** Files not read because this state file had already taken in their content. */
  skipped: number;
  /** Files not read because an earlier file of this run has the same content. */
  duplicates: number;
  /** Bytes of the files read. */
  bytes: number;
  recordsRead: number;
  eventsNormalized: number;
  /** Events normalized per source. */
  eventsBySource: Partial<Record<SourceId, number>>;
  /** Records that could not be read or normalized (file-level problems are in `fileProblems`). */
  quarantined: number;
  /** Quarantined records per reason, most frequent first. */
  quarantineReasons: Array<{ reason: string; count: number }>;
  /** The first quarantined records (up to `quarantineSample`). */
  quarantine: QuarantineEntry[];
  /** Paths and files nothing could be read from, one entry each. */
  fileProblems: QuarantineEntry[];
  /** Rules that threw, merged over batches: the first failing event, and how many failed. */
  ruleErrors: RuleErrorReport[];
  /** Findings created or updated by this replay, latest version of each, most severe first. */
  findings: Finding[];
  /** How many of `findings` this replay created (the rest were open from an earlier replay). */
  newFindings: number;
  findingsBySeverity: Record<Severity, number>;
  /** Time of the first and last event evaluated (epoch ms), when there were any. */
  firstEvent?: number | undefined;
  lastEvent?: number | undefined;
  /**
   * Set when records without a tenant (Graph exports) were given the one Microsoft tenant the
   * other records of this run name, because no `tenant` option was given.
   */
  inferredTenant?: { tenant: string; events: number } | undefined;
  /**
   * With `keepEvidence`: the events of this replay that the findings' evidence names (by source and
   * id), in time order. Evidence from an earlier replay into the same state is not among them.
   */
  evidenceEvents?: TriplineEvent[] | undefined;
  elapsedMs: number;
}

const MICROSOFT_SOURCES = new Set(['entra.audit', 'entra.signin', 'm365.audit']);

/** Gives tenant-less Microsoft events the run's single Microsoft tenant, if there is exactly one. */
export function inferMicrosoftTenant(
  events: TriplineEvent[],
): { tenant: string; events: number } | undefined {
  const tenants = new Set<string>();
  let missing = 0;
  for (const e of events) {
    if (!MICROSOFT_SOURCES.has(e.source)) continue;
    if (e.tenant === UNKNOWN_TENANT) missing++;
    else tenants.add(e.tenant);
  }
  if (!missing || tenants.size !== 1) return undefined;
  const tenant = [...tenants][0] as string;
  for (const e of events)
    if (e.tenant === UNKNOWN_TENANT && MICROSOFT_SOURCES.has(e.source)) e.tenant = tenant;
  return { tenant, events: missing };
}

/** Orders findings most severe first, then by first seen, then by rule id. */
export function compareFindings(a: Finding, b: Finding): number {
  const s = severityRank(b.severity) - severityRank(a.severity);
  if (s) return s;
  if (a.firstSeen !== b.firstSeen) return a.firstSeen < b.firstSeen ? -1 : 1;
  return a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function excerptOf(record: unknown): string | undefined {
  try {
    const text = typeof record === 'string' ? record : JSON.stringify(record);
    if (text === undefined) return undefined;
    return text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS)}…` : text;
  } catch {
    return undefined;
  }
}

function byTime(a: TriplineEvent, b: TriplineEvent): number {
  return a.time - b.time;
}

/**
 * Replays exported audit-log files (or folders of them) through the detection engine.
 *
 * @throws StateStoreError when the state file is locked, corrupt or cannot be written (the message
 * names the file and what to do); RuleValidationError when `overrides` name unknown rules or set
 * invalid values. Problems with the input files never throw: they are quarantined and counted.
 * @example
 * const summary = await replay(['logs/monday/'], { state: '.tripline/state.json', tenant: 'contoso' });
 * for (const f of summary.findings) console.log(f.severity, f.title);
 */
export async function replay(paths: readonly string[], opts: ReplayOptions = {}): Promise<ReplaySummary> {
  const started = performance.now();
  const cwd = opts.cwd ?? process.cwd();
  const batchSize = Math.max(1, opts.batchSize ?? DEFAULT_BATCH_SIZE);
  const sampleCap = opts.quarantineSample ?? DEFAULT_QUARANTINE_SAMPLE;
  const stateOpt = opts.state ?? ':memory:';
  const rules = opts.rules ?? ALL_RULES;
  // Rules and overrides are checked before the state file is touched, so a config typo fails fast.
  compileRules(rules, { overrides: opts.overrides, globals: opts.globals });
  const ownStore = typeof stateOpt === 'string';
  const own = ownStore ? await EmbeddedStateStore.open(stateOpt) : undefined;
  const store: StateStore = own ?? (stateOpt as StateStore);
  const summary: ReplaySummary = {
    state: typeof stateOpt === 'string' ? stateOpt : store.name,
    files: [],
    skipped: 0,
    duplicates: 0,
    bytes: 0,
    recordsRead: 0,
    eventsNormalized: 0,
    eventsBySource: {},
    quarantined: 0,
    quarantineReasons: [],
    quarantine: [],
    fileProblems: [],
    ruleErrors: [],
    findings: [],
    newFindings: 0,
    findingsBySeverity: { info: 0, low: 0, medium: 0, high: 0, critical: 0 },
    elapsedMs: 0,
  };
  let ok = false;
  try {
    const detector = new Detector({
      rules,
      store,
      lateness: opts.lateness,
      overrides: opts.overrides,
      globals: opts.globals,
    });
    await run(paths, opts, cwd, batchSize, sampleCap, store, detector, summary);
    summary.elapsedMs = performance.now() - started;
    await opts.beforeCommit?.(summary);
    await store.flush();
    ok = true;
  } finally {
    if (own) {
      // close() saves. After a failure, release the lock but keep the file as it was before this
      // replay: half a replay saved without its file markers would be counted twice on a rerun.
      if (ok) await own.close();
      else await own.close({ discard: true }).catch(() => undefined);
    }
  }
  summary.elapsedMs = performance.now() - started;
  return summary;
}

async function run(
  paths: readonly string[],
  opts: ReplayOptions,
  cwd: string,
  batchSize: number,
  sampleCap: number,
  store: StateStore,
  detector: Detector,
  summary: ReplaySummary,
): Promise<void> {
  const fileProblem = (file: string, reason: string) => {
    const q: QuarantineEntry = { file, reason };
    summary.fileProblems.push(q);
    opts.onFileProblem?.(q);
  };

  // 1. Files: expand folders, hash contents, leave out what this state already holds.
  const { files, problems } = await expandPaths(paths, cwd, opts.exclude ?? []);
  for (const p of problems) fileProblem(p.shown, p.reason);
  const hashed: Array<{ f: InputFile; res: ReplayFileResult }> = [];
  for (const f of files) {
    try {
      const { sha256, bytes } = await hashFile(f.abs);
      hashed.push({ f, res: { file: f.shown, bytes, sha256, status: 'replayed', records: 0, events: 0 } });
    } catch (err) {
      const reason = `cannot read: ${(err as Error).message}`;
      summary.files.push({
        file: f.shown,
        bytes: 0,
        status: 'failed',
        records: 0,
        events: 0,
        problem: reason,
      });
      fileProblem(f.shown, reason);
    }
  }
  const markerKeys = [...new Set(hashed.map((h) => REPLAY_FILE_KEY_PREFIX + (h.res.sha256 as string)))];
  // now = 0: every marker is live, and the store's clock (event time) is left alone.
  const known = opts.reprocess || !markerKeys.length ? new Map() : await store.get(markerKeys, 0);
  const toRead = new Map<string, ReplayFileResult>();
  const shaSeen = new Set<string>();
  for (const { f, res } of hashed) {
    const sha = res.sha256 as string;
    if (known.has(REPLAY_FILE_KEY_PREFIX + sha)) {
      res.status = 'skipped';
      summary.skipped++;
    } else if (shaSeen.has(sha)) {
      res.status = 'duplicate';
      summary.duplicates++;
    } else {
      shaSeen.add(sha);
      toRead.set(f.abs, res);
      summary.bytes += res.bytes;
    }
    summary.files.push(res);
  }
  const shownOf = new Map<string, string>();
  for (const { f } of hashed) shownOf.set(f.abs, f.shown);

  // 2. Read and normalize.
  const events: TriplineEvent[] = [];
  const reasons = new Map<string, number>();
  const nopts: NormalizeOptions = {};
  if (opts.source !== undefined) nopts.source = opts.source;
  if (opts.tenant !== undefined) nopts.tenant = opts.tenant;
  const quarantine = (
    file: string,
    line: number | undefined,
    reason: string,
    record?: unknown,
    excerpt?: string,
  ) => {
    summary.quarantined++;
    const key = reasons.has(reason) || reasons.size < MAX_REASONS ? reason : OTHER_REASONS;
    reasons.set(key, (reasons.get(key) ?? 0) + 1);
    const q: QuarantineEntry = { file, line, reason };
    const ex = excerpt ?? (record === undefined ? undefined : excerptOf(record));
    if (ex !== undefined) q.excerpt = ex;
    if (summary.quarantine.length < sampleCap) summary.quarantine.push(q);
    opts.onQuarantine?.(q);
  };

  if (toRead.size) {
    const totalBytes = summary.bytes;
    const onProgress = opts.onProgress;
    let curAbs = '';
    let cur: ReplayFileResult | undefined;
    const select = (abs: string | undefined): ReplayFileResult | undefined => {
      if (abs === curAbs && cur) return cur;
      curAbs = abs ?? '';
      cur = abs === undefined ? undefined : toRead.get(abs);
      return cur;
    };
    const reader = readRecords([...toRead.keys()], {
      onProgress: onProgress
        ? (done: number) => onProgress({ phase: 'read', done: Math.min(done, totalBytes), total: totalBytes })
        : undefined,
    });
    for await (const item of reader) {
      const file = select(item.origin.file);
      const shown = file?.file ?? shownOf.get(item.origin.file ?? '') ?? item.origin.file ?? '?';
      if (item.kind === 'problem') {
        if (item.origin.line === undefined) {
          if (file) {
            // Records before the problem were used: the file is partly read, not failed.
            if (file.records === 0) file.status = 'failed';
            file.problem = item.reason;
          }
          fileProblem(shown, item.reason);
        } else {
          if (file) file.records++;
          summary.recordsRead++;
          quarantine(shown, item.origin.line, item.reason, undefined, item.excerpt);
        }
        continue;
      }
      summary.recordsRead++;
      if (file) file.records++;
      const res = normalize(item.record, nopts);
      if (res.ok) {
        for (const e of res.events) events.push(e);
        if (file) file.events += res.events.length;
      } else {
        quarantine(shown, item.origin.line, res.reason, item.record);
      }
    }
    onProgress?.({ phase: 'read', done: totalBytes, total: totalBytes });
  }
  summary.eventsNormalized = events.length;
  for (const e of events) summary.eventsBySource[e.source] = (summary.eventsBySource[e.source] ?? 0) + 1;
  summary.quarantineReasons = [...reasons]
    .map(([reason, count]) => ({ reason, count }))
    .sort((a, b) => b.count - a.count);

  // Graph exports carry no tenant id. Correlation keys include the tenant, so without one a
  // consent (Graph) and the reads it led to (UAL) would never meet: when the run's Microsoft
  // records name exactly one tenant, tenant-less Microsoft records get it.
  if (opts.tenant === undefined) summary.inferredTenant = inferMicrosoftTenant(events);

  // 3. Detect, in event-time order.
  events.sort(byTime);
  const findings = new Map<string, Finding>();
  const created = new Set<string>();
  const ruleErrors = new Map<string, RuleErrorReport>();
  const total = events.length;
  for (let i = 0; i < total; i += batchSize) {
    const batch = events.slice(i, i + batchSize);
    const r = await detector.process(batch);
    for (const f of r.findings) {
      findings.set(f.id, f);
      created.add(f.id);
    }
    for (const f of r.updated) findings.set(f.id, f);
    for (const e of r.ruleErrors) {
      const prev = ruleErrors.get(e.ruleId);
      if (prev) prev.count += e.count;
      else ruleErrors.set(e.ruleId, { ...e });
    }
    opts.onProgress?.({ phase: 'detect', done: Math.min(i + batchSize, total), total });
  }
  if (total) {
    summary.firstEvent = (events[0] as TriplineEvent).time;
    summary.lastEvent = (events[total - 1] as TriplineEvent).time;
  }

  // 4. Remember the files taken in, so the next replay into this state skips them.
  const lastEvent = summary.lastEvent ?? 0;
  const markers: StateWrite[] = [];
  const replayedAt = new Date().toISOString();
  for (const res of toRead.values()) {
    // A file whose every record was quarantined is not remembered, so a second try (say with
    // --source) reads it; one that gave events is, or a replay would count them twice.
    if (res.events === 0 && (res.status !== 'replayed' || res.records > 0)) continue;
    markers.push({
      key: REPLAY_FILE_KEY_PREFIX + (res.sha256 as string),
      expectedVersion: null,
      expiresAt: Math.max(Date.now(), lastEvent) + MARKER_TTL_MS,
      value: { file: res.file, bytes: res.bytes, records: res.records, events: res.events, replayedAt },
    });
  }
  if (markers.length) await store.write(markers, lastEvent);
  // Saved by the caller (replay), after beforeCommit.

  summary.findings = [...findings.values()].sort(compareFindings);
  summary.newFindings = created.size;
  for (const f of summary.findings) summary.findingsBySeverity[f.severity]++;
  summary.ruleErrors = [...ruleErrors.values()];
  if (opts.keepEvidence) {
    const wanted = new Set<string>();
    for (const f of summary.findings) for (const ev of f.evidence) wanted.add(`${ev.source}\u0000${ev.id}`);
    summary.evidenceEvents = [];
    for (const e of events) {
      const k = `${e.source}\u0000${e.id}`;
      if (wanted.delete(k)) summary.evidenceEvents.push(e);
    }
  }
}
