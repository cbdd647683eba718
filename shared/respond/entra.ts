/**
 * {@link EntraDirectory} over Microsoft Graph v1.0, as the responder's own app registration (app-only
 * token from `@azure/identity`, any national cloud or test host):
 *
 * | call | request | least-privileged application permission |
 * | --- | --- | --- |
 * | find the app | `GET /servicePrincipals(appId='{appId}')` | Application.Read.All |
 * | its grants | `GET /oauth2PermissionGrants?$filter=clientId eq '{sp-id}'` (paged) | DelegatedPermissionGrant.ReadWrite.All (or Directory.Read.All) |
 * | delete a grant | `DELETE /oauth2PermissionGrants/{id}` | DelegatedPermissionGrant.ReadWrite.All |
 * | recreate it (undo) | `POST /oauth2PermissionGrants` | DelegatedPermissionGrant.ReadWrite.All |
 * | its app roles | `GET /servicePrincipals/{sp-id}/appRoleAssignments` (paged) | Application.Read.All |
 * | delete one | `DELETE /servicePrincipals/{resource-id}/appRoleAssignedTo/{id}` | AppRoleAssignment.ReadWrite.All |
 * | recreate it (undo) | `POST /servicePrincipals/{resource-id}/appRoleAssignedTo` | AppRoleAssignment.ReadWrite.All (and Application.Read.All) |
 * | disable / re-enable | `PATCH /servicePrincipals/{sp-id}` `{"accountEnabled": false}` | Application.ReadWrite.All |
 * | revoke sessions | `POST /users/{upn}/revokeSignInSessions` | User.RevokeSessions.All |
 *
 * Every request goes through the project's retry policy (429 and 5xx retried with `Retry-After` and
 * backoff); a 401 gets a new token once; 404 on a delete, a disable or a user is "already gone"; a 409
 * `Request_MultipleObjectsWithSameKeyValue` on a create means the grant is already there; any other
 * 4xx is an {@link ActionError} that is not retryable, with Graph's code and message.
 *
 * @module
 */
import type { FetchJsonOptions } from '../sources/http';
import { parseRetryAfter, requestWithRetry } from '../sources/http';
import type { HttpAnswer } from '../sources/http';
import type { EntraTokenSource } from '../sources/microsoft/auth';
import { EntraAuthError } from '../sources/microsoft/auth';
import { defaultScope } from '../sources/microsoft/endpoints';
import type { AppRoleSnapshot, GrantSnapshot } from './core/types';
import { ActionError } from './ports';
import type { EntraDirectory, NewAppRoleAssignment, NewGrant, ServicePrincipal } from './ports';

/** Options of {@link GraphDirectory}. */
export interface GraphDirectoryOptions {
  /** Tokens of the responder's app registration in the tenant. */
  tokens: EntraTokenSource;
  /** Graph's origin: `https://graph.microsoft.com`, a national cloud, a test host. */
  graphBase: string;
  fetch?: typeof fetch | undefined;
  now?: (() => number) | undefined;
  sleep?: ((ms: number) => Promise<void>) | undefined;
  /** Epoch ms after which no retry wait may end (the invocation's remaining time). */
  deadline?: (() => number | undefined) | undefined;
  /** Attempts per request. @default 5 */
  maxAttempts?: number | undefined;
  onRetry?: FetchJsonOptions['onRetry'];
}

interface GraphErrorBody {
  error?: { code?: string; message?: string };
}

/** Graph collections come in pages of `value` with an absolute `@odata.nextLink`. */
interface Page<T> {
  value?: T[];
  '@odata.nextLink'?: string;
}

/** Most pages read for one list: a runaway nextLink must not loop for ever. */
const MAX_PAGES = 200;

/** Microsoft Graph for the responder, one tenant. */
export class GraphDirectory implements EntraDirectory {
  private readonly base: string;

  constructor(private readonly opts: GraphDirectoryOptions) {
    this.base = `${new URL(opts.graphBase).origin}/v1.0`;
  }

  async findServicePrincipal(appId: string): Promise<ServicePrincipal | undefined> {
    const a = await this.call(
      'GET',
      `/servicePrincipals(appId='${encodeURIComponent(appId)}')?$select=id,appId,displayName,accountEnabled,appOwnerOrganizationId`,
    );
    if (a.status === 404) return undefined;
    this.ensureOk(a, 'GET', 'find the app');
    const sp = json<Record<string, unknown>>(a);
    return {
      id: String(sp['id']),
      appId: String(sp['appId'] ?? appId),
      displayName: typeof sp['displayName'] === 'string' ? sp['displayName'] : undefined,
      accountEnabled: sp['accountEnabled'] !== false,
      appOwnerOrganizationId:
        typeof sp['appOwnerOrganizationId'] === 'string' ? sp['appOwnerOrganizationId'] : null,
    };
  }

  async listGrants(servicePrincipalId: string): Promise<GrantSnapshot[]> {
    const rows = await this.list<Record<string, unknown>>(
      `/oauth2PermissionGrants?$filter=${encodeURIComponent(`clientId eq '${servicePrincipalId}'`)}`,
      'list the delegated grants',
    );
    return rows.map((g) => ({
      id: String(g['id']),
      clientId: String(g['clientId']),
      consentType: String(g['consentType']),
      principalId: typeof g['principalId'] === 'string' ? g['principalId'] : null,
      resourceId: String(g['resourceId']),
      scope: typeof g['scope'] === 'string' ? g['scope'] : '',
    }));
  }

  async deleteGrant(grantId: string): Promise<'deleted' | 'gone'> {
    const a = await this.call('DELETE', `/oauth2PermissionGrants/${encodeURIComponent(grantId)}`);
    if (a.status === 404) return 'gone';
    this.ensureOk(a, 'DELETE', `delete grant ${grantId}`);
    return 'deleted';
  }

  async createGrant(grant: NewGrant): Promise<{ id: string; existed: boolean }> {
    const body = {
      clientId: grant.clientId,
      consentType: grant.consentType,
      principalId: grant.principalId,
      resourceId: grant.resourceId,
      scope: grant.scope,
    };
    const a = await this.call('POST', '/oauth2PermissionGrants', body);
    if (a.status === 409 || errorCode(a) === 'Request_MultipleObjectsWithSameKeyValue') {
      const existing = (await this.listGrants(grant.clientId)).find(
        (g) =>
          g.resourceId === grant.resourceId &&
          g.consentType === grant.consentType &&
          (g.principalId ?? null) === (grant.principalId ?? null),
      );
      if (existing) return { id: existing.id, existed: true };
    }
    this.ensureOk(a, 'POST', 'recreate a delegated grant');
    return { id: String(json<Record<string, unknown>>(a)['id']), existed: false };
  }

  async listAppRoleAssignments(servicePrincipalId: string): Promise<AppRoleSnapshot[]> {
    const rows = await this.list<Record<string, unknown>>(
      `/servicePrincipals/${encodeURIComponent(servicePrincipalId)}/appRoleAssignments`,
      'list the app role assignments',
    );
    return rows.map((r) => ({
      id: String(r['id']),
      principalId: String(r['principalId']),
      resourceId: String(r['resourceId']),
      appRoleId: String(r['appRoleId']),
      resourceDisplayName:
        typeof r['resourceDisplayName'] === 'string' ? r['resourceDisplayName'] : undefined,
    }));
  }

  async deleteAppRoleAssignment(assignment: AppRoleSnapshot): Promise<'deleted' | 'gone'> {
    const a = await this.call(
      'DELETE',
      `/servicePrincipals/${encodeURIComponent(assignment.resourceId)}/appRoleAssignedTo/${encodeURIComponent(assignment.id)}`,
    );
    if (a.status === 404) return 'gone';
    this.ensureOk(a, 'DELETE', `delete app role assignment ${assignment.id}`);
    return 'deleted';
  }

  async createAppRoleAssignment(assignment: NewAppRoleAssignment): Promise<{ id: string; existed: boolean }> {
    const a = await this.call(
      'POST',
      `/servicePrincipals/${encodeURIComponent(assignment.resourceId)}/appRoleAssignedTo`,
      {
        principalId: assignment.principalId,
        resourceId: assignment.resourceId,
        appRoleId: assignment.appRoleId,
      },
    );
    if (a.status === 409 || (a.status === 400 && /already exists/i.test(errorMessage(a)))) {
      const existing = (await this.listAppRoleAssignments(assignment.principalId)).find(
        (r) => r.resourceId === assignment.resourceId && r.appRoleId === assignment.appRoleId,
      );
      if (existing) return { id: existing.id, existed: true };
    }
    this.ensureOk(a, 'POST', 'recreate an app role assignment');
    return { id: String(json<Record<string, unknown>>(a)['id']), existed: false };
  }

  async setAccountEnabled(servicePrincipalId: string, enabled: boolean): Promise<'set' | 'gone'> {
    const a = await this.call('PATCH', `/servicePrincipals/${encodeURIComponent(servicePrincipalId)}`, {
      accountEnabled: enabled,
    });
    if (a.status === 404) return 'gone';
    this.ensureOk(a, 'PATCH', `${enabled ? 're-enable' : 'disable'} the service principal`);
    return 'set';
  }

  async revokeSignInSessions(user: string): Promise<'revoked' | 'gone'> {
    const a = await this.call('POST', `/users/${encodeURIComponent(user)}/revokeSignInSessions`);
    if (a.status === 404) return 'gone';
    this.ensureOk(a, 'POST', `revoke the sessions of ${user}`);
    return 'revoked';
  }

  private async list<T>(path: string, what: string): Promise<T[]> {
    const out: T[] = [];
    let url: string | undefined = `${this.base}${path}`;
    for (let page = 0; url !== undefined; page++) {
      if (page >= MAX_PAGES)
        throw new ActionError(`${what}: more than ${MAX_PAGES} pages; stopped`, 0, false);
      const a = await this.callUrl('GET', url);
      this.ensureOk(a, 'GET', what);
      const body: Page<T> = json<Page<T>>(a);
      out.push(...(body.value ?? []));
      const next = body['@odata.nextLink'];
      // Paging links must stay on Graph: the bearer token goes with them.
      url = next && new URL(next).origin === new URL(this.base).origin ? next : undefined;
    }
    return out;
  }

  private call(method: string, path: string, body?: object): Promise<HttpAnswer> {
    return this.callUrl(method, `${this.base}${path}`, body);
  }

  private async callUrl(method: string, url: string, body?: object): Promise<HttpAnswer> {
    const scope = defaultScope(this.opts.graphBase);
    let refreshed = false;
    for (;;) {
      let token: string;
      try {
        token = (await this.opts.tokens.getToken(scope)).token;
      } catch (e) {
        const retryable = e instanceof EntraAuthError ? e.retryable : true;
        throw new ActionError((e as Error).message, 0, retryable, { cause: e });
      }
      const deadline = this.opts.deadline?.();
      let a: HttpAnswer;
      try {
        a = await requestWithRetry(url, {
          method,
          headers: { authorization: `Bearer ${token}` },
          ...(body !== undefined ? { body } : {}),
          ...(this.opts.fetch ? { fetch: this.opts.fetch } : {}),
          ...(this.opts.now ? { now: this.opts.now } : {}),
          ...(this.opts.sleep ? { sleep: this.opts.sleep } : {}),
          ...(deadline !== undefined ? { deadline } : {}),
          ...(this.opts.maxAttempts !== undefined ? { maxAttempts: this.opts.maxAttempts } : {}),
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
      return a;
    }
  }

  private ensureOk(a: HttpAnswer, method: string, what: string): void {
    if (a.status >= 200 && a.status < 300) return;
    const code = errorCode(a);
    const msg = errorMessage(a);
    const retryable = a.status === 429 || a.status >= 500;
    const wait = retryable
      ? parseRetryAfter(a.headers.get('retry-after'), (this.opts.now ?? Date.now)())
      : undefined;
    const hint =
      a.status === 403
        ? ' (the responder app lacks the permission for this call, or admin consent was not granted: see docs/respond.md, "Permissions")'
        : '';
    throw new ActionError(
      `could not ${what}: ${method} ${a.shownUrl} answered ${a.status}${code ? ` ${code}` : ''}${msg ? `: ${msg}` : ''}${hint}${
        retryable
          ? ` (after ${a.attempts} attempt${a.attempts === 1 ? '' : 's'}${wait !== undefined ? `, Retry-After ${Math.ceil(wait / 1000)} s` : ''})`
          : ''
      }`,
      a.status,
      retryable,
    );
  }
}

function json<T>(a: HttpAnswer): T {
  try {
    return JSON.parse(a.text) as T;
  } catch (e) {
    throw new ActionError(
      `${a.shownUrl} answered ${a.status} with a body that is not JSON`,
      a.status,
      false,
      {
        cause: e,
      },
    );
  }
}

function errorBody(a: HttpAnswer): GraphErrorBody | undefined {
  try {
    return JSON.parse(a.text) as GraphErrorBody;
  } catch {
    return undefined;
  }
}

function errorCode(a: HttpAnswer): string | undefined {
  return errorBody(a)?.error?.code;
}

function errorMessage(a: HttpAnswer): string {
  return (errorBody(a)?.error?.message ?? a.text.slice(0, 160)).trim();
}
