/**
 * Real-time CloudTrail detection: EventBridge (CloudTrail management events) -> SQS -> this function,
 * with `reportBatchItemFailures`.
 *
 * Per invocation: parse and normalize every SQS record (quarantining what can never be processed),
 * run `runBatch` (detect, publish new findings once), and hand back, as `batchItemFailures`, exactly
 * the records a retry can help:
 * - detection or state failed for the batch: every record that carried an event;
 * - a finding could not be published: the records whose events are in that finding's evidence
 *   (the finding also stays in the tenant's publish outbox, so the redelivery publishes it);
 * - quarantined records (not JSON, not CloudTrail, not normalizable) never: they are logged with their
 *   messageId and reason and counted in the `Quarantined` metric.
 *
 * docs/aws-runtime.md describes the flow, the idempotency guarantees and the residual risks.
 */
import type { Context, SQSBatchItemFailure, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Logger } from '@aws-lambda-powertools/logger';
import { runBatch } from '#shared/pipeline/run-batch';
import type { RunBatchResult } from '#shared/pipeline/run-batch';
import { bootstrapLogger, buildAwsRuntime, errorText, logBatchProblems } from '../common/runtime';
import type { AwsRuntime, AwsRuntimeOptions } from '../common/runtime';
import { messagesFor, parseSqsRecords } from './records';

/** The Lambda handler signature of this function. */
export type RealtimeHandler = (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse>;

/** Metric names this function emits (namespace from POWERTOOLS_METRICS_NAMESPACE). */
export const REALTIME_METRICS = {
  EventsIn: 'EventsIn',
  Normalized: 'Normalized',
  Quarantined: 'Quarantined',
  FindingsOut: 'FindingsOut',
  DuplicateFindings: 'DuplicateFindings',
  PublishFailures: 'PublishFailures',
  SourceLagSeconds: 'SourceLagSeconds',
  StateConflicts: 'StateConflicts',
  RuleErrors: 'RuleErrors',
  BatchFailures: 'BatchFailures',
  PendingFindings: 'PendingFindings',
} as const;

/**
 * Builds the handler. Dependencies are created on the first invocation and reused by later ones in the
 * same container; a configuration error is logged and thrown by every invocation until it is fixed
 * (the records then return to the queue and, after `maxReceiveCount`, to its dead-letter queue).
 *
 * @example
 * ```ts
 * // tests: point the function at local servers
 * const handler = createHandler({ env, dynamoClient, snsClient });
 * const { batchItemFailures } = await handler(sqsEvent);
 * ```
 */
export function createHandler(options: AwsRuntimeOptions = {}): RealtimeHandler {
  let runtime: AwsRuntime | undefined;
  let bootLogger: Logger | undefined;
  return async (event, context) => {
    try {
      runtime ??= buildAwsRuntime(options);
    } catch (e) {
      bootLogger ??= bootstrapLogger(options);
      bootLogger.error('Tripline cannot start: invalid configuration', e as Error);
      throw e;
    }
    const rt = runtime;
    if (context) rt.logger.addContext(context);
    try {
      return await handleBatch(rt, event);
    } finally {
      rt.metrics.publishStoredMetrics();
      rt.logger.resetKeys();
    }
  };
}

async function handleBatch(rt: AwsRuntime, event: SQSEvent): Promise<SQSBatchResponse> {
  const { logger, metrics, config } = rt;
  const records = event.Records ?? [];
  const now = rt.now();
  const batch = parseSqsRecords(records, { tenant: config.tenantId });

  metrics.addMetric(REALTIME_METRICS.EventsIn, MetricUnit.Count, records.length);
  metrics.addMetric(REALTIME_METRICS.Normalized, MetricUnit.Count, batch.events.length);
  metrics.addMetric(REALTIME_METRICS.Quarantined, MetricUnit.Count, batch.quarantined.length);
  for (const q of batch.quarantined) {
    logger.warn('Record quarantined: it cannot be processed and will not be retried', {
      messageId: q.messageId,
      reason: q.reason,
      excerpt: q.excerpt,
    });
  }
  if (batch.events.length === 0) return { batchItemFailures: [] };

  let newest = 0;
  for (const e of batch.events) if (e.time > newest) newest = e.time;
  metrics.addMetric(
    REALTIME_METRICS.SourceLagSeconds,
    MetricUnit.Seconds,
    Math.max(0, (now - newest) / 1000),
  );

  let res: RunBatchResult;
  try {
    res = await runBatch(batch.events, {
      detector: rt.detector,
      store: rt.store,
      sink: rt.sink,
      now,
      claimTtlMs: rt.claimTtlMs,
    });
  } catch (e) {
    // Nothing was published; the state may be partly written (it is idempotent per event id for
    // thresholds), so the whole batch goes back.
    metrics.addMetric(REALTIME_METRICS.BatchFailures, MetricUnit.Count, 1);
    logger.error('Detection failed for the batch; every record will be retried', {
      error: errorText(e),
      records: batch.withEvents.length,
      messageIds: batch.withEvents,
    });
    return { batchItemFailures: batch.withEvents.map((itemIdentifier) => ({ itemIdentifier })) };
  }

  metrics.addMetric(REALTIME_METRICS.StateConflicts, MetricUnit.Count, res.stats.conflicts);
  metrics.addMetric(REALTIME_METRICS.PublishFailures, MetricUnit.Count, res.failedPublishes.length);
  metrics.addMetric(REALTIME_METRICS.DuplicateFindings, MetricUnit.Count, res.duplicates.length);
  metrics.addMetric(REALTIME_METRICS.PendingFindings, MetricUnit.Count, res.stats.pendingAfter);
  metrics.addMetric(
    REALTIME_METRICS.RuleErrors,
    MetricUnit.Count,
    res.ruleErrors.reduce((n, r) => n + r.count, 0),
  );
  const bySeverity = new Map<string, number>();
  for (const p of res.published)
    bySeverity.set(p.finding.severity, (bySeverity.get(p.finding.severity) ?? 0) + 1);
  for (const [severity, n] of bySeverity) {
    metrics
      .singleMetric()
      .addDimension('severity', severity)
      .addMetric(REALTIME_METRICS.FindingsOut, MetricUnit.Count, n);
  }
  if (bySeverity.size === 0) metrics.addMetric(REALTIME_METRICS.FindingsOut, MetricUnit.Count, 0);

  for (const p of res.published) {
    const f = p.finding;
    const log = p.warning ? logger.warn.bind(logger) : logger.info.bind(logger);
    log('Finding published', {
      findingId: f.id,
      ruleId: f.ruleId,
      severity: f.severity,
      tenant: f.tenant,
      principal: f.principal,
      count: f.count,
      snsMessageId: p.messageId,
      eventIDs: f.evidence.map((x) => x.id),
      ...(p.warning ? { warning: p.warning } : {}),
    });
  }
  for (const d of res.duplicates) {
    logger.info('Finding already published; not sent again', {
      findingId: d.finding.id,
      ruleId: d.finding.ruleId,
    });
  }
  logBatchProblems(logger, res);

  const failures = new Set<string>();
  for (const f of res.failedPublishes) {
    const messageIds = messagesFor(batch, f.eventIds);
    for (const m of messageIds) failures.add(m);
    logger.error('Finding not published; its records will be retried', {
      findingId: f.findingId,
      ruleId: f.ruleId,
      error: f.error,
      pendingInOutbox: f.pending,
      eventIDs: f.eventIds,
      messageIds,
    });
  }
  const batchItemFailures: SQSBatchItemFailure[] = batch.withEvents
    .filter((m) => failures.has(m))
    .map((itemIdentifier) => ({ itemIdentifier }));
  logger.info('Batch done', {
    records: records.length,
    events: batch.events.length,
    quarantined: batch.quarantined.length,
    findings: res.findings.length,
    updated: res.updated.length,
    published: res.published.length,
    duplicates: res.duplicates.length,
    publishFailures: res.failedPublishes.length,
    retried: batchItemFailures.length,
    stateReads: res.stats.stateReads,
    stateWrites: res.stats.stateWrites,
    conflicts: res.stats.conflicts,
  });
  return { batchItemFailures };
}

/** The Lambda entry point (`index.handler`). */
export const handler: RealtimeHandler = createHandler();
