/**
 * CloudTrail log files in S3, for organization and multi-account trails: the trail writes gzipped
 * `{"Records":[...]}` files under `AWSLogs/[o-<org id>/]<account>/CloudTrail/<region>/YYYY/MM/DD/`,
 * S3 event notifications announce each file to an SQS queue, and each file is read with the same
 * reader `tripline replay` uses (shared/sources/files), so every account, every region and data events
 * (when the trail records them) come in the way replay reads them.
 *
 * Notifications: S3's own (`Records[].s3`, object keys URL-encoded with `+` for spaces, `eTag`,
 * `versionId` on versioned buckets, `sequencer`), the same wrapped in an SNS envelope, and CloudTrail's
 * own SNS notification (`{"s3Bucket", "s3ObjectKey": [...]}`). The `s3:TestEvent` S3 sends when a
 * notification is configured is recognised and ignored; digest and Insights files are skipped.
 *
 * Each object is processed once, whatever the redeliveries: a state item per bucket, key and version
 * (or ETag) is claimed before reading, with a lease; the number of records already detected is saved
 * after each batch, so an invocation killed in the middle resumes after the last batch it finished; the
 * item is marked done at the end (and kept 30 days, beyond the queue's retention and a DLQ redrive). A
 * failure releases the lease at once, keeping the progress. An object that is not readable at all
 * (not gzip, not JSON) is marked done with its reason: a retry cannot change it.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream, promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { normalize } from '../events/normalize';
import type { TriplineEvent } from '../events/types';
import type { FailedPublish, RunBatchResult } from '../pipeline/run-batch';
import type { StateStore } from '../state/port';
import { readRecords } from './files';

/** One S3 object a notification announced. */
export interface S3ObjectRef {
  bucket: string;
  /** Decoded key. */
  key: string;
  versionId?: string | undefined;
  eTag?: string | undefined;
  size?: number | undefined;
  sequencer?: string | undefined;
}

/** What one queue message holds. */
export type TrailNotification =
  { kind: 'objects'; objects: S3ObjectRef[] } | { kind: 'test' } | { kind: 'invalid'; reason: string };

/** Decodes an S3 event notification key: URL-encoded, with `+` for spaces. */
export function decodeS3Key(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, ' '));
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Parses one SQS message body into the objects it announces.
 *
 * @example
 * ```ts
 * const n = parseTrailNotification(record.body);
 * if (n.kind === 'objects') for (const ref of n.objects) await processTrailObject(ref, deps);
 * ```
 */
export function parseTrailNotification(body: string): TrailNotification {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch (e) {
    return { kind: 'invalid', reason: `body is not JSON: ${(e as Error).message.slice(0, 120)}` };
  }
  // SNS envelope (S3 -> SNS -> SQS without raw delivery, or CloudTrail's own SNS notification).
  if (isObj(doc) && doc['Type'] === 'Notification' && typeof doc['Message'] === 'string') {
    return parseTrailNotification(doc['Message']);
  }
  if (!isObj(doc)) return { kind: 'invalid', reason: 'body is not a JSON object' };
  if (doc['Event'] === 's3:TestEvent') return { kind: 'test' };
  if (typeof doc['s3Bucket'] === 'string' && Array.isArray(doc['s3ObjectKey'])) {
    const bucket = doc['s3Bucket'];
    return {
      kind: 'objects',
      objects: doc['s3ObjectKey']
        .filter((k): k is string => typeof k === 'string')
        .map((key) => ({ bucket, key })),
    };
  }
  const records = doc['Records'];
  if (!Array.isArray(records)) {
    return { kind: 'invalid', reason: 'not an S3 event notification (no Records, no s3:TestEvent)' };
  }
  const objects: S3ObjectRef[] = [];
  for (const r of records) {
    if (!isObj(r) || r['eventSource'] !== 'aws:s3') {
      return {
        kind: 'invalid',
        reason: 'Records[] holds something other than S3 events (a CloudTrail file sent to the queue?)',
      };
    }
    if (typeof r['eventName'] !== 'string' || !r['eventName'].startsWith('ObjectCreated:')) continue;
    const s3 = isObj(r['s3']) ? r['s3'] : {};
    const bucket = isObj(s3['bucket']) ? s3['bucket']['name'] : undefined;
    const object = isObj(s3['object']) ? s3['object'] : {};
    if (typeof bucket !== 'string' || typeof object['key'] !== 'string') {
      return { kind: 'invalid', reason: 'an S3 event without s3.bucket.name or s3.object.key' };
    }
    let key: string;
    try {
      key = decodeS3Key(object['key']);
    } catch {
      return { kind: 'invalid', reason: `object key is not URL-encoded: ${object['key'].slice(0, 120)}` };
    }
    objects.push({
      bucket,
      key,
      versionId: typeof object['versionId'] === 'string' ? object['versionId'] : undefined,
      eTag: typeof object['eTag'] === 'string' ? object['eTag'] : undefined,
      size: typeof object['size'] === 'number' ? object['size'] : undefined,
      sequencer: typeof object['sequencer'] === 'string' ? object['sequencer'] : undefined,
    });
  }
  return { kind: 'objects', objects };
}

/**
 * Whether a key is a CloudTrail log file: `.../CloudTrail/...json.gz` (or `.json`), not a digest
 * (`CloudTrail-Digest/`), not Insights (`CloudTrail-Insight/`), not a folder marker.
 */
export function isTrailLogKey(key: string): boolean {
  return /(^|\/)CloudTrail\/.+\.json(\.gz)?$/.test(key);
}

/** Reads an object's bytes into a local file. */
export interface ObjectFetcher {
  /** Writes the object to `dest`; throws when it cannot be read. */
  download(ref: S3ObjectRef, dest: string): Promise<void>;
}

/** {@link ObjectFetcher} over `GetObject`, pinned to the announced version when there is one. */
export function s3Fetcher(client: S3Client): ObjectFetcher {
  return {
    async download(ref, dest) {
      const out = await client.send(
        new GetObjectCommand({
          Bucket: ref.bucket,
          Key: ref.key,
          ...(ref.versionId !== undefined ? { VersionId: ref.versionId } : {}),
        }),
      );
      const body = out.Body;
      if (!body) throw new Error(`s3://${ref.bucket}/${ref.key}: GetObject returned no body`);
      await pipeline(body as Readable, createWriteStream(dest));
    },
  };
}

/** Dependencies of {@link processTrailObject}. */
export interface TrailObjectDeps {
  fetcher: ObjectFetcher;
  store: StateStore;
  /** Detect and publish a batch of events (runBatch with the caller's dependencies). */
  batch: (events: TriplineEvent[]) => Promise<RunBatchResult>;
  now: () => number;
  /** How long a claim is held before another invocation may take over. @default 15 minutes */
  leaseMs?: number;
  /** Events per detection batch. @default 500 */
  batchSize?: number;
  /** How long a done marker is kept. @default 30 days */
  doneTtlMs?: number;
  /** Where downloads go. @default the OS temp folder */
  tmpDir?: string;
  /** Tenant for records that carry none. */
  tenant?: string | undefined;
  /** Each record or file that cannot be used. */
  onQuarantine?: (q: {
    ref: S3ObjectRef;
    reason: string;
    line?: number | undefined;
    excerpt?: string | undefined;
  }) => void;
}

/** What happened to one object. */
export interface TrailObjectResult {
  ref: S3ObjectRef;
  status:
    /** Read to the end (or found unreadable and set aside); it will not be read again. */
    | 'done'
    /** Already done by an earlier delivery. */
    | 'duplicate'
    /** Another invocation holds the claim; retry later. */
    | 'busy'
    /** A finding could not be published; progress kept up to the batch before; retry. */
    | 'publish-failed'
    /** Not a CloudTrail log file (digest, Insights, other). */
    | 'skipped';
  records: number;
  events: number;
  quarantined: number;
  findings: number;
  published: number;
  failedPublishes: FailedPublish[];
  /** Records skipped because an earlier attempt had detected them. */
  resumedAfter: number;
  /** Newest event time, epoch ms (0 when none). */
  newest: number;
  /** Set when the whole object could not be read. */
  problem?: string | undefined;
}

/** The value of an object's claim item. */
interface ClaimValue {
  state: 'processing' | 'released' | 'done';
  leaseUntil: number;
  /** Reader items (records and problems) fully detected so far. */
  done: number;
  problem?: string;
}

/** The state key of an object: bucket, key and the version (or ETag) that identifies its content. */
export function objectClaimKey(ref: S3ObjectRef): string {
  const version = ref.versionId ?? ref.eTag ?? ref.sequencer ?? '-';
  return `s3obj|${ref.bucket}|${ref.key}|${version}`;
}

/** Thrown when an object cannot be processed now (download or detection failed); the claim is released. */
export class TrailObjectError extends Error {
  override readonly name = 'TrailObjectError';
  constructor(
    message: string,
    readonly ref: S3ObjectRef,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Processes one trail file once: claim, download, read with the replay reader, normalize, detect and
 * publish in batches (saving progress after each), mark done.
 *
 * @throws {@link TrailObjectError} when it cannot be read or detected now; the claim is released with
 *   the progress made, so a redelivery resumes.
 */
export async function processTrailObject(
  ref: S3ObjectRef,
  deps: TrailObjectDeps,
): Promise<TrailObjectResult> {
  const result: TrailObjectResult = {
    ref,
    status: 'done',
    records: 0,
    events: 0,
    quarantined: 0,
    findings: 0,
    published: 0,
    failedPublishes: [],
    resumedAfter: 0,
    newest: 0,
  };
  if (!isTrailLogKey(ref.key)) return { ...result, status: 'skipped' };

  const { store, now } = deps;
  const leaseMs = deps.leaseMs ?? 15 * 60_000;
  const doneTtl = deps.doneTtlMs ?? 30 * 86_400_000;
  const batchSize = deps.batchSize ?? 500;
  const key = objectClaimKey(ref);

  const item = (await store.get([key], now())).get(key);
  const prev = item?.value as ClaimValue | undefined;
  if (prev?.state === 'done') return { ...result, status: 'duplicate' };
  if (prev?.state === 'processing' && prev.leaseUntil > now()) return { ...result, status: 'busy' };
  let version = item?.version ?? 0;
  let claim: ClaimValue = { state: 'processing', leaseUntil: now() + leaseMs, done: prev?.done ?? 0 };
  /** Conditional write of the claim; false when another invocation changed it. */
  const save = async (value: ClaimValue, ttlMs: number): Promise<boolean> => {
    const t = now();
    const { conflicts } = await store.write(
      [{ key, expectedVersion: version, expiresAt: t + ttlMs, value }],
      t,
    );
    if (conflicts.length > 0) return false;
    version++;
    claim = value;
    return true;
  };
  if (!(await save(claim, doneTtl))) return { ...result, status: 'busy' };
  result.resumedAfter = claim.done;

  const release = async (): Promise<void> => {
    await save({ ...claim, state: 'released', leaseUntil: 0 }, doneTtl).catch(() => false);
  };

  const tmp = path.join(
    deps.tmpDir ?? tmpdir(),
    `tripline-${randomUUID()}${ref.key.endsWith('.gz') ? '.json.gz' : '.json'}`,
  );
  try {
    try {
      await deps.fetcher.download(ref, tmp);
    } catch (e) {
      await release();
      throw new TrailObjectError(`s3://${ref.bucket}/${ref.key}: cannot download: ${errorText(e)}`, ref, {
        cause: e,
      });
    }

    let position = 0;
    let pending: TriplineEvent[] = [];
    let pendingEnd = 0;
    /** Detects `pending`; false when a publish failed (progress saved up to the batch before). */
    const flush = async (): Promise<boolean> => {
      if (pending.length === 0) {
        claim = { ...claim, done: pendingEnd };
        return true;
      }
      let br: RunBatchResult;
      try {
        br = await deps.batch(pending);
      } catch (e) {
        await release();
        throw new TrailObjectError(`s3://${ref.bucket}/${ref.key}: detection failed: ${errorText(e)}`, ref, {
          cause: e,
        });
      }
      result.events += pending.length;
      result.findings += br.findings.length;
      result.published += br.published.length;
      pending = [];
      if (br.failedPublishes.length > 0) {
        result.failedPublishes.push(...br.failedPublishes);
        await release();
        return false;
      }
      let saved: boolean;
      try {
        saved = await save({ ...claim, done: pendingEnd, leaseUntil: now() + leaseMs }, doneTtl);
      } catch (e) {
        await release();
        throw new TrailObjectError(
          `s3://${ref.bucket}/${ref.key}: cannot save progress: ${errorText(e)}`,
          ref,
          { cause: e },
        );
      }
      if (!saved) {
        throw new TrailObjectError(
          `s3://${ref.bucket}/${ref.key}: another invocation took the claim over`,
          ref,
        );
      }
      return true;
    };

    for await (const it of readRecords([tmp])) {
      position++;
      if (position <= claim.done) continue;
      if (it.kind === 'problem') {
        if (it.origin.line === undefined) {
          // The whole file is unreadable: a retry cannot help.
          result.problem = it.reason;
          result.quarantined++;
          deps.onQuarantine?.({ ref, reason: it.reason });
        } else {
          result.quarantined++;
          deps.onQuarantine?.({ ref, reason: it.reason, line: it.origin.line, excerpt: it.excerpt });
        }
      } else {
        result.records++;
        const res = normalize(it.record, { source: 'aws.cloudtrail', tenant: deps.tenant });
        if (!res.ok) {
          result.quarantined++;
          deps.onQuarantine?.({ ref, reason: res.reason, line: it.origin.line, excerpt: excerpt(it.record) });
        } else {
          for (const e of res.events) {
            pending.push(e);
            if (e.time > result.newest) result.newest = e.time;
          }
        }
      }
      pendingEnd = position;
      if (pending.length >= batchSize && !(await flush())) return { ...result, status: 'publish-failed' };
    }
    if (!(await flush())) return { ...result, status: 'publish-failed' };
    const finished: ClaimValue = { state: 'done', leaseUntil: 0, done: pendingEnd };
    if (result.problem !== undefined) finished.problem = result.problem;
    if (!(await save(finished, doneTtl))) {
      throw new TrailObjectError(
        `s3://${ref.bucket}/${ref.key}: another invocation took the claim over`,
        ref,
      );
    }
    return result;
  } finally {
    await fsp.rm(tmp, { force: true });
  }
}

function excerpt(rec: unknown): string {
  try {
    return (JSON.stringify(rec) ?? String(rec)).slice(0, 200);
  } catch {
    return String(rec).slice(0, 200);
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}
