/**
 * The poller template: everything a pulled source shares (checkpoint, time window with overlap, paging,
 * remaining-time budget, normalization with quarantine, overlap de-duplication, advancing only after
 * publishing). A source writes only {@link PollSource.fetchPage}.
 *
 * ## Checkpoint
 *
 * One StateStore item per source and tenant, key `ckpt|<source>|<tenant>`, written conditionally on its
 * version after every page: a second poller running at the same time (which reserved concurrency 1
 * should prevent) gets a conflict on its first save and stops without writing anything.
 *
 * - `until`: every event before it has been read (windows are half-open, `[from, to)`);
 * - `resume`: a window in progress and the cursor of its next unread page (after a budget stop, or a
 *   page whose findings could not be published, which is then read again);
 * - `seen` / `next`: short hashes of the ids read in the overlap region, so events read again because
 *   of the overlap are dropped (bounded by `maxSeenIds`; beyond it the overlap may let repeats through,
 *   which the engine absorbs for threshold counts and publishOnce absorbs for alerts).
 *
 * ## Window
 *
 * `[until - overlap, min(now - delay, until + maxWindow))`. The overlap re-reads recent time because
 * audit APIs index events late; the delay leaves the newest minutes until they are complete; the
 * maximum window keeps one run's work bounded after an outage (the next run continues).
 *
 * ## Advancing
 *
 * A page's events go to `batch` (runBatch: detect + publish). The checkpoint moves past the page only
 * when the batch published everything it found; if any publish failed the run stops and the
 * checkpoint keeps the page's own cursor, so the next run reads the page again (the failed finding is
 * also kept in the publish outbox and retried). With a {@link RecordLedger}, the page's record ids are
 * committed to it after the batch and before the checkpoint moves.
 *
 * ## Watermark, lag and silence
 *
 * The checkpoint keeps, per source and tenant, the newest event time read (`wm`, the event-time
 * watermark) and a rolling maximum of how late events arrive (`lag`: the time a page became readable,
 * `PollPage.availableAt` or the window end, minus each new event's own time, kept over two 24 h
 * periods). Every batch gets both ({@link BatchInfo}) so the caller can widen the engine's lateness
 * for a late source. When no event has been read for longer than `silence.afterMs` plus that lag
 * (or, for a source that never delivered and whose polls fail, since its first poll; one that never
 * delivered and polls fine may just be empty), the run reports it in
 * `PollRunResult.silence` (and in `PollerError.silence` when the run fails): the caller raises the
 * `source-silent` finding (./health.ts).
 *
 * ## Unavailable feeds and look-back limits
 *
 * A source that throws {@link SourceUnavailableError} (a licence the tenant does not have) is marked
 * off in its checkpoint until `retryAfterMs` has passed: one clear report, no retry loop. With
 * `maxLookbackMs` (an API that serves nothing older, like the Management Activity API's 7 days), a
 * window that would start earlier is moved up and the skipped time is reported in `gaps`.
 */
import { createHash } from 'node:crypto';
import { normalize } from '../events/normalize';
import type { SourceId, TriplineEvent } from '../events/types';
import type { FailedPublish, RunBatchResult } from '../pipeline/run-batch';
import type { StateStore } from '../state/port';

/** A half-open time range `[from, to)`, epoch ms. */
export interface PollWindow {
  from: number;
  to: number;
}

/** One page of an audit API. */
export interface PollPage {
  /** Source records as the API returned them (normalized by the template). */
  records: unknown[];
  /** Cursor of the next page (a nextLink, a page token); absent on the last page. */
  next?: string | undefined;
  /**
   * Units the source took on this page that a later window's overlap must not take again (Management
   * Activity API content blobs), with the time the windows are over (the blob's `contentCreated`).
   * Remembered like record ids: {@link PollContext.taken} answers for them.
   */
  taken?: ReadonlyArray<{ id: string; time: number }> | undefined;
  /** When the records of this page became readable (a blob's `contentCreated`); default the window end. */
  availableAt?: number | undefined;
  /** Records the API can no longer serve (a content blob past its expiration), counted and reported. */
  lost?: ReadonlyArray<{ what: string; reason: string }> | undefined;
}

/** What the template tells a source about the run, for {@link PollSource.fetchPage}. */
export interface PollContext {
  /** Whether a unit id (see {@link PollPage.taken}) was taken in this window or in the overlap before it. */
  taken(id: string): boolean;
  /** Epoch ms after which no retry wait may end (the run's time budget). */
  deadline: number;
}

/**
 * Thrown by a source whose API will not serve this tenant until something changes outside Tripline
 * (no Entra ID P1/P2 licence for sign-in logs): the template marks the feed off for `retryAfterMs`
 * and reports it once, instead of failing every run.
 */
export class SourceUnavailableError extends Error {
  override readonly name = 'SourceUnavailableError';
  constructor(
    message: string,
    /** How long to leave the feed off before asking again. */
    readonly retryAfterMs: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** What a pulled source implements. */
export interface PollSource {
  /** Stable name, part of the checkpoint key: `graph-signins`, `m365-audit`, `workspace-login`. */
  readonly name: string;
  /** The normalizer to use (skips shape detection); detected per record when absent. */
  readonly sourceId?: SourceId | undefined;
  /**
   * Fetches one page of events whose time is in `window`. Without `cursor`, the first page; with it,
   * the page it points at (as returned in `next`). Throw on failure (after the retries that make sense;
   * see `fetchJson`): the run stops and the next run resumes from the last saved page.
   */
  fetchPage(window: PollWindow, cursor?: string, ctx?: PollContext): Promise<PollPage>;
}

/**
 * Record-id de-duplication beyond the overlap (an API that duplicates records by design, across
 * pages, blobs and days): see ./ledger.ts.
 */
export interface RecordLedger {
  /** Splits events into those the ledger has not seen and the count of those it has. */
  filter(events: readonly TriplineEvent[]): Promise<{ fresh: TriplineEvent[]; duplicates: number }>;
  /** Remembers these events as taken: called after their batch published, before the checkpoint moves. */
  commit(events: readonly TriplineEvent[]): Promise<void>;
}

/** What a batch is told besides its events: the source's watermark and lag, for the engine's lateness. */
export interface BatchInfo {
  /** Newest event time read from this source and tenant so far (this page included), epoch ms. */
  watermark: number | undefined;
  /** How late this source's events have been arriving (rolling maximum over the last 24 to 48 h), ms. */
  lagMs: number;
}

/** A source that has delivered nothing for longer than expected. */
export interface SilenceReport {
  /** The newest event time read (or, when it never delivered, its first poll), epoch ms. */
  since: number;
  /** `now - since`. */
  silentForMs: number;
  /** The silence that is tolerated: `silence.afterMs` plus the source's lag. */
  thresholdMs: number;
  /** Whether the source ever delivered an event. */
  everDelivered: boolean;
  /** The last failure of this source, when its polls fail. */
  lastError?: { at: number; message: string } | undefined;
}

/** Timing of a poller. */
export interface PollTiming {
  /** How far back each window re-reads before the checkpoint. */
  overlapMs: number;
  /** Longest window one step reads. */
  maxWindowMs: number;
  /** Where a poller with no checkpoint starts: now minus this. */
  initialLookbackMs: number;
  /** How far behind now windows end (events still being indexed). */
  delayMs: number;
  /** Oldest time the API serves (now minus this); windows never start earlier. @default unlimited */
  maxLookbackMs?: number | undefined;
  /** No event for longer than this (plus the source's lag) is reported as silence. @default never */
  silenceAfterMs?: number | undefined;
}

/** Defaults suited to Graph and the Workspace Reports API (minutes of indexing delay). */
export const DEFAULT_POLL_TIMING: Readonly<PollTiming> = {
  overlapMs: 10 * 60_000,
  maxWindowMs: 60 * 60_000,
  initialLookbackMs: 24 * 60 * 60_000,
  delayMs: 2 * 60_000,
};

/** Options of {@link runPoller}. */
export interface RunPollerOptions extends PollTiming {
  source: PollSource;
  /** Tenant label: part of the checkpoint key, and the tenant of records that carry none. */
  tenant: string;
  /** Where the checkpoint lives (the same table as the detection state). */
  store: StateStore;
  /** Detect and publish one page of events (runBatch with the caller's dependencies). */
  batch: (events: TriplineEvent[], info: BatchInfo) => Promise<RunBatchResult>;
  /** Record-id de-duplication beyond the overlap. @default none (overlap de-duplication only) */
  ledger?: RecordLedger | undefined;
  /** Wall clock, epoch ms. */
  now: () => number;
  /** Time left for this run, in ms (`context.getRemainingTimeInMillis`). */
  remainingMs: () => number;
  /** No page is started with less time than this left. @default 20000 */
  safetyMarginMs?: number;
  /** Most overlap ids remembered. @default 5000 */
  maxSeenIds?: number;
  /** Checkpoint lifetime after its last write. @default 90 days */
  checkpointTtlMs?: number;
  /** Called for each record that cannot be normalized. */
  onQuarantine?: (q: PollQuarantine) => void;
}

/** A record that could not be normalized. */
export interface PollQuarantine {
  reason: string;
  /** The first characters of the record. */
  excerpt: string;
  /** Where it was read. */
  window: PollWindow;
  cursor: string | undefined;
}

/** Why a run stopped. */
export type PollStatus =
  /** Read up to now - delay; nothing left. */
  | 'caught-up'
  /** Stopped for the time budget; the next run resumes at the saved cursor. */
  | 'budget'
  /** A page's findings could not all be published; the next run reads that page again. */
  | 'publish-failed'
  /** Another poller saved the checkpoint first; this one stopped without saving. */
  | 'lost-race'
  /** The feed is off for this tenant (see {@link SourceUnavailableError}); asked again later. */
  | 'unavailable';

/** What a run did. */
export interface PollRunResult {
  status: PollStatus;
  /** Windows completed. */
  windows: number;
  pages: number;
  records: number;
  /** Events passed to `batch`. */
  events: number;
  /** Events dropped because the overlap had read them already. */
  overlapDuplicates: number;
  /** Events dropped because the record ledger had them (duplicates beyond the overlap). */
  ledgerDuplicates: number;
  quarantined: number;
  /** Records the API could no longer serve (see {@link PollPage.lost}). */
  lost: Array<{ what: string; reason: string }>;
  /** Time ranges skipped because the API no longer serves them (see `maxLookbackMs`). */
  gaps: PollWindow[];
  /** Newest event time read from this source and tenant, epoch ms. */
  watermark: number | undefined;
  /** How late this source's events have been arriving, ms (see {@link BatchInfo}). */
  lagMs: number;
  /** Set when the source has been silent for longer than expected. */
  silence?: SilenceReport | undefined;
  /** Set when the feed is off: why, until when, and whether this run found it so. */
  unavailable?: { reason: string; until: number; newly: boolean } | undefined;
  findings: number;
  published: number;
  failedPublishes: FailedPublish[];
  /** The checkpoint as saved at the end. */
  checkpoint: { until: number; resume?: { window: PollWindow; cursor: string | undefined } | undefined };
}

/** Thrown when a page cannot be fetched or its batch fails; progress up to the previous page is saved. */
export class PollerError extends Error {
  override readonly name = 'PollerError';
  constructor(
    message: string,
    readonly source: string,
    readonly window: PollWindow | undefined,
    readonly cursor: string | undefined,
    options?: { cause?: unknown },
    /** Set when the source has also been silent for longer than expected. */
    readonly silence?: SilenceReport | undefined,
  ) {
    super(message, options);
  }
}

/** The value of a checkpoint item. */
export interface CheckpointValue {
  v: 1;
  until: number;
  resume?: { from: number; to: number; cursor: string | null } | undefined;
  /** Hashes (fixed width) of ids read in the current window's overlap region, concatenated. */
  seen: string;
  /** Hashes of ids read so far in the window in progress that fall into the next overlap region. */
  next: string;
  updatedAt: number;
  /** First poll of this source and tenant (wall clock). */
  startedAt?: number | undefined;
  /** Event-time watermark: the newest event time read. */
  wm?: number | undefined;
  /** Rolling lag maximum: this period's, the previous period's, and when this period started. */
  lag?: { cur: number; prev: number; since: number } | undefined;
  /** The last failure, until a page is read again. */
  err?: { at: number; message: string } | undefined;
  /** The feed is off until `until` (see {@link SourceUnavailableError}). */
  off?: { reason: string; since: number; until: number } | undefined;
}

/** The checkpoint key of a source and tenant. */
export function checkpointKey(source: string, tenant: string): string {
  return `ckpt|${source}|${tenant}`;
}

const HASH_CHARS = 11;
const DAY = 86_400_000;
/** Length of one lag period: the lag is the larger of this period's and the previous one's maximum. */
const LAG_PERIOD_MS = DAY;
/** Longest lag recorded (beyond it a record is an outlier, not a lateness to plan for). */
const MAX_LAG_MS = 7 * DAY;
const EXCERPT_CHARS = 200;

function idHash(id: string): string {
  return createHash('sha256').update(id).digest('base64url').slice(0, HASH_CHARS);
}

function splitHashes(s: string | undefined): string[] {
  const out: string[] = [];
  if (typeof s !== 'string') return out;
  for (let i = 0; i + HASH_CHARS <= s.length; i += HASH_CHARS) out.push(s.slice(i, i + HASH_CHARS));
  return out;
}

/** Keeps the last `max` entries (the newest added). */
function capped(hashes: Iterable<string>, max: number): string {
  const list = [...hashes];
  return list.slice(Math.max(0, list.length - max)).join('');
}

/**
 * Runs one poll: reads pages window by window from the checkpoint up to now − delay, feeding each page
 * to `batch`, until caught up, out of time, a publish fails, or another poller wins the checkpoint.
 *
 * @throws {@link PollerError} when a page cannot be fetched or `batch` throws; the checkpoint then holds
 *   the last page that was fully processed.
 *
 * @example
 * ```ts
 * const res = await runPoller({
 *   source, tenant, store, ...DEFAULT_POLL_TIMING,
 *   batch: (events) => runBatch(events, { detector, store, sink, now: Date.now(), claimTtlMs }),
 *   now: Date.now,
 *   remainingMs: () => context.getRemainingTimeInMillis(),
 * });
 * ```
 */
export async function runPoller(opts: RunPollerOptions): Promise<PollRunResult> {
  const { source, tenant, store, now } = opts;
  const margin = opts.safetyMarginMs ?? 20_000;
  const maxSeen = Math.max(0, opts.maxSeenIds ?? 5000);
  const ttl = opts.checkpointTtlMs ?? 90 * DAY;
  const key = checkpointKey(source.name, tenant);
  const startedAt = now();

  const item = (await store.get([key], startedAt)).get(key);
  let version = item?.version ?? 0;
  const stored = item?.value as Partial<CheckpointValue> | undefined;
  let ck: CheckpointValue =
    stored && typeof stored.until === 'number'
      ? {
          v: 1,
          until: stored.until,
          resume: stored.resume ?? undefined,
          seen: typeof stored.seen === 'string' ? stored.seen : '',
          next: typeof stored.next === 'string' ? stored.next : '',
          updatedAt: stored.updatedAt ?? 0,
          startedAt: num(stored.startedAt) ?? stored.updatedAt ?? startedAt,
          wm: num(stored.wm),
          lag: isLag(stored.lag) ? stored.lag : undefined,
          err: stored.err ?? undefined,
          off: stored.off ?? undefined,
        }
      : {
          v: 1,
          until: startedAt - opts.initialLookbackMs,
          seen: '',
          next: '',
          updatedAt: 0,
          startedAt,
        };

  const result: PollRunResult = {
    status: 'caught-up',
    windows: 0,
    pages: 0,
    records: 0,
    events: 0,
    overlapDuplicates: 0,
    ledgerDuplicates: 0,
    quarantined: 0,
    lost: [],
    gaps: [],
    watermark: ck.wm,
    lagMs: lagOf(ck),
    findings: 0,
    published: 0,
    failedPublishes: [],
    checkpoint: { until: ck.until },
  };
  const finish = (status: PollStatus): PollRunResult => {
    result.status = status;
    result.checkpoint = {
      until: ck.until,
      resume: ck.resume
        ? { window: { from: ck.resume.from, to: ck.resume.to }, cursor: ck.resume.cursor ?? undefined }
        : undefined,
    };
    result.watermark = ck.wm;
    result.lagMs = lagOf(ck);
    if (status !== 'unavailable' && status !== 'lost-race') result.silence = silenceOf(ck, now(), opts);
    return result;
  };
  /** Saves `next` conditionally; false when another poller got there first. */
  const save = async (next: CheckpointValue): Promise<boolean> => {
    const t = now();
    const value = { ...next, updatedAt: t } as CheckpointValue;
    for (const k of Object.keys(value) as Array<keyof CheckpointValue>)
      if (value[k] === undefined) delete value[k];
    const { conflicts } = await store.write(
      [{ key, expectedVersion: version, expiresAt: t + ttl, value }],
      t,
    );
    if (conflicts.length > 0) return false;
    version++;
    ck = value;
    return true;
  };
  /** Records a failure in the checkpoint (once per distinct message) and builds the error to throw. */
  const fail = async (
    message: string,
    window: PollWindow | undefined,
    cursor: string | undefined,
    cause: unknown,
  ): Promise<PollerError> => {
    if (item === undefined || version === 0 || ck.err?.message !== message) {
      await save({ ...ck, err: { at: now(), message } }).catch(() => false);
    }
    return new PollerError(
      message,
      source.name,
      window,
      cursor,
      cause === undefined ? undefined : { cause },
      silenceOf(ck, now(), opts),
    );
  };

  if (ck.off && startedAt < ck.off.until) {
    result.unavailable = { reason: ck.off.reason, until: ck.off.until, newly: false };
    return finish('unavailable');
  }

  for (;;) {
    let window: PollWindow;
    let cursor: string | undefined;
    const t = now();
    const oldest = opts.maxLookbackMs !== undefined ? t - opts.maxLookbackMs : undefined;
    if (ck.resume && (oldest === undefined || ck.resume.from >= oldest)) {
      window = { from: ck.resume.from, to: ck.resume.to };
      cursor = ck.resume.cursor ?? undefined;
    } else {
      if (ck.resume) ck = { ...ck, resume: undefined, next: '' }; // its window is no longer served
      if (oldest !== undefined && ck.until < oldest) {
        result.gaps.push({ from: ck.until, to: oldest });
        ck = { ...ck, until: oldest, seen: '' };
      }
      // Windows end at the run's start (less the delay), not at a clock that moves while the run
      // reads: with a real clock, `now - delay` is always a little past the last window, and the run
      // would re-read its overlap in ever tinier windows until its budget ran out.
      const end = Math.min(startedAt - opts.delayMs, ck.until + opts.maxWindowMs);
      if (end <= ck.until) return finish('caught-up');
      const from = Math.max(0, ck.until - opts.overlapMs, oldest ?? 0);
      window = { from, to: end };
      cursor = undefined;
    }
    const seen = new Set(splitHashes(ck.seen));
    const nextSeen = new Set(splitHashes(ck.next));
    const overlapStart = window.to - opts.overlapMs;
    const ctx: PollContext = {
      taken: (id) => seen.has(unitHash(id)),
      deadline: 0,
    };

    for (;;) {
      const left = opts.remainingMs();
      if (left < margin) {
        const resume = { from: window.from, to: window.to, cursor: cursor ?? null };
        if (!sameResume(ck.resume, resume) && !(await save({ ...ck, resume }))) return finish('lost-race');
        return finish('budget');
      }
      ctx.deadline = now() + left - margin / 2;
      let page: PollPage;
      try {
        page = await source.fetchPage(window, cursor, ctx);
      } catch (e) {
        if (e instanceof SourceUnavailableError) {
          const at = now();
          const newly = ck.off === undefined;
          const off = { reason: e.message, since: ck.off?.since ?? at, until: at + e.retryAfterMs };
          if (!(await save({ ...ck, off, err: undefined }))) return finish('lost-race');
          result.unavailable = { reason: off.reason, until: off.until, newly };
          return finish('unavailable');
        }
        throw await fail(
          `${source.name}: cannot fetch ${describeWindow(window)}${cursor ? ' (next page)' : ''}: ${errorText(e)}`,
          window,
          cursor,
          e,
        );
      }
      if (page.next !== undefined && page.next === cursor) {
        throw await fail(
          `${source.name}: the API returned the same page cursor again`,
          window,
          cursor,
          undefined,
        );
      }
      result.pages++;
      const records = Array.isArray(page.records) ? page.records : [];
      result.records += records.length;
      if (page.lost) result.lost.push(...page.lost);

      let events: TriplineEvent[] = [];
      const pageHashes: Array<[string, number]> = [];
      for (const rec of records) {
        const res = normalize(rec, { source: source.sourceId, tenant });
        if (!res.ok) {
          result.quarantined++;
          opts.onQuarantine?.({ reason: res.reason, excerpt: excerptOf(rec), window, cursor });
          continue;
        }
        for (const e of res.events) {
          const h = idHash(`${e.source}|${e.id}`);
          pageHashes.push([h, e.time]);
          if (seen.has(h)) {
            result.overlapDuplicates++;
            continue;
          }
          seen.add(h);
          events.push(e);
        }
      }
      if (opts.ledger && events.length > 0) {
        let split: { fresh: TriplineEvent[]; duplicates: number };
        try {
          split = await opts.ledger.filter(events);
        } catch (e) {
          throw await fail(
            `${source.name}: cannot read the record ledger for a page of ${describeWindow(window)}: ${errorText(e)}`,
            window,
            cursor,
            e,
          );
        }
        result.ledgerDuplicates += split.duplicates;
        events = split.fresh;
      }

      // Watermark and lag move with the new events of this page.
      let wm = ck.wm;
      let lag = rollLag(ck.lag, now());
      const availableAt = page.availableAt ?? window.to;
      for (const e of events) {
        if (wm === undefined || e.time > wm) wm = e.time;
        const late = Math.min(MAX_LAG_MS, Math.max(0, availableAt - e.time));
        if (late > lag.cur) lag = { ...lag, cur: late };
      }
      const moved: CheckpointValue = { ...ck, wm, lag, err: undefined, off: undefined };

      if (events.length > 0) {
        let br: RunBatchResult;
        try {
          br = await opts.batch(events, { watermark: wm, lagMs: Math.max(lag.cur, lag.prev) });
        } catch (e) {
          throw await fail(
            `${source.name}: detection failed for a page of ${describeWindow(window)}: ${errorText(e)}`,
            window,
            cursor,
            e,
          );
        }
        result.events += events.length;
        result.findings += br.findings.length;
        result.published += br.published.length;
        if (br.failedPublishes.length > 0) {
          result.failedPublishes.push(...br.failedPublishes);
          // Keep this page's own cursor: the next run reads it again.
          const resume = { from: window.from, to: window.to, cursor: cursor ?? null };
          if (!(await save({ ...ck, resume }))) return finish('lost-race');
          return finish('publish-failed');
        }
        if (opts.ledger) {
          try {
            await opts.ledger.commit(events);
          } catch (e) {
            throw await fail(
              `${source.name}: cannot record a page of ${describeWindow(window)} in the record ledger: ${errorText(e)}`,
              window,
              cursor,
              e,
            );
          }
        }
      }
      for (const [h, t] of pageHashes) if (t >= overlapStart) nextSeen.add(h);
      for (const u of page.taken ?? []) {
        const h = unitHash(u.id);
        seen.add(h);
        if (u.time >= overlapStart) nextSeen.add(h);
      }

      if (page.next !== undefined) {
        cursor = page.next;
        const resume = { from: window.from, to: window.to, cursor };
        if (!(await save({ ...moved, resume, next: capped(nextSeen, maxSeen) }))) return finish('lost-race');
        continue;
      }
      // Window complete: its overlap region's ids become the next window's `seen`.
      const done: CheckpointValue = {
        ...moved,
        until: Math.max(ck.until, window.to),
        resume: undefined,
        seen: capped(nextSeen, maxSeen),
        next: '',
      };
      if (!(await save(done))) return finish('lost-race');
      result.windows++;
      break;
    }
  }
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function isLag(v: unknown): v is { cur: number; prev: number; since: number } {
  const o = v as { cur?: unknown; prev?: unknown; since?: unknown } | undefined;
  return !!o && num(o.cur) !== undefined && num(o.prev) !== undefined && num(o.since) !== undefined;
}

/** The lag state at `now`: a new period starts once the current one is a day old. */
function rollLag(lag: CheckpointValue['lag'], now: number): { cur: number; prev: number; since: number } {
  if (!lag) return { cur: 0, prev: 0, since: now };
  if (now - lag.since < LAG_PERIOD_MS) return lag;
  // A period with no event at all leaves nothing to carry over after two periods.
  const skipped = now - lag.since >= 2 * LAG_PERIOD_MS;
  return { cur: 0, prev: skipped ? 0 : lag.cur, since: now };
}

function lagOf(ck: CheckpointValue): number {
  return ck.lag ? Math.max(ck.lag.cur, ck.lag.prev) : 0;
}

function silenceOf(ck: CheckpointValue, now: number, timing: PollTiming): SilenceReport | undefined {
  if (timing.silenceAfterMs === undefined || ck.off) return undefined;
  // A feed that never delivered and whose polls succeed may just be empty (no managed identities):
  // only a feed that stopped, or whose polls fail, is silent.
  if (ck.wm === undefined && ck.err === undefined) return undefined;
  const since = ck.wm ?? ck.startedAt;
  if (since === undefined) return undefined;
  const thresholdMs = timing.silenceAfterMs + lagOf(ck);
  const silentForMs = now - since;
  if (silentForMs <= thresholdMs) return undefined;
  return { since, silentForMs, thresholdMs, everDelivered: ck.wm !== undefined, lastError: ck.err };
}

function unitHash(id: string): string {
  return idHash(`unit|${id}`);
}

function sameResume(
  a: CheckpointValue['resume'],
  b: { from: number; to: number; cursor: string | null },
): boolean {
  return a !== undefined && a.from === b.from && a.to === b.to && (a.cursor ?? null) === b.cursor;
}

function describeWindow(w: PollWindow): string {
  return `${new Date(w.from).toISOString()} to ${new Date(w.to).toISOString()}`;
}

function excerptOf(rec: unknown): string {
  let s: string;
  try {
    s = typeof rec === 'string' ? rec : (JSON.stringify(rec) ?? String(rec));
  } catch {
    s = String(rec);
  }
  return s.slice(0, EXCERPT_CHARS);
}

function errorText(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}
