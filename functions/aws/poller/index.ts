/**
 * The scheduled poller: one deployment per enabled polling source (`SOURCE`), invoked by an EventBridge
 * schedule with reserved concurrency 1. It asks the registry for the source's targets (every feed of
 * every tenant in the source's secret) and runs the shared poller template (`runPoller`) on each in
 * turn, with `runBatch` as the page handler.
 *
 * - **Budget**: the invocation's remaining time is shared out: each target may use the time left
 *   divided by the targets still to run (what one leaves unused goes to the next), so one tenant's
 *   backlog cannot starve the others; a target stopped for time resumes at its saved cursor.
 * - **Isolation**: a target that fails (an API error, a tenant with unusable settings) is logged and
 *   counted, and the others still run; the invocation then fails with every failure listed (so the
 *   Lambda Errors metric and the PollFailures metric both show it), and the next schedule retries.
 * - **Lateness**: each batch is detected with a lateness of at least the source's observed lag (the
 *   template's rolling maximum), so a feed that is hours late still correlates (see `detectorFor`).
 * - **Silence**: a target silent for longer than its lag plus its margin raises the `source-silent`
 *   finding, published once per silence and day.
 * - **Feeds off**: a feed the tenant's licence does not include is reported once when found off.
 */
import type { Context } from 'aws-lambda';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Logger } from '@aws-lambda-powertools/logger';
import { Detector } from '#shared/engine/detector';
import { claimTtlFor, runBatch } from '#shared/pipeline/run-batch';
import type { RunBatchResult } from '#shared/pipeline/run-batch';
import { publishOnce } from '#shared/sinks/idempotent';
import { sourceSilentFinding } from '#shared/sources/health';
import { StoreRecordLedger } from '#shared/sources/ledger';
import type { MicrosoftClientDeps } from '#shared/sources/microsoft/tenants';
import { DEFAULT_POLL_TIMING, PollerError, runPoller } from '#shared/sources/poller';
import type { BatchInfo, PollRunResult, PollStatus, SilenceReport } from '#shared/sources/poller';
import { POLL_SOURCES, isTargetFailure, pollSourceFor } from '#shared/sources/registry';
import type { PollSourceRegistry, PollTarget, PollTargetFailure } from '#shared/sources/registry';
import { SecretsManagerJson } from '#shared/sources/secret';
import type { SecretJsonReader } from '#shared/sources/secret';
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
  /** Reads source secrets. @default Secrets Manager in the function's region */
  secrets?: SecretJsonReader;
  /** HTTP and clock overrides for the vendor clients (tests, a proxy). */
  clients?: MicrosoftClientDeps;
}

/** What one target did. */
export type TargetSummary = Omit<PollRunResult, 'failedPublishes' | 'checkpoint' | 'silence'> & {
  source: string;
  tenant: string;
  failedPublishes: number;
  checkpointUntil: string;
  /** Set when the target failed. */
  error?: string | undefined;
  /** Set when the target is silent (a source-silent finding was raised). */
  silentForHours?: number | undefined;
};

/** What an invocation returns (also logged). */
export interface PollerSummary {
  /** One entry per target, in the order they ran; failed targets carry `error`. */
  targets: TargetSummary[];
  /** Targets that failed. */
  failures: number;
  pages: number;
  records: number;
  events: number;
  findings: number;
  published: number;
  failedPublishes: number;
  /** source-silent findings published in this invocation. */
  silent: number;
}

/** Thrown after every target ran when some failed: the invocation counts as an error. */
export class PollFailuresError extends Error {
  override readonly name = 'PollFailuresError';
  constructor(
    readonly summary: PollerSummary,
    readonly failures: ReadonlyArray<{ source: string; tenant: string; error: string }>,
  ) {
    super(
      `${failures.length} of ${summary.targets.length} poll target${summary.targets.length === 1 ? '' : 's'} failed (the others ran; the next run retries): ` +
        failures.map((f) => `${f.source}/${f.tenant}: ${f.error}`).join(' | '),
    );
  }
}

/** The Lambda handler signature of the poller. */
export type PollerHandler = (event?: unknown, context?: Context) => Promise<PollerSummary>;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Largest lateness a source's lag may ask of the engine. */
const MAX_LATENESS_MS = 7 * DAY;

interface DetectorChoice {
  detector: Detector;
  claimTtlMs: number;
  latenessMs: number;
}

/**
 * Builds the poller handler; dependencies are created on the first invocation.
 *
 * @example
 * ```ts
 * const handler = createHandler({ env, dynamoClient, snsClient, secrets });
 * await handler({}, context);
 * ```
 */
export function createHandler(options: PollerHandlerOptions = {}): PollerHandler {
  let runtime: AwsRuntime | undefined;
  let bootLogger: Logger | undefined;
  let single: Promise<PollTarget> | undefined;
  let secrets: SecretJsonReader | undefined = options.secrets;
  const memo = new Map<string, unknown>();
  const detectors = new Map<number, DetectorChoice>();
  const registry = options.registry ?? POLL_SOURCES;

  /**
   * ENGINE COUPLING (the one call site): the detector a batch runs with. The engine's lateness is
   * fixed per Detector, so a source whose observed lag exceeds the configured LATENESS gets a
   * detector with a lateness of that lag rounded up to the hour (capped at 7 days), kept per value.
   * When the engine takes a per-batch lateness or trusted "now", pass `info` there instead.
   */
  const detectorFor = (rt: AwsRuntime, info: BatchInfo): DetectorChoice => {
    const wanted = Math.min(MAX_LATENESS_MS, Math.ceil(info.lagMs / HOUR) * HOUR);
    const latenessMs = Math.max(rt.config.latenessMs, wanted);
    if (latenessMs === rt.config.latenessMs)
      return { detector: rt.detector, claimTtlMs: rt.claimTtlMs, latenessMs };
    let d = detectors.get(latenessMs);
    if (!d) {
      const detector = new Detector({
        ...rt.ruleSet, // the same rules, user config included, as rt.detector
        store: rt.store,
        lateness: latenessMs,
      });
      d = {
        detector,
        latenessMs,
        claimTtlMs: claimTtlFor(detector, latenessMs, { maxMs: rt.config.stateRetentionDays * DAY }),
      };
      detectors.set(latenessMs, d);
      rt.logger.info('Detecting a late source with a wider lateness', {
        latenessMs,
        configuredLatenessMs: rt.config.latenessMs,
        observedLagMs: info.lagMs,
      });
    }
    return d;
  };

  return async (_event, context) => {
    const started = Date.now();
    const totalMs = context
      ? () => context.getRemainingTimeInMillis()
      : () => (options.defaultBudgetMs ?? 60_000) - (Date.now() - started);
    const margin = options.safetyMarginMs ?? 20_000;
    let rt: AwsRuntime;
    let targets: Array<PollTarget | PollTargetFailure>;
    try {
      rt = runtime ??= buildAwsRuntime(options);
      const env = options.env ?? process.env;
      const reg = pollSourceFor(rt.config.source, registry);
      const logger = rt.logger;
      if (reg.targets) {
        secrets ??= new SecretsManagerJson();
        targets = await reg.targets({
          config: rt.config,
          env,
          secrets,
          memo,
          clients: options.clients,
          notice: (message, attributes) => logger.warn(message, attributes),
        });
        targets = targets.map((t) =>
          isTargetFailure(t) ? t : { ...t, timing: { ...reg.timing, ...t.timing } },
        );
      } else if (reg.create) {
        const ctx = { config: rt.config, env, ...(secrets ? { secrets } : {}) };
        const create = reg.create.bind(reg);
        single ??= (async () => ({
          source: await create(ctx),
          tenant: reg.tenant?.(ctx) ?? rt.config.tenantId ?? 'default',
          timing: reg.timing,
        }))().catch((e: unknown) => {
          single = undefined; // a failed setup (secret not readable yet) is tried again next time
          throw e;
        });
        targets = [await single];
      } else {
        throw new Error(`the registration of ${rt.config.source} has neither targets nor create`);
      }
    } catch (e) {
      bootLogger ??= runtime?.logger ?? bootstrapLogger(options);
      bootLogger.error('Tripline poller cannot start', e as Error);
      throw e;
    }
    const { logger, metrics } = rt;
    if (context) logger.addContext(context);

    const summary: PollerSummary = {
      targets: [],
      failures: 0,
      pages: 0,
      records: 0,
      events: 0,
      findings: 0,
      published: 0,
      failedPublishes: 0,
      silent: 0,
    };
    const failures: Array<{ source: string; tenant: string; error: string }> = [];
    const bySeverity = new Map<string, number>();
    let conflicts = 0;
    let maxLagSeconds = 0;

    const raiseSilence = async (source: string, tenant: string, silence: SilenceReport): Promise<void> => {
      const finding = sourceSilentFinding({ source, tenant, silence, now: rt.now() });
      const [outcome] = await publishOnce([finding], {
        store: rt.store,
        sink: rt.sink,
        now: rt.now(),
        claimTtlMs: 2 * DAY,
      });
      if (outcome?.status === 'published') {
        summary.silent++;
        logger.error('Source silent: no events for longer than expected', {
          findingId: finding.id,
          source,
          tenant,
          silentSince: new Date(silence.since).toISOString(),
          lastError: silence.lastError?.message,
        });
      } else if (outcome?.status === 'failed') {
        logger.error('source-silent finding not published; the next run tries again', {
          source,
          tenant,
          error: outcome.error,
        });
      }
    };

    for (let i = 0; i < targets.length; i++) {
      const target = targets[i] as PollTarget | PollTargetFailure;
      if (isTargetFailure(target)) {
        const error = errorText(target.error);
        failures.push({ source: rt.config.source, tenant: target.tenant, error });
        logger.error('Poll target cannot run: its settings are unusable', { tenant: target.tenant, error });
        continue;
      }
      const { source, tenant } = target;
      const timing = { ...DEFAULT_POLL_TIMING, ...target.timing };
      // This target's share of the time left: the rest divided by the targets still to run.
      const share = Math.max(0, totalMs() - margin) / (targets.length - i);
      const sliceEnd = rt.now() + share;
      const remainingMs = (): number => Math.min(totalMs(), sliceEnd - rt.now() + margin);
      logger.appendKeys({ source: source.name, tenant });

      const batch = async (
        events: Parameters<typeof runBatch>[0],
        info: BatchInfo,
      ): Promise<RunBatchResult> => {
        const chosen = detectorFor(rt, info);
        const res = await runBatch(events, {
          detector: chosen.detector,
          store: rt.store,
          sink: rt.sink,
          now: rt.now(),
          claimTtlMs: chosen.claimTtlMs,
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

      let res: PollRunResult | undefined;
      let silence: SilenceReport | undefined;
      try {
        res = await runPoller({
          source,
          tenant,
          store: rt.store,
          batch,
          now: rt.now,
          remainingMs,
          ...timing,
          ...(options.safetyMarginMs !== undefined ? { safetyMarginMs: options.safetyMarginMs } : {}),
          ...(target.ledgerRetentionMs
            ? {
                ledger: new StoreRecordLedger({
                  store: rt.store,
                  scope: `${source.name}|${tenant}`,
                  retentionMs: target.ledgerRetentionMs,
                  now: rt.now,
                }),
              }
            : {}),
          onQuarantine: (q) =>
            logger.warn('Record quarantined: it cannot be normalized', {
              reason: q.reason,
              excerpt: q.excerpt,
              window: q.window,
            }),
        });
        silence = res.silence;
        if (res.unavailable?.newly)
          logger.warn('Feed off for this tenant', {
            reason: res.unavailable.reason,
            retryAt: new Date(res.unavailable.until).toISOString(),
          });
        for (const l of res.lost) logger.warn('Content lost: the API no longer serves it', l);
        for (const g of res.gaps)
          logger.error('Time the API no longer serves was skipped; events in it were not read', {
            from: new Date(g.from).toISOString(),
            to: new Date(g.to).toISOString(),
          });
        const t = toTargetSummary(source.name, tenant, res);
        summary.targets.push(t);
        addCounts(summary, res);
        maxLagSeconds = Math.max(maxLagSeconds, Math.max(0, (rt.now() - res.checkpoint.until) / 1000));
        metrics.addMetric('RecordsLost', MetricUnit.Count, res.lost.length);
        if (res.unavailable) metrics.addMetric('FeedsOff', MetricUnit.Count, 1);
        metrics
          .singleMetric()
          .addDimension('feed', source.name)
          .addMetric(
            'FeedLagSeconds',
            MetricUnit.Seconds,
            Math.max(0, (rt.now() - res.checkpoint.until) / 1000),
          );
        const ok = res.status === 'caught-up' || res.status === 'budget' || res.status === 'unavailable';
        (ok ? logger.info.bind(logger) : logger.warn.bind(logger))('Poll done', { ...t });
      } catch (e) {
        const error = errorText(e);
        silence = e instanceof PollerError ? e.silence : undefined;
        failures.push({ source: source.name, tenant, error });
        summary.targets.push({ ...emptyTarget(source.name, tenant), error });
        logger.error('Poll failed; the next run resumes from the last saved page', { error });
      }
      if (silence) {
        await raiseSilence(source.name, tenant, silence);
        const last = summary.targets[summary.targets.length - 1];
        if (last) last.silentForHours = Math.round((silence.silentForMs / HOUR) * 10) / 10;
      }
      logger.removeKeys(['source', 'tenant']);
    }

    summary.failures = failures.length;
    metrics.addMetric('Pages', MetricUnit.Count, summary.pages);
    metrics.addMetric('EventsIn', MetricUnit.Count, summary.records);
    metrics.addMetric(
      'Normalized',
      MetricUnit.Count,
      summary.events + sumOf(summary, 'overlapDuplicates') + sumOf(summary, 'ledgerDuplicates'),
    );
    metrics.addMetric('OverlapDuplicates', MetricUnit.Count, sumOf(summary, 'overlapDuplicates'));
    metrics.addMetric('LedgerDuplicates', MetricUnit.Count, sumOf(summary, 'ledgerDuplicates'));
    metrics.addMetric('Quarantined', MetricUnit.Count, sumOf(summary, 'quarantined'));
    metrics.addMetric('PublishFailures', MetricUnit.Count, summary.failedPublishes);
    metrics.addMetric('StateConflicts', MetricUnit.Count, conflicts);
    metrics.addMetric('PollFailures', MetricUnit.Count, failures.length);
    metrics.addMetric('SourcesSilent', MetricUnit.Count, summary.silent);
    metrics.addMetric('SourceLagSeconds', MetricUnit.Seconds, maxLagSeconds);
    for (const [severity, n] of bySeverity) {
      metrics.singleMetric().addDimension('severity', severity).addMetric('FindingsOut', MetricUnit.Count, n);
    }
    if (bySeverity.size === 0) metrics.addMetric('FindingsOut', MetricUnit.Count, 0);
    metrics.publishStoredMetrics();
    logger.resetKeys();
    if (failures.length > 0) {
      const err = new PollFailuresError(summary, failures);
      logger.error('Poll run had failures', { failures, targets: summary.targets.length });
      throw err;
    }
    return summary;
  };
}

function emptyTarget(source: string, tenant: string): TargetSummary {
  return {
    source,
    tenant,
    status: 'caught-up' as PollStatus,
    windows: 0,
    pages: 0,
    records: 0,
    events: 0,
    overlapDuplicates: 0,
    ledgerDuplicates: 0,
    quarantined: 0,
    lost: [],
    gaps: [],
    watermark: undefined,
    lagMs: 0,
    findings: 0,
    published: 0,
    failedPublishes: 0,
    checkpointUntil: '',
  };
}

function toTargetSummary(source: string, tenant: string, res: PollRunResult): TargetSummary {
  const { failedPublishes, checkpoint, silence: _silence, ...rest } = res;
  return {
    ...rest,
    source,
    tenant,
    failedPublishes: failedPublishes.length,
    checkpointUntil: new Date(checkpoint.until).toISOString(),
  };
}

function addCounts(s: PollerSummary, r: PollRunResult): void {
  s.pages += r.pages;
  s.records += r.records;
  s.events += r.events;
  s.findings += r.findings;
  s.published += r.published;
  s.failedPublishes += r.failedPublishes.length;
}

function sumOf(s: PollerSummary, k: 'overlapDuplicates' | 'ledgerDuplicates' | 'quarantined'): number {
  return s.targets.reduce((n, t) => n + t[k], 0);
}

/** The Lambda entry point (`index.handler`). */
export const handler: PollerHandler = createHandler();
