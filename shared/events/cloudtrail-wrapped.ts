/**
 * CloudTrail records as Logstash and Elastic store them, which incident responders often hold
 * instead of the S3 delivery files:
 *
 * - Logstash's `cloudtrail` codec moves `eventTime` to `@timestamp` (it deletes `eventTime`) and
 *   keeps every other CloudTrail field at the top level, next to `@version` and `tags`; a `json`
 *   filter over the S3 lines may leave the record under `message` (object or JSON text).
 * - Elastic's AWS integration (Filebeat `aws.cloudtrail`) writes ECS documents: `@timestamp`,
 *   `event.action` (eventName), `event.provider` (eventSource), `event.id`, `event.outcome`,
 *   `cloud.region`, `cloud.account.id`, `source.address` / `source.ip`, `user_agent.original`,
 *   `user.name`, `user.id`, `aws.cloudtrail.user_identity.{type, arn, access_key_id, invoked_by,
 *   session_context.{mfa_authenticated, creation_date, session_issuer.{type, principal_id, arn,
 *   account_id}}}`, `aws.cloudtrail.{event_version, event_type, error_code, error_message,
 *   recipient_account_id, request_parameters, response_elements, additional_eventdata}` (the last
 *   three as text), and the record itself in `event.original` when the pipeline keeps it. Keys
 *   may be nested objects or dotted names ("event.action"); both are read.
 *
 * Each is turned back into the CloudTrail record (the `event.original` one when present) and read
 * by the CloudTrail normalizer.
 */
import { isCloudTrailRecord, normalizeCloudTrailRecord } from './cloudtrail';
import { isObj, str } from './fields';
import type { Obj } from './fields';
import type { NormalizeContext, NormalizeResult } from './types';

/** `o.a.b.c`, reading nested objects or a dotted key at any level. */
function path(o: Obj, p: string): unknown {
  if (o[p] !== undefined) return o[p];
  const dot = p.indexOf('.');
  if (dot < 0) return undefined;
  for (let i = dot; i >= 0; i = p.indexOf('.', i + 1)) {
    const head = o[p.slice(0, i)];
    if (isObj(head)) {
      const v = path(head, p.slice(i + 1));
      if (v !== undefined) return v;
    }
  }
  return undefined;
}

function parseJson(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const s = v.trim();
  if (s === '' || (s[0] !== '{' && s[0] !== '[')) return v;
  try {
    return JSON.parse(s) as unknown;
  } catch {
    return v;
  }
}

/** Filebeat's text form of a nested object: JSON text, or `{key=value, key2=value2}`. */
function objectText(v: unknown): Obj | undefined {
  const p = parseJson(v);
  if (isObj(p)) return p;
  if (typeof p !== 'string') return undefined;
  const s = p.trim();
  if (!s.startsWith('{') || !s.endsWith('}')) return undefined;
  const out: Obj = {};
  for (const part of s.slice(1, -1).split(/,\s*(?=[A-Za-z_][\w.]*=)/)) {
    const eq = part.indexOf('=');
    if (eq > 0) out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The Logstash-codec form: a CloudTrail record whose eventTime became `@timestamp`. */
function isLogstashRecord(rec: Obj): boolean {
  return rec['@timestamp'] !== undefined && rec.eventTime === undefined && isCloudTrailRecord(rec);
}

function nestedMessage(rec: Obj): Obj | undefined {
  if (rec['@timestamp'] === undefined) return undefined;
  const m = parseJson(rec.message);
  return isObj(m) && isCloudTrailRecord(m) ? m : undefined;
}

function isEcsCloudTrail(rec: Obj): boolean {
  if (rec['@timestamp'] === undefined) return false;
  if (path(rec, 'aws.cloudtrail') !== undefined) return true;
  const dataset = str(path(rec, 'event.dataset'));
  if (dataset === 'aws.cloudtrail') return true;
  const provider = str(path(rec, 'event.provider'));
  return (
    provider !== undefined && provider.endsWith('.amazonaws.com') && path(rec, 'event.action') !== undefined
  );
}

/** True for a CloudTrail record wrapped by Logstash or Elastic (see the module comment). */
export function isWrappedCloudTrail(rec: Obj): boolean {
  return isLogstashRecord(rec) || nestedMessage(rec) !== undefined || isEcsCloudTrail(rec);
}

const METADATA = new Set(['@timestamp', '@version', 'tags', 'type', 'host', 'log', 'input', 'agent', 'ecs']);

function fromEcs(rec: Obj): Obj {
  const original = parseJson(path(rec, 'event.original'));
  if (isObj(original) && isCloudTrailRecord(original)) {
    return original.eventTime === undefined ? { ...original, eventTime: rec['@timestamp'] } : original;
  }
  const ct = (p: string) => path(rec, `aws.cloudtrail.${p}`);
  const issuer: Obj = {
    type: ct('user_identity.session_context.session_issuer.type'),
    principalId: ct('user_identity.session_context.session_issuer.principal_id'),
    arn: ct('user_identity.session_context.session_issuer.arn'),
    accountId: ct('user_identity.session_context.session_issuer.account_id'),
  };
  const hasIssuer = Object.values(issuer).some((v) => v !== undefined);
  const mfa = ct('user_identity.session_context.mfa_authenticated');
  const created = ct('user_identity.session_context.creation_date');
  const identity: Obj = {
    type: ct('user_identity.type'),
    arn: ct('user_identity.arn'),
    accessKeyId: ct('user_identity.access_key_id'),
    invokedBy: ct('user_identity.invoked_by'),
    principalId: path(rec, 'user.id'),
    userName: path(rec, 'user.name'),
    accountId: path(rec, 'cloud.account.id'),
  };
  if (hasIssuer || mfa !== undefined || created !== undefined) {
    identity.sessionContext = {
      ...(hasIssuer ? { sessionIssuer: issuer } : {}),
      attributes: { mfaAuthenticated: mfa, creationDate: created },
    };
  }
  const eventName = path(rec, 'event.action');
  const response = objectText(ct('response_elements')) ?? null;
  const out: Obj = {
    eventVersion: ct('event_version'),
    eventTime: rec['@timestamp'],
    eventSource: path(rec, 'event.provider'),
    eventName,
    eventID: path(rec, 'event.id'),
    eventType: ct('event_type'),
    eventCategory: ct('event_category'),
    awsRegion: path(rec, 'cloud.region'),
    sourceIPAddress: path(rec, 'source.address') ?? path(rec, 'source.ip'),
    userAgent: path(rec, 'user_agent.original'),
    errorCode: ct('error_code'),
    errorMessage: ct('error_message'),
    recipientAccountId: ct('recipient_account_id') ?? path(rec, 'cloud.account.id'),
    requestParameters: objectText(ct('request_parameters')) ?? null,
    responseElements: response,
    additionalEventData: objectText(ct('additional_eventdata')),
    userIdentity: identity,
    readOnly: ct('read_only'),
  };
  // Failed console sign-ins carry no errorCode; ECS says so in event.outcome.
  if (eventName === 'ConsoleLogin' && path(rec, 'event.outcome') === 'failure' && response === null)
    out.responseElements = { ConsoleLogin: 'Failure' };
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out;
}

/** The CloudTrail record inside a Logstash or Elastic document. */
export function unwrapCloudTrail(rec: Obj): Obj {
  if (isLogstashRecord(rec)) {
    const out: Obj = {};
    for (const k in rec) if (!METADATA.has(k)) out[k] = rec[k];
    out.eventTime = rec['@timestamp'];
    return out;
  }
  const nested = nestedMessage(rec);
  if (nested !== undefined)
    return nested.eventTime === undefined ? { ...nested, eventTime: rec['@timestamp'] } : nested;
  return fromEcs(rec);
}

/** Normalizes a Logstash- or Elastic-wrapped CloudTrail record. */
export function normalizeWrappedCloudTrail(rec: Obj, ctx: NormalizeContext = {}): NormalizeResult {
  return normalizeCloudTrailRecord(unwrapCloudTrail(rec), ctx);
}
