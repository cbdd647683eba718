/**
 * OAuth grant context for Entra audit activities, read the same way from Graph directoryAudits,
 * the Azure Monitor envelope and the M365 unified audit log (AzureActiveDirectory workload), so
 * one consent rule works on all three.
 *
 * What the records hold (Graph directoryAudit, "Microsoft Entra audit log activity reference";
 * checked against real exports):
 * - "Consent to application": targetResources[0] is the client service principal (its displayName
 *   is the app name); additionalDetails `AppId` is the client app id; modifiedProperties
 *   `ConsentAction.Permissions` reads
 *   `[] => [[Id: .., ClientId: <sp object id>, .., ConsentType: AllPrincipals, Scope:  openid Mail.Read, ..]]`
 *   (old grants left of `=>`, new right); `ConsentContext.IsAdminConsent` / `OnBehalfOfAll` are
 *   "True"/"False".
 * - "Add delegated permission grant": targetResources[0] is the resource API (Microsoft Graph) and
 *   additionalDetails `AppId` is the resource's app id, not the client's; the client appears only as
 *   `ServicePrincipal.ObjectID`. Scopes are in `DelegatedPermissionGrant.Scope`.
 * - "Add app role assignment to service principal": targetResources[0] is the resource API; the
 *   client is `ServicePrincipal.AppId` / `ServicePrincipal.DisplayName`; the role is `AppRole.Value`.
 * - "Add service principal": the new service principal; `AppId` in additionalDetails.
 *
 * Admin consent made through the API (POST /oauth2PermissionGrants), and some portal flows, write
 * only "Add delegated permission grant" (or "Add app role assignment to service principal"), naming
 * the client by `ServicePrincipal.ObjectID` with no app id at all. `servicePrincipalId` carries that
 * object id, so rules still see the grant, and a sequence can key it by the app id learned from a
 * record naming both (the consent's target, "Add service principal").
 */
import { firstGuid, stripJsonQuotes } from './fields';
import type { AppContext, ParamValue } from './types';

/** Activities (Graph spelling, UAL's trailing '.' removed) that create or widen an OAuth grant. */
export const GRANT_ACTIONS: ReadonlySet<string> = new Set([
  'Consent to application',
  'Add delegated permission grant',
  'Add app role assignment to service principal',
  'Add service principal',
  'Add OAuth2PermissionGrant',
]);

const SCOPE_RE = /Scope:\s*([^,\]]*)/g;
const CLIENT_RE = /ClientId:\s*([0-9a-fA-F-]{36})/;
const CONSENT_TYPE_RE = /ConsentType:\s*([A-Za-z]+)/g;
const WS_RE = /\s+/;

/** A parameter as a string (first element of a list), quotes of Graph's JSON encoding removed. */
function pstr(params: Record<string, ParamValue>, key: string): string | undefined {
  const v = params[key];
  let s: string | undefined;
  if (typeof v === 'string') s = v;
  else if (Array.isArray(v)) s = v[0];
  else if (typeof v === 'number' || typeof v === 'boolean') s = String(v);
  if (s === undefined) return undefined;
  s = stripJsonQuotes(s.trim()).trim();
  return s === '' ? undefined : s;
}

function splitScopes(s: string, into: Set<string>): void {
  for (const part of s.split(WS_RE)) if (part !== '') into.add(part);
}

/** Scopes and consent type from `ConsentAction.Permissions` (the grants after `=>`). */
export function parseConsentPermissions(text: string): { scopes: string[]; consentType?: string } {
  const arrow = text.lastIndexOf('=>');
  const side = arrow >= 0 ? text.slice(arrow + 2) : text;
  const scopes = new Set<string>();
  let found = false;
  SCOPE_RE.lastIndex = 0;
  for (let m = SCOPE_RE.exec(side); m !== null; m = SCOPE_RE.exec(side)) {
    found = true;
    splitScopes(m[1] as string, scopes);
  }
  if (!found) {
    const t = side.trim();
    if (t.startsWith('[')) {
      try {
        const arr: unknown = JSON.parse(t);
        if (Array.isArray(arr)) for (const x of arr) if (typeof x === 'string') splitScopes(x, scopes);
      } catch {
        // not a JSON list: no scopes
      }
    } else if (t.indexOf(':') < 0) {
      splitScopes(t, scopes);
    }
  }
  let consentType: string | undefined;
  CONSENT_TYPE_RE.lastIndex = 0;
  for (let m = CONSENT_TYPE_RE.exec(side); m !== null; m = CONSENT_TYPE_RE.exec(side)) {
    const t = m[1] as string;
    if (consentType !== 'AllPrincipals') consentType = t;
  }
  return consentType === undefined ? { scopes: [...scopes] } : { scopes: [...scopes], consentType };
}

function isTrue(s: string | undefined): boolean {
  return s !== undefined && s.toLowerCase() === 'true';
}

/**
 * The OAuth app a grant activity is about, or undefined when `action` is not a grant activity.
 *
 * @param action activity name without UAL's trailing '.'
 * @param params the event's params (modifiedProperties new values, additionalDetails)
 * @param targetName display name of the first target resource
 * @param targetId object id of the first target resource (the client service principal of a
 *   consent or of a new service principal)
 */
export function grantApp(
  action: string,
  params: Record<string, ParamValue>,
  targetName: string | undefined,
  targetId?: string | undefined,
): AppContext | undefined {
  if (!GRANT_ACTIONS.has(action)) return undefined;
  const app: AppContext = {};
  const spObject = firstGuid(pstr(params, 'ServicePrincipal.ObjectID'));
  switch (action) {
    case 'Consent to application': {
      app.id =
        firstGuid(pstr(params, 'AppId')) ??
        firstGuid(pstr(params, 'TargetId.ServicePrincipalNames')) ??
        firstGuid(pstr(params, 'ServicePrincipal.AppId'));
      app.name = targetName ?? pstr(params, 'ServicePrincipal.DisplayName');
      const perms = pstr(params, 'ConsentAction.Permissions');
      if (perms !== undefined) {
        const parsed = parseConsentPermissions(perms);
        app.scopes = parsed.scopes;
        app.consentType = parsed.consentType;
      }
      // The consent's target is the client's service principal; the grant text names it as ClientId.
      app.servicePrincipalId =
        firstGuid(targetId) ??
        spObject ??
        firstGuid(perms === undefined ? undefined : CLIENT_RE.exec(perms)?.[1]);
      if (app.consentType === undefined) {
        const all = pstr(params, 'ConsentContext.OnBehalfOfAll');
        const admin = pstr(params, 'ConsentContext.IsAdminConsent');
        if (all !== undefined) app.consentType = isTrue(all) ? 'AllPrincipals' : 'Principal';
        else if (admin !== undefined) app.consentType = isTrue(admin) ? 'AllPrincipals' : 'Principal';
      }
      break;
    }
    case 'Add delegated permission grant':
    case 'Add OAuth2PermissionGrant': {
      // additionalDetails AppId and the first target name the resource API here, not the client.
      app.id = firstGuid(pstr(params, 'ServicePrincipal.AppId'));
      app.name = pstr(params, 'ServicePrincipal.DisplayName');
      const scope = pstr(params, 'DelegatedPermissionGrant.Scope');
      const scopes = new Set<string>();
      if (scope !== undefined) splitScopes(scope, scopes);
      app.scopes = [...scopes];
      app.consentType = pstr(params, 'DelegatedPermissionGrant.ConsentType');
      app.servicePrincipalId = spObject ?? firstGuid(pstr(params, 'DelegatedPermissionGrant.ClientId'));
      break;
    }
    case 'Add app role assignment to service principal': {
      app.id = firstGuid(pstr(params, 'ServicePrincipal.AppId'));
      app.name = pstr(params, 'ServicePrincipal.DisplayName');
      const role = pstr(params, 'AppRole.Value');
      app.scopes = role === undefined ? [] : [role];
      app.servicePrincipalId = spObject;
      break;
    }
    default: {
      // Add service principal
      app.id =
        firstGuid(pstr(params, 'AppId')) ??
        firstGuid(pstr(params, 'TargetId.ServicePrincipalNames')) ??
        firstGuid(pstr(params, 'AppPrincipalId'));
      app.name = targetName ?? pstr(params, 'DisplayName');
      app.servicePrincipalId = firstGuid(targetId) ?? spObject;
    }
  }
  if (app.id !== undefined) app.id = app.id.toLowerCase();
  if (app.servicePrincipalId !== undefined) app.servicePrincipalId = app.servicePrincipalId.toLowerCase();
  else delete app.servicePrincipalId;
  return app;
}
