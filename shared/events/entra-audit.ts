/**
 * Entra ID audit log: Microsoft Graph `directoryAudit` objects (GET /auditLogs/directoryAudits,
 * "directoryAudit resource type") and the same object inside the Azure Monitor envelope
 * (category `AuditLogs`).
 *
 * Graph fields read: id, activityDateTime, activityDisplayName, category, correlationId,
 * loggedByService, operationType, result ('success' | 'failure' | 'timeout'), resultReason,
 * initiatedBy.user {id, displayName, userPrincipalName, ipAddress} | initiatedBy.app {appId,
 * displayName, servicePrincipalId, servicePrincipalName}, targetResources[] {id, displayName, type,
 * userPrincipalName, modifiedProperties[] {displayName, oldValue, newValue}}, additionalDetails[]
 * {key, value}.
 */
import { readEnvelope } from './azure-envelope';
import type { AzureEnvelope } from './azure-envelope';
import { grantApp } from './consent';
import {
  emptyParams,
  fail,
  firstStr,
  isObj,
  lowerStr,
  one,
  outcomeOf,
  pairsToParams,
  requireTime,
  setParam,
  str,
  stripJsonQuotes,
  syntheticId,
  UNKNOWN_TENANT,
} from './fields';
import type { Obj } from './fields';
import { cleanIp } from './ip';
import type { Actor, NormalizeContext, NormalizeResult, ParamValue, Target } from './types';

/** True when `rec` is a Graph directoryAudit object (not wrapped in an envelope). */
export function isGraphDirectoryAudit(rec: Obj): boolean {
  return (
    typeof rec.activityDisplayName === 'string' &&
    (rec.activityDateTime !== undefined || rec.initiatedBy !== undefined || rec.loggedByService !== undefined)
  );
}

function toTarget(t: Obj): Target {
  return {
    type: str(t.type),
    id: str(t.id),
    name: firstStr(t.userPrincipalName, t.displayName),
  };
}

function actorOf(a: Obj, env: AzureEnvelope | undefined, params: Record<string, ParamValue>): Actor {
  const by = isObj(a.initiatedBy) ? a.initiatedBy : undefined;
  const user = by !== undefined && isObj(by.user) ? by.user : undefined;
  const app = by !== undefined && isObj(by.app) ? by.app : undefined;
  const ua = params['User-Agent'];
  const userAgent = typeof ua === 'string' && ua !== '' ? ua : undefined;
  const fallbackIp = cleanIp(env?.callerIpAddress) ?? cleanIp(params['ipaddr']);
  if (user !== undefined && (user.userPrincipalName || user.id || user.displayName)) {
    const upn = str(user.userPrincipalName);
    return {
      id: upn !== undefined ? upn.toLowerCase() : firstStr(user.id),
      name: upn ?? firstStr(user.displayName, user.id),
      type: 'user',
      ip: cleanIp(user.ipAddress) ?? fallbackIp,
      userAgent,
    };
  }
  if (app !== undefined && (app.appId || app.servicePrincipalId || app.displayName)) {
    const appId = lowerStr(app.appId);
    return {
      id: appId ?? firstStr(app.servicePrincipalId, app.displayName),
      name: firstStr(app.displayName, app.servicePrincipalName),
      type: 'app',
      ip: fallbackIp,
      userAgent,
      appId,
    };
  }
  return { name: env?.identity, type: 'unknown', ip: fallbackIp, userAgent };
}

/**
 * Normalizes a Graph directoryAudit object or its Azure Monitor envelope into one event.
 * `action` is activityDisplayName; params hold every modifiedProperties new value (Graph's JSON
 * string quotes removed) and every additionalDetails value; grant activities fill `app`.
 */
export function normalizeEntraAudit(rec: Obj, ctx: NormalizeContext = {}): NormalizeResult {
  const env = readEnvelope(rec);
  const a = env !== undefined ? env.props : rec;

  const t = requireTime(a.activityDateTime ?? env?.time, 'activityDateTime');
  if ('reason' in t) return fail(t.reason);
  const action = firstStr(a.activityDisplayName, a.operationName, env?.operationName);
  if (action === undefined) return fail('no activityDisplayName');

  const params = emptyParams();
  const targets: Target[] = [];
  const resources = a.targetResources;
  if (Array.isArray(resources)) {
    for (const r of resources) {
      if (!isObj(r)) continue;
      targets.push(toTarget(r));
      const mods = r.modifiedProperties;
      if (!Array.isArray(mods)) continue;
      for (const m of mods) {
        if (!isObj(m)) continue;
        const name = m.displayName;
        if (typeof name !== 'string' || name === '') continue;
        const v = m.newValue;
        setParam(params, name, typeof v === 'string' ? stripJsonQuotes(v) : v);
      }
    }
  }
  pairsToParams(params, a.additionalDetails, 'key', 'value');
  setParam(params, 'operationType', a.operationType);
  setParam(params, 'resultReason', a.resultReason);

  const actor = actorOf(a, env, params);
  const target = targets[0];
  const category = firstStr(a.category, env?.category === 'AuditLogs' ? undefined : env?.category);
  const time = t.time;
  return one({
    id: firstStr(a.id) ?? syntheticId('entra.audit', time, action, actor.id),
    source: 'entra.audit',
    time,
    tenant: firstStr(env?.tenantId, a.tenantId, ctx.tenant) ?? UNKNOWN_TENANT,
    action,
    service: str(a.loggedByService),
    category,
    outcome: outcomeOf(a.result ?? rec.result),
    actor,
    target,
    targets: targets.length > 1 ? targets.slice(1) : undefined,
    app: grantApp(action, params, target?.name),
    params,
    raw: a,
  });
}
