/**
 * CloudTrail for organization and multi-account trails: the trail's S3 bucket -> S3 event
 * notifications -> SQS -> this function, with `reportBatchItemFailures`.
 *
 * Each message announces trail files; each file is processed once (shared/sources/trail-objects.ts:
 * claim, read with the replay reader, detect and publish in batches with saved progress, done marker).
 * A message is handed back (`batchItemFailures`) only when one of its files could not be finished now:
 * download or detection failed, a finding could not be published, another invocation holds the file,
 * or the time budget ran out before it was reached. Messages that can never be processed (not JSON,
 * not an S3 notification) are logged and counted as quarantined, not retried; S3's `s3:TestEvent`,
 * digest and Insights files are acknowledged.
 */
import type { Context, SQSBatchItemFailure, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Logger } from '@aws-lambda-powertools/logger';
import { runBatch } from '#shared/pipeline/run-batch';
import type { RunBatchResult } from '#shared/pipeline/run-batch';
import { parseTrailNotification, processTrailObject, s3Fetcher } from '#shared/sources/trail-objects';
import type { TrailObjectResult } from '#shared/sources/trail-objects';
import { bootstrapLogger, buildAwsRuntime, errorText, logBatchProblems } from '../common/runtime';
import type { AwsRuntime, AwsRuntimeOptions } from '../common/runtime';

/** Options of {@link createHandler}. */
export interface TrailHandlerOptions extends AwsRuntimeOptions {
  /** @default a client for the function's region (AWS_ENDPOINT_URL_S3 honoured by the SDK) */
  s3Client?: S3Client;
  /** No new file is started with less time than this left. @default 30000 */
  safetyMarginMs?: number;
  /** Events per detection batch. @default 500 */
  batchSize?: number;
  /** Claim lease. @default 15 minutes */
  leaseMs?: number;
  /** Where files are downloaded. @default the OS temp folder (/tmp) */
  tmpDir?: string;
}

/** Metric names this function emits. */
export const TRAIL_METRICS = {
  ObjectsIn: 'ObjectsIn',
  ObjectsDone: 'ObjectsDone',
  ObjectsDuplicate: 'ObjectsDuplicate',
  ObjectsSkipped: 'ObjectsSkipped',
  ObjectFailures: 'ObjectFailures',
  EventsIn: 'EventsIn',
  Normalized: 'Normalized',
  Quarantined: 'Quarantined',
  FindingsOut: 'FindingsOut',
  PublishFailures: 'PublishFailures',
  SourceLagSeconds: 'SourceLagSeconds',
} as const;

/** The Lambda handler signature of this function. */
export type TrailHandler = (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse>;

/**
 * Builds the handler; dependencies are created on the first invocation.
 *
 * @example
 * ```ts
 * const handler = createHandler({ env, dynamoClient, snsClient, s3Client });
 * const { batchItemFailures } = await handler(sqsEvent);
 * ```
 */
export function createHandler(options: TrailHandlerOptions = {}): TrailHandler {
  let runtime: AwsRuntime | undefined;
  let s3: S3Client | undefined;
  let bootLogger: Logger | undefined;
  return async (event, context) => {
    try {
      runtime ??= buildAwsRuntime(options);
    } catch (e) {
      bootLogger ??= bootstrapLogger(options);
      bootLogger.error('Tripline cannot start: invalid configuration', e as Error);
      throw e;
    }
    s3 ??= options.s3Client ?? new S3Client({});
    const rt = runtime;
    if (context) rt.logger.addContext(context);
    const started = Date.now();
    const remainingMs = context
      ? () => context.getRemainingTimeInMillis()
      : () => 600_000 - (Date.now() - started);
    try {
      return await handleBatch(rt, s3, event, remainingMs, options);
    } finally {
      rt.metrics.publishStoredMetrics();
      rt.logger.resetKeys();
    }
  };
}

async function handleBatch(
  rt: AwsRuntime,
  s3: S3Client,
  event: SQSEvent,
  remainingMs: () => number,
  options: TrailHandlerOptions,
): Promise<SQSBatchResponse> {
  const { logger, metrics } = rt;
  const margin = options.safetyMarginMs ?? 30_000;
  const failures: SQSBatchItemFailure[] = [];
  const counts = {
    objects: 0,
    done: 0,
    duplicate: 0,
    skipped: 0,
    failed: 0,
    records: 0,
    events: 0,
    quarantined: 0,
    publishFailures: 0,
  };
  const bySeverity = new Map<string, number>();
  let newest = 0;
  const fetcher = s3Fetcher(s3);

  const batch = async (events: Parameters<typeof runBatch>[0]): Promise<RunBatchResult> => {
    const res = await runBatch(events, {
      detector: rt.detector,
      store: rt.store,
      sink: rt.sink,
      now: rt.now(),
      claimTtlMs: rt.claimTtlMs,
    });
    for (const p of res.published) {
      bySeverity.set(p.finding.severity, (bySeverity.get(p.finding.severity) ?? 0) + 1);
      logger.info('Finding published', {
        findingId: p.finding.id,
        ruleId: p.finding.ruleId,
        severity: p.finding.severity,
        tenant: p.finding.tenant,
        principal: p.finding.principal,
        snsMessageId: p.messageId,
      });
    }
    for (const f of res.failedPublishes) {
      logger.error('Finding not published; the file will be read again from this batch', {
        findingId: f.findingId,
        ruleId: f.ruleId,
        error: f.error,
        pendingInOutbox: f.pending,
      });
    }
    logBatchProblems(logger, res);
    return res;
  };

  for (const record of event.Records ?? []) {
    const messageId = record.messageId;
    if (remainingMs() < margin) {
      failures.push({ itemIdentifier: messageId });
      continue;
    }
    const n = parseTrailNotification(typeof record.body === 'string' ? record.body : '');
    if (n.kind === 'invalid') {
      counts.quarantined++;
      logger.warn('Message quarantined: it is not an S3 notification and will not be retried', {
        messageId,
        reason: n.reason,
        excerpt: String(record.body).slice(0, 200),
      });
      continue;
    }
    if (n.kind === 'test') {
      logger.info('S3 test event received: the bucket notification reaches this queue', { messageId });
      continue;
    }
    let failed = false;
    for (const ref of n.objects) {
      counts.objects++;
      if (failed || remainingMs() < margin) {
        failed = true;
        continue;
      }
      let res: TrailObjectResult;
      try {
        res = await processTrailObject(ref, {
          fetcher,
          store: rt.store,
          batch,
          now: rt.now,
          tenant: rt.config.tenantId,
          ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
          ...(options.leaseMs !== undefined ? { leaseMs: options.leaseMs } : {}),
          ...(options.tmpDir !== undefined ? { tmpDir: options.tmpDir } : {}),
          onQuarantine: (q) =>
            logger.warn(
              q.line === undefined
                ? 'Trail file set aside: it cannot be read'
                : 'Record quarantined: it cannot be normalized',
              {
                bucket: q.ref.bucket,
                key: q.ref.key,
                line: q.line,
                reason: q.reason,
                excerpt: q.excerpt,
              },
            ),
        });
      } catch (e) {
        counts.failed++;
        failed = true;
        logger.error('Trail file not processed; its message will be retried', {
          messageId,
          bucket: ref.bucket,
          key: ref.key,
          error: errorText(e),
        });
        continue;
      }
      counts.records += res.records;
      counts.events += res.events;
      counts.quarantined += res.quarantined;
      counts.publishFailures += res.failedPublishes.length;
      if (res.newest > newest) newest = res.newest;
      const info = {
        messageId,
        bucket: ref.bucket,
        key: ref.key,
        status: res.status,
        records: res.records,
        events: res.events,
        findings: res.findings,
        resumedAfter: res.resumedAfter,
      };
      if (res.status === 'done') {
        counts.done++;
        logger.info('Trail file processed', info);
      } else if (res.status === 'duplicate') {
        counts.duplicate++;
        logger.info('Trail file already processed; not read again', info);
      } else if (res.status === 'skipped') {
        counts.skipped++;
        logger.debug('Not a CloudTrail log file (digest, Insights or other); skipped', info);
      } else {
        counts.failed++;
        failed = true;
        logger.warn(
          res.status === 'busy'
            ? 'Trail file held by another invocation; its message will be retried'
            : 'Trail file stopped at a failed publish; its message will be retried',
          info,
        );
      }
    }
    if (failed) failures.push({ itemIdentifier: messageId });
  }

  metrics.addMetric(TRAIL_METRICS.ObjectsIn, MetricUnit.Count, counts.objects);
  metrics.addMetric(TRAIL_METRICS.ObjectsDone, MetricUnit.Count, counts.done);
  metrics.addMetric(TRAIL_METRICS.ObjectsDuplicate, MetricUnit.Count, counts.duplicate);
  metrics.addMetric(TRAIL_METRICS.ObjectsSkipped, MetricUnit.Count, counts.skipped);
  metrics.addMetric(TRAIL_METRICS.ObjectFailures, MetricUnit.Count, counts.failed);
  metrics.addMetric(TRAIL_METRICS.EventsIn, MetricUnit.Count, counts.records);
  metrics.addMetric(TRAIL_METRICS.Normalized, MetricUnit.Count, counts.events);
  metrics.addMetric(TRAIL_METRICS.Quarantined, MetricUnit.Count, counts.quarantined);
  metrics.addMetric(TRAIL_METRICS.PublishFailures, MetricUnit.Count, counts.publishFailures);
  if (newest > 0)
    metrics.addMetric(
      TRAIL_METRICS.SourceLagSeconds,
      MetricUnit.Seconds,
      Math.max(0, (rt.now() - newest) / 1000),
    );
  for (const [severity, count] of bySeverity) {
    metrics
      .singleMetric()
      .addDimension('severity', severity)
      .addMetric(TRAIL_METRICS.FindingsOut, MetricUnit.Count, count);
  }
  if (bySeverity.size === 0) metrics.addMetric(TRAIL_METRICS.FindingsOut, MetricUnit.Count, 0);
  logger.info('Batch done', { messages: event.Records?.length ?? 0, ...counts, retried: failures.length });
  return { batchItemFailures: failures };
}

/** The Lambda entry point (`index.handler`). */
export const handler: TrailHandler = createHandler();
