/**
 * Microsoft Graph audit logs of one Entra ID tenant as poll sources: directory audits and the four
 * kinds of sign-ins, each its own feed with its own checkpoint, watermark and lag (non-interactive
 * sign-ins are aggregated and arrive later than interactive ones).
 *
 * | feed | request | normalizer |
 * | --- | --- | --- |
 * | `directoryAudits` | `GET /v1.0/auditLogs/directoryAudits?$filter=activityDateTime ge … and activityDateTime le …&$top=1000` | entra.audit |
 * | `signIns` | `GET /v1.0/auditLogs/signIns?$filter=createdDateTime ge … and createdDateTime le …&$top=1000` (interactive only) | entra.signin |
 * | `nonInteractiveSignIns` | `GET /beta/auditLogs/signIns?$filter=… and signInEventTypes/any(t: t eq 'nonInteractiveUser')` | entra.signin |
 * | `servicePrincipalSignIns` | same, `t eq 'servicePrincipal'` | entra.signin |
 * | `managedIdentitySignIns` | same, `t eq 'managedIdentity'` | entra.signin |
 *
 * Requests go through `@microsoft/microsoft-graph-client` with a middleware chain of its
 * AuthenticationHandler (tokens from {@link EntraTokenSource}; the Graph host is declared a custom
 * host, so a national cloud or test host gets the token too) and a terminal middleware that sends with
 * this project's retry policy (`requestWithRetry`: 429 and 5xx with `Retry-After` and backoff, within
 * the run's budget), asks the tenant's rate limiter before every attempt, and answers a 401 by
 * dropping the token and trying once more with a new one.
 *
 * Paging follows `@odata.nextLink` as given (the cursor saved in the checkpoint). The filter uses `ge`
 * and `le` (the operators both resources document for their time property), so an event exactly at a
 * window's end is read twice and dropped the second time by the template's overlap memory.
 *
 * Quota: identity and access reports allow 5 requests per 10 s per app per tenant; the default limiter
 * keeps to 2 per 10 s (under half), shared by the five feeds of a tenant.
 *
 * Licence: sign-in logs need Entra ID P1 or P2. Without it Graph answers 403
 * `Authentication_RequestFromNonPremiumTenantOrB2CTenant`; the sign-in feeds then report
 * {@link SourceUnavailableError} (off, asked again after 24 h) and directory audits go on.
 */
import { Client, GraphError } from '@microsoft/microsoft-graph-client';
import type { Context, Middleware } from '@microsoft/microsoft-graph-client';
import { AuthenticationHandler } from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials';
import type { SourceId } from '../../events/types';
import { requestWithRetry } from '../http';
import { SourceUnavailableError } from '../poller';
import type { PollContext, PollPage, PollSource, PollWindow } from '../poller';
import { RateLimiter } from '../rate-limit';
import type { EntraTokenSource } from './auth';
import { defaultScope } from './endpoints';

/** The Graph audit feeds. */
export const GRAPH_FEEDS = [
  'directoryAudits',
  'signIns',
  'nonInteractiveSignIns',
  'servicePrincipalSignIns',
  'managedIdentitySignIns',
] as const;
/** One of {@link GRAPH_FEEDS}. */
export type GraphFeed = (typeof GRAPH_FEEDS)[number];

interface FeedSpec {
  name: string;
  version: 'v1.0' | 'beta';
  path: string;
  timeField: 'activityDateTime' | 'createdDateTime';
  eventType?: string;
  sourceId: SourceId;
  signIns: boolean;
}

const FEEDS: Readonly<Record<GraphFeed, FeedSpec>> = {
  directoryAudits: {
    name: 'graph-directory-audits',
    version: 'v1.0',
    path: '/auditLogs/directoryAudits',
    timeField: 'activityDateTime',
    sourceId: 'entra.audit',
    signIns: false,
  },
  signIns: {
    name: 'graph-signins',
    version: 'v1.0',
    path: '/auditLogs/signIns',
    timeField: 'createdDateTime',
    sourceId: 'entra.signin',
    signIns: true,
  },
  nonInteractiveSignIns: {
    name: 'graph-signins-noninteractive',
    version: 'beta',
    path: '/auditLogs/signIns',
    timeField: 'createdDateTime',
    eventType: 'nonInteractiveUser',
    sourceId: 'entra.signin',
    signIns: true,
  },
  servicePrincipalSignIns: {
    name: 'graph-signins-serviceprincipal',
    version: 'beta',
    path: '/auditLogs/signIns',
    timeField: 'createdDateTime',
    eventType: 'servicePrincipal',
    sourceId: 'entra.signin',
    signIns: true,
  },
  managedIdentitySignIns: {
    name: 'graph-signins-managedidentity',
    version: 'beta',
    path: '/auditLogs/signIns',
    timeField: 'createdDateTime',
    eventType: 'managedIdentity',
    sourceId: 'entra.signin',
    signIns: true,
  },
};

/** The checkpoint name of a feed (`graph-signins`). */
export function graphFeedName(feed: GraphFeed): string {
  return FEEDS[feed].name;
}

/** The Graph error code of a tenant without Entra ID P1/P2 asking for sign-in logs. */
export const NO_PREMIUM_LICENCE = 'Authentication_RequestFromNonPremiumTenantOrB2CTenant';

const DAY = 86_400_000;

/** Options of {@link createGraphSources}. */
export interface GraphSourcesOptions {
  /** The Entra tenant polled (its id is what the app's tokens are for). */
  tenantId: string;
  /** Tokens of the app registration in that tenant. */
  tokens: EntraTokenSource;
  /** Microsoft Graph's origin: `https://graph.microsoft.com`, `https://graph.microsoft.us`, a test host. */
  graphBase: string;
  /** Feeds to poll. @default all of {@link GRAPH_FEEDS} */
  feeds?: readonly GraphFeed[] | undefined;
  /** `$top`. @default 1000 (the documented maximum) */
  pageSize?: number | undefined;
  /** The tenant's request limiter. @default 2 requests per 10 s */
  limiter?: RateLimiter | undefined;
  /** How long a feed without licence stays off before it is asked again. @default 24 h */
  licenceRecheckMs?: number | undefined;
  fetch?: typeof fetch | undefined;
  now?: (() => number) | undefined;
  sleep?: ((ms: number) => Promise<void>) | undefined;
  /** Retry attempts per request (429/5xx). @default 5 */
  maxAttempts?: number | undefined;
  /** Called before each retry wait, for logs. */
  onRetry?:
    | ((info: { attempt: number; status: number; waitMs: number; url: string; reason: string }) => void)
    | undefined;
}

/** Seconds-precision ISO time, as the Graph filter examples write it: `2026-03-04T10:00:00Z`. */
function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function headerRecord(h: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!h) return out;
  if (h instanceof Headers) h.forEach((v, k) => (out[k.toLowerCase()] = v));
  else if (Array.isArray(h)) for (const [k, v] of h as Array<[string, string]>) out[k.toLowerCase()] = v;
  else for (const [k, v] of Object.entries(h as Record<string, string>)) out[k.toLowerCase()] = String(v);
  return out;
}

/**
 * The Graph client's last middleware: sends with the project's retry policy and rate limiter, and
 * refreshes the token once on a 401.
 */
class SendMiddleware implements Middleware {
  /** Deadline of the page being read (the run's budget), set by the source before each request. */
  deadline: number | undefined;

  constructor(
    private readonly opts: GraphSourcesOptions & { limiter: RateLimiter },
    private readonly auth: TokenCredentialAuthenticationProvider,
  ) {}

  async execute(context: Context): Promise<void> {
    const url = typeof context.request === 'string' ? context.request : context.request.url;
    const method = (context.options?.method ?? 'GET').toUpperCase();
    const headers = headerRecord(context.options?.headers);
    let refreshed = false;
    for (;;) {
      const a = await requestWithRetry(url, {
        method,
        headers,
        ...(this.opts.fetch ? { fetch: this.opts.fetch } : {}),
        beforeAttempt: () => this.opts.limiter.take(),
        ...(this.deadline !== undefined ? { deadline: this.deadline } : {}),
        ...(this.opts.now ? { now: this.opts.now } : {}),
        ...(this.opts.sleep ? { sleep: this.opts.sleep } : {}),
        ...(this.opts.maxAttempts !== undefined ? { maxAttempts: this.opts.maxAttempts } : {}),
        ...(this.opts.onRetry ? { onRetry: this.opts.onRetry } : {}),
      });
      if (a.status === 401 && !refreshed) {
        // Expired or revoked before its time: a new token, once.
        refreshed = true;
        this.opts.tokens.invalidate();
        headers['authorization'] = `Bearer ${await this.auth.getAccessToken()}`;
        continue;
      }
      const empty = a.status === 204 || a.status === 304 || method === 'HEAD';
      context.response = new Response(empty ? null : a.text, {
        status: a.status,
        statusText: a.statusText,
        headers: a.headers,
      });
      return;
    }
  }
}

/** A Graph page. */
interface GraphPage {
  value?: unknown;
  '@odata.nextLink'?: unknown;
}

class GraphFeedSource implements PollSource {
  readonly name: string;
  readonly sourceId: SourceId;

  constructor(
    private readonly feed: FeedSpec,
    private readonly client: Client,
    private readonly send: SendMiddleware,
    private readonly opts: GraphSourcesOptions,
  ) {
    this.name = feed.name;
    this.sourceId = feed.sourceId;
  }

  async fetchPage(window: PollWindow, cursor?: string, ctx?: PollContext): Promise<PollPage> {
    this.send.deadline = ctx?.deadline;
    let body: GraphPage;
    try {
      if (cursor !== undefined) {
        body = (await this.client.api(cursor).get()) as GraphPage;
      } else {
        const f = this.feed.timeField;
        let filter = `${f} ge ${isoSeconds(Math.floor(window.from / 1000) * 1000)} and ${f} le ${isoSeconds(Math.ceil(window.to / 1000) * 1000)}`;
        if (this.feed.eventType) filter += ` and signInEventTypes/any(t: t eq '${this.feed.eventType}')`;
        body = (await this.client
          .api(this.feed.path)
          .version(this.feed.version)
          .filter(encodeURIComponent(filter))
          .top(this.opts.pageSize ?? 1000)
          .get()) as GraphPage;
      }
    } catch (e) {
      throw this.explain(e);
    }
    if (!body || !Array.isArray(body.value))
      throw new Error(
        `${this.name}: Graph answered without a value array (${JSON.stringify(body).slice(0, 120)})`,
      );
    const next = body['@odata.nextLink'];
    return { records: body.value, next: typeof next === 'string' && next !== '' ? next : undefined };
  }

  private explain(e: unknown): Error {
    if (!(e instanceof GraphError)) return e instanceof Error ? e : new Error(String(e));
    const { tenantId } = this.opts;
    if (this.feed.signIns && e.statusCode === 403 && e.code === NO_PREMIUM_LICENCE) {
      return new SourceUnavailableError(
        `Sign-in logs need an Entra ID P1 or P2 licence, which tenant ${tenantId} does not have (Graph: ${e.code}). The ${this.name} feed is off; directory audits go on. Tripline asks again every ${Math.round((this.opts.licenceRecheckMs ?? DAY) / 3_600_000)} h.`,
        this.opts.licenceRecheckMs ?? DAY,
        { cause: e },
      );
    }
    const status = e.statusCode > 0 ? `HTTP ${e.statusCode}` : 'no answer';
    const what = [e.code, e.message].filter((s) => s && s !== 'null').join(': ');
    let hint = '';
    if (e.statusCode === 403 || e.code === 'Authorization_RequestDenied')
      hint = ` Grant the app registration the Microsoft Graph application permissions AuditLog.Read.All and Directory.Read.All in tenant ${tenantId}, with admin consent.`;
    else if (e.statusCode === 401)
      hint =
        ' The token was refused even after a new one was fetched: check that the app is registered in this tenant and its credentials.';
    return new Error(`Graph ${this.feed.version}${this.feed.path} failed: ${status} ${what}.${hint}`, {
      cause: e,
    });
  }
}

/**
 * The poll sources of one tenant's Graph audit logs, one per feed, sharing one Graph client, one
 * token source and one rate limiter.
 *
 * @example
 * ```ts
 * const tokens = new EntraTokenSource(credentials, { authorityHost: endpoints.authorityHost });
 * const sources = createGraphSources({ tenantId: credentials.tenantId, tokens, graphBase: endpoints.graphBase });
 * for (const source of sources) await runPoller({ source, tenant: credentials.tenantId, ...rest });
 * ```
 */
export function createGraphSources(opts: GraphSourcesOptions): PollSource[] {
  const limiter =
    opts.limiter ??
    new RateLimiter({
      requests: 2,
      perMs: 10_000,
      ...(opts.now ? { now: opts.now } : {}),
      ...(opts.sleep ? { sleep: opts.sleep } : {}),
    });
  const graphBase = new URL(opts.graphBase).origin;
  const auth = new TokenCredentialAuthenticationProvider(opts.tokens, { scopes: [defaultScope(graphBase)] });
  const send = new SendMiddleware({ ...opts, limiter }, auth);
  const authHandler = new AuthenticationHandler(auth);
  const client = Client.initWithMiddleware({
    middleware: [authHandler, send],
    baseUrl: `${graphBase}/`,
    defaultVersion: 'v1.0',
    customHosts: new Set([new URL(graphBase).hostname]),
  });
  const feeds = opts.feeds ?? GRAPH_FEEDS;
  return feeds.map((f) => new GraphFeedSource(FEEDS[f], client, send, opts));
}
