/**
 * The Microsoft tenants a deployment polls, read from a source's Secrets Manager secret, and the poll
 * sources of each: the one place that turns a plain, validated options object into clients, so a
 * Lambda poller and a laptop (`tripline pull`) build exactly the same thing.
 *
 * A secret holds one tenant object or `{"tenants": [ {...}, {...} ]}`:
 *
 * ```json
 * {
 *   "tenantId": "2f4a9c1e-…", "clientId": "6c1f3b0e-…",
 *   "clientSecret": "…",                        // or "certificate": "-----BEGIN CERTIFICATE-----…PRIVATE KEY-----…"
 *   "cloud": "global",                          // optional: global | gcc | gcc-high | dod | china
 *   "authorityHost": "https://login.microsoftonline.us", "graphBase": "…", "managementBase": "…", // optional overrides
 *   "publisherIdentifier": "…",                 // optional, m365 (default: tenantId)
 *   "feeds": ["directoryAudits", "signIns"],    // optional, graph (default: all five)
 *   "contentTypes": ["Audit.Exchange"],          // optional, m365 (default: all four)
 *   "label": "contoso"                           // optional tenant label in findings and checkpoints (default: tenantId)
 * }
 * ```
 *
 * Each tenant is validated on its own: one with a problem is reported (with every problem at once)
 * and the others are still polled.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { PollSource, PollTiming } from '../poller';
import { EntraTokenSource, credentialProblems } from './auth';
import type { EntraAppCredentials } from './auth';
import { MICROSOFT_CLOUDS, resolveEndpoints } from './endpoints';
import type { MicrosoftCloud, MicrosoftEndpoints } from './endpoints';
import { GRAPH_FEEDS, createGraphSources, graphFeedName } from './graph';
import type { GraphFeed } from './graph';
import {
  M365_CONTENT_TYPES,
  M365_LEDGER_RETENTION_MS,
  M365_POLL_TIMING,
  createManagementSources,
  m365FeedName,
} from './management';
import type { M365ContentType } from './management';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The two Microsoft sources a deployment can enable. */
export type MicrosoftSource = 'graph' | 'm365';

/** One tenant's settings, validated. */
export interface MicrosoftTenantOptions {
  /** Label in checkpoints and findings. @default tenantId */
  readonly label: string;
  readonly credentials: EntraAppCredentials;
  readonly cloud: MicrosoftCloud;
  readonly endpoints: MicrosoftEndpoints;
  readonly publisherIdentifier: string | undefined;
  readonly feeds: readonly GraphFeed[] | undefined;
  readonly contentTypes: readonly M365ContentType[] | undefined;
}

/** A tenant entry that cannot be used, with every problem. */
export class TenantConfigError extends Error {
  override readonly name = 'TenantConfigError';
  constructor(
    /** Where the entry is: `tenants[1]` or the secret itself. */
    readonly where: string,
    /** The entry's tenant id or label, when it has one. */
    readonly tenant: string | undefined,
    readonly problems: readonly string[],
  ) {
    super(`${where}${tenant ? ` (tenant ${tenant})` : ''}: ${problems.join('; ')}`);
  }
}

const entrySchema = z.object({
  tenantId: z.string().trim().min(1, 'tenantId is missing').optional(),
  clientId: z.string().optional(),
  clientSecret: z.string().optional(),
  certificate: z.string().optional(),
  certificatePassword: z.string().optional(),
  cloud: z
    .enum(MICROSOFT_CLOUDS, { error: `cloud must be one of ${MICROSOFT_CLOUDS.join(', ')}` })
    .optional(),
  authorityHost: z.string().optional(),
  graphBase: z.string().optional(),
  managementBase: z.string().optional(),
  publisherIdentifier: z.string().trim().min(1).optional(),
  feeds: z
    .array(z.enum(GRAPH_FEEDS, { error: `feeds may hold ${GRAPH_FEEDS.join(', ')}` }))
    .min(1)
    .optional(),
  contentTypes: z
    .array(z.enum(M365_CONTENT_TYPES, { error: `contentTypes may hold ${M365_CONTENT_TYPES.join(', ')}` }))
    .min(1)
    .optional(),
  label: z.string().regex(/^\S+$/, 'label must not contain spaces').optional(),
});

/**
 * Validates one tenant's settings for `source`.
 *
 * @returns the options, or a {@link TenantConfigError} listing every problem.
 */
export function parseTenantOptions(
  raw: unknown,
  source: MicrosoftSource,
  where = 'the secret',
): MicrosoftTenantOptions | TenantConfigError {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return new TenantConfigError(where, undefined, ['is not a JSON object']);
  const r = raw as Record<string, unknown>;
  const tenantHint = typeof r['tenantId'] === 'string' ? r['tenantId'] : undefined;
  const parsed = entrySchema.safeParse(raw);
  const problems: string[] = [];
  if (!parsed.success)
    for (const i of parsed.error.issues) problems.push(`${i.path.join('.') || 'entry'}: ${i.message}`);
  const v = parsed.success ? parsed.data : {};
  problems.push(...credentialProblems(v));
  let endpoints: MicrosoftEndpoints | undefined;
  try {
    endpoints = resolveEndpoints(v.cloud ?? 'global', {
      authorityHost: v.authorityHost,
      graphBase: v.graphBase,
      managementBase: v.managementBase,
    });
  } catch (e) {
    problems.push((e as Error).message);
  }
  if (source === 'm365' && endpoints && endpoints.managementBase === undefined)
    problems.push(`the Management Activity API address of cloud ${v.cloud} is not known: set managementBase`);
  if (problems.length > 0 || !endpoints) return new TenantConfigError(where, tenantHint, problems);
  const credentials: EntraAppCredentials = {
    tenantId: (v.tenantId as string).trim(),
    clientId: (v.clientId as string).trim(),
    ...(v.clientSecret ? { clientSecret: v.clientSecret } : {}),
    ...(v.certificate ? { certificate: v.certificate } : {}),
    ...(v.certificatePassword ? { certificatePassword: v.certificatePassword } : {}),
  };
  return {
    label: v.label ?? credentials.tenantId,
    credentials,
    cloud: v.cloud ?? 'global',
    endpoints,
    publisherIdentifier: v.publisherIdentifier,
    feeds: v.feeds,
    contentTypes: v.contentTypes,
  };
}

/**
 * The tenants of a secret value: one object, or `{"tenants": [...]}`.
 *
 * @throws {@link TenantConfigError} when the secret as a whole is unusable (no tenant at all).
 */
export function parseTenants(
  secret: Record<string, unknown>,
  source: MicrosoftSource,
  secretName = 'the secret',
): Array<MicrosoftTenantOptions | TenantConfigError> {
  if ('tenants' in secret) {
    const list = secret['tenants'];
    if (!Array.isArray(list) || list.length === 0)
      throw new TenantConfigError(secretName, undefined, [
        '"tenants" must be a non-empty array of tenant objects',
      ]);
    const out = list.map((t, i) => parseTenantOptions(t, source, `${secretName}, tenants[${i}]`));
    const labels = new Map<string, number>();
    return out.map((t, i) => {
      if (t instanceof TenantConfigError) return t;
      const prev = labels.get(t.label);
      if (prev !== undefined)
        return new TenantConfigError(`${secretName}, tenants[${i}]`, t.label, [
          `tenant ${t.label} is listed twice (also tenants[${prev}]); give each entry its own label`,
        ]);
      labels.set(t.label, i);
      return t;
    });
  }
  return [parseTenantOptions(secret, source, secretName)];
}

/** One poll source of a tenant, with what the poller needs to run it. */
export interface MicrosoftPollTarget {
  source: PollSource;
  /** Tenant label: checkpoint scope and tenant of records that carry none. */
  tenant: string;
  timing: Partial<PollTiming>;
  /** Record ids are remembered this long to drop the API's duplicates. */
  ledgerRetentionMs: number;
}

/** Silence margins per feed (added to the feed's learned lag), chosen for a tenant in daily use. */
const GRAPH_SILENCE: Readonly<Record<GraphFeed, number>> = {
  directoryAudits: 24 * HOUR,
  signIns: 24 * HOUR,
  nonInteractiveSignIns: 12 * HOUR,
  servicePrincipalSignIns: 48 * HOUR,
  managedIdentitySignIns: 48 * HOUR,
};
const M365_SILENCE: Readonly<Record<M365ContentType, number>> = {
  'Audit.AzureActiveDirectory': 12 * HOUR,
  'Audit.Exchange': 12 * HOUR,
  'Audit.SharePoint': 24 * HOUR,
  'Audit.General': 48 * HOUR,
};

/** Graph timing: minutes of indexing delay, windows of at most an hour. */
export const GRAPH_POLL_TIMING: Readonly<PollTiming> = {
  overlapMs: 10 * 60_000,
  maxWindowMs: HOUR,
  initialLookbackMs: DAY,
  delayMs: 2 * 60_000,
};

/** Graph record ids are remembered for 2 days (sign-ins repeated across pages and overlaps). */
export const GRAPH_LEDGER_RETENTION_MS = 2 * DAY;

/** Injectable pieces of {@link microsoftTargets} (tests, `tripline pull`). */
export interface MicrosoftClientDeps {
  fetch?: typeof fetch | undefined;
  now?: (() => number) | undefined;
  sleep?: ((ms: number) => Promise<void>) | undefined;
  onRetry?:
    | ((info: { attempt: number; status: number; waitMs: number; url: string; reason: string }) => void)
    | undefined;
  onSubscriptionStarted?:
    ((tenant: string, contentType: M365ContentType, previously: 'none' | 'disabled') => void) | undefined;
}

/**
 * The poll sources of one tenant for `source`, with their timing. Builds a token source and clients;
 * callers that run repeatedly (a warm Lambda) keep the result (see {@link TenantSourceCache}).
 *
 * @example
 * ```ts
 * const opts = parseTenantOptions({ tenantId, clientId, clientSecret }, 'graph');
 * if (opts instanceof TenantConfigError) throw opts;
 * for (const t of microsoftTargets('graph', opts)) await runPoller({ source: t.source, tenant: t.tenant, ...GRAPH_POLL_TIMING, ...t.timing, ...rest });
 * ```
 */
export function microsoftTargets(
  source: MicrosoftSource,
  tenant: MicrosoftTenantOptions,
  deps: MicrosoftClientDeps = {},
): MicrosoftPollTarget[] {
  const tokens = new EntraTokenSource(tenant.credentials, {
    authorityHost: tenant.endpoints.authorityHost,
    fetch: deps.fetch,
  });
  const common = {
    tenantId: tenant.credentials.tenantId,
    tokens,
    fetch: deps.fetch,
    now: deps.now,
    sleep: deps.sleep,
    onRetry: deps.onRetry,
  };
  if (source === 'graph') {
    const feeds = tenant.feeds ?? GRAPH_FEEDS;
    const sources = createGraphSources({ ...common, graphBase: tenant.endpoints.graphBase, feeds });
    return sources.map((s, i) => ({
      source: s,
      tenant: tenant.label,
      timing: { ...GRAPH_POLL_TIMING, silenceAfterMs: GRAPH_SILENCE[feeds[i] as GraphFeed] },
      ledgerRetentionMs: GRAPH_LEDGER_RETENTION_MS,
    }));
  }
  const contentTypes = tenant.contentTypes ?? M365_CONTENT_TYPES;
  const sources = createManagementSources({
    ...common,
    managementBase: tenant.endpoints.managementBase as string,
    publisherIdentifier: tenant.publisherIdentifier,
    contentTypes,
    onSubscriptionStarted: (t, p) => deps.onSubscriptionStarted?.(tenant.label, t, p),
  });
  return sources.map((s, i) => ({
    source: s,
    tenant: tenant.label,
    timing: { ...M365_POLL_TIMING, silenceAfterMs: M365_SILENCE[contentTypes[i] as M365ContentType] },
    ledgerRetentionMs: M365_LEDGER_RETENTION_MS,
  }));
}

/** Feed names of a source, for docs and CDK (alarm dimensions). */
export function microsoftFeedNames(source: MicrosoftSource): string[] {
  return source === 'graph' ? GRAPH_FEEDS.map(graphFeedName) : M365_CONTENT_TYPES.map(m365FeedName);
}

/**
 * Keeps each tenant's clients while its settings do not change (token caches, rate limiters and
 * subscription state survive between invocations of a warm Lambda), and builds new ones when the
 * secret changes.
 */
export class TenantSourceCache {
  private readonly cache = new Map<string, { fingerprint: string; targets: MicrosoftPollTarget[] }>();

  constructor(
    private readonly source: MicrosoftSource,
    private readonly deps: MicrosoftClientDeps = {},
  ) {}

  /** The targets of `tenant`, reused when its settings are unchanged. */
  targets(tenant: MicrosoftTenantOptions): MicrosoftPollTarget[] {
    const fingerprint = createHash('sha256').update(JSON.stringify(tenant)).digest('hex');
    const hit = this.cache.get(tenant.label);
    if (hit && hit.fingerprint === fingerprint) return hit.targets;
    const targets = microsoftTargets(this.source, tenant, this.deps);
    this.cache.set(tenant.label, { fingerprint, targets });
    return targets;
  }
}
