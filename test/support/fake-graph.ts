/**
 * Microsoft Graph's audit log endpoints over HTTPS (test CA), behaving as documented:
 *
 * - `GET /v1.0/auditLogs/directoryAudits` and `GET /{v1.0|beta}/auditLogs/signIns` with
 *   `$filter=<time> ge <iso> and <time> le <iso>` (beta sign-ins also `and
 *   signInEventTypes/any(t: t eq '<type>')`), `$top` 1..1000 (400 beyond), newest first;
 * - v1.0 signIns serves interactive sign-ins only; the beta filter selects the other kinds;
 * - pages of `min($top, pageSize)` with an absolute `@odata.nextLink` carrying a `$skiptoken`;
 * - bearer tokens checked with the fake Entra (401 `InvalidAuthenticationToken` when expired or
 *   absent, 403 when issued for another tenant);
 * - sign-ins in a tenant without P1/P2: 403 `Authentication_RequestFromNonPremiumTenantOrB2CTenant`;
 * - queued failures: 429 with `Retry-After`, 5xx, anything;
 * - records can be added at any time (late indexing) and served twice (duplicates);
 * - every request is logged with its status.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FakeEntra } from './fake-entra';
import { startHttpsServer } from './https-server';

export interface FakeGraphFailure {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface FakeGraph {
  base: string;
  /** Directory audit objects served. */
  audits: Array<Record<string, unknown>>;
  /** Sign-in objects served (all kinds; `signInEventTypes` says which). */
  signIns: Array<Record<string, unknown>>;
  /** Whether the tenant has Entra ID P1/P2 (sign-ins are served). @default true */
  licensed: boolean;
  /** Largest page served. @default 1000 */
  pageSize: number;
  requests: Array<{ path: string; status: number }>;
  failNext(...f: FakeGraphFailure[]): void;
  close(): Promise<void>;
}

const FILTER_RE =
  /^(activityDateTime|createdDateTime) ge (\S+) and \1 le (\S+)(?: and signInEventTypes\/any\(t: t eq '(\w+)'\))?$/;

interface PageState {
  kind: 'audits' | 'signIns';
  field: string;
  from: number;
  to: number;
  type: string;
  offset: number;
  top: number;
  version: string;
}

export async function startFakeGraph(entra: FakeEntra, tenantId: string): Promise<FakeGraph> {
  const state = {
    audits: [] as Array<Record<string, unknown>>,
    signIns: [] as Array<Record<string, unknown>>,
    licensed: true,
    pageSize: 1000,
  };
  const requests: Array<{ path: string; status: number }> = [];
  const failures: FakeGraphFailure[] = [];
  let base = '';

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', base);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      requests.push({ path: `${url.pathname}${url.search}`, status });
      res.writeHead(status, { 'content-type': 'application/json; odata.metadata=minimal', ...headers });
      res.end(JSON.stringify(body));
    };
    const graphError = (
      status: number,
      code: string,
      message: string,
      headers: Record<string, string> = {},
    ): void =>
      send(
        status,
        {
          error: {
            code,
            message,
            innerError: { date: '2026-03-04T00:00:00', 'request-id': 'fake', 'client-request-id': 'fake' },
          },
        },
        headers,
      );

    const auth = entra.check(req.headers.authorization, base);
    if (!auth.ok)
      return graphError(
        401,
        'InvalidAuthenticationToken',
        auth.reason === 'expired'
          ? 'Access token has expired or is not yet valid.'
          : 'Access token is empty.',
        {
          'www-authenticate':
            'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize"',
        },
      );
    if (auth.tenantId !== tenantId)
      return graphError(
        403,
        'Authorization_RequestDenied',
        'Insufficient privileges to complete the operation.',
      );
    const injected = failures.shift();
    if (injected)
      return send(
        injected.status,
        injected.body ?? { error: { code: 'Injected', message: 'injected failure' } },
        injected.headers,
      );

    const m = /^\/(v1\.0|beta)\/auditLogs\/(directoryAudits|signIns)$/.exec(url.pathname);
    if (!m) return graphError(400, 'BadRequest', `Resource not found for the segment '${url.pathname}'.`);
    const version = m[1] as string;
    const kind = m[2] === 'signIns' ? 'signIns' : 'audits';
    if (kind === 'signIns' && !state.licensed)
      return graphError(
        403,
        'Authentication_RequestFromNonPremiumTenantOrB2CTenant',
        "Neither tenant is B2C or tenant doesn't have premium license",
      );

    let p: PageState;
    const token = url.searchParams.get('$skiptoken');
    if (token) {
      p = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as PageState;
    } else {
      const top = Number(url.searchParams.get('$top') ?? '1000');
      if (!Number.isInteger(top) || top < 1 || top > 1000)
        return graphError(
          400,
          'Request_UnsupportedQuery',
          `Invalid page size specified: '${url.searchParams.get('$top')}'. Must be between 1 and 1000 inclusive.`,
        );
      const f = FILTER_RE.exec(url.searchParams.get('$filter') ?? '');
      if (!f)
        return graphError(400, 'BadRequest', `Invalid filter clause: ${url.searchParams.get('$filter')}`);
      const field = f[1] as string;
      if ((kind === 'audits') !== (field === 'activityDateTime'))
        return graphError(400, 'BadRequest', `Could not find a property named '${field}'.`);
      if (f[4] && version !== 'beta')
        return graphError(
          400,
          'BadRequest',
          "Could not find a property named 'signInEventTypes' on type 'microsoft.graph.signIn'.",
        );
      p = {
        kind,
        field,
        from: Date.parse(f[2] as string),
        to: Date.parse(f[3] as string),
        type: f[4] ?? 'interactiveUser',
        offset: 0,
        top,
        version,
      };
    }
    const all = (p.kind === 'audits' ? state.audits : state.signIns)
      .filter((r) => {
        const t = Date.parse(String(r[p.field]));
        if (!(t >= p.from && t <= p.to)) return false;
        if (p.kind === 'audits') return true;
        const types = Array.isArray(r['signInEventTypes'])
          ? (r['signInEventTypes'] as string[])
          : ['interactiveUser'];
        return types.includes(p.type);
      })
      .map((r, i) => ({ r, i }))
      // Newest first; ties keep insertion order so paging is stable.
      .sort((a, b) => Date.parse(String(b.r[p.field])) - Date.parse(String(a.r[p.field])) || a.i - b.i)
      .map((x) => x.r);
    const size = Math.min(p.top, state.pageSize);
    const page = all.slice(p.offset, p.offset + size);
    const body: Record<string, unknown> = {
      '@odata.context': `https://graph.microsoft.com/${p.version}/$metadata#auditLogs/${m[2]}`,
      value: page,
    };
    if (p.offset + size < all.length) {
      const next = Buffer.from(JSON.stringify({ ...p, offset: p.offset + size })).toString('base64url');
      body['@odata.nextLink'] = `${base}/${p.version}/auditLogs/${m[2]}?$top=${p.top}&$skiptoken=${next}`;
    }
    return send(200, body);
  };

  const server = await startHttpsServer(handler);
  base = server.base;
  return {
    base,
    get audits() {
      return state.audits;
    },
    get signIns() {
      return state.signIns;
    },
    get licensed() {
      return state.licensed;
    },
    set licensed(v: boolean) {
      state.licensed = v;
    },
    get pageSize() {
      return state.pageSize;
    },
    set pageSize(v: number) {
      state.pageSize = v;
    },
    requests,
    failNext: (...f) => void failures.push(...f),
    close: () => server.close(),
  };
}

let seq = 0;
const guid = (prefix: string): string =>
  `${prefix}-${(++seq).toString(16).padStart(4, '0')}-4a1b-9c2d-3e4f5a6b7c8d`;

/** A Graph time as Entra writes it, with seven fractional digits. */
export function graphTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$10000Z');
}

/** A Graph signIn object of the given kind (beta shape: `signInEventTypes`). */
export function graphSignIn(
  at: number,
  opts: {
    upn?: string;
    ok?: boolean;
    ip?: string;
    id?: string;
    type?: 'interactiveUser' | 'nonInteractiveUser' | 'servicePrincipal' | 'managedIdentity';
    appId?: string;
  } = {},
): Record<string, unknown> {
  const type = opts.type ?? 'interactiveUser';
  const user = type === 'interactiveUser' || type === 'nonInteractiveUser';
  const upn = opts.upn ?? 'grace@contoso.com';
  return {
    id: opts.id ?? guid('b7d3e0c1'),
    createdDateTime: graphTime(at).replace(/\.\d+Z$/, 'Z'),
    userDisplayName: user ? 'Grace Hopper' : null,
    userPrincipalName: user ? upn : null,
    userId: user ? '0c6d4b2a-1f3e-4d5c-9b8a-7f6e5d4c3b2a' : '',
    appId: opts.appId ?? '00000002-0000-0ff1-ce00-000000000000',
    appDisplayName: 'Office 365 Exchange Online',
    ipAddress: opts.ip ?? '45.155.205.233',
    clientAppUsed: user ? 'Browser' : null,
    correlationId: guid('c0ffee00'),
    conditionalAccessStatus: 'notApplied',
    isInteractive: type === 'interactiveUser',
    signInEventTypes: [type],
    servicePrincipalId: user ? '' : '9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d',
    servicePrincipalName: user ? '' : 'contoso-sync',
    resourceDisplayName: 'Microsoft Graph',
    resourceId: '00000003-0000-0000-c000-000000000000',
    status: opts.ok
      ? { errorCode: 0, failureReason: null, additionalDetails: null }
      : {
          errorCode: 50126,
          failureReason: 'Error validating credentials due to invalid username or password.',
          additionalDetails: null,
        },
    location: {
      city: 'Amsterdam',
      state: 'Noord-Holland',
      countryOrRegion: 'NL',
      geoCoordinates: { latitude: 52.37, longitude: 4.89 },
    },
  };
}

/** A Graph directoryAudit object: a consent to an application by a user, by default. */
export function directoryAudit(
  at: number,
  opts: { id?: string; activity?: string; category?: string; upn?: string; appId?: string } = {},
): Record<string, unknown> {
  return {
    id: opts.id ?? `Directory_${guid('a1b2c3d4')}`,
    category: opts.category ?? 'ApplicationManagement',
    correlationId: guid('c0ffee01'),
    result: 'success',
    resultReason: '',
    activityDisplayName: opts.activity ?? 'Consent to application',
    activityDateTime: graphTime(at),
    loggedByService: 'Core Directory',
    operationType: 'Assign',
    initiatedBy: {
      app: null,
      user: {
        id: '0c6d4b2a-1f3e-4d5c-9b8a-7f6e5d4c3b2a',
        displayName: null,
        userPrincipalName: opts.upn ?? 'grace@contoso.com',
        ipAddress: '45.155.205.233',
        userType: null,
        homeTenantId: null,
        homeTenantName: null,
      },
    },
    targetResources: [
      {
        id: '9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d',
        displayName: 'Mail Sync Pro',
        type: 'ServicePrincipal',
        userPrincipalName: null,
        groupType: null,
        modifiedProperties: [
          { displayName: 'ConsentContext.IsAdminConsent', oldValue: null, newValue: '"False"' },
          {
            displayName: 'ConsentAction.Permissions',
            oldValue: null,
            newValue:
              '"[] => [[Id: x, ClientId: y, PrincipalId: z, ResourceId: r, ConsentType: Principal, Scope:  Mail.Read offline_access, CreatedDateTime: , LastModifiedDateTime ]]; "',
          },
          {
            displayName: 'TargetId.ServicePrincipalNames',
            oldValue: null,
            newValue: `"${opts.appId ?? 'd3590ed6-52b3-4102-aeff-aad2292ab01c'}"`,
          },
        ],
      },
    ],
    additionalDetails: [{ key: 'User-Agent', value: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)' }],
  };
}
