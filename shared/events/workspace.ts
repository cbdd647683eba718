/**
 * Google Workspace Admin SDK Reports API activities ("Activities: list", resource
 * `admin#reports#activity`): id {time, uniqueQualifier, applicationName, customerId},
 * actor {email, profileId, callerType, key}, ipAddress, ownerDomain, events[] {type, name,
 * parameters[] {name, value | intValue | boolValue | multiValue | multiIntValue | messageValue |
 * multiMessageValue}}. One activity becomes one event per `events[]` entry.
 *
 * Token events ("Token Audit Activity Events": authorize, revoke, request, activity) carry
 * client_id, app_name, scope (multiValue) and, for `activity`, api_name / method_name.
 * Panther's flattened single events (`name`, `type`, `parameters` as a dict) are read too.
 *
 * Mapping: action = event name, category = event type, service = applicationName, tenant =
 * customerId, actor = actor.email (lower-cased id); outcome is 'failure' for login_failure (with
 * login_failure_type as errorCode) and 'success' otherwise, since the Reports API records actions
 * that took place; token events fill `app` and `actor.appId` from client_id.
 */
import {
  emptyParams,
  fail,
  firstStr,
  isObj,
  requireTime,
  str,
  syntheticId,
  toParam,
  UNKNOWN_TENANT,
} from './fields';
import type { Obj } from './fields';
import { cleanIp } from './ip';
import type {
  Actor,
  ActorType,
  AppContext,
  NormalizeContext,
  NormalizeResult,
  Outcome,
  ParamValue,
  TriplineEvent,
} from './types';

/** True when `rec` is a Reports API activity (or Panther's flattened form of one). */
export function isWorkspaceActivity(rec: Obj): boolean {
  const id = rec.id;
  if (rec.kind === 'admin#reports#activity') return true;
  return (
    isObj(id) &&
    typeof id.applicationName === 'string' &&
    (Array.isArray(rec.events) ||
      rec.name !== undefined ||
      rec.type !== undefined ||
      rec.parameters !== undefined)
  );
}

const TOKEN_EVENTS: ReadonlySet<string> = new Set(['authorize', 'revoke', 'request', 'activity']);

/** The typed value of one Reports API parameter. */
function paramValue(p: Obj): ParamValue | undefined {
  if (p.value !== undefined) return toParam(p.value);
  if (p.boolValue !== undefined)
    return typeof p.boolValue === 'boolean' ? p.boolValue : p.boolValue === 'true';
  if (p.intValue !== undefined) {
    const n = Number(p.intValue);
    return Number.isFinite(n) ? n : toParam(p.intValue);
  }
  if (Array.isArray(p.multiValue)) return toParam(p.multiValue);
  if (Array.isArray(p.multiIntValue)) return toParam(p.multiIntValue);
  if (p.messageValue !== undefined) return toParam(p.messageValue);
  if (p.multiMessageValue !== undefined) return toParam(p.multiMessageValue);
  return undefined;
}

function paramsOf(list: unknown): Record<string, ParamValue> {
  const params = emptyParams();
  if (Array.isArray(list)) {
    for (const p of list) {
      if (!isObj(p) || typeof p.name !== 'string') continue;
      const v = paramValue(p);
      if (v !== undefined && params[p.name] === undefined) params[p.name] = v;
    }
  } else if (isObj(list)) {
    // Panther's flattened dict: values already typed.
    for (const k in list) {
      const v = toParam(list[k]);
      if (v !== undefined) params[k] = v;
    }
  }
  return params;
}

function actorOf(a: unknown, ip: string | undefined): Actor {
  if (!isObj(a)) return { type: 'unknown', ip };
  const email = str(a.email);
  const callerType = str(a.callerType);
  let type: ActorType;
  if (callerType === 'KEY') type = 'app';
  else if (callerType === 'USER' || email !== undefined) type = 'user';
  else type = 'unknown';
  return {
    id: email !== undefined ? email.toLowerCase() : firstStr(a.profileId, a.key),
    name: email ?? str(a.key),
    type,
    ip,
  };
}

function asString(v: ParamValue | undefined): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/**
 * Normalizes one Reports API activity into one event per `events[]` entry (index in the id:
 * `${applicationName}:${uniqueQualifier}:${index}`).
 */
export function normalizeWorkspace(rec: Obj, ctx: NormalizeContext = {}): NormalizeResult {
  const id = isObj(rec.id) ? rec.id : undefined;
  if (id === undefined) return fail('no id (the activity id object with time and applicationName)');
  // Flattened single events sometimes carry the time beside the id instead of inside it.
  const t = requireTime(id.time ?? (rec.name !== undefined ? rec.time : undefined), 'id.time');
  if ('reason' in t) return fail(t.reason);
  const app = str(id.applicationName);
  if (app === undefined) return fail('no id.applicationName');

  let list: Obj[];
  if (Array.isArray(rec.events)) {
    list = [];
    for (let i = 0; i < rec.events.length; i++) {
      const ev: unknown = rec.events[i];
      if (!isObj(ev)) return fail(`events[${i}] is not an object`);
      list.push(ev);
    }
    if (list.length === 0) return fail('activity has no events');
  } else if (rec.name !== undefined) {
    list = [rec];
  } else {
    return fail('no events[]');
  }

  const time = t.time;
  const tenant = firstStr(id.customerId, ctx.tenant) ?? UNKNOWN_TENANT;
  const uq = str(id.uniqueQualifier);
  const ip = cleanIp(rec.ipAddress);
  const events: TriplineEvent[] = [];
  for (let i = 0; i < list.length; i++) {
    const ev = list[i] as Obj;
    const action = str(ev.name);
    if (action === undefined) return fail(list.length > 1 ? `events[${i}] has no name` : 'no event name');
    const params = paramsOf(ev.parameters);
    const actor = actorOf(rec.actor, ip);
    let outcome: Outcome = 'success';
    let errorCode: string | undefined;
    if (action === 'login_failure') {
      outcome = 'failure';
      errorCode = asString(params['login_failure_type']);
    }
    let appCtx: AppContext | undefined;
    if (app === 'token' && TOKEN_EVENTS.has(action)) {
      const clientId = asString(params['client_id']);
      const scope = params['scope'];
      appCtx = {
        id: clientId,
        name: asString(params['app_name']),
        scopes: Array.isArray(scope) ? scope : typeof scope === 'string' ? [scope] : undefined,
      };
      actor.appId = clientId;
    }
    events.push({
      id:
        uq !== undefined
          ? `${app}:${uq}:${i}`
          : syntheticId('google.workspace', time, `${action}:${i}`, actor.id),
      source: 'google.workspace',
      time,
      tenant,
      action,
      service: app,
      category: str(ev.type),
      outcome,
      errorCode,
      actor,
      app: appCtx,
      params,
      raw: rec,
    });
  }
  return { ok: true, events };
}
