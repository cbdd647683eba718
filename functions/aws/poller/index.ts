/**
 * The scheduled poller: one deployment per enabled polling source (`SOURCE`), invoked by an EventBridge
 * schedule with reserved concurrency 1. It picks the source from the registry and runs the shared
 * poller template (`runPoller`) with `runBatch` as the page handler and the invocation's remaining time
 * as the budget.
 *
 * A run that stops for the time budget or a failed publish returns normally (the checkpoint says where
 * the next run resumes); a page that cannot be fetched or detected throws, so the invocation counts as
 * an error (Lambda retries it, then the poller's dead-letter queue gets the event) and the checkpoint
 * holds the last page that was fully processed.
 */
import type { Context } from 'aws-lambda';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Logger } from '@aws-lambda-powertools/logger';
import { runBatch } from '#shared/pipeline/run-batch';
import type { RunBatchResult } from '#shared/pipeline/run-batch';
import { DEFAULT_POLL_TIMING, runPoller } from '#shared/sources/poller';
import type { PollRunResult, PollSource, PollTiming } from '#shared/sources/poller';
import { POLL_SOURCES, pollSourceFor } from '#shared/sources/registry';
import type { PollSourceRegistry } from '#shared/sources/registry';
import { bootstrapLogger, buildAwsRuntime, errorText, logBatchProblems } from '../common/runtime';
import type { AwsRuntime, AwsRuntimeOptions } from '../common/runtime';

/** Options of {@link createHandler}: the runtime overrides plus the source registry. */
export interface PollerHandlerOptions extends AwsRuntimeOptions {
  /** @default POLL_SOURCES */
  registry?: PollSourceRegistry;
  /** No page is started with less time than this left. @default 20000 */
  safetyMarginMs?: number;
  /** Budget when no Lambda context is given (local runs). @default 60000 */
  defaultBudgetMs?: number;
}

/** What an invocation returns (also logged). */
export type PollerSummary = Omit<PollRunResult, 'failedPublishes'> & {
  source: string;
  tenant: string;
  failedPublishes: number;
};

/** The Lambda handler signature of the poller. */
export type PollerHandler = (event?: unknown, context?: Context) => Promise<PollerSummary>;

interface Prepared {
  source: PollSource;
  tenant: string;
  timing: PollTiming;
}

/**
 * Builds the poller handler; dependencies and the source are created on the first invocation.
 *
 * @example
 * ```ts
 * const handler = createHandler({ env, dynamoClient, snsClient, registry: { graph: graphRegistration } });
 * await handler({}, context);
 * ```
 */
export function createHandler(options: PollerHandlerOptions = {}): PollerHandler {
  let runtime: AwsRuntime | undefined;
  let prepared: Promise<Prepared> | undefined;
  let bootLogger: Logger | undefined;
  const registry = options.registry ?? POLL_SOURCES;

  return async (_event, context) => {
    const started = Date.now();
    const remainingMs = context
      ? () => context.getRemainingTimeInMillis()
      : () => (options.defaultBudgetMs ?? 60_000) - (Date.now() - started);
    let rt: AwsRuntime;
    try {
      rt = runtime ??= buildAwsRuntime(options);
      const env = options.env ?? process.env;
      prepared ??= (async () => {
        const reg = pollSourceFor(rt.config.source, registry);
        const ctx = { config: rt.config, env };
        const source = await reg.create(ctx);
        const tenant = reg.tenant?.(ctx) ?? rt.config.tenantId ?? 'default';
        return { source, tenant, timing: { ...DEFAULT_POLL_TIMING, ...reg.timing } };
      })();
      await prepared.catch((e: unknown) => {
        prepared = undefined; // a failed setup (secret not readable yet) is tried again next time
        throw e;
      });
    } catch (e) {
      bootLogger ??= runtime?.logger ?? bootstrapLogger(options);
      bootLogger.error('Tripline poller cannot start', e as Error);
      throw e;
    }
    const { source, tenant, timing } = await prepared;
    const { logger, metrics } = rt;
    if (context) logger.addContext(context);
    logger.appendKeys({ source: source.name, tenant });

    const bySeverity = new Map<string, number>();
    let conflicts = 0;
    const batch = async (events: Parameters<typeof runBatch>[0]): Promise<RunBatchResult> => {
      const res = await runBatch(events, {
        detector: rt.detector,
        store: rt.store,
        sink: rt.sink,
        now: rt.now(),
        claimTtlMs: rt.claimTtlMs,
      });
      conflicts += res.stats.conflicts;
      for (const p of res.published) {
        bySeverity.set(p.finding.severity, (bySeverity.get(p.finding.severity) ?? 0) + 1);
        logger.info('Finding published', {
          findingId: p.finding.id,
          ruleId: p.finding.ruleId,
          severity: p.finding.severity,
          principal: p.finding.principal,
          snsMessageId: p.messageId,
        });
      }
      for (const f of res.failedPublishes) {
        logger.error('Finding not published; the page will be read again', {
          findingId: f.findingId,
          ruleId: f.ruleId,
          error: f.error,
          pendingInOutbox: f.pending,
        });
      }
      logBatchProblems(logger, res);
      return res;
    };

    try {
      const res = await runPoller({
        source,
        tenant,
        store: rt.store,
        batch,
        now: rt.now,
        remainingMs,
        ...timing,
        ...(options.safetyMarginMs !== undefined ? { safetyMarginMs: options.safetyMarginMs } : {}),
        onQuarantine: (q) =>
          logger.warn('Record quarantined: it cannot be normalized', {
            reason: q.reason,
            excerpt: q.excerpt,
            window: q.window,
          }),
      });
      metrics.addMetric('Pages', MetricUnit.Count, res.pages);
      metrics.addMetric('EventsIn', MetricUnit.Count, res.records);
      metrics.addMetric('Normalized', MetricUnit.Count, res.events + res.overlapDuplicates);
      metrics.addMetric('OverlapDuplicates', MetricUnit.Count, res.overlapDuplicates);
      metrics.addMetric('Quarantined', MetricUnit.Count, res.quarantined);
      metrics.addMetric('PublishFailures', MetricUnit.Count, res.failedPublishes.length);
      metrics.addMetric('StateConflicts', MetricUnit.Count, conflicts);
      metrics.addMetric(
        'SourceLagSeconds',
        MetricUnit.Seconds,
        Math.max(0, (rt.now() - res.checkpoint.until) / 1000),
      );
      for (const [severity, n] of bySeverity) {
        metrics
          .singleMetric()
          .addDimension('severity', severity)
          .addMetric('FindingsOut', MetricUnit.Count, n);
      }
      if (bySeverity.size === 0) metrics.addMetric('FindingsOut', MetricUnit.Count, 0);
      const summary: PollerSummary = {
        ...res,
        failedPublishes: res.failedPublishes.length,
        source: source.name,
        tenant,
      };
      const log =
        res.status === 'caught-up' || res.status === 'budget'
          ? logger.info.bind(logger)
          : logger.warn.bind(logger);
      log('Poll done', { ...summary, checkpointUntil: new Date(res.checkpoint.until).toISOString() });
      return summary;
    } catch (e) {
      metrics.addMetric('PollFailures', MetricUnit.Count, 1);
      logger.error('Poll failed; the next run resumes from the last saved page', { error: errorText(e) });
      throw e;
    } finally {
      metrics.publishStoredMetrics();
      logger.resetKeys();
    }
  };
}

/** The Lambda entry point (`index.handler`). */
export const handler: PollerHandler = createHandler();
