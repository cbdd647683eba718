/**
 * Entra ID's token service over HTTPS (test CA), as MSAL meets it in the client-credentials flow:
 *
 * - `GET /<tenant>/v2.0/.well-known/openid-configuration`: the authority's metadata, naming the token
 *   endpoint on this server;
 * - `POST /<tenant>/oauth2/v2.0/token` (form): `grant_type=client_credentials`, `client_id`, `scope`,
 *   and `client_secret`, or a `client_assertion` JWT signed with the app's certificate (RS256 or PS256,
 *   `x5t` / `x5t#S256` header; checked against the registered certificate, audience and expiry);
 *   answers `{token_type, expires_in, access_token}` or the AADSTS errors Entra ID gives
 *   (AADSTS7000215 wrong secret, AADSTS700016 unknown app, AADSTS90002 unknown tenant);
 * - anything else, including the public cloud's instance discovery, is logged and answered 404, so a
 *   test can assert that a client never asked for it.
 *
 * Fake APIs check bearer tokens with {@link FakeEntra.check}: a token is valid for its tenant and
 * audience (the scope's origin) until it expires or {@link FakeEntra.expireAll} is called.
 */
import { X509Certificate, createHash, randomBytes, verify, constants } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { startHttpsServer } from './https-server';

export interface FakeEntraApp {
  tenantId: string;
  clientId: string;
  secret?: string;
  /** PEM certificate whose key signs the client assertions. */
  certificatePem?: string;
}

interface IssuedToken {
  tenantId: string;
  clientId: string;
  audience: string;
  expiresAt: number;
  expired: boolean;
}

export type TokenCheck = { ok: true; tenantId: string; clientId: string } | { ok: false; reason: string };

export interface FakeEntra {
  /** `https://localhost:<port>`: the authority host to configure. */
  base: string;
  register(app: FakeEntraApp): void;
  /** Every request, `METHOD /path` (query left out), in order. */
  requests: string[];
  /** Token requests answered with a token, by client id. */
  issued: string[];
  /** `expires_in` of the tokens it issues, seconds. @default 3599 */
  expiresInSeconds: number;
  /** Marks every token issued so far as expired (the APIs answer 401 to them). */
  expireAll(): void;
  /** Checks an `Authorization` header for an API whose origin is `audience`. */
  check(authorization: string | undefined, audience: string): TokenCheck;
  /** The next token requests fail with these statuses first (503 for an outage). */
  failNext(...statuses: number[]): void;
  close(): Promise<void>;
}

function b64urlJson(part: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
}

export async function startFakeEntra(): Promise<FakeEntra> {
  const apps = new Map<string, FakeEntraApp>();
  const tokens = new Map<string, IssuedToken>();
  const requests: string[] = [];
  const issued: string[] = [];
  const failures: number[] = [];
  let base = '';
  const state = { expiresInSeconds: 3599 };

  const json = (res: ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(body));
  };
  const aadError = (res: ServerResponse, status: number, error: string, code: string, text: string): void =>
    json(res, status, {
      error,
      error_description: `${code}: ${text}\r\nTrace ID: 0000\r\nCorrelation ID: 0000\r\nTimestamp: 2026-03-04 00:00:00Z`,
      error_codes: [Number(code.replace('AADSTS', ''))],
      timestamp: '2026-03-04 00:00:00Z',
    });

  const verifyAssertion = (jwt: string, app: FakeEntraApp, tokenUrl: string): string | undefined => {
    if (!app.certificatePem) return 'the app has no certificate';
    const parts = jwt.split('.');
    if (parts.length !== 3) return 'the client assertion is not a JWT';
    const [h, p, sig] = parts as [string, string, string];
    const header = b64urlJson(h);
    const payload = b64urlJson(p);
    const cert = new X509Certificate(app.certificatePem);
    const der = cert.raw;
    const x5t = createHash('sha1').update(der).digest('base64url');
    const x5t256 = createHash('sha256').update(der).digest('base64url');
    if (header['x5t'] !== x5t && header['x5t#S256'] !== x5t256)
      return 'the assertion names another certificate';
    const data = Buffer.from(`${h}.${p}`);
    const signature = Buffer.from(sig, 'base64url');
    const alg = header['alg'];
    const ok =
      alg === 'RS256'
        ? verify('sha256', data, cert.publicKey, signature)
        : alg === 'PS256'
          ? verify(
              'sha256',
              data,
              { key: cert.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
              signature,
            )
          : false;
    if (!ok) return `the assertion signature (${String(alg)}) does not verify`;
    if (payload['aud'] !== tokenUrl)
      return `the assertion audience ${String(payload['aud'])} is not ${tokenUrl}`;
    if (payload['iss'] !== app.clientId || payload['sub'] !== app.clientId)
      return 'iss/sub is not the client id';
    if (typeof payload['exp'] !== 'number' || payload['exp'] * 1000 < Date.now())
      return 'the assertion has expired';
    return undefined;
  };

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', base);
      requests.push(`${req.method} ${url.pathname}`);
      const meta = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(url.pathname);
      if (req.method === 'GET' && meta) {
        const tenant = meta[1] as string;
        return json(res, 200, {
          token_endpoint: `${base}/${tenant}/oauth2/v2.0/token`,
          token_endpoint_auth_methods_supported: [
            'client_secret_post',
            'private_key_jwt',
            'client_secret_basic',
          ],
          jwks_uri: `${base}/${tenant}/discovery/v2.0/keys`,
          response_modes_supported: ['query', 'fragment', 'form_post'],
          subject_types_supported: ['pairwise'],
          id_token_signing_alg_values_supported: ['RS256'],
          response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
          scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
          issuer: `${base}/${tenant}/v2.0`,
          request_uri_parameter_supported: false,
          userinfo_endpoint: `${base}/oidc/userinfo`,
          authorization_endpoint: `${base}/${tenant}/oauth2/v2.0/authorize`,
          device_authorization_endpoint: `${base}/${tenant}/oauth2/v2.0/devicecode`,
          http_logout_supported: true,
          frontchannel_logout_supported: true,
          end_session_endpoint: `${base}/${tenant}/oauth2/v2.0/logout`,
          claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'tid'],
          kerberos_endpoint: `${base}/${tenant}/kerberos`,
          tenant_region_scope: 'EU',
          cloud_instance_name: 'microsoftonline.com',
          cloud_graph_host_name: 'graph.windows.net',
          msgraph_host: 'graph.microsoft.com',
          rbac_url: 'https://pas.windows.net',
        });
      }
      const tok = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(url.pathname);
      if (req.method === 'POST' && tok) {
        const injected = failures.shift();
        if (injected !== undefined)
          return aadError(
            res,
            injected,
            'temporarily_unavailable',
            'AADSTS90033',
            'A transient error has occurred.',
          );
        const tenant = tok[1] as string;
        const form = new URLSearchParams(body);
        const clientId = form.get('client_id') ?? '';
        const app = apps.get(`${tenant}|${clientId}`);
        if (![...apps.values()].some((a) => a.tenantId === tenant))
          return aadError(res, 400, 'invalid_request', 'AADSTS90002', `Tenant '${tenant}' not found.`);
        if (form.get('grant_type') !== 'client_credentials')
          return aadError(
            res,
            400,
            'unsupported_grant_type',
            'AADSTS70003',
            'The app requested an unsupported grant type.',
          );
        if (!app)
          return aadError(
            res,
            400,
            'unauthorized_client',
            'AADSTS700016',
            `Application with identifier '${clientId}' was not found in the directory.`,
          );
        const tokenUrl = `${base}/${tenant}/oauth2/v2.0/token`;
        const assertion = form.get('client_assertion');
        if (assertion !== null) {
          const problem = verifyAssertion(assertion, app, tokenUrl);
          if (problem)
            return aadError(
              res,
              401,
              'invalid_client',
              'AADSTS700027',
              `Client assertion failed signature validation: ${problem}.`,
            );
        } else if (form.get('client_secret') !== app.secret || app.secret === undefined) {
          return aadError(
            res,
            401,
            'invalid_client',
            'AADSTS7000215',
            'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.',
          );
        }
        const scope = form.get('scope') ?? '';
        const resource = scope.split(' ').find((s) => s.endsWith('/.default'));
        if (!resource)
          return aadError(
            res,
            400,
            'invalid_scope',
            'AADSTS1002012',
            `The provided value for scope ${scope} is not valid.`,
          );
        const access = randomBytes(24).toString('base64url');
        tokens.set(access, {
          tenantId: tenant,
          clientId,
          audience: resource.slice(0, -'/.default'.length),
          expiresAt: Date.now() + state.expiresInSeconds * 1000,
          expired: false,
        });
        issued.push(clientId);
        return json(res, 200, {
          token_type: 'Bearer',
          expires_in: state.expiresInSeconds,
          ext_expires_in: state.expiresInSeconds,
          access_token: access,
        });
      }
      return json(res, 404, {
        error: 'not_found',
        error_description: `fake Entra does not serve ${url.pathname}`,
      });
    });
  };

  const server = await startHttpsServer(handler);
  base = server.base;
  return {
    base,
    requests,
    issued,
    get expiresInSeconds() {
      return state.expiresInSeconds;
    },
    set expiresInSeconds(v: number) {
      state.expiresInSeconds = v;
    },
    register: (app) => void apps.set(`${app.tenantId}|${app.clientId}`, app),
    expireAll: () => {
      for (const t of tokens.values()) t.expired = true;
    },
    check: (authorization, audience) => {
      const m = /^Bearer (\S+)$/.exec(authorization ?? '');
      if (!m) return { ok: false, reason: 'no bearer token' };
      const t = tokens.get(m[1] as string);
      if (!t) return { ok: false, reason: 'unknown token' };
      if (t.expired || t.expiresAt < Date.now()) return { ok: false, reason: 'expired' };
      if (t.audience !== audience)
        return { ok: false, reason: `token audience ${t.audience} is not ${audience}` };
      return { ok: true, tenantId: t.tenantId, clientId: t.clientId };
    },
    failNext: (...s) => void failures.push(...s),
    close: () => server.close(),
  };
}
