/**
 * Slack audit logs, as the Audit Logs API (`GET https://api.slack.com/audit/v1/logs`, Enterprise
 * organizations) returns them in `entries[]` and as the admin export writes them:
 * `{ id, date_create (epoch seconds; some pipelines write '2022-07-28 16:48:14' UTC), action,
 *    actor {type, user {id, name, email, team}}, entity {type, user | channel | file | app |
 *    workspace | enterprise | ...}, context {location {type, id, name, domain}, ua, ip_address,
 *    session_id}, details {...} }`.
 *
 * Mapping: id = `id`, action = `action` (`user_login`, `app_scopes_expanded`,
 * `role_change_to_admin`, `anomaly`...), category = entity.type, tenant = the enterprise id
 * (the location when it is the enterprise, else the acting user's team), actor = the user's
 * e-mail (lower-cased id), ip = context.ip_address, sessionId = context.session_id, target = the
 * entity, app = the entity when it is an app (scopes from details.new_scopes or the app's
 * scopes), params = details.
 */
import {
  UNKNOWN_TENANT,
  fail,
  firstStr,
  isObj,
  lowerStr,
  requireTime,
  setParam,
  str,
  syntheticId,
} from './fields';
import type { Obj } from './fields';
import { cleanIp } from './ip';
import type { AppContext, ActorType, NormalizeContext, NormalizeResult, ParamValue, Target } from './types';

/** True when `rec` is a Slack audit log entry. */
export function isSlackAudit(rec: Obj): boolean {
  return (
    typeof rec.action === 'string' &&
    rec.date_create !== undefined &&
    isObj(rec.actor) &&
    (isObj(rec.entity) || isObj(rec.context))
  );
}

function scopes(v: unknown): string[] | undefined {
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  if (typeof v === 'string' && v !== '') return v.split(/[\s,]+/).filter((x) => x !== '');
  return undefined;
}

function entityOf(ent: Obj | undefined): { target?: Target; app?: AppContext } {
  if (ent === undefined) return {};
  const type = str(ent.type);
  const inner = type !== undefined && isObj(ent[type]) ? (ent[type] as Obj) : undefined;
  if (inner === undefined) return type !== undefined ? { target: { type } } : {};
  const name = firstStr(inner.email, inner.name, inner.domain, inner.filetype);
  const target: Target = { type, id: str(inner.id), name };
  if (type !== 'app') return { target };
  return { target, app: { id: str(inner.id), name: str(inner.name), scopes: scopes(inner.scopes) } };
}

/** Normalizes one Slack audit log entry. */
export function normalizeSlack(rec: Obj, ctx: NormalizeContext = {}): NormalizeResult {
  const t = requireTime(rec.date_create, 'date_create');
  if ('reason' in t) return fail(t.reason);
  const action = str(rec.action);
  if (action === undefined) return fail('no action');

  const actor = isObj(rec.actor) ? rec.actor : {};
  const user = isObj(actor.user) ? actor.user : undefined;
  const context = isObj(rec.context) ? rec.context : {};
  const loc = isObj(context.location) ? context.location : undefined;
  const ent = isObj(rec.entity) ? rec.entity : undefined;
  const { target, app } = entityOf(ent);

  const params: Record<string, ParamValue> = {};
  const details = rec.details;
  if (isObj(details)) for (const k in details) setParam(params, k, details[k]);
  if (app !== undefined) {
    const granted = scopes(params['new_scopes']) ?? scopes(params['scopes']);
    if (granted !== undefined) app.scopes = granted;
  }

  const email = user !== undefined ? str(user.email) : undefined;
  const type = str(actor.type);
  const actorType: ActorType =
    type === 'user' ? 'user' : type === 'app' ? 'app' : type ? 'system' : 'unknown';
  const tenant =
    (loc !== undefined && loc.type === 'enterprise' ? str(loc.id) : undefined) ??
    firstStr(user?.team, loc?.id, ctx.tenant) ??
    UNKNOWN_TENANT;
  const time = t.time;
  const actorId = lowerStr(email) ?? (user !== undefined ? str(user.id) : undefined);
  return {
    ok: true,
    events: [
      {
        id: str(rec.id) ?? syntheticId('slack.audit', time, action, actorId),
        source: 'slack.audit',
        time,
        tenant,
        action,
        service: loc !== undefined ? str(loc.domain) : undefined,
        category: ent !== undefined ? str(ent.type) : undefined,
        outcome: 'success',
        actor: {
          id: actorId,
          name: email ?? (user !== undefined ? str(user.name) : undefined),
          type: actorType,
          ip: cleanIp(context.ip_address),
          userAgent: str(context.ua),
          sessionId: str(context.session_id),
          appId: app === undefined && actorType === 'app' && user !== undefined ? str(user.id) : undefined,
        },
        target,
        app,
        params,
        raw: rec,
      },
    ],
  };
}
