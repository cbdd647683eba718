/**
 * Google Workspace audit logs through the Admin SDK Reports API `activities.list`
 * (`GET {apiBase}/admin/reports/v1/activity/users/all/applications/{application}`), one
 * {@link PollSource} per application so each keeps its own checkpoint: token and drive events are
 * indexed hours after login and admin events, and one shared watermark would either wait for the
 * slowest or skip its late records.
 *
 * Authentication: a service account key with domain-wide delegation, impersonating a delegated admin
 * (`subject`), scope `admin.reports.audit.readonly`. `google-auth-library`'s JWT client signs the
 * assertion locally with the key and exchanges it at the token URL; nothing is downloaded at run time.
 * The library hard-codes `https://oauth2.googleapis.com/token`; a request interceptor on its transport
 * sends the exchange to `tokenUrl` instead, so a private endpoint or a test server works unchanged.
 *
 * What the API does, and what this client does about it:
 * - pages of at most `maxResults` (1000) activities, newest first, `nextPageToken` until the last page;
 *   the page token is the cursor the poller saves. A token the API no longer accepts (a run resumed
 *   long after) restarts the window from its first page; re-read events are dropped by the engine.
 * - `gmail` needs both `startTime` and `endTime`, at most 30 days apart (every request sends both);
 * - `drive` (Business and Enterprise editions) and `gmail` (editions with Gmail log events) answer
 *   400/403 on other editions: the application is reported once through `onNotice`, reads as empty,
 *   and is probed again after `unavailableRetryMs`;
 * - quota exhaustion is a 503 (documented) or a 403/429 `rateLimitExceeded`: retried with backoff and
 *   `Retry-After`, within the caller's deadline; requests are spaced by a {@link RateLimiter};
 * - an access token refused with 401 (expired or revoked early) is replaced once, then the call fails.
 *
 * @example
 * ```ts
 * const sources = createWorkspaceSources(parseWorkspaceOptions({
 *   serviceAccountKey: secret.serviceAccountKey, delegatedAdminEmail: secret.delegatedAdminEmail,
 * }));
 * for (const source of sources) await runPoller({ source, tenant: 'C01abc2de', ...deps });
 * ```
 */
import { JWT } from 'google-auth-library';
import { z } from 'zod';
import { DEFAULT_POLL_TIMING } from './poller';
import type { PollPage, PollSource, PollTiming, PollWindow } from './poller';
import { HttpError, fetchJson } from './http';
import type { FetchJsonOptions } from './http';
import { RateLimiter } from './rate-limit';

/** Reports API applications Tripline reads. */
export const WORKSPACE_APPLICATIONS = [
  'token',
  'login',
  'admin',
  'drive',
  'user_accounts',
  'saml',
  'gmail',
] as const;
/** One of {@link WORKSPACE_APPLICATIONS}. */
export type WorkspaceApplication = (typeof WORKSPACE_APPLICATIONS)[number];

/** Applications only some editions have: a 400/403 there means "not in this edition". */
export const EDITION_LIMITED_APPLICATIONS: ReadonlySet<WorkspaceApplication> = new Set(['drive', 'gmail']);

/** The one scope the collector asks for. */
export const WORKSPACE_SCOPE = 'https://www.googleapis.com/auth/admin.reports.audit.readonly';
/** Google's OAuth 2.0 token endpoint (what google-auth-library calls). */
export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
/** The Admin SDK API base. */
export const GOOGLE_REPORTS_BASE = 'https://admin.googleapis.com';
/** `maxResults` upper bound of activities.list. */
export const MAX_RESULTS = 1000;
/** gmail: startTime and endTime at most this far apart. */
export const GMAIL_MAX_SPAN_MS = 30 * 86_400_000;

/**
 * Requests per customer: Google publishes no per-second figure for the Reports API (quota errors come
 * back as 503 or 403 rateLimitExceeded, both retried); 5 per second keeps a 5-minute poll of seven
 * applications far below any per-minute project quota while reading 5,000 activities a second.
 */
export const WORKSPACE_RATE = { requests: 5, perMs: 1000 } as const;

const MIN = 60_000;

/**
 * Timing per application. Login, admin, SAML and account events are near real time (minutes): the
 * template defaults. Token, drive and gmail events arrive hours late at times: windows end 10 to 15
 * minutes behind now and re-read the last hour, so a late record still lands inside the overlap.
 */
export const WORKSPACE_TIMING: Readonly<Record<WorkspaceApplication, PollTiming>> = {
  login: { ...DEFAULT_POLL_TIMING, delayMs: 3 * MIN },
  admin: { ...DEFAULT_POLL_TIMING, delayMs: 3 * MIN },
  saml: { ...DEFAULT_POLL_TIMING, delayMs: 3 * MIN },
  user_accounts: { ...DEFAULT_POLL_TIMING, delayMs: 3 * MIN },
  token: { ...DEFAULT_POLL_TIMING, delayMs: 10 * MIN, overlapMs: 60 * MIN },
  drive: { ...DEFAULT_POLL_TIMING, delayMs: 15 * MIN, overlapMs: 60 * MIN },
  gmail: { ...DEFAULT_POLL_TIMING, delayMs: 15 * MIN, overlapMs: 60 * MIN },
};

/** The fields of a service account key file the collector uses. */
export interface ServiceAccountKey {
  client_email: string;
  private_key: string;
  private_key_id?: string | undefined;
  /** The key file's own token URL; used when `tokenUrl` is not set. */
  token_uri?: string | undefined;
}

/** Validated options of {@link createWorkspaceSources}. */
export interface WorkspaceOptions {
  serviceAccountKey: ServiceAccountKey;
  /** The admin the service account impersonates (domain-wide delegation `subject`). */
  delegatedAdminEmail: string;
  /** Google customer id (`C01abc2de`); unset reads the delegated admin's own customer. */
  customerId?: string | undefined;
  /** @default every application of {@link WORKSPACE_APPLICATIONS} */
  applications: readonly WorkspaceApplication[];
  /** @default the key's token_uri, else https://oauth2.googleapis.com/token */
  tokenUrl: string;
  /** @default https://admin.googleapis.com */
  apiBase: string;
  /** Activities per page, 1 to 1000. @default 1000 */
  maxResults: number;
}

/** Dependencies of the sources, all optional (tests and `tripline pull` inject them). */
export interface WorkspaceDeps {
  /** @default globalThis.fetch (trusts NODE_EXTRA_CA_CERTS like every Node https client) */
  fetch?: typeof fetch;
  /** Shared by every application of one customer. @default 5 requests per second */
  limiter?: RateLimiter;
  /** @default Date.now */
  now?: () => number;
  /** Backoff sleep. */
  sleep?: (ms: number) => Promise<void>;
  /** Epoch ms after which no retry wait may end (the run's remaining-time budget). */
  deadline?: () => number | undefined;
  /** Told once per period when an application is unavailable, or a page token was refused. */
  onNotice?: (notice: WorkspaceNotice) => void;
  /** How long an unavailable application is left alone before it is probed again. @default 24 h */
  unavailableRetryMs?: number;
  /** Passed to every `fetchJson` (attempts, delays). */
  http?: Pick<
    FetchJsonOptions,
    'maxAttempts' | 'baseDelayMs' | 'maxDelayMs' | 'maxRetryAfterMs' | 'timeoutMs'
  >;
}

/** Something an operator should know, reported once. */
export interface WorkspaceNotice {
  application: WorkspaceApplication;
  kind: 'unavailable' | 'page-token-refused';
  message: string;
}

/** Invalid Workspace collector options (the secret or the `tripline pull` flags). */
export class WorkspaceConfigError extends Error {
  override readonly name = 'WorkspaceConfigError';
  constructor(
    readonly problems: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(
      `Invalid Google Workspace collector settings:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      options,
    );
  }
}

const httpsUrl = z
  .string()
  .url('is not a URL')
  .refine((u) => u.startsWith('https://'), 'must be an https:// URL');

const keySchema = z.object({
  client_email: z.string().email('is not an e-mail address'),
  private_key: z.string().includes('PRIVATE KEY', { message: 'is not a PEM private key' }),
  private_key_id: z.string().optional(),
  token_uri: z.string().optional(),
});

const optionsSchema = z.object({
  serviceAccountKey: z.union([z.string(), z.record(z.string(), z.unknown())]),
  delegatedAdminEmail: z.string().trim().email('is not an e-mail address'),
  customerId: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_]+$/, 'is not a Google customer id (C01abc2de)')
    .optional(),
  applications: z.array(z.enum(WORKSPACE_APPLICATIONS)).nonempty().optional(),
  tokenUrl: httpsUrl.optional(),
  apiBase: httpsUrl.optional(),
  maxResults: z.number().int().min(1).max(MAX_RESULTS).optional(),
});

/** Raw options, as a secret or command-line flags give them. */
export type WorkspaceOptionsInput = z.input<typeof optionsSchema>;

/**
 * Validates raw options (a secret entry, command-line flags), reporting every problem at once.
 * `serviceAccountKey` may be the key file's JSON text or the parsed object.
 *
 * @throws {@link WorkspaceConfigError} naming each bad field and what it must be.
 */
export function parseWorkspaceOptions(input: unknown): WorkspaceOptions {
  const parsed = optionsSchema.safeParse(input);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      problems.push(`${issue.path.join('.') || 'options'} ${issue.message}`);
    }
    throw new WorkspaceConfigError(problems, { cause: parsed.error });
  }
  const v = parsed.data;
  let rawKey: unknown = v.serviceAccountKey;
  if (typeof rawKey === 'string') {
    try {
      rawKey = JSON.parse(rawKey);
    } catch {
      throw new WorkspaceConfigError([
        'serviceAccountKey is not JSON: paste the whole key file (the JSON Google Cloud downloads for a service account key) as one string',
      ]);
    }
  }
  const key = keySchema.safeParse(rawKey);
  if (!key.success) {
    throw new WorkspaceConfigError(
      key.error.issues.map(
        (i) => `serviceAccountKey.${i.path.join('.')} ${i.message} (use the service account's JSON key file)`,
      ),
    );
  }
  const keyTokenUri = key.data.token_uri?.startsWith('https://') ? key.data.token_uri : undefined;
  return {
    serviceAccountKey: key.data,
    delegatedAdminEmail: v.delegatedAdminEmail,
    customerId: v.customerId,
    applications: v.applications ?? [...WORKSPACE_APPLICATIONS],
    tokenUrl: v.tokenUrl ?? keyTokenUri ?? GOOGLE_TOKEN_URL,
    apiBase: (v.apiBase ?? GOOGLE_REPORTS_BASE).replace(/\/+$/, ''),
    maxResults: v.maxResults ?? MAX_RESULTS,
  };
}

/** An access token source for the Reports API: google-auth-library's JWT client, token URL configurable. */
export interface WorkspaceTokenProvider {
  /** A valid access token (cached until shortly before it expires). */
  token(): Promise<string>;
  /** Forgets the cached token, so the next `token()` asks for a new one. */
  invalidate(): void;
}

/** Which scope a token is for, and what the delegated admin must be allowed to do with it (for errors). */
export interface TokenAccess {
  scope: string;
  /** Completes "delegatedAdminEmail is an admin allowed to ...". */
  adminMay: string;
}

/** The collector's access: the Reports API, read-only. */
export const REPORTS_ACCESS: TokenAccess = { scope: WORKSPACE_SCOPE, adminMay: 'read audit reports' };

/**
 * The JWT client for domain-wide delegation. Token exchange failures are rethrown with what to do
 * (most often: the client id is not authorized for the scope in the Admin console). `access` picks
 * the scope: the collector's by default; the responder asks for its own with its own service account.
 */
export function workspaceTokenProvider(
  opts: Pick<WorkspaceOptions, 'serviceAccountKey' | 'delegatedAdminEmail' | 'tokenUrl'>,
  fetchImpl: typeof fetch = globalThis.fetch,
  access: TokenAccess = REPORTS_ACCESS,
): WorkspaceTokenProvider {
  const jwt = new JWT({
    email: opts.serviceAccountKey.client_email,
    key: opts.serviceAccountKey.private_key,
    ...(opts.serviceAccountKey.private_key_id ? { keyId: opts.serviceAccountKey.private_key_id } : {}),
    scopes: [access.scope],
    subject: opts.delegatedAdminEmail,
    transporterOptions: { fetchImplementation: fetchImpl },
  });
  if (opts.tokenUrl !== GOOGLE_TOKEN_URL) {
    const target = opts.tokenUrl;
    jwt.transporter.interceptors.request.add({
      resolved: async (config) => {
        if (String(config.url) === GOOGLE_TOKEN_URL) config.url = new URL(target);
        return config;
      },
    });
  }
  return {
    async token() {
      let res: { token?: string | null };
      try {
        res = await jwt.getAccessToken();
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        throw new Error(
          `Google refused a token for ${opts.serviceAccountKey.client_email} acting as ${opts.delegatedAdminEmail} at ${opts.tokenUrl}: ${msg}. ` +
            `Check in the Admin console (Security > API controls > Domain-wide delegation) that the service account's client id is allowed ${access.scope}, ` +
            `and that delegatedAdminEmail is an admin allowed to ${access.adminMay}.`,
          { cause: e },
        );
      }
      if (!res.token) throw new Error(`Google returned no access token from ${opts.tokenUrl}`);
      return res.token;
    },
    invalidate() {
      // What the JWT client starts with: a past expiry makes it (and its token cache) fetch a new token.
      jwt.credentials = { refresh_token: 'jwt-placeholder', expiry_date: 1 };
    },
  };
}

interface ActivitiesPage {
  kind?: string;
  items?: unknown[];
  nextPageToken?: string;
}

const RATE_LIMIT_REASON = /rateLimitExceeded|userRateLimitExceeded|quotaExceeded|RESOURCE_EXHAUSTED/;

/**
 * One poll source per application, sharing one token and one rate limiter.
 *
 * @example
 * ```ts
 * const [token, login] = createWorkspaceSources(opts, { onNotice: (n) => logger.warn(n.message) });
 * ```
 */
export function createWorkspaceSources(opts: WorkspaceOptions, deps: WorkspaceDeps = {}): PollSource[] {
  const fetchImpl = deps.fetch ?? globalThis.fetch;
  const tokens = workspaceTokenProvider(opts, fetchImpl);
  const limiter =
    deps.limiter ??
    new RateLimiter({
      ...WORKSPACE_RATE,
      ...(deps.now ? { now: deps.now } : {}),
      ...(deps.sleep ? { sleep: deps.sleep } : {}),
    });
  return opts.applications.map(
    (app) => new WorkspaceApplicationSource(app, opts, deps, tokens, limiter, fetchImpl),
  );
}

/** The Reports API activities of one application. */
export class WorkspaceApplicationSource implements PollSource {
  readonly name: string;
  readonly sourceId = 'google.workspace' as const;
  /** Until when the application is known unavailable (epoch ms). */
  private unavailableUntil = 0;

  constructor(
    readonly application: WorkspaceApplication,
    private readonly opts: WorkspaceOptions,
    private readonly deps: WorkspaceDeps,
    private readonly tokens: WorkspaceTokenProvider,
    private readonly limiter: RateLimiter,
    private readonly fetchImpl: typeof fetch,
  ) {
    this.name = `workspace-${application}`;
  }

  /** The activities.list URL for a window and page token. */
  url(window: PollWindow, pageToken?: string): string {
    const q = new URLSearchParams({
      startTime: new Date(window.from).toISOString(),
      endTime: new Date(window.to).toISOString(),
      maxResults: String(this.opts.maxResults),
    });
    if (this.opts.customerId) q.set('customerId', this.opts.customerId);
    if (pageToken !== undefined) q.set('pageToken', pageToken);
    return `${this.opts.apiBase}/admin/reports/v1/activity/users/all/applications/${this.application}?${q.toString()}`;
  }

  async fetchPage(window: PollWindow, cursor?: string): Promise<PollPage> {
    const now = (this.deps.now ?? Date.now)();
    if (now < this.unavailableUntil) return { records: [] };
    if (this.application === 'gmail' && window.to - window.from > GMAIL_MAX_SPAN_MS) {
      throw new Error(
        `workspace-gmail: window ${new Date(window.from).toISOString()} to ${new Date(window.to).toISOString()} spans more than 30 days, which the Reports API refuses for gmail; lower maxWindowMs`,
      );
    }
    let body: ActivitiesPage;
    try {
      body = await this.get(this.url(window, cursor));
    } catch (e) {
      if (!(e instanceof HttpError) || e.retryable) throw e;
      if (cursor !== undefined && e.status === 400 && /pageToken|page token/i.test(e.bodyExcerpt ?? '')) {
        this.deps.onNotice?.({
          application: this.application,
          kind: 'page-token-refused',
          message: `workspace-${this.application}: the API refused the saved page token (${e.status}); reading the window again from its first page`,
        });
        body = await this.get(this.url(window));
      } else if (
        EDITION_LIMITED_APPLICATIONS.has(this.application) &&
        (e.status === 400 || e.status === 403)
      ) {
        this.unavailableUntil = now + (this.deps.unavailableRetryMs ?? 86_400_000);
        this.deps.onNotice?.({
          application: this.application,
          kind: 'unavailable',
          message:
            `workspace-${this.application}: the Reports API refuses ${this.application} activities (HTTP ${e.status}: ${(e.bodyExcerpt ?? '').slice(0, 160)}). ` +
            `${this.application === 'drive' ? 'Drive audit events exist only on Business and Enterprise editions' : 'Gmail log events exist only on some editions'}; ` +
            `Tripline reads it as empty and asks again in ${Math.round((this.deps.unavailableRetryMs ?? 86_400_000) / 3_600_000)} h. Remove it from "applications" to stop asking.`,
        });
        return { records: [] };
      } else {
        throw e;
      }
    }
    const items = Array.isArray(body?.items) ? body.items : [];
    const next =
      typeof body?.nextPageToken === 'string' && body.nextPageToken !== '' ? body.nextPageToken : undefined;
    return { records: items, next };
  }

  /** One GET with a bearer token: 401 gets one new token; rate-limit 403s are retried like 429s. */
  private async get(url: string): Promise<ActivitiesPage> {
    const sleep = this.deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const now = this.deps.now ?? Date.now;
    let refreshed = false;
    for (let quotaRetries = 0; ;) {
      await this.limiter.take();
      const token = await this.tokens.token();
      const deadline = this.deps.deadline?.();
      try {
        const res = await fetchJson<ActivitiesPage>(url, {
          headers: { authorization: `Bearer ${token}` },
          fetch: this.fetchImpl,
          now,
          sleep,
          ...(deadline !== undefined ? { deadline } : {}),
          ...this.deps.http,
        });
        return res.body;
      } catch (e) {
        if (!(e instanceof HttpError)) throw e;
        if (e.status === 401 && !refreshed) {
          refreshed = true;
          this.tokens.invalidate();
          continue;
        }
        if (e.status === 403 && RATE_LIMIT_REASON.test(e.bodyExcerpt ?? '') && quotaRetries < 4) {
          quotaRetries++;
          const wait = Math.min(30_000, 1000 * 2 ** quotaRetries);
          if (deadline !== undefined && now() + wait >= deadline) throw e;
          await sleep(wait);
          continue;
        }
        throw e;
      }
    }
  }
}
