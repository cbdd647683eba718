/**
 * Timer-triggered pollers for Microsoft Graph (directory audits, sign-ins) and the Office 365
 * Management Activity API, on the collectors of shared/sources/microsoft and the poller template
 * (`runPoller`), with the Function App's managed identity as the only credential:
 *
 * - own tenant (GRAPH_CLIENT_ID unset): tokens come straight from the managed identity, which holds
 *   the Graph app roles AuditLog.Read.All and Directory.Read.All and the Management API role
 *   ActivityFeed.Read (granted by scripts/azure/grant-app-roles.sh);
 * - another tenant (GRAPH_CLIENT_ID set): a multi-tenant app registration that has the managed
 *   identity as a federated identity credential; the identity's token for `api://AzureADTokenExchange`
 *   is the client assertion (`ClientAssertionCredential`), so there is still no secret.
 *
 * A run polls every feed of its source within the invocation's budget (each feed gets its share),
 * saves the checkpoint after every page, and returns; a feed that fails is logged and the others go on.
 * The run throws (the timer's next occurrence resumes from the checkpoints) when a feed failed, after
 * the others ran, so the failure shows in the function's failure count.
 *
 * As in the Lambda poller: a feed whose observed lag exceeds LATENESS is detected with a lateness of
 * that lag (rounded up to the hour, at most 7 days), so an hour-late audit log still correlates; a
 * feed silent for longer than expected publishes one `source-silent` finding per silence and day.
 */
import { createHttpHeaders } from '@azure/core-rest-pipeline';
import type { HttpClient, PipelineRequest, PipelineResponse } from '@azure/core-rest-pipeline';
import type { InvocationContext, Timer } from '@azure/functions';
import { ClientAssertionCredential, ManagedIdentityCredential } from '@azure/identity';
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/identity';
import { AZURE_TOKEN_EXCHANGE_AUDIENCE } from '#shared/config/azure';
import type { AzurePollSource } from '#shared/config/azure';
import { claimTtlFor, runBatch } from '#shared/pipeline/run-batch';
import { publishOnce } from '#shared/sinks/idempotent';
import { sourceSilentFinding } from '#shared/sources/health';
import { StoreRecordLedger } from '#shared/sources/ledger';
import type { EntraTokenSource } from '#shared/sources/microsoft/auth';
import { resolveEndpoints } from '#shared/sources/microsoft/endpoints';
import type { EndpointOverrides } from '#shared/sources/microsoft/endpoints';
import { GRAPH_FEEDS, createGraphSources } from '#shared/sources/microsoft/graph';
import type { GraphFeed } from '#shared/sources/microsoft/graph';
import {
  M365_CONTENT_TYPES,
  M365_LEDGER_RETENTION_MS,
  M365_POLL_TIMING,
  createManagementSources,
} from '#shared/sources/microsoft/management';
import type { M365ContentType } from '#shared/sources/microsoft/management';
import { GRAPH_LEDGER_RETENTION_MS, GRAPH_POLL_TIMING } from '#shared/sources/microsoft/tenants';
import { DEFAULT_POLL_TIMING, PollerError, runPoller } from '#shared/sources/poller';
import type { BatchInfo, PollRunResult, PollSource, PollTiming, SilenceReport } from '#shared/sources/poller';
import { buildAzureRuntime, errorText, logBatchProblems, logTo } from './runtime';
import type { AzureRuntime, AzureRuntimeOptions } from './runtime';

/** Options of {@link createPollerHandler}: the runtime's, plus what tests point at local servers. */
export interface AzurePollerOptions extends AzureRuntimeOptions {
  /** API origins (fake Graph / Management API in tests). @default the global cloud's */
  endpoints?: EndpointOverrides;
  /** `fetch` for the collectors (tests: one that trusts the test CA). */
  fetch?: typeof fetch;
  /** Time one run may use, ms. Flex Consumption allows 30 minutes by default; runs are every 5. @default 240000 */
  budgetMs?: number;
  /** No page is started with less time than this left. @default 20000 */
  safetyMarginMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** What one run did, per feed. */
export interface AzurePollSummary {
  source: AzurePollSource;
  tenant: string;
  feeds: Array<
    | ({ feed: string } & Pick<
        PollRunResult,
        'status' | 'pages' | 'records' | 'events' | 'quarantined' | 'findings' | 'published'
      >)
    | { feed: string; error: string }
  >;
  /** source-silent findings published by this run. */
  silent: number;
}

export type AzurePollerHandler = (timer: Timer, context: InvocationContext) => Promise<AzurePollSummary>;

/**
 * The collectors' token source, backed by the managed identity (directly, or as the client assertion
 * of a multi-tenant app). `invalidate` drops the cached token, as the collectors ask after a 401.
 */
export class ManagedIdentityTokens implements TokenCredential {
  private inner: TokenCredential;

  constructor(private readonly make: () => TokenCredential) {
    this.inner = make();
  }

  async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken> {
    const token = await this.inner.getToken(scopes, options);
    if (!token) throw new Error(`the managed identity returned no token for ${String(scopes)}`);
    return token;
  }

  invalidate(): void {
    this.inner = this.make();
  }
}

/** Where and how the multi-tenant app's token requests go (another cloud's authority, tests). */
export interface FederatedAppOptions {
  /** @default https://login.microsoftonline.com */
  authorityHost?: string;
  /** Token requests through this fetch instead of the SDK's HTTP client (tests, a proxy). */
  fetch?: typeof fetch;
}

/**
 * The credential the pollers read the tenant with (see the module comment): a factory, so that
 * {@link ManagedIdentityTokens.invalidate} gets a credential without the refused token in its cache.
 * `given` (tests) is used as the managed identity instead of the host's.
 */
export function pollerCredential(
  config: {
    tenantId: string | undefined;
    graphClientId: string | undefined;
    managedIdentityClientId?: string | undefined;
  },
  given?: TokenCredential,
  app: FederatedAppOptions = {},
): () => TokenCredential {
  const { graphClientId, tenantId, managedIdentityClientId } = config;
  const identity = (): TokenCredential =>
    given ??
    (managedIdentityClientId
      ? new ManagedIdentityCredential({ clientId: managedIdentityClientId })
      : new ManagedIdentityCredential());
  if (graphClientId === undefined) return identity;
  if (tenantId === undefined) throw new Error('TENANT_ID is required with GRAPH_CLIENT_ID');
  return () => {
    const mi = identity();
    return new ClientAssertionCredential(
      tenantId,
      graphClientId,
      async () => {
        const t = await mi.getToken(`${AZURE_TOKEN_EXCHANGE_AUDIENCE}/.default`);
        if (!t) throw new Error('the managed identity returned no token for the federated credential');
        return t.token;
      },
      {
        ...(app.authorityHost ? { authorityHost: app.authorityHost, disableInstanceDiscovery: true } : {}),
        ...(app.fetch ? { httpClient: new FetchTokenClient(app.fetch) } : {}),
      },
    );
  };
}

/** Token requests of `@azure/identity` over an injected fetch. */
class FetchTokenClient implements HttpClient {
  constructor(private readonly doFetch: typeof fetch) {}

  async sendRequest(request: PipelineRequest): Promise<PipelineResponse> {
    const init: RequestInit = { method: request.method, headers: request.headers.toJSON() };
    if (request.body !== undefined && request.body !== null) {
      if (typeof request.body !== 'string') throw new Error('token requests have a text body');
      init.body = request.body;
    }
    if (request.timeout > 0) init.signal = AbortSignal.timeout(request.timeout);
    const res = await this.doFetch(request.url, init);
    const headers = createHttpHeaders();
    res.headers.forEach((v, k) => headers.set(k, v));
    return { request, status: res.status, headers, bodyAsText: await res.text() };
  }
}

const HOUR_MS = 3_600_000;

/**
 * Silence margins per feed, added to the feed's learned lag. The same values as the Lambda poller's
 * (shared/sources/microsoft/tenants.ts keeps them private; export them there to share one table).
 */
const GRAPH_SILENCE_MS: Readonly<Record<GraphFeed, number>> = {
  directoryAudits: 24 * HOUR_MS,
  signIns: 24 * HOUR_MS,
  nonInteractiveSignIns: 12 * HOUR_MS,
  servicePrincipalSignIns: 48 * HOUR_MS,
  managedIdentitySignIns: 48 * HOUR_MS,
};
const M365_SILENCE_MS: Readonly<Record<M365ContentType, number>> = {
  'Audit.AzureActiveDirectory': 12 * HOUR_MS,
  'Audit.Exchange': 12 * HOUR_MS,
  'Audit.SharePoint': 24 * HOUR_MS,
  'Audit.General': 48 * HOUR_MS,
};

interface Feed {
  source: PollSource;
  timing: Partial<PollTiming>;
  ledgerMs: number;
}

function sourcesFor(
  source: AzurePollSource,
  rt: AzureRuntime,
  opts: AzurePollerOptions,
  notice: (message: string, details: Record<string, unknown>) => void,
): Feed[] {
  const tenantId = rt.config.tenantId as string;
  const endpoints = resolveEndpoints('global', opts.endpoints ?? {});
  // The collectors type their token source as EntraTokenSource; they call only getToken and invalidate.
  const tokens = new ManagedIdentityTokens(
    pollerCredential(rt.config, opts.credential, {
      ...(opts.endpoints?.authorityHost ? { authorityHost: endpoints.authorityHost } : {}),
      ...(opts.fetch ? { fetch: opts.fetch } : {}),
    }),
  ) as unknown as EntraTokenSource;
  const common = {
    tenantId,
    tokens,
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
    now: rt.now,
    ...(opts.sleep ? { sleep: opts.sleep } : {}),
    onRetry: (info: { attempt: number; status: number; waitMs: number; url: string; reason: string }) =>
      notice('Retrying a Microsoft API call', { ...info }),
  };
  if (source === 'graph') {
    return createGraphSources({ ...common, graphBase: endpoints.graphBase, feeds: GRAPH_FEEDS }).map(
      (s, i) => ({
        source: s,
        timing: { ...GRAPH_POLL_TIMING, silenceAfterMs: GRAPH_SILENCE_MS[GRAPH_FEEDS[i] as GraphFeed] },
        ledgerMs: GRAPH_LEDGER_RETENTION_MS,
      }),
    );
  }
  return createManagementSources({
    ...common,
    managementBase: endpoints.managementBase ?? 'https://manage.office.com',
    publisherIdentifier: tenantId,
    contentTypes: M365_CONTENT_TYPES,
    onSubscriptionStarted: (contentType, previously) =>
      notice(
        previously === 'disabled'
          ? 'Management API subscription was disabled by an admin; Tripline started it again'
          : 'Management API subscription started',
        { contentType },
      ),
  }).map((s, i) => ({
    source: s,
    timing: {
      ...M365_POLL_TIMING,
      silenceAfterMs: M365_SILENCE_MS[M365_CONTENT_TYPES[i] as M365ContentType],
    },
    ledgerMs: M365_LEDGER_RETENTION_MS,
  }));
}

const HOUR = HOUR_MS;
const DAY = 24 * HOUR;
/** Largest lateness a feed's lag may ask of the engine (as the Lambda poller). */
const MAX_LATENESS_MS = 7 * DAY;

/**
 * Builds the timer handler of one polling source.
 *
 * @example
 * ```ts
 * app.timer('pollM365', { schedule: '0 *\/5 * * * *', handler: createPollerHandler('m365') });
 * ```
 */
export function createPollerHandler(
  source: AzurePollSource,
  options: AzurePollerOptions = {},
): AzurePollerHandler {
  let runtime: AzureRuntime | undefined;
  let feeds: Feed[] | undefined;
  /** The invocation running now: where the collectors' notices (retries, subscriptions) are logged. */
  let current: InvocationContext | undefined;
  const notice = (message: string, details: Record<string, unknown>): void => {
    if (current) logTo(current, 'warn', message, details);
  };

  const widened = new Map<number, number>();

  /**
   * The lateness a page is detected with: the configured one, or one as late as the feed's observed
   * lag, passed per batch to the one detector (as the Lambda poller), with the feed's watermark.
   */
  const latenessFor = (
    rt: AzureRuntime,
    info: BatchInfo,
    context: InvocationContext,
  ): { latenessMs: number | undefined; claimTtlMs: number } => {
    const latenessMs = Math.max(
      rt.config.latenessMs,
      Math.min(MAX_LATENESS_MS, Math.ceil(info.lagMs / HOUR) * HOUR),
    );
    if (latenessMs === rt.config.latenessMs) return { latenessMs: undefined, claimTtlMs: rt.claimTtlMs };
    let ttl = widened.get(latenessMs);
    if (ttl === undefined) {
      ttl = claimTtlFor(rt.detector, latenessMs, { maxMs: rt.config.stateRetentionDays * DAY });
      widened.set(latenessMs, ttl);
      logTo(context, 'info', 'Detecting a late feed with a wider lateness', {
        latenessMs,
        configuredLatenessMs: rt.config.latenessMs,
        observedLagMs: info.lagMs,
      });
    }
    return { latenessMs, claimTtlMs: ttl };
  };

  const raiseSilence = async (
    rt: AzureRuntime,
    context: InvocationContext,
    feed: string,
    tenant: string,
    silence: SilenceReport,
  ): Promise<boolean> => {
    const finding = sourceSilentFinding({ source: feed, tenant, silence, now: rt.now() });
    const [outcome] = await publishOnce([finding], {
      store: rt.store,
      sink: rt.sink,
      now: rt.now(),
      claimTtlMs: 2 * DAY,
    });
    if (outcome?.status === 'published') {
      logTo(context, 'error', 'Source silent: no events for longer than expected', {
        findingId: finding.id,
        feed,
        tenant,
        silentSince: new Date(silence.since).toISOString(),
        lastError: silence.lastError?.message,
      });
      return true;
    }
    if (outcome?.status === 'failed') {
      logTo(context, 'error', 'source-silent finding not published; the next run tries again', {
        feed,
        tenant,
        error: outcome.error,
      });
    }
    return false;
  };

  return async (_timer, context) => {
    const started = Date.now();
    current = context;
    try {
      runtime ??= buildAzureRuntime(options);
      feeds ??= sourcesFor(source, runtime, options, notice);
    } catch (e) {
      context.error(`Tripline poller cannot start: ${errorText(e)}`);
      throw e;
    }
    const rt = runtime;
    const tenant = rt.config.tenantId as string;
    const budgetMs = options.budgetMs ?? 240_000;
    const margin = options.safetyMarginMs ?? 20_000;
    const left = (): number => budgetMs - (Date.now() - started);
    const summary: AzurePollSummary = { source, tenant, feeds: [], silent: 0 };
    for (let i = 0; i < feeds.length; i++) {
      const feed = feeds[i] as (typeof feeds)[number];
      const name = feed.source.name;
      // This feed's share of the time left: the rest divided by the feeds still to run.
      const share = Math.max(0, left() - margin) / (feeds.length - i);
      const sliceEnd = Date.now() + share;
      let silence: SilenceReport | undefined;
      try {
        const res = await runPoller({
          source: feed.source,
          tenant,
          store: rt.store,
          ...DEFAULT_POLL_TIMING,
          ...feed.timing,
          now: rt.now,
          remainingMs: () => Math.min(left(), sliceEnd - Date.now() + margin),
          safetyMarginMs: margin,
          ledger: new StoreRecordLedger({
            store: rt.store,
            scope: `${name}|${tenant}`,
            retentionMs: feed.ledgerMs,
            now: rt.now,
          }),
          batch: async (events, info) => {
            const chosen = latenessFor(rt, info, context);
            const res = await runBatch(events, {
              detector: rt.detector,
              store: rt.store,
              sink: rt.sink,
              now: rt.now(),
              watermark: info.watermark,
              lateness: chosen.latenessMs,
              claimTtlMs: chosen.claimTtlMs,
            });
            for (const p of res.published) {
              logTo(context, 'info', 'Finding published', {
                findingId: p.finding.id,
                ruleId: p.finding.ruleId,
                severity: p.finding.severity,
                principal: p.finding.principal,
                messageId: p.messageId,
              });
            }
            for (const f of res.failedPublishes) {
              logTo(context, 'error', 'Finding not published; the page will be read again', {
                findingId: f.findingId,
                ruleId: f.ruleId,
                error: f.error,
              });
            }
            logBatchProblems(context, res);
            return res;
          },
          onQuarantine: (q) =>
            logTo(context, 'warn', 'Record quarantined: it cannot be normalized', {
              feed: name,
              reason: q.reason,
              excerpt: q.excerpt,
            }),
        });
        silence = res.silence;
        if (res.unavailable?.newly)
          logTo(context, 'warn', 'Feed off for this tenant', {
            feed: name,
            reason: res.unavailable.reason,
            retryAt: new Date(res.unavailable.until).toISOString(),
          });
        for (const l of res.lost) logTo(context, 'warn', 'Content lost: the API no longer serves it', l);
        for (const g of res.gaps)
          logTo(context, 'error', 'Time the API no longer serves was skipped; events in it were not read', {
            feed: name,
            from: new Date(g.from).toISOString(),
            to: new Date(g.to).toISOString(),
          });
        summary.feeds.push({
          feed: name,
          status: res.status,
          pages: res.pages,
          records: res.records,
          events: res.events,
          quarantined: res.quarantined,
          findings: res.findings,
          published: res.published,
        });
      } catch (e) {
        silence = e instanceof PollerError ? e.silence : undefined;
        summary.feeds.push({ feed: name, error: errorText(e) });
        logTo(context, 'error', 'Feed failed; the next run resumes from its checkpoint', {
          feed: name,
          error: errorText(e),
        });
      }
      if (silence && (await raiseSilence(rt, context, name, tenant, silence))) summary.silent++;
    }
    logTo(context, 'info', 'Poll done', { ...summary });
    const failed = summary.feeds.filter((f): f is { feed: string; error: string } => 'error' in f);
    if (failed.length > 0) {
      throw new Error(
        `${failed.length} of ${summary.feeds.length} ${source} feeds failed (the others ran; the next run retries): ` +
          failed.map((f) => `${f.feed}: ${f.error}`).join(' | '),
      );
    }
    return summary;
  };
}
