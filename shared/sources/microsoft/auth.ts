/**
 * App-only tokens from Entra ID for the Microsoft collectors, through `@azure/identity`
 * (ClientSecretCredential or ClientCertificateCredential, MSAL underneath).
 *
 * Any authority host works unchanged, national clouds and test servers alike: instance discovery is
 * off (MSAL would otherwise ask login.microsoftonline.com whether the authority is known, a request to
 * the public cloud from a GCC High deployment or a test), so MSAL reads the authority's own OpenID
 * metadata (`<host>/<tenant>/v2.0/.well-known/openid-configuration`) and uses the token endpoint it
 * names. TLS trust is Node's: a private CA in `NODE_EXTRA_CA_CERTS` is trusted as it is by every
 * other client, or a `fetch` can be injected (tests, a proxy).
 *
 * A token the API rejects before its expiry (401: revoked, clock skew, a key rollover) is dropped with
 * {@link EntraTokenSource.invalidate}: the next `getToken` asks Entra ID for a new one instead of
 * serving MSAL's cache.
 */
import { createHttpHeaders } from '@azure/core-rest-pipeline';
import type { HttpClient, PipelineRequest, PipelineResponse } from '@azure/core-rest-pipeline';
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import { ClientCertificateCredential, ClientSecretCredential } from '@azure/identity';

/** The credentials of one Entra ID app registration in one tenant. */
export interface EntraAppCredentials {
  /** Directory (tenant) id, a GUID (or a verified domain). */
  readonly tenantId: string;
  /** Application (client) id. */
  readonly clientId: string;
  /** A client secret; or give `certificate`. */
  readonly clientSecret?: string | undefined;
  /** PEM with the certificate and its private key (the certificate uploaded to the app registration). */
  readonly certificate?: string | undefined;
  /** Password of an encrypted private key in `certificate`. */
  readonly certificatePassword?: string | undefined;
}

/** A token request Entra ID refused, or that could not be made. */
export class EntraAuthError extends Error {
  override readonly name = 'EntraAuthError';
  constructor(
    message: string,
    /** Whether trying again later may help (a network error, a 5xx), or only a fix of the credentials. */
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Options of {@link EntraTokenSource}. */
export interface EntraTokenSourceOptions {
  /** The login authority, an https origin: `https://login.microsoftonline.com`. */
  authorityHost: string;
  /** Send token requests through this fetch instead of the SDK's own HTTP client. */
  fetch?: typeof fetch | undefined;
}

/**
 * A `TokenCredential` for one app in one tenant that can drop its cached token.
 *
 * @example
 * ```ts
 * const tokens = new EntraTokenSource({ tenantId, clientId, clientSecret }, { authorityHost: 'https://login.microsoftonline.us' });
 * const { token } = await tokens.getToken('https://graph.microsoft.us/.default');
 * ```
 */
export class EntraTokenSource implements TokenCredential {
  private inner: TokenCredential;

  constructor(
    readonly credentials: EntraAppCredentials,
    private readonly opts: EntraTokenSourceOptions,
  ) {
    const problems = credentialProblems(credentials);
    if (problems.length > 0) throw new EntraAuthError(problems.join('; '), false);
    this.inner = this.build();
  }

  async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken> {
    const { tenantId, clientId } = this.credentials;
    try {
      const token = await this.inner.getToken(scopes, options);
      if (!token) throw new Error('no token returned');
      return token;
    } catch (e) {
      const detail = authErrorText(e);
      const retryable = !FATAL_AUTH.test(detail);
      throw new EntraAuthError(
        retryable
          ? `Entra ID could not issue a token for app ${clientId} in tenant ${tenantId} at ${this.opts.authorityHost}: ${detail}`
          : `Entra ID refused the credentials of app ${clientId} in tenant ${tenantId}: ${detail}. Check the tenantId, clientId and the client secret or certificate in the source's secret (an expired secret is the usual cause).`,
        retryable,
        { cause: e },
      );
    }
  }

  /** Forgets the cached token: the next {@link getToken} asks Entra ID for a new one. */
  invalidate(): void {
    this.inner = this.build();
  }

  private build(): TokenCredential {
    const { tenantId, clientId, clientSecret, certificate, certificatePassword } = this.credentials;
    const base = {
      authorityHost: this.opts.authorityHost,
      disableInstanceDiscovery: true,
      ...(this.opts.fetch ? { httpClient: new FetchHttpClient(this.opts.fetch) } : {}),
    };
    if (certificate) {
      return new ClientCertificateCredential(
        tenantId,
        clientId,
        certificatePassword ? { certificate, certificatePassword } : { certificate },
        base,
      );
    }
    return new ClientSecretCredential(tenantId, clientId, clientSecret as string, base);
  }
}

/** What is wrong with a set of credentials, one sentence each (empty when usable). */
export function credentialProblems(c: { [K in keyof EntraAppCredentials]?: string | undefined }): string[] {
  const out: string[] = [];
  const blank = (v: unknown): boolean => typeof v !== 'string' || v.trim() === '';
  if (blank(c.tenantId)) out.push('tenantId is missing (the Directory (tenant) ID of the app registration)');
  if (blank(c.clientId)) out.push('clientId is missing (the Application (client) ID)');
  if (blank(c.clientSecret) && blank(c.certificate))
    out.push(
      'neither clientSecret nor certificate is set (give one: a client secret value, or a PEM with certificate and private key)',
    );
  if (!blank(c.certificate) && !/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(c.certificate ?? ''))
    out.push('certificate holds no private key (give the PEM with both the certificate and its private key)');
  return out;
}

/** OAuth errors no retry can fix: the credentials, the app or the request are wrong. */
const FATAL_AUTH =
  /\b(invalid_client|unauthorized_client|invalid_request|invalid_scope|invalid_grant|unsupported_grant_type|access_denied)\b/;

/**
 * The useful part of an identity error: the OAuth error word and the AADSTS sentence (`invalid_client:
 * AADSTS7000215: Invalid client secret provided. ...`), without MSAL's trace and correlation ids.
 */
function authErrorText(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  const word = /^([a-z_]+):/.exec(msg)?.[1];
  const aadsts = /(AADSTS\d+: [^\r\n]*?)(?:\s+Trace ID:|\s+-\s+Timestamp:|\r|\n|$)/.exec(msg)?.[1];
  if (aadsts) return word ? `${word}: ${aadsts}` : aadsts;
  const first = msg.split(/\r?\n/)[0] ?? msg;
  return e instanceof Error ? `${e.name}: ${first}` : first;
}

/** Token requests of `@azure/identity` over an injected fetch (tests, proxies). */
class FetchHttpClient implements HttpClient {
  constructor(private readonly doFetch: typeof fetch) {}

  async sendRequest(request: PipelineRequest): Promise<PipelineResponse> {
    const init: RequestInit = { method: request.method, headers: request.headers.toJSON() };
    if (request.body !== undefined && request.body !== null) {
      if (typeof request.body !== 'string')
        throw new Error('token requests with a non-text body are not supported by this client');
      init.body = request.body;
    }
    if (request.timeout > 0) init.signal = AbortSignal.timeout(request.timeout);
    const res = await this.doFetch(request.url, init);
    const headers = createHttpHeaders();
    res.headers.forEach((v, k) => headers.set(k, v));
    return { request, status: res.status, headers, bodyAsText: await res.text() };
  }
}
