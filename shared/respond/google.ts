/**
 * {@link GoogleDirectory} over the Admin SDK Directory API, as the responder's own service account
 * with domain-wide delegation for one scope, `https://www.googleapis.com/auth/admin.directory.user.security`,
 * impersonating a delegated admin:
 *
 * | call | request |
 * | --- | --- |
 * | a user's tokens | `GET {apiBase}/admin/directory/v1/users/{userKey}/tokens` (`items[]` of `clientId`, `scopes`, `displayText`) |
 * | delete them | `DELETE {apiBase}/admin/directory/v1/users/{userKey}/tokens/{clientId}` |
 *
 * The access token comes from the Workspace collector's JWT client (shared/sources/workspace.ts:
 * google-auth-library, the assertion signed locally with the key, exchanged at the key's `token_uri`
 * or a configured `tokenUrl`), with the responder's own service account and scope; nothing is
 * fetched at run time but the token. 429 and 5xx are retried with `Retry-After` and backoff, and so is a 403 whose
 * reason is `rateLimitExceeded` / `userRateLimitExceeded` (how the Directory API reports quota); a
 * 401 gets a new token once; 404 is "already gone"; any other 4xx is an {@link ActionError}.
 *
 * Deleting tokens does not stop the user from authorizing the app again, and no API blocks one app
 * for the whole domain: the action message says so and where to block it in the Admin console.
 *
 * @module
 */
import { parseRetryAfter, requestWithRetry } from '../sources/http';
import { WorkspaceConfigError, parseWorkspaceOptions, workspaceTokenProvider } from '../sources/workspace';
import type { WorkspaceOptions } from '../sources/workspace';
import type { HttpAnswer } from '../sources/http';
import type { TokenSnapshot } from './core/types';
import type { ClientDeps } from './credentials';
import { CredentialsError } from './credentials';
import { ActionError } from './ports';
import type { GoogleDirectory } from './ports';

/** The one scope the responder asks Google for. */
export const GOOGLE_RESPONDER_SCOPE = 'https://www.googleapis.com/auth/admin.directory.user.security';
/** The Admin SDK API base. */
export const GOOGLE_ADMIN_BASE = 'https://admin.googleapis.com';

/** An access token for the Directory API that can be dropped when refused. */
export interface GoogleTokenSource {
  getToken(): Promise<string>;
  invalidate(): void;
}

/**
 * The responder's tokens: the Workspace collector's JWT client (google-auth-library, key signed
 * locally, token URL configurable) asking for {@link GOOGLE_RESPONDER_SCOPE} only. A refusal is an
 * {@link ActionError}: retryable when Google or the network failed (429, 5xx, no answer), not when it
 * refused the grant (unauthorized_client: the scope is not delegated to this service account).
 */
export function responderTokenSource(
  opts: Pick<WorkspaceOptions, 'serviceAccountKey' | 'delegatedAdminEmail' | 'tokenUrl'>,
  fetchImpl: typeof fetch = globalThis.fetch,
): GoogleTokenSource {
  const p = workspaceTokenProvider(opts, fetchImpl, {
    scope: GOOGLE_RESPONDER_SCOPE,
    adminMay: 'manage user security settings (the User Management > Security privilege)',
  });
  return {
    invalidate: () => p.invalidate(),
    async getToken() {
      try {
        return await p.token();
      } catch (e) {
        const status = statusOf((e as Error).cause);
        const retryable = status === undefined || status === 429 || status >= 500;
        throw new ActionError((e as Error).message, status ?? 0, retryable, { cause: e });
      }
    },
  };
}

/** The HTTP status of a google-auth-library (gaxios) error, when it had an answer. */
function statusOf(e: unknown): number | undefined {
  const r = (e as { response?: { status?: unknown }; status?: unknown } | undefined) ?? undefined;
  const s = r?.response?.status ?? r?.status;
  return typeof s === 'number' ? s : undefined;
}

/** Options of {@link DirectoryApi}. */
export interface DirectoryApiOptions extends ClientDeps {
  tokens: GoogleTokenSource;
  /** @default https://admin.googleapis.com */
  apiBase?: string | undefined;
  /** Attempts per request, quota answers included. @default 5 */
  maxAttempts?: number | undefined;
}

/** The Directory API for the responder, one customer. */
export class DirectoryApi implements GoogleDirectory {
  private readonly base: string;

  constructor(private readonly opts: DirectoryApiOptions) {
    this.base = `${new URL(opts.apiBase ?? GOOGLE_ADMIN_BASE).origin}/admin/directory/v1`;
  }

  async listTokens(userKey: string, clientId: string): Promise<TokenSnapshot[] | 'gone'> {
    const a = await this.call('GET', `/users/${encodeURIComponent(userKey)}/tokens`);
    if (a.status === 404) return 'gone';
    this.ensureOk(a, 'GET', `list the tokens of ${userKey}`);
    let body: { items?: Array<Record<string, unknown>> };
    try {
      body = JSON.parse(a.text) as typeof body;
    } catch (e) {
      throw new ActionError(`${a.shownUrl} answered with a body that is not JSON`, a.status, false, {
        cause: e,
      });
    }
    return (body.items ?? [])
      .filter((t) => t['clientId'] === clientId)
      .map((t) => ({
        userKey,
        clientId,
        displayText: typeof t['displayText'] === 'string' ? t['displayText'] : undefined,
        scopes: Array.isArray(t['scopes']) ? (t['scopes'] as unknown[]).map(String) : [],
      }));
  }

  async deleteTokens(userKey: string, clientId: string): Promise<'deleted' | 'gone'> {
    const a = await this.call(
      'DELETE',
      `/users/${encodeURIComponent(userKey)}/tokens/${encodeURIComponent(clientId)}`,
    );
    if (a.status === 404) return 'gone';
    this.ensureOk(a, 'DELETE', `delete the tokens of ${userKey}`);
    return 'deleted';
  }

  private async call(method: string, path: string): Promise<HttpAnswer> {
    const url = `${this.base}${path}`;
    const maxAttempts = this.opts.maxAttempts ?? 5;
    const sleep = this.opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    let refreshed = false;
    for (let attempt = 1; ; attempt++) {
      const token = await this.opts.tokens.getToken();
      const deadline = this.opts.deadline?.();
      let a: HttpAnswer;
      try {
        a = await requestWithRetry(url, {
          method,
          headers: { authorization: `Bearer ${token}` },
          maxAttempts,
          ...(this.opts.fetch ? { fetch: this.opts.fetch } : {}),
          ...(this.opts.now ? { now: this.opts.now } : {}),
          ...(this.opts.sleep ? { sleep: this.opts.sleep } : {}),
          ...(deadline !== undefined ? { deadline } : {}),
          ...(this.opts.onRetry ? { onRetry: this.opts.onRetry } : {}),
        });
      } catch (e) {
        throw new ActionError(`${method} ${url}: ${(e as Error).message}`, 0, true, { cause: e });
      }
      if (a.status === 401 && !refreshed) {
        refreshed = true;
        this.opts.tokens.invalidate();
        continue;
      }
      if (
        a.status === 403 &&
        /rateLimitExceeded|userRateLimitExceeded|quotaExceeded/.test(a.text) &&
        attempt < maxAttempts
      ) {
        const wait =
          parseRetryAfter(a.headers.get('retry-after'), (this.opts.now ?? Date.now)()) ??
          Math.random() * 500 * 2 ** attempt;
        await sleep(wait);
        continue;
      }
      return a;
    }
  }

  private ensureOk(a: HttpAnswer, method: string, what: string): void {
    if (a.status >= 200 && a.status < 300) return;
    let msg = a.text.slice(0, 160);
    try {
      const e = (JSON.parse(a.text) as { error?: { message?: string } }).error;
      if (e?.message) msg = e.message;
    } catch {
      // keep the raw excerpt
    }
    const quota = a.status === 403 && /rateLimitExceeded|quotaExceeded/.test(a.text);
    const retryable = a.status === 429 || a.status >= 500 || quota;
    throw new ActionError(
      `could not ${what}: ${method} ${a.shownUrl} answered ${a.status}: ${msg}${
        a.status === 403 && !quota
          ? ` (the delegated admin lacks the privilege, or the scope ${GOOGLE_RESPONDER_SCOPE} is not authorized for the service account: see docs/respond.md)`
          : ''
      }`,
      a.status,
      retryable,
    );
  }
}

/** The responder's Google secret, validated like the collector's (same fields, its own account). */
function parseGoogleSecret(secret: Record<string, unknown>, where: string): WorkspaceOptions {
  const { serviceAccountKey, delegatedAdminEmail, customerId, tokenUrl, apiBase } = secret;
  try {
    return parseWorkspaceOptions({
      serviceAccountKey,
      delegatedAdminEmail,
      ...(customerId !== undefined ? { customerId } : {}),
      ...(tokenUrl !== undefined ? { tokenUrl } : {}),
      ...(apiBase !== undefined ? { apiBase } : {}),
    });
  } catch (e) {
    if (e instanceof WorkspaceConfigError) throw new CredentialsError(`${where}: ${e.problems.join('; ')}`);
    throw e;
  }
}

/**
 * Google clients from the responder's Google secret:
 * `{"serviceAccountKey": "<key file JSON>", "delegatedAdminEmail": "...", "customerId"?: "C0…"}`.
 * With `customerId`, only findings of that customer get a client.
 *
 * @throws {@link CredentialsError} naming what is wrong.
 */
export function googleClientsFromSecret(
  secret: Record<string, unknown>,
  where: string,
  deps: ClientDeps = {},
): (tenant: string) => Promise<GoogleDirectory | undefined> {
  const g = parseGoogleSecret(secret, where);
  let client: DirectoryApi | undefined;
  return async (tenant) => {
    if (g.customerId !== undefined && g.customerId !== tenant) return undefined;
    client ??= new DirectoryApi({
      tokens: responderTokenSource(g, deps.fetch ?? globalThis.fetch),
      apiBase: g.apiBase,
      ...deps,
    });
    return client;
  };
}

/** The service account's own client id (protected from the responder). */
export function googleClientIds(secret: Record<string, unknown>): string[] {
  try {
    const raw =
      typeof secret['serviceAccountKey'] === 'string'
        ? JSON.parse(secret['serviceAccountKey'])
        : secret['serviceAccountKey'];
    const id = (raw as Record<string, unknown> | undefined)?.['client_id'];
    return typeof id === 'string' && id ? [id] : [];
  } catch {
    return [];
  }
}

/** The Google secret equivalent of the `TRIPLINE_GOOGLE_*` environment variables, or undefined. */
export function googleSecretFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  readKey: (value: string) => string,
): Record<string, unknown> | undefined {
  const key = env['TRIPLINE_GOOGLE_SERVICE_ACCOUNT_KEY']?.trim();
  const admin = env['TRIPLINE_GOOGLE_ADMIN_EMAIL']?.trim();
  if (!key && !admin) return undefined;
  const customerId = env['TRIPLINE_GOOGLE_CUSTOMER_ID']?.trim();
  const tokenUrl = env['TRIPLINE_GOOGLE_TOKEN_URL']?.trim();
  const apiBase = env['TRIPLINE_GOOGLE_API_BASE']?.trim();
  return {
    ...(key ? { serviceAccountKey: readKey(key) } : {}),
    ...(admin ? { delegatedAdminEmail: admin } : {}),
    ...(customerId ? { customerId } : {}),
    ...(tokenUrl ? { tokenUrl } : {}),
    ...(apiBase ? { apiBase } : {}),
  };
}
