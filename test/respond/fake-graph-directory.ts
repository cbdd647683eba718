/**
 * Microsoft Graph's directory objects over HTTPS (test CA), keeping state the way a tenant does, for
 * the responder:
 *
 * - service principals (`GET /v1.0/servicePrincipals(appId='…')`, `PATCH /v1.0/servicePrincipals/{id}`
 *   with `accountEnabled`), users (`POST /v1.0/users/{id | upn}/revokeSignInSessions`);
 * - delegated grants: `GET /v1.0/oauth2PermissionGrants?$filter=clientId eq '…'` (paged with an
 *   absolute `@odata.nextLink`), `DELETE …/{id}`, `POST` (a new id every time; 409
 *   `Request_MultipleObjectsWithSameKeyValue` "Permission entry already exists." for the same client,
 *   resource, consent type and principal);
 * - app role assignments: `GET /v1.0/servicePrincipals/{id}/appRoleAssignments` (paged),
 *   `DELETE /v1.0/servicePrincipals/{resource}/appRoleAssignedTo/{id}`, `POST …/appRoleAssignedTo`
 *   (400 "Permission being assigned already exists on the object." for a duplicate);
 * - permissions per calling app as Graph checks them: each route needs one of its least-privileged
 *   application permissions (403 `Authorization_RequestDenied` otherwise); creating an app role
 *   assignment also needs Application.Read.All, as reported against the documentation;
 * - bearer tokens checked with the fake Entra (401 `InvalidAuthenticationToken`);
 * - 404 `Request_ResourceNotFound` for anything gone; queued failures (429 with `Retry-After`, 5xx);
 *   a hook before each request (someone else deleting a grant midway);
 * - every request logged; every mutating one (anything but GET) also in `mutations`.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FakeEntra } from '../support/fake-entra';
import { startHttpsServer } from '../support/https-server';

export interface FakeServicePrincipal {
  id: string;
  appId: string;
  displayName: string;
  accountEnabled: boolean;
  appOwnerOrganizationId: string | null;
}

export interface FakeGrant {
  id: string;
  clientId: string;
  consentType: 'Principal' | 'AllPrincipals';
  principalId: string | null;
  resourceId: string;
  scope: string;
}

export interface FakeAssignment {
  id: string;
  principalId: string;
  principalType: 'ServicePrincipal' | 'User' | 'Group';
  resourceId: string;
  appRoleId: string;
  resourceDisplayName: string;
}

export interface FakeUser {
  id: string;
  userPrincipalName: string;
  /** Epoch ms of the last revokeSignInSessions, when any. */
  sessionsRevokedAt?: number;
}

export interface QueuedFailure {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface FakeGraphDirectory {
  base: string;
  servicePrincipals: FakeServicePrincipal[];
  grants: FakeGrant[];
  assignments: FakeAssignment[];
  users: FakeUser[];
  /** Application permissions granted to each calling app (client id). */
  permissions: Map<string, Set<string>>;
  /** Largest page served. @default 100 */
  pageSize: number;
  /** `METHOD path?query status`, every request. */
  requests: string[];
  /** Every request that is not a GET: `METHOD path`. */
  mutations: string[];
  /** The next API requests (matching `match` when given) fail with these answers first. */
  failNext(failure: QueuedFailure, match?: (method: string, path: string) => boolean): void;
  /** Called before each API request is served (after auth): change state here. */
  beforeRequest: ((method: string, path: string) => void) | undefined;
  addServicePrincipal(
    sp: Partial<FakeServicePrincipal> & { appId: string; displayName: string },
  ): FakeServicePrincipal;
  addUser(upn: string): FakeUser;
  addGrant(g: Omit<FakeGrant, 'id'>): FakeGrant;
  addAssignment(a: Omit<FakeAssignment, 'id'>): FakeAssignment;
  close(): Promise<void>;
}

/** The permissions the responder documents, for tests that grant them all. */
export const RESPONDER_GRAPH_PERMISSIONS = [
  'Application.Read.All',
  'Application.ReadWrite.All',
  'DelegatedPermissionGrant.ReadWrite.All',
  'AppRoleAssignment.ReadWrite.All',
  'User.RevokeSessions.All',
];

function objectId(): string {
  return randomBytes(32).toString('base64url').slice(0, 43);
}

export async function startFakeGraphDirectory(
  entra: FakeEntra,
  tenantId: string,
): Promise<FakeGraphDirectory> {
  const state = {
    servicePrincipals: [] as FakeServicePrincipal[],
    grants: [] as FakeGrant[],
    assignments: [] as FakeAssignment[],
    users: [] as FakeUser[],
    permissions: new Map<string, Set<string>>(),
    pageSize: 100,
    beforeRequest: undefined as ((method: string, path: string) => void) | undefined,
  };
  const requests: string[] = [];
  const mutations: string[] = [];
  const failures: Array<{ failure: QueuedFailure; match?: ((m: string, p: string) => boolean) | undefined }> =
    [];
  let base = '';

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', base);
      const method = (req.method ?? 'GET').toUpperCase();
      const path = decodeURIComponent(url.pathname);
      const send = (status: number, body?: unknown, headers: Record<string, string> = {}): void => {
        requests.push(`${method} ${path}${url.search} ${status}`);
        if (status === 204 || body === undefined) {
          res.writeHead(status, headers);
          res.end();
          return;
        }
        res.writeHead(status, { 'content-type': 'application/json; odata.metadata=minimal', ...headers });
        res.end(JSON.stringify(body));
      };
      const error = (
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
              innerError: {
                date: '2026-03-02T12:50:00',
                'request-id': randomUUID(),
                'client-request-id': randomUUID(),
              },
            },
          },
          headers,
        );
      const notFound = (id: string): void =>
        error(
          404,
          'Request_ResourceNotFound',
          `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
        );

      const check = entra.check(req.headers['authorization'], base);
      if (!check.ok)
        return error(401, 'InvalidAuthenticationToken', `Access token validation failure: ${check.reason}.`);
      if (check.tenantId !== tenantId)
        return error(403, 'Authorization_RequestDenied', 'The token was issued for another tenant.');
      if (method !== 'GET') mutations.push(`${method} ${path}`);

      const idx = failures.findIndex((f) => !f.match || f.match(method, path));
      if (idx >= 0) {
        const [{ failure }] = failures.splice(idx, 1) as [{ failure: QueuedFailure }];
        return send(
          failure.status,
          failure.body ?? {
            error: {
              code: failure.status === 429 ? 'TooManyRequests' : 'ServiceUnavailable',
              message:
                failure.status === 429 ? 'Too many requests.' : 'The service is temporarily unavailable.',
            },
          },
          failure.headers ?? {},
        );
      }
      state.beforeRequest?.(method, path);

      const granted = state.permissions.get(check.clientId) ?? new Set<string>();
      const needs = (...anyOf: string[]): boolean => {
        if (anyOf.some((p) => granted.has(p))) return true;
        error(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
        return false;
      };
      let body: Record<string, unknown> = {};
      if (raw.trim() !== '') {
        try {
          body = JSON.parse(raw) as Record<string, unknown>;
        } catch {
          return error(400, 'BadRequest', 'Unable to read JSON request payload.');
        }
      }
      const page = <T>(rows: T[], shape: (r: T) => unknown): void => {
        const skip = Number(url.searchParams.get('$skiptoken') ?? '0');
        const slice = rows.slice(skip, skip + state.pageSize);
        const next = skip + state.pageSize < rows.length ? new URL(url.toString()) : undefined;
        next?.searchParams.set('$skiptoken', String(skip + state.pageSize));
        send(200, {
          '@odata.context': `${base}/v1.0/$metadata#collection`,
          value: slice.map(shape),
          ...(next ? { '@odata.nextLink': next.toString() } : {}),
        });
      };

      let m: RegExpExecArray | null;
      if ((m = /^\/v1\.0\/servicePrincipals\(appId='([^']+)'\)$/.exec(path)) && method === 'GET') {
        if (!needs('Application.Read.All', 'Application.ReadWrite.All', 'Directory.Read.All')) return;
        const sp = state.servicePrincipals.find(
          (s) => s.appId.toLowerCase() === (m?.[1] ?? '').toLowerCase(),
        );
        if (!sp) return notFound(`appId=${m[1]}`);
        return send(200, { '@odata.context': `${base}/v1.0/$metadata#servicePrincipals/$entity`, ...sp });
      }
      if (path === '/v1.0/oauth2PermissionGrants' && method === 'GET') {
        if (!needs('DelegatedPermissionGrant.ReadWrite.All', 'Directory.Read.All')) return;
        const f = /^clientId eq '([^']+)'$/.exec(url.searchParams.get('$filter') ?? '');
        if (!f)
          return error(
            400,
            'Request_UnsupportedQuery',
            'Unsupported or invalid query filter clause specified.',
          );
        return page(
          state.grants.filter((g) => g.clientId === f[1]),
          (g) => g,
        );
      }
      if ((m = /^\/v1\.0\/oauth2PermissionGrants\/([^/]+)$/.exec(path)) && method === 'DELETE') {
        if (!needs('DelegatedPermissionGrant.ReadWrite.All')) return;
        const i = state.grants.findIndex((g) => g.id === m?.[1]);
        if (i < 0) return notFound(m[1] as string);
        state.grants.splice(i, 1);
        return send(204);
      }
      if (path === '/v1.0/oauth2PermissionGrants' && method === 'POST') {
        if (!needs('DelegatedPermissionGrant.ReadWrite.All')) return;
        const g = body as Partial<FakeGrant>;
        if (
          typeof g.clientId !== 'string' ||
          typeof g.resourceId !== 'string' ||
          typeof g.consentType !== 'string'
        )
          return error(400, 'Request_BadRequest', 'One or more properties are invalid.');
        if (!state.servicePrincipals.some((s) => s.id === g.clientId))
          return error(
            400,
            'Request_BadRequest',
            `Invalid value specified for property 'clientId' of resource 'OAuth2PermissionGrant'.`,
          );
        const principalId = g.principalId ?? null;
        if (
          state.grants.some(
            (x) =>
              x.clientId === g.clientId &&
              x.resourceId === g.resourceId &&
              x.consentType === g.consentType &&
              x.principalId === principalId,
          )
        )
          return error(409, 'Request_MultipleObjectsWithSameKeyValue', 'Permission entry already exists.');
        const made: FakeGrant = {
          id: objectId(),
          clientId: g.clientId,
          consentType: g.consentType as FakeGrant['consentType'],
          principalId,
          resourceId: g.resourceId,
          scope: g.scope ?? '',
        };
        state.grants.push(made);
        return send(201, {
          '@odata.context': `${base}/v1.0/$metadata#oauth2PermissionGrants/$entity`,
          ...made,
        });
      }
      if ((m = /^\/v1\.0\/servicePrincipals\/([^/]+)\/appRoleAssignments$/.exec(path)) && method === 'GET') {
        if (!needs('Application.Read.All', 'Application.ReadWrite.All', 'Directory.Read.All')) return;
        return page(
          state.assignments.filter((a) => a.principalId === m?.[1]),
          (a) => a,
        );
      }
      if (
        (m = /^\/v1\.0\/servicePrincipals\/([^/]+)\/appRoleAssignedTo\/([^/]+)$/.exec(path)) &&
        method === 'DELETE'
      ) {
        if (!needs('AppRoleAssignment.ReadWrite.All')) return;
        const i = state.assignments.findIndex((a) => a.id === m?.[2] && a.resourceId === m?.[1]);
        if (i < 0) return notFound(m[2] as string);
        state.assignments.splice(i, 1);
        return send(204);
      }
      if ((m = /^\/v1\.0\/servicePrincipals\/([^/]+)\/appRoleAssignedTo$/.exec(path)) && method === 'POST') {
        if (!needs('AppRoleAssignment.ReadWrite.All')) return;
        if (!needs('Application.Read.All', 'Application.ReadWrite.All')) return;
        const a = body as Partial<FakeAssignment>;
        const resource = state.servicePrincipals.find((s) => s.id === m?.[1]);
        if (
          !resource ||
          a.resourceId !== m[1] ||
          typeof a.principalId !== 'string' ||
          typeof a.appRoleId !== 'string'
        )
          return error(400, 'Request_BadRequest', 'Not a valid reference update.');
        if (
          state.assignments.some(
            (x) =>
              x.principalId === a.principalId && x.resourceId === a.resourceId && x.appRoleId === a.appRoleId,
          )
        )
          return error(400, 'Request_BadRequest', 'Permission being assigned already exists on the object.');
        const made: FakeAssignment = {
          id: objectId(),
          principalId: a.principalId,
          principalType: 'ServicePrincipal',
          resourceId: resource.id,
          appRoleId: a.appRoleId,
          resourceDisplayName: resource.displayName,
        };
        state.assignments.push(made);
        return send(201, { '@odata.context': `${base}/v1.0/$metadata#appRoleAssignments/$entity`, ...made });
      }
      if ((m = /^\/v1\.0\/servicePrincipals\/([^/()]+)$/.exec(path)) && method === 'PATCH') {
        if (!needs('Application.ReadWrite.All')) return;
        const sp = state.servicePrincipals.find((s) => s.id === m?.[1]);
        if (!sp) return notFound(m[1] as string);
        if (typeof body['accountEnabled'] === 'boolean') sp.accountEnabled = body['accountEnabled'];
        return send(204);
      }
      if ((m = /^\/v1\.0\/users\/([^/]+)\/revokeSignInSessions$/.exec(path)) && method === 'POST') {
        if (!needs('User.RevokeSessions.All', 'User.ReadWrite.All', 'Directory.ReadWrite.All')) return;
        const key = (m[1] as string).toLowerCase();
        const u = state.users.find((x) => x.id === key || x.userPrincipalName.toLowerCase() === key);
        if (!u) return notFound(m[1] as string);
        u.sessionsRevokedAt = Date.now();
        return send(200, { '@odata.context': `${base}/v1.0/$metadata#Edm.Boolean`, value: true });
      }
      return error(400, 'BadRequest', `Resource not found for the segment '${path}'.`);
    });
  };

  const server = await startHttpsServer(handler);
  base = server.base;
  return {
    base,
    get servicePrincipals() {
      return state.servicePrincipals;
    },
    get grants() {
      return state.grants;
    },
    get assignments() {
      return state.assignments;
    },
    get users() {
      return state.users;
    },
    permissions: state.permissions,
    get pageSize() {
      return state.pageSize;
    },
    set pageSize(v: number) {
      state.pageSize = v;
    },
    get beforeRequest() {
      return state.beforeRequest;
    },
    set beforeRequest(f) {
      state.beforeRequest = f;
    },
    requests,
    mutations,
    failNext: (failure, match) => void failures.push({ failure, match }),
    addServicePrincipal: (sp) => {
      const made: FakeServicePrincipal = {
        id: sp.id ?? randomUUID(),
        appId: sp.appId,
        displayName: sp.displayName,
        accountEnabled: sp.accountEnabled ?? true,
        appOwnerOrganizationId:
          sp.appOwnerOrganizationId === undefined ? randomUUID() : sp.appOwnerOrganizationId,
      };
      state.servicePrincipals.push(made);
      return made;
    },
    addUser: (upn) => {
      const u: FakeUser = { id: randomUUID(), userPrincipalName: upn };
      state.users.push(u);
      return u;
    },
    addGrant: (g) => {
      const made = { id: objectId(), ...g };
      state.grants.push(made);
      return made;
    },
    addAssignment: (a) => {
      const made = { id: objectId(), ...a };
      state.assignments.push(made);
      return made;
    },
    close: () => server.close(),
  };
}
