/**
 * The scheduled poller: one deployment per enabled polling source (`SOURCE`), invoked by an EventBridge
 * Scheduler schedule with reserved concurrency 1. It picks the registration from the registry, builds
 * its streams (one source, or several: Workspace applications and customers, LookupEvents regions) and
 * runs the shared poller template (`runPoller`) on each in turn, with `runBatch` as the page handler and
 * the invocation's remaining time as the budget.
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
import type { PollRunResult, PollSource, PollStatus, PollTiming } from '#shared/sources/poller';
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

/** What one stream (source and tenant) did in an invocation. */
export type PollerRunSummary = Omit<PollRunResult, 'failedPublishes'> & {
  source: string;
  tenant: string;
  failedPublishes: number;
  /** Set when the stream's poll threw; its checkpoint holds the last page fully processed. */
  error?: string | undefined;
};

/**
 * What an invocation returns (also logged): the totals over every stream it polled, the worst status,
 * and each stream's own summary in `runs`. `source` and `tenant` are the stream's when there is one.
 */
export type PollerSummary = PollerRunSummary & { runs: PollerRunSummary[] };

/** The Lambda handler signature of the poller. */
export type PollerHandler = (event?: unknown, context?: Context) => Promise<PollerSummary>;

interface Target {
  source: PollSource;
  tenant: string;
  timing: PollTiming;
}

/** Worse statuses first: the one an invocation reports. */
const STATUS_ORDER: readonly PollStatus[] = ['lost-race', 'publish-failed', 'budget', 'caught-up'];

/**
 * Builds the poller handler; dependencies and the sources are created on the first invocation. A
 * registration with several streams (Workspace applications and customers, LookupEvents regions) has
 * them polled in turn, sharing the invocation's time; a stream that fails does not stop the others,
 * and the invocation then fails with the first error once all were tried.
 *
 * @example
 * ```ts
 * const handler = createHandler({ env, dynamoClient, snsClient, registry: { graph: graphRegistration } });
 * await handler({}, context);
 * ```
 */
export function createHandler(options: PollerHandlerOptions = {}): PollerHandler {
  let runtime: AwsRuntime | undefined;
  let prepared: Promise<Target[]> | undefined;
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
      const logger = rt.logger;
      prepared ??= (async () => {
        const reg = pollSourceFor(rt.config.source, registry);
        const ctx = {
          config: rt.config,
          env,
          notify: (message: string, details?: Record<string, unknown>) => logger.warn(message, details ?? {}),
        };
        const base = { ...DEFAULT_POLL_TIMING, ...reg.timing };
        if (reg.targets) {
          return (await reg.targets(ctx)).map((t) => ({
            source: t.source,
            tenant: t.tenant,
            timing: { ...base, ...t.timing },
          }));
        }
        if (!reg.create)
          throw new Error(`the registration of ${rt.config.source} has neither create nor targets`);
        const source = await reg.create(ctx);
        const tenant = reg.tenant?.(ctx) ?? rt.config.tenantId ?? 'default';
        return [{ source, tenant, timing: base }];
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
    const targets = await prepared;
    const { logger, metrics } = rt;
    if (context) logger.addContext(context);

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

    const runs: PollerRunSummary[] = [];
    const errors: unknown[] = [];
    let worstLagS = 0;
    try {
      for (const { source, tenant, timing } of targets) {
        logger.appendKeys({ source: source.name, tenant });
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
          const run: PollerRunSummary = {
            ...res,
            failedPublishes: res.failedPublishes.length,
            source: source.name,
            tenant,
          };
          runs.push(run);
          worstLagS = Math.max(worstLagS, (rt.now() - res.checkpoint.until) / 1000);
          const log =
            res.status === 'caught-up' || res.status === 'budget'
              ? logger.info.bind(logger)
              : logger.warn.bind(logger);
          log('Poll done', { ...run, checkpointUntil: new Date(res.checkpoint.until).toISOString() });
        } catch (e) {
          errors.push(e);
          runs.push({ ...emptyRun(source.name, tenant), error: errorText(e) });
          logger.error('Poll failed; the next run resumes from the last saved page', { error: errorText(e) });
        } finally {
          logger.removeKeys(['source', 'tenant']);
        }
      }
      const summary = summarize(runs);
      metrics.addMetric('Pages', MetricUnit.Count, summary.pages);
      metrics.addMetric('EventsIn', MetricUnit.Count, summary.records);
      metrics.addMetric('Normalized', MetricUnit.Count, summary.events + summary.overlapDuplicates);
      metrics.addMetric('OverlapDuplicates', MetricUnit.Count, summary.overlapDuplicates);
      metrics.addMetric('Quarantined', MetricUnit.Count, summary.quarantined);
      metrics.addMetric('PublishFailures', MetricUnit.Count, summary.failedPublishes);
      metrics.addMetric('StateConflicts', MetricUnit.Count, conflicts);
      metrics.addMetric('PollFailures', MetricUnit.Count, errors.length);
      if (runs.some((r) => r.error === undefined))
        metrics.addMetric('SourceLagSeconds', MetricUnit.Seconds, Math.max(0, worstLagS));
      for (const [severity, n] of bySeverity) {
        metrics
          .singleMetric()
          .addDimension('severity', severity)
          .addMetric('FindingsOut', MetricUnit.Count, n);
      }
      if (bySeverity.size === 0) metrics.addMetric('FindingsOut', MetricUnit.Count, 0);
      if (errors.length > 0) throw errors[0];
      return summary;
    } finally {
      metrics.publishStoredMetrics();
      logger.resetKeys();
    }
  };
}

function emptyRun(source: string, tenant: string): PollerRunSummary {
  return {
    status: 'caught-up',
    windows: 0,
    pages: 0,
    records: 0,
    events: 0,
    overlapDuplicates: 0,
    quarantined: 0,
    findings: 0,
    published: 0,
    failedPublishes: 0,
    checkpoint: { until: 0 },
    source,
    tenant,
  };
}

/** Totals over the streams, the worst status, the oldest checkpoint. */
function summarize(runs: PollerRunSummary[]): PollerSummary {
  const first = runs[0];
  const total: PollerSummary = {
    ...emptyRun(
      runs.length === 1 && first ? first.source : `${runs.length} streams`,
      runs.length === 1 && first ? first.tenant : '*',
    ),
    checkpoint: runs.find((r) => r.error === undefined)?.checkpoint ?? { until: 0 },
    runs,
  };
  let worst = STATUS_ORDER.length - 1;
  for (const r of runs) {
    total.windows += r.windows;
    total.pages += r.pages;
    total.records += r.records;
    total.events += r.events;
    total.overlapDuplicates += r.overlapDuplicates;
    total.quarantined += r.quarantined;
    total.findings += r.findings;
    total.published += r.published;
    total.failedPublishes += r.failedPublishes;
    worst = Math.min(worst, STATUS_ORDER.indexOf(r.status));
    if (r.error === undefined && r.checkpoint.until < total.checkpoint.until) total.checkpoint = r.checkpoint;
  }
  total.status = STATUS_ORDER[worst] ?? 'caught-up';
  return total;
}

/** The Lambda entry point (`index.handler`). */
export const handler: PollerHandler = createHandler();
