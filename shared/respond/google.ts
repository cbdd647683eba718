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
 * The access token comes from a JWT-bearer grant signed locally with the service account key (RS256,
 * `iss` the service account, `sub` the admin, `scope`, `aud` the token URL), exchanged at the key's
 * `token_uri` or a configured `tokenUrl` (a private endpoint, a test server); nothing is fetched at run
 * time but the token. 429 and 5xx are retried with `Retry-After` and backoff, and so is a 403 whose
 * reason is `rateLimitExceeded` / `userRateLimitExceeded` (how the Directory API reports quota); a
 * 401 gets a new token once; 404 is "already gone"; any other 4xx is an {@link ActionError}.
 *
 * Deleting tokens does not stop the user from authorizing the app again, and no API blocks one app
 * for the whole domain: the action message says so and where to block it in the Admin console.
 *
 * @module
 */
import { createSign } from 'node:crypto';
import { z } from 'zod';
import { parseRetryAfter, requestWithRetry } from '../sources/http';
import type { HttpAnswer } from '../sources/http';
import type { TokenSnapshot } from './core/types';
import type { ClientDeps } from './credentials';
import { CredentialsError } from './credentials';
import { ActionError } from './ports';
import type { GoogleDirectory } from './ports';

/** The one scope the responder asks Google for. */
export const GOOGLE_RESPONDER_SCOPE = 'https://www.googleapis.com/auth/admin.directory.user.security';
/** Google's OAuth 2.0 token endpoint. */
export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
/** The Admin SDK API base. */
export const GOOGLE_ADMIN_BASE = 'https://admin.googleapis.com';

/** An access token for the Directory API that can be dropped when refused. */
export interface GoogleTokenSource {
  getToken(): Promise<string>;
  invalidate(): void;
}

/** Options of {@link ServiceAccountTokens}. */
export interface ServiceAccountTokensOptions {
  clientEmail: string;
  privateKey: string;
  privateKeyId?: string | undefined;
  /** The admin the service account impersonates. */
  subject: string;
  scope: string;
  tokenUrl: string;
  fetch?: typeof fetch | undefined;
  now?: (() => number) | undefined;
  sleep?: ((ms: number) => Promise<void>) | undefined;
}

/** Access tokens from a service account key by the JWT-bearer grant, cached until a minute before expiry. */
export class ServiceAccountTokens implements GoogleTokenSource {
  private cached: { token: string; expiresAt: number } | undefined;

  constructor(private readonly opts: ServiceAccountTokensOptions) {}

  invalidate(): void {
    this.cached = undefined;
  }

  async getToken(): Promise<string> {
    const now = (this.opts.now ?? Date.now)();
    if (this.cached && this.cached.expiresAt - 60_000 > now) return this.cached.token;
    const iat = Math.floor(now / 1000);
    const b64 = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
    const header = b64({
      alg: 'RS256',
      typ: 'JWT',
      ...(this.opts.privateKeyId ? { kid: this.opts.privateKeyId } : {}),
    });
    const claims = b64({
      iss: this.opts.clientEmail,
      sub: this.opts.subject,
      scope: this.opts.scope,
      aud: this.opts.tokenUrl,
      iat,
      exp: iat + 3600,
    });
    let signature: string;
    try {
      signature = createSign('RSA-SHA256')
        .update(`${header}.${claims}`)
        .sign(this.opts.privateKey, 'base64url');
    } catch (e) {
      throw new ActionError(`the Google service account key cannot sign: ${(e as Error).message}`, 0, false, {
        cause: e,
      });
    }
    const a = await requestWithRetry(this.opts.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
        assertion: `${header}.${claims}.${signature}`,
      }).toString(),
      ...(this.opts.fetch ? { fetch: this.opts.fetch } : {}),
      ...(this.opts.sleep ? { sleep: this.opts.sleep } : {}),
    }).catch((e: unknown) => {
      throw new ActionError(`Google token request failed: ${(e as Error).message}`, 0, true, { cause: e });
    });
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(a.text) as Record<string, unknown>;
    } catch {
      // reported below
    }
    if (a.status !== 200 || typeof body['access_token'] !== 'string') {
      const err = typeof body['error'] === 'string' ? body['error'] : `HTTP ${a.status}`;
      const desc = typeof body['error_description'] === 'string' ? `: ${body['error_description']}` : '';
      const retryable = a.status === 429 || a.status >= 500;
      throw new ActionError(
        `Google refused a token for ${this.opts.clientEmail} acting as ${this.opts.subject} (${err}${desc}).${
          err === 'unauthorized_client'
            ? ` Authorize the service account's client id for ${this.opts.scope} in the Admin console (Security > Access and data control > API controls > Domain-wide delegation).`
            : ''
        }`,
        a.status,
        retryable,
      );
    }
    const expiresIn = typeof body['expires_in'] === 'number' ? body['expires_in'] : 3600;
    this.cached = { token: body['access_token'], expiresAt: now + expiresIn * 1000 };
    return this.cached.token;
  }
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

const keySchema = z.looseObject({
  client_email: z.string().min(3, 'client_email is missing'),
  private_key: z.string().regex(/-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'private_key holds no PEM private key'),
  private_key_id: z.string().optional(),
  client_id: z.string().optional(),
  token_uri: z.string().optional(),
});

const secretSchema = z.object({
  serviceAccountKey: z.union([z.string(), z.record(z.string(), z.unknown())]),
  delegatedAdminEmail: z.string().regex(/^[^\s@]+@[^\s@]+$/, 'delegatedAdminEmail must be an e-mail address'),
  customerId: z.string().regex(/^\S+$/).optional(),
  tokenUrl: z.string().url().optional(),
  apiBase: z.string().url().optional(),
});

/** The parsed Google secret. */
interface GoogleSecret {
  key: z.infer<typeof keySchema>;
  admin: string;
  customerId: string | undefined;
  tokenUrl: string;
  apiBase: string;
}

function parseGoogleSecret(secret: Record<string, unknown>, where: string): GoogleSecret {
  const s = secretSchema.safeParse(secret);
  if (!s.success)
    throw new CredentialsError(
      `${where}: ${s.error.issues.map((i) => `${i.path.join('.') || 'secret'}: ${i.message}`).join('; ')}`,
    );
  let raw: unknown = s.data.serviceAccountKey;
  if (typeof raw === 'string') {
    try {
      raw = JSON.parse(raw);
    } catch {
      throw new CredentialsError(`${where}: serviceAccountKey is not the key file's JSON`);
    }
  }
  const k = keySchema.safeParse(raw);
  if (!k.success)
    throw new CredentialsError(
      `${where}: serviceAccountKey: ${k.error.issues.map((i) => i.message).join('; ')}`,
    );
  return {
    key: k.data,
    admin: s.data.delegatedAdminEmail,
    customerId: s.data.customerId,
    tokenUrl: s.data.tokenUrl ?? k.data.token_uri ?? GOOGLE_TOKEN_URL,
    apiBase: s.data.apiBase ?? GOOGLE_ADMIN_BASE,
  };
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
      tokens: new ServiceAccountTokens({
        clientEmail: g.key.client_email,
        privateKey: g.key.private_key,
        privateKeyId: g.key.private_key_id,
        subject: g.admin,
        scope: GOOGLE_RESPONDER_SCOPE,
        tokenUrl: g.tokenUrl,
        fetch: deps.fetch,
        now: deps.now,
        sleep: deps.sleep,
      }),
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
