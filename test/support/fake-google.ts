/**
 * Google's OAuth token endpoint and the Admin SDK Reports API `activities.list`, over HTTPS with the
 * test CA, behaving as documented:
 *
 * - `POST /token` takes a JWT-bearer grant, checks the RS256 signature against the service account's
 *   public key and the claims (iss, sub, scope, aud, exp), and answers an access token (`expires_in`);
 *   `unauthorizedClients` makes it refuse like a missing domain-wide delegation (`unauthorized_client`).
 * - `GET /admin/reports/v1/activity/users/all/applications/{app}` needs a live bearer token (401
 *   otherwise, as after expiry or revocation), validates startTime/endTime (RFC 3339; gmail needs both,
 *   at most 30 days apart), maxResults (1..1000) and the page token, and answers activities of that
 *   application with `startTime <= time <= endTime` (both ends inclusive, the adversarial reading),
 *   newest first, `nextPageToken` while more remain. The page size can be forced below maxResults.
 * - `unavailable` applications answer 403 like drive on an edition without it.
 * - `script` queues raw answers (503 quota, 429 with Retry-After, 403 rateLimitExceeded, 500) for the
 *   next API requests; `duplicateAcrossPages` repeats the last activity of each page at the head of the
 *   next one, as the API may.
 * - activities can be added at any time with any time in the past (indexed late).
 */
import { createPublicKey, createVerify, generateKeyPairSync, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { startHttpsServer } from './https-server';

export interface ScriptedAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface FakeGoogle {
  base: string;
  tokenUrl: string;
  /** A service account key file (JSON object) whose key the server trusts. */
  keyFile: {
    type: string;
    client_email: string;
    private_key: string;
    private_key_id: string;
    token_uri: string;
  };
  activities: Map<string, Activity[]>;
  /** Adds activities of `app` (visible from now on). */
  add(app: string, ...items: Activity[]): void;
  /** Access tokens issued, in order. */
  issued: string[];
  /** Tokens the API refuses from now on (revoked / expired early). */
  revoked: Set<string>;
  unauthorizedClients: boolean;
  unavailable: Set<string>;
  script: ScriptedAnswer[];
  pageSize: number | undefined;
  duplicateAcrossPages: boolean;
  /** Every API request (not token requests): app and query. */
  requests: { app: string; query: URLSearchParams; auth: string | undefined }[];
  tokenRequests: number;
  /** JWT claims of the last token request. */
  lastClaims: Record<string, unknown> | undefined;
  /**
   * Directory API `users/{userKey}/tokens` (the responder): each user's OAuth tokens. A user absent
   * from the map does not exist (404); tokens.list answers them, tokens.delete removes every token of
   * one client id (404 when there is none).
   */
  userTokens: Map<string, DirectoryToken[]>;
  /** Scopes the token endpoint grants, per service account e-mail (the reader's: the Reports scope). */
  grantedScopes: Map<string, string>;
  /** A second service account key (the responder's own), trusted by the token endpoint. */
  responderKeyFile: FakeGoogle['keyFile'];
  /** Every Directory API request that is not a GET: `METHOD path`. */
  directoryMutations: string[];
  close(): Promise<void>;
}

/** A token as tokens.list returns it. */
export interface DirectoryToken {
  kind: 'admin#directory#token';
  clientId: string;
  displayText: string;
  anonymous: boolean;
  nativeApp: boolean;
  userKey: string;
  scopes: string[];
  etag: string;
}

/** The responder's scope. */
export const DIRECTORY_SECURITY_SCOPE = 'https://www.googleapis.com/auth/admin.directory.user.security';
const RESPONDER_EMAIL = 'tripline-responder@tripline-test.iam.gserviceaccount.com';

export interface Activity {
  kind: 'admin#reports#activity';
  id: { time: string; uniqueQualifier: string; applicationName: string; customerId: string };
  etag?: string;
  actor: { email?: string; profileId?: string; callerType?: string; key?: string };
  ipAddress?: string;
  events: { type?: string; name: string; parameters?: Record<string, unknown>[] }[];
}

const SCOPE = 'https://www.googleapis.com/auth/admin.reports.audit.readonly';
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

let seq = 0;
let keys: { privateKey: string; publicKey: string } | undefined;

/** A Workspace activity as the Reports API returns it. */
export function activity(
  app: string,
  time: number,
  opts: {
    actor?: string;
    name?: string;
    type?: string;
    customerId?: string;
    ip?: string;
    parameters?: Record<string, unknown>[];
    uq?: string;
  } = {},
): Activity {
  seq++;
  return {
    kind: 'admin#reports#activity',
    id: {
      time: new Date(time).toISOString(),
      // int64 as a string, often negative: larger than a JS number holds exactly.
      uniqueQualifier: opts.uq ?? `-${4611686018427387904n + BigInt(seq) * 7919n}`,
      applicationName: app,
      customerId: opts.customerId ?? 'C01abc2de',
    },
    etag: `"etag-${seq}"`,
    actor: {
      email: opts.actor ?? 'alice@example.com',
      profileId: `1${String(seq).padStart(20, '0')}`,
      callerType: 'USER',
    },
    ipAddress: opts.ip ?? '203.0.113.7',
    events: [
      {
        type: opts.type ?? `${app}_type`,
        name: opts.name ?? `${app}_event`,
        parameters: opts.parameters ?? [],
      },
    ],
  };
}

function b64url(s: string): Buffer {
  return Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

export async function startFakeGoogle(): Promise<FakeGoogle> {
  keys ??= generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const pem = keys.privateKey;
  const pub = createPublicKey(keys.publicKey);
  const live = new Set<string>();
  const cursors = new Map<string, { offset: number; query: string }>();

  const state = {
    activities: new Map<string, Activity[]>(),
    issued: [] as string[],
    revoked: new Set<string>(),
    unauthorizedClients: false,
    unavailable: new Set<string>(),
    script: [] as ScriptedAnswer[],
    pageSize: undefined as number | undefined,
    duplicateAcrossPages: false,
    requests: [] as FakeGoogle['requests'],
    tokenRequests: 0,
    lastClaims: undefined as Record<string, unknown> | undefined,
    userTokens: new Map<string, DirectoryToken[]>(),
    grantedScopes: new Map<string, string>(),
    directoryMutations: [] as string[],
  };

  const send = (
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): void => {
    res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers });
    res.end(JSON.stringify(body));
  };
  const apiError = (res: ServerResponse, status: number, reason: string, message: string): void =>
    send(res, status, { error: { code: status, message, errors: [{ message, domain: 'global', reason }] } });

  const handleToken = (req: IncomingMessage, res: ServerResponse, body: string): void => {
    state.tokenRequests++;
    const form = new URLSearchParams(body);
    if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
      send(res, 400, { error: 'unsupported_grant_type', error_description: 'Invalid grant_type' });
      return;
    }
    const parts = (form.get('assertion') ?? '').split('.');
    if (parts.length !== 3) {
      send(res, 400, { error: 'invalid_grant', error_description: 'Invalid JWT' });
      return;
    }
    const [h, p, s] = parts as [string, string, string];
    const ok = createVerify('RSA-SHA256').update(`${h}.${p}`).verify(pub, b64url(s));
    const claims = JSON.parse(b64url(p).toString('utf8')) as Record<string, unknown>;
    state.lastClaims = claims;
    if (!ok) {
      send(res, 400, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' });
      return;
    }
    const now = Math.floor(Date.now() / 1000);
    if (
      (claims['iss'] !== keyFile.client_email && claims['iss'] !== RESPONDER_EMAIL) ||
      typeof claims['exp'] !== 'number' ||
      (claims['exp'] as number) < now
    ) {
      send(res, 400, {
        error: 'invalid_grant',
        error_description: 'Invalid JWT: Token must be a short-lived token',
      });
      return;
    }
    const allowed = state.grantedScopes.get(String(claims['iss'])) ?? SCOPE;
    if (claims['scope'] !== allowed || typeof claims['sub'] !== 'string' || state.unauthorizedClients) {
      send(res, 401, {
        error: 'unauthorized_client',
        error_description:
          'Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.',
      });
      return;
    }
    const token = `ya29.${randomBytes(12).toString('hex')}`;
    live.add(token);
    state.issued.push(token);
    send(res, 200, { access_token: token, expires_in: 3599, token_type: 'Bearer' });
  };

  const handleDirectory = (req: IncomingMessage, res: ServerResponse, url: URL): boolean => {
    const m = /^\/admin\/directory\/v1\/users\/([^/]+)\/tokens(?:\/([^/]+))?$/.exec(url.pathname);
    if (!m) return false;
    const user = decodeURIComponent(m[1] as string);
    const clientId = m[2] === undefined ? undefined : decodeURIComponent(m[2]);
    if (req.method !== 'GET') state.directoryMutations.push(`${req.method} ${url.pathname}`);
    const auth = req.headers['authorization'];
    const token = typeof auth === 'string' ? auth.replace(/^Bearer /, '') : '';
    if (!live.has(token) || state.revoked.has(token)) {
      apiError(
        res,
        401,
        'authError',
        'Request had invalid authentication credentials. Expected OAuth 2 access token.',
      );
      return true;
    }
    const scripted = state.script.shift();
    if (scripted) {
      send(res, scripted.status, scripted.body ?? {}, scripted.headers);
      return true;
    }
    const tokens = state.userTokens.get(user);
    if (!tokens) {
      apiError(res, 404, 'notFound', 'Resource Not Found: userKey');
      return true;
    }
    if (req.method === 'GET' && clientId === undefined) {
      send(res, 200, { kind: 'admin#directory#tokenList', etag: '"list"', items: tokens });
    } else if (req.method === 'DELETE' && clientId !== undefined) {
      const left = tokens.filter((t) => t.clientId !== clientId);
      if (left.length === tokens.length) {
        apiError(res, 404, 'notFound', 'Resource Not Found: clientId');
        return true;
      }
      state.userTokens.set(user, left);
      res.writeHead(204);
      res.end();
    } else {
      apiError(res, 405, 'methodNotAllowed', 'Method not allowed');
    }
    return true;
  };

  const handleApi = (req: IncomingMessage, res: ServerResponse, url: URL): void => {
    const m = /^\/admin\/reports\/v1\/activity\/users\/all\/applications\/([a-z_]+)$/.exec(url.pathname);
    if (!m) {
      apiError(res, 404, 'notFound', `Not found: ${url.pathname}`);
      return;
    }
    const app = m[1] as string;
    const auth = req.headers['authorization'];
    state.requests.push({ app, query: url.searchParams, auth });
    const token = typeof auth === 'string' ? auth.replace(/^Bearer /, '') : '';
    if (!live.has(token) || state.revoked.has(token)) {
      apiError(
        res,
        401,
        'authError',
        'Request had invalid authentication credentials. Expected OAuth 2 access token.',
      );
      return;
    }
    const scripted = state.script.shift();
    if (scripted) {
      send(res, scripted.status, scripted.body ?? {}, scripted.headers);
      return;
    }
    if (state.unavailable.has(app)) {
      apiError(res, 403, 'forbidden', 'Caller does not have access to the customers reporting data.');
      return;
    }
    const q = url.searchParams;
    const start = q.get('startTime');
    const end = q.get('endTime');
    for (const [name, v] of [
      ['startTime', start],
      ['endTime', end],
    ] as const) {
      if (v !== null && !RFC3339.test(v)) {
        apiError(
          res,
          400,
          'invalid',
          `Invalid value '${v}'. Values must match the following regular expression: RFC 3339 (${name})`,
        );
        return;
      }
    }
    if (app === 'gmail') {
      if (start === null || end === null || Date.parse(end) - Date.parse(start) > 30 * 86_400_000) {
        apiError(
          res,
          400,
          'invalid',
          'For Gmail requests, startTime and endTime must be provided and the difference must not be greater than 30 days.',
        );
        return;
      }
    }
    if (start !== null && end !== null && Date.parse(start) > Date.parse(end)) {
      apiError(res, 400, 'invalid', 'Start time must be less than or equal to end time');
      return;
    }
    const maxResults = Number(q.get('maxResults') ?? '1000');
    if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > 1000) {
      apiError(
        res,
        400,
        'invalid',
        `Invalid value '${q.get('maxResults')}'. Values must be within the range: [1, 1000]`,
      );
      return;
    }
    const queryKey = `${app}|${start}|${end}|${q.get('customerId')}`;
    let offset = 0;
    const pageToken = q.get('pageToken');
    if (pageToken !== null) {
      const c = cursors.get(pageToken);
      if (!c || c.query !== queryKey) {
        apiError(res, 400, 'invalid', 'Invalid pageToken');
        return;
      }
      offset = c.offset;
    }
    const from = start === null ? -Infinity : Date.parse(start);
    const to = end === null ? Infinity : Date.parse(end);
    const all = (state.activities.get(app) ?? [])
      .filter((a) => {
        const t = Date.parse(a.id.time);
        return t >= from && t <= to;
      })
      .sort((a, b) => Date.parse(b.id.time) - Date.parse(a.id.time));
    const size = Math.min(maxResults, state.pageSize ?? maxResults);
    const items = all.slice(offset, offset + size);
    if (state.duplicateAcrossPages && offset > 0) {
      const prev = all[offset - 1];
      if (prev) items.unshift(prev);
    }
    const body: Record<string, unknown> = { kind: 'admin#reports#activities', etag: '"page"' };
    if (items.length > 0) body['items'] = items;
    if (offset + size < all.length) {
      const t = randomBytes(9).toString('base64url');
      cursors.set(t, { offset: offset + size, query: queryKey });
      body['nextPageToken'] = t;
    }
    send(res, 200, body);
  };

  const server = await startHttpsServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'https://localhost');
      if (req.method === 'POST' && url.pathname === '/token') handleToken(req, res, body);
      else if (handleDirectory(req, res, url)) return;
      else if (req.method === 'GET') handleApi(req, res, url);
      else apiError(res, 405, 'methodNotAllowed', 'Method not allowed');
    });
  });

  const keyFile = {
    type: 'service_account',
    client_email: 'tripline-reader@tripline-test.iam.gserviceaccount.com',
    private_key: pem,
    private_key_id: 'k1',
    token_uri: `${server.base}/token`,
  };

  const responderKeyFile = { ...keyFile, client_email: RESPONDER_EMAIL, private_key_id: 'k2' };
  state.grantedScopes.set(RESPONDER_EMAIL, DIRECTORY_SECURITY_SCOPE);

  return Object.assign(state, {
    responderKeyFile,
    base: server.base,
    tokenUrl: `${server.base}/token`,
    keyFile,
    add(app: string, ...items: Activity[]) {
      const list = state.activities.get(app) ?? [];
      list.push(...items);
      state.activities.set(app, list);
    },
    close: () => server.close(),
  });
}
