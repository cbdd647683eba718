/**
 * GitHub audit log events, as the organization and enterprise audit log REST API
 * (`GET /orgs/{org}/audit-log`, `GET /enterprises/{enterprise}/audit-log`) and audit log
 * streaming write them: flat objects with `@timestamp` and `created_at` (epoch milliseconds; some
 * exports write ISO text), `action` (`repo.create`, `git.clone`, `org.update_member`), `actor`,
 * `actor_id`, `actor_ip`, `actor_location {country_code}`, `user_agent`, `org`, `business`,
 * `repo` / `repository`, `user` (the account acted on), `team`, `_document_id`, and for requests
 * made with a token `hashed_token`, `token_id`, `token_scopes`, `programmatic_access_type`,
 * `oauth_application_id`. Git events (`git.clone`, `git.fetch`, `git.push`) carry `repository`,
 * `repository_public` and `transport_protocol_name`. Event-specific fields sit at the top level
 * or under `data`.
 *
 * Mapping: id = `_document_id`, action = `action`, service = the part before the first '.'
 * (`repo`, `git`, `org`), tenant = business ?? org, actor = the login (lower-cased id), target =
 * the repository, else the user acted on, else the team; actor.sessionId = `hashed_token` (one
 * token), actor.appId = the OAuth app or GitHub App the request came through.
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
import type {
  ActorType,
  NormalizeContext,
  NormalizeResult,
  ParamValue,
  Target,
  TriplineEvent,
} from './types';

/** True when `rec` is a GitHub audit log event. */
export function isGitHubAudit(rec: Obj): boolean {
  const action = rec.action;
  if (typeof action !== 'string' || action.indexOf('.') <= 0) return false;
  if (rec['@timestamp'] === undefined && rec.created_at === undefined && rec._document_id === undefined)
    return false;
  return (
    rec.actor !== undefined ||
    rec.org !== undefined ||
    rec.business !== undefined ||
    rec.repo !== undefined ||
    rec.actor_id !== undefined
  );
}

/** Fields read into the event itself; everything else becomes a param. */
const CORE = new Set(['@timestamp', 'created_at', '_document_id', 'action', 'actor', 'actor_ip']);

function actorType(login: string | undefined, rec: Obj): ActorType {
  if (rec.actor_is_bot === true) return 'app';
  if (login === undefined) return 'unknown';
  return login.endsWith('[bot]') ? 'app' : 'user';
}

function targetOf(rec: Obj): Target | undefined {
  const repo = firstStr(rec.repo, rec.repository);
  if (repo !== undefined) return { type: 'repository', id: repo.toLowerCase(), name: repo };
  const user = str(rec.user);
  if (user !== undefined) return { type: 'user', id: user.toLowerCase(), name: user };
  const team = str(rec.team);
  if (team !== undefined) return { type: 'team', id: team.toLowerCase(), name: team };
  return undefined;
}

/** Normalizes one GitHub audit log event. */
export function normalizeGitHub(rec: Obj, ctx: NormalizeContext = {}): NormalizeResult {
  const rawTime = rec['@timestamp'] ?? rec.created_at;
  const t = requireTime(rawTime, '@timestamp');
  if ('reason' in t) return fail(t.reason === 'no @timestamp' ? 'no @timestamp or created_at' : t.reason);
  const action = str(rec.action);
  if (action === undefined) return fail('no action');

  const params: Record<string, ParamValue> = {};
  for (const k in rec) {
    if (CORE.has(k) || k.startsWith('p_')) continue;
    setParam(params, k, rec[k]);
  }
  const data = rec.data;
  if (isObj(data)) for (const k in data) setParam(params, k, data[k]);

  const login = str(rec.actor);
  const loc = isObj(rec.actor_location) ? rec.actor_location : undefined;
  const country = loc !== undefined ? firstStr(loc.country_code, loc.country_name) : undefined;
  const dot = action.indexOf('.');
  const time = t.time;
  const appId = firstStr(rec.oauth_application_id, rec.programmatic_access_app_id, rec.integration);
  const e: TriplineEvent = {
    id: str(rec._document_id) ?? syntheticId('github.audit', time, action, lowerStr(login)),
    source: 'github.audit',
    time,
    tenant: firstStr(rec.business, rec.org, ctx.tenant) ?? UNKNOWN_TENANT,
    action,
    service: dot > 0 ? action.slice(0, dot) : undefined,
    category: str(rec.operation_type),
    outcome: 'success',
    actor: {
      id: lowerStr(login) ?? str(rec.actor_id),
      name: login,
      type: actorType(login, rec),
      ip: cleanIp(rec.actor_ip),
      userAgent: str(rec.user_agent),
      appId,
      sessionId: str(rec.hashed_token),
    },
    target: targetOf(rec),
    geo: country !== undefined ? { country } : undefined,
    params,
    raw: rec,
  };
  return { ok: true, events: [e] };
}
