/**
 * Entra ID sign-ins: Microsoft Graph `signIn` objects (GET /auditLogs/signIns, "signIn resource
 * type") and the same object inside the Azure Monitor envelope (categories SignInLogs,
 * NonInteractiveUserSignInLogs, ServicePrincipalSignInLogs, ManagedIdentitySignInLogs).
 *
 * Graph fields read: id, createdDateTime, userPrincipalName, userId, appId, appDisplayName,
 * ipAddress, userAgent (beta), correlationId, sessionId (beta), resourceDisplayName,
 * servicePrincipalId/servicePrincipalName (service principal sign-ins), isInteractive,
 * status {errorCode, failureReason}, location {city, state, countryOrRegion, geoCoordinates
 * {latitude, longitude}}.
 *
 * The action uses the unified audit log's words, 'UserLoggedIn' (status.errorCode 0) and
 * 'UserLoginFailed', so one rule reads sign-ins from either source.
 */
import { readEnvelope } from './azure-envelope';
import {
  emptyParams,
  fail,
  firstStr,
  isObj,
  lowerStr,
  one,
  requireTime,
  str,
  syntheticId,
  toParam,
  UNKNOWN_TENANT,
} from './fields';
import type { Obj } from './fields';
import { cleanIp } from './ip';
import type { Actor, AppContext, Geo, NormalizeContext, NormalizeResult, Outcome, ParamValue } from './types';

/** True when `rec` is a Graph signIn object (not wrapped in an envelope). */
export function isGraphSignIn(rec: Obj): boolean {
  return (
    rec.createdDateTime !== undefined &&
    (typeof rec.userPrincipalName === 'string' || typeof rec.appId === 'string') &&
    (isObj(rec.status) ||
      rec.ipAddress !== undefined ||
      rec.clientAppUsed !== undefined ||
      rec.isInteractive !== undefined)
  );
}

function errorCodeOf(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    if (Number.isFinite(n)) return n;
  }
  return undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function geoOf(loc: unknown): Geo | undefined {
  if (!isObj(loc)) return undefined;
  const c = isObj(loc.geoCoordinates) ? loc.geoCoordinates : undefined;
  const geo: Geo = {
    country: str(loc.countryOrRegion),
    city: str(loc.city),
    lat: c === undefined ? undefined : num(c.latitude),
    lon: c === undefined ? undefined : num(c.longitude),
  };
  const known =
    geo.country !== undefined || geo.city !== undefined || geo.lat !== undefined || geo.lon !== undefined;
  return known ? geo : undefined;
}

/**
 * signIn properties copied into params (a fixed list, so every event builds its params the same
 * way; everything else stays in raw). Names as in the Graph signIn resource (v1.0 and beta).
 */
const PARAM_FIELDS: readonly string[] = [
  'userId',
  'userDisplayName',
  'appDisplayName',
  'clientAppUsed',
  'resourceDisplayName',
  'resourceId',
  'resourceTenantId',
  'homeTenantId',
  'isInteractive',
  'conditionalAccessStatus',
  'authenticationRequirement',
  'authenticationProtocol',
  'originalTransferMethod',
  'clientCredentialType',
  'incomingTokenType',
  'tokenIssuerType',
  'crossTenantAccessType',
  'signInEventTypes',
  'riskDetail',
  'riskLevelAggregated',
  'riskLevelDuringSignIn',
  'riskState',
  'riskEventTypes_v2',
  'servicePrincipalId',
  'servicePrincipalName',
  'managedIdentityType',
  'uniqueTokenIdentifier',
  'correlationId',
];
const STATUS_FIELDS: readonly string[] = ['failureReason', 'additionalDetails'];
const DEVICE_FIELDS: readonly string[] = [
  'deviceId',
  'displayName',
  'operatingSystem',
  'browser',
  'isCompliant',
  'isManaged',
  'trustType',
];

/** Copies the listed fields of `from` (distinct names, so no existence check is needed). */
function copyFields(
  params: Record<string, ParamValue>,
  from: Obj,
  fields: readonly string[],
  names: readonly string[],
): void {
  for (let i = 0; i < fields.length; i++) {
    const p = toParam(from[fields[i] as string]);
    if (p !== undefined) params[names[i] as string] = p;
  }
}

const STATUS_NAMES = STATUS_FIELDS.map((k) => `status.${k}`);
const DEVICE_NAMES = DEVICE_FIELDS.map((k) => `deviceDetail.${k}`);

function signInParams(s: Obj, status: Obj | undefined): Record<string, ParamValue> {
  const params = emptyParams();
  copyFields(params, s, PARAM_FIELDS, PARAM_FIELDS);
  if (status !== undefined) copyFields(params, status, STATUS_FIELDS, STATUS_NAMES);
  if (isObj(s.deviceDetail)) copyFields(params, s.deviceDetail, DEVICE_FIELDS, DEVICE_NAMES);
  return params;
}

/**
 * Normalizes a Graph signIn object or its Azure Monitor envelope into one event.
 */
export function normalizeEntraSignIn(rec: Obj, ctx: NormalizeContext = {}): NormalizeResult {
  const env = readEnvelope(rec);
  const s = env !== undefined ? env.props : rec;

  const t = requireTime(s.createdDateTime ?? env?.time, 'createdDateTime');
  if ('reason' in t) return fail(t.reason);

  const status = isObj(s.status) ? s.status : undefined;
  const code = errorCodeOf(status?.errorCode) ?? errorCodeOf(env?.resultType);
  const outcome: Outcome = code === undefined ? 'unknown' : code === 0 ? 'success' : 'failure';
  const action = code === undefined || code === 0 ? 'UserLoggedIn' : 'UserLoginFailed';

  const upn = str(s.userPrincipalName);
  const appId = lowerStr(s.appId);
  const ip = cleanIp(s.ipAddress) ?? cleanIp(env?.callerIpAddress);
  const sessionId = firstStr(s.sessionId, s.correlationId, env?.correlationId);
  const userAgent = str(s.userAgent);
  let category = env?.category;
  let actor: Actor;
  if (upn !== undefined) {
    actor = { id: upn.toLowerCase(), name: upn, type: 'user', ip, userAgent, appId, sessionId };
    category ??= s.isInteractive === false ? 'NonInteractiveUserSignInLogs' : 'SignInLogs';
  } else {
    const managed = category === 'ManagedIdentitySignInLogs';
    actor = {
      id: lowerStr(s.servicePrincipalId) ?? appId,
      name: firstStr(s.servicePrincipalName, s.appDisplayName),
      type: managed ? 'service' : 'app',
      ip,
      userAgent,
      appId,
      sessionId,
    };
    category ??= 'ServicePrincipalSignInLogs';
  }
  const appName = str(s.appDisplayName);
  const app: AppContext | undefined =
    appId !== undefined || appName !== undefined ? { id: appId, name: appName } : undefined;

  const time = t.time;
  return one({
    id: firstStr(s.id) ?? syntheticId('entra.signin', time, action, actor.id),
    source: 'entra.signin',
    time,
    tenant:
      firstStr(env?.tenantId, s.tenantId, s.resourceTenantId, ctx.tenant, s.homeTenantId) ?? UNKNOWN_TENANT,
    action,
    service: str(s.resourceDisplayName),
    category,
    outcome,
    errorCode: code === undefined ? undefined : String(code),
    actor,
    app,
    geo: geoOf(s.location),
    params: signInParams(s, status),
    raw: s,
  });
}
