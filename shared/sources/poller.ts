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
 * also kept in the publish outbox and retried).
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
  fetchPage(window: PollWindow, cursor?: string): Promise<PollPage>;
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
  batch: (events: TriplineEvent[]) => Promise<RunBatchResult>;
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
  | 'lost-race';

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
  quarantined: number;
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
}

/** The checkpoint key of a source and tenant. */
export function checkpointKey(source: string, tenant: string): string {
  return `ckpt|${source}|${tenant}`;
}

const HASH_CHARS = 11;
const DAY = 86_400_000;
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

  const item = (await store.get([key], now())).get(key);
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
        }
      : { v: 1, until: now() - opts.initialLookbackMs, seen: '', next: '', updatedAt: 0 };

  const result: PollRunResult = {
    status: 'caught-up',
    windows: 0,
    pages: 0,
    records: 0,
    events: 0,
    overlapDuplicates: 0,
    quarantined: 0,
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
    return result;
  };
  /** Saves `next` conditionally; false when another poller got there first. */
  const save = async (next: CheckpointValue): Promise<boolean> => {
    const t = now();
    const value: CheckpointValue = { ...next, updatedAt: t };
    if (value.resume === undefined) delete value.resume;
    const { conflicts } = await store.write(
      [{ key, expectedVersion: version, expiresAt: t + ttl, value }],
      t,
    );
    if (conflicts.length > 0) return false;
    version++;
    ck = value;
    return true;
  };

  for (;;) {
    let window: PollWindow;
    let cursor: string | undefined;
    if (ck.resume) {
      window = { from: ck.resume.from, to: ck.resume.to };
      cursor = ck.resume.cursor ?? undefined;
    } else {
      const end = Math.min(now() - opts.delayMs, ck.until + opts.maxWindowMs);
      if (end <= ck.until) return finish('caught-up');
      window = { from: Math.max(0, ck.until - opts.overlapMs), to: end };
      cursor = undefined;
    }
    const seen = new Set(splitHashes(ck.seen));
    const nextSeen = new Set(splitHashes(ck.next));
    const overlapStart = window.to - opts.overlapMs;

    for (;;) {
      if (opts.remainingMs() < margin) {
        const resume = { from: window.from, to: window.to, cursor: cursor ?? null };
        if (!sameResume(ck.resume, resume) && !(await save({ ...ck, resume }))) return finish('lost-race');
        return finish('budget');
      }
      let page: PollPage;
      try {
        page = await source.fetchPage(window, cursor);
      } catch (e) {
        throw new PollerError(
          `${source.name}: cannot fetch ${describeWindow(window)}${cursor ? ' (next page)' : ''}: ${errorText(e)}`,
          source.name,
          window,
          cursor,
          { cause: e },
        );
      }
      if (page.next !== undefined && page.next === cursor) {
        throw new PollerError(
          `${source.name}: the API returned the same page cursor again`,
          source.name,
          window,
          cursor,
        );
      }
      result.pages++;
      const records = Array.isArray(page.records) ? page.records : [];
      result.records += records.length;

      const events: TriplineEvent[] = [];
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

      if (events.length > 0) {
        let br: RunBatchResult;
        try {
          br = await opts.batch(events);
        } catch (e) {
          throw new PollerError(
            `${source.name}: detection failed for a page of ${describeWindow(window)}: ${errorText(e)}`,
            source.name,
            window,
            cursor,
            { cause: e },
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
      }
      for (const [h, t] of pageHashes) if (t >= overlapStart) nextSeen.add(h);

      if (page.next !== undefined) {
        cursor = page.next;
        const resume = { from: window.from, to: window.to, cursor };
        if (!(await save({ ...ck, resume, next: capped(nextSeen, maxSeen) }))) return finish('lost-race');
        continue;
      }
      // Window complete: its overlap region's ids become the next window's `seen`.
      const done: CheckpointValue = {
        ...ck,
        until: window.to,
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
