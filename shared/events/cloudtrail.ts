/**
 * AWS CloudTrail ("CloudTrail record contents" in the AWS CloudTrail User Guide): eventVersion,
 * eventID, eventTime, eventSource, eventName, eventType, eventCategory, awsRegion,
 * sourceIPAddress, userAgent, errorCode, errorMessage, requestParameters, responseElements,
 * additionalEventData, resources[] {ARN, type, accountId}, recipientAccountId, and userIdentity
 * {type, principalId, arn, accountId, accessKeyId, userName, invokedBy, sessionContext
 * {sessionIssuer {type, userName, arn}, sourceIdentity}}.
 *
 * EventBridge delivers the same record under `detail` ("AWS API Call via CloudTrail",
 * "AWS Console Sign In via CloudTrail"); S3 delivery files hold `{"Records": [...]}`.
 *
 * Mapping: id = eventID, action = eventName, service = eventSource, category = eventType, tenant =
 * recipientAccountId ?? userIdentity.accountId; target = resources[0] (or the request parameter
 * that names the object acted on); actor.sessionId = a temporary (ASIA...) access key id.
 */
import {
  arnTail,
  emptyParams,
  fail,
  firstStr,
  get2,
  isObj,
  requireTime,
  setParam,
  str,
  syntheticId,
  UNKNOWN_TENANT,
} from './fields';
import type { Obj } from './fields';
import { cleanIp } from './ip';
import type {
  Actor,
  ActorType,
  NormalizeContext,
  NormalizeResult,
  Outcome,
  ParamValue,
  Target,
  TriplineEvent,
} from './types';

/** True when `rec` is a CloudTrail record (camelCase or Panther's lower-cased keys). */
export function isCloudTrailRecord(rec: Obj): boolean {
  const name = get2(rec, 'eventName', 'eventname');
  if (typeof name !== 'string') return false;
  return (
    get2(rec, 'eventSource', 'eventsource') !== undefined ||
    get2(rec, 'eventVersion', 'eventversion') !== undefined ||
    get2(rec, 'userIdentity', 'useridentity') !== undefined ||
    get2(rec, 'awsRegion', 'awsregion') !== undefined
  );
}

/** True for an EventBridge event that carries a CloudTrail record in `detail`. */
export function isEventBridgeCloudTrail(rec: Obj): boolean {
  const dt = rec['detail-type'];
  return typeof dt === 'string' && isObj(rec.detail) && dt.indexOf('CloudTrail') >= 0;
}

const EC2_INSTANCE_RE = /^i-[0-9a-f]{8,17}$/;
const HUMAN_UA_RE = /Mozilla|signin\.amazonaws\.com|console\.amazonaws\.com|aws-internal\/3 aws-sdk-java/;

/**
 * AssumedRole sessions are people (SSO, federation, a human running the CLI) or workloads
 * (Lambda, ECS, EC2). The record does not say which; these hints decide, defaulting to service.
 */
function assumedRoleType(
  id: Obj,
  sessionName: string | undefined,
  roleName: string | undefined,
  ua: string | undefined,
): ActorType {
  if (id.invokedBy !== undefined) return 'service';
  if (roleName !== undefined && roleName.startsWith('AWSReservedSSO_')) return 'user';
  const ctx = isObj(id.sessionContext) ? id.sessionContext : undefined;
  if (ctx !== undefined && ctx.sourceIdentity !== undefined) return 'user';
  if (sessionName !== undefined) {
    if (sessionName.indexOf('@') > 0) return 'user';
    if (EC2_INSTANCE_RE.test(sessionName)) return 'service';
  }
  if (roleName !== undefined && roleName.startsWith('AWSServiceRole')) return 'service';
  if (ua !== undefined && HUMAN_UA_RE.test(ua)) return 'user';
  return 'service';
}

function actorOf(rec: Obj): Actor {
  const ua = str(rec.userAgent);
  const srcIp = get2(rec, 'sourceIPAddress', 'sourceipaddress');
  const ip = cleanIp(srcIp);
  const idv = get2(rec, 'userIdentity', 'useridentity');
  if (!isObj(idv)) return { type: 'unknown', ip, userAgent: ua };
  const type = str(idv.type);
  const arn = str(idv.arn);
  const issuer =
    isObj(idv.sessionContext) && isObj(idv.sessionContext.sessionIssuer)
      ? idv.sessionContext.sessionIssuer
      : undefined;
  const issuerName = issuer !== undefined ? str(issuer.userName) : undefined;
  const name = firstStr(idv.userName, issuerName) ?? (arn !== undefined ? arnTail(arn) : undefined);
  const accessKey = str(idv.accessKeyId);
  let actorType: ActorType;
  switch (type) {
    case 'Root':
    case 'IAMUser':
    case 'FederatedUser':
    case 'IdentityCenterUser':
    case 'SAMLUser':
    case 'WebIdentityUser':
      actorType = 'user';
      break;
    case 'AssumedRole':
      actorType = assumedRoleType(idv, arn !== undefined ? arnTail(arn) : undefined, issuerName, ua);
      break;
    case 'AWSService':
      actorType = 'service';
      break;
    default:
      actorType = 'unknown';
  }
  const invokedBy = str(idv.invokedBy);
  return {
    id: firstStr(arn, idv.principalId) ?? (type === 'AWSService' ? (invokedBy ?? str(srcIp)) : undefined),
    name: name ?? (type === 'AWSService' ? (invokedBy ?? str(srcIp)) : undefined),
    type: actorType,
    ip,
    userAgent: ua,
    // Temporary credentials (ASIA...) identify one session; long-term keys (AKIA...) do not.
    sessionId: accessKey !== undefined && accessKey.startsWith('ASIA') ? accessKey : undefined,
  };
}

/** Request parameters that name what an API call acts on, when `resources` is absent. */
const TARGET_PARAMS: readonly [string, string][] = [
  ['userName', 'AWS::IAM::User'],
  ['roleName', 'AWS::IAM::Role'],
  ['groupName', 'AWS::IAM::Group'],
  ['policyArn', 'AWS::IAM::ManagedPolicy'],
  ['bucketName', 'AWS::S3::Bucket'],
  ['functionName', 'AWS::Lambda::Function'],
  ['trailName', 'AWS::CloudTrail::Trail'],
  ['detectorId', 'AWS::GuardDuty::Detector'],
  ['instanceId', 'AWS::EC2::Instance'],
  ['keyId', 'AWS::KMS::Key'],
  ['name', ''],
];

function targetsOf(rec: Obj, req: Obj | undefined): Target[] {
  const out: Target[] = [];
  const res = rec.resources;
  if (Array.isArray(res)) {
    for (const r of res) {
      if (!isObj(r)) continue;
      out.push({ type: str(r.type), id: firstStr(r.ARN, r.arn), name: undefined });
    }
    if (out.length > 0) return out;
  }
  if (req !== undefined) {
    for (const [key, type] of TARGET_PARAMS) {
      const v = str(req[key]);
      if (v !== undefined) {
        out.push({ type: type === '' ? undefined : type, id: v, name: v });
        break;
      }
    }
  }
  return out;
}

function paramsOf(req: Obj | undefined, additional: unknown): Record<string, ParamValue> {
  const params = emptyParams();
  if (req !== undefined) for (const k in req) setParam(params, k, req[k]);
  if (isObj(additional)) {
    for (const k in additional) {
      const v = additional[k];
      if (v === null || typeof v !== 'object') setParam(params, `additional.${k}`, v);
    }
  }
  return params;
}

/** Normalizes one CloudTrail record (not an envelope, not a Records file). */
export function normalizeCloudTrailRecord(
  rec: Obj,
  ctx: NormalizeContext = {},
  account?: string,
): NormalizeResult {
  const t = requireTime(get2(rec, 'eventTime', 'eventtime'), 'eventTime');
  if ('reason' in t) return fail(t.reason);
  const action = str(get2(rec, 'eventName', 'eventname'));
  if (action === undefined) return fail('no eventName');

  const req = isObj(rec.requestParameters) ? rec.requestParameters : undefined;
  const errorCode = str(rec.errorCode);
  let outcome: Outcome = errorCode !== undefined ? 'failure' : 'success';
  if (action === 'ConsoleLogin') {
    const re = rec.responseElements;
    if (isObj(re) && re.ConsoleLogin === 'Failure') outcome = 'failure';
  }
  const actor = actorOf(rec);
  const idv = get2(rec, 'userIdentity', 'useridentity');
  const targets = targetsOf(rec, req);
  const time = t.time;
  const e: TriplineEvent = {
    id: str(get2(rec, 'eventID', 'eventid')) ?? syntheticId('aws.cloudtrail', time, action, actor.id),
    source: 'aws.cloudtrail',
    time,
    tenant:
      firstStr(rec.recipientAccountId, isObj(idv) ? idv.accountId : undefined, account, ctx.tenant) ??
      UNKNOWN_TENANT,
    action,
    service: str(get2(rec, 'eventSource', 'eventsource')),
    category: str(get2(rec, 'eventType', 'eventtype')),
    outcome,
    errorCode,
    actor,
    target: targets[0],
    targets: targets.length > 1 ? targets.slice(1) : undefined,
    params: paramsOf(req, rec.additionalEventData),
    raw: rec,
  };
  return { ok: true, events: [e] };
}

/**
 * Normalizes a CloudTrail record, an EventBridge event carrying one, or an S3 delivery object
 * `{"Records": [...]}` (every record must normalize, or the reason names the first that did not).
 */
export function normalizeCloudTrail(rec: Obj, ctx: NormalizeContext = {}): NormalizeResult {
  if (isEventBridgeCloudTrail(rec)) {
    return normalizeCloudTrailRecord(rec.detail as Obj, ctx, str(rec.account));
  }
  const records = rec.Records;
  if (Array.isArray(records)) {
    const events: TriplineEvent[] = [];
    for (let i = 0; i < records.length; i++) {
      const r: unknown = records[i];
      const res = isObj(r) ? normalizeCloudTrailRecord(r, ctx) : fail('not an object');
      if (!res.ok) return fail(`Records[${i}]: ${res.reason}`);
      for (const e of res.events) events.push(e);
    }
    return { ok: true, events };
  }
  return normalizeCloudTrailRecord(rec, ctx);
}
