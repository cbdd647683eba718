/**
 * Microsoft 365 unified audit log: records of the Office 365 Management Activity API
 * ("Office 365 Management Activity API schema": common schema CreationTime, Id, Operation,
 * OrganizationId, RecordType, ResultStatus, UserId, UserType, Workload, ClientIP, ObjectId;
 * Exchange admin Parameters[{Name, Value}] and mailbox ClientIPAddress / ClientAppId / AppId /
 * SessionId / OperationProperties; Entra ActorIpAddress, ApplicationId, ExtendedProperties,
 * ModifiedProperties[{Name, NewValue, OldValue}], LogonError, ErrorNumber), which is also the
 * `AuditData` of Search-UnifiedAuditLog and Purview exports. Panther's lower-cased keys
 * (`operation`, `userid`, ...) are read too.
 */
import { grantApp } from './consent';
import {
  UNKNOWN_TENANT,
  fail,
  firstStr,
  get2,
  isObj,
  lowerStr,
  one,
  outcomeOf,
  pairsToParams,
  requireTime,
  setParam,
  str,
  syntheticId,
} from './fields';
import type { Obj } from './fields';
import { cleanIp } from './ip';
import type {
  ActorType,
  AppContext,
  NormalizeContext,
  NormalizeResult,
  Outcome,
  ParamValue,
  Target,
} from './types';

/** True when `rec` looks like a unified audit log record (PascalCase or lower-cased keys). */
export function isM365Record(rec: Obj): boolean {
  if (typeof rec.Operation === 'string') {
    return rec.CreationTime !== undefined || rec.RecordType !== undefined || rec.Workload !== undefined;
  }
  if (typeof rec.operation === 'string') {
    return rec.creationtime !== undefined || rec.recordtype !== undefined || rec.workload !== undefined;
  }
  return false;
}

/** AuditLogRecordType names for the record types detections meet most ("AuditLogRecordType"). */
const RECORD_TYPES: Readonly<Record<number, string>> = {
  1: 'ExchangeAdmin',
  2: 'ExchangeItem',
  3: 'ExchangeItemGroup',
  4: 'SharePoint',
  6: 'SharePointFileOperation',
  7: 'OneDrive',
  8: 'AzureActiveDirectory',
  9: 'AzureActiveDirectoryAccountLogon',
  14: 'SharePointSharingOperation',
  15: 'AzureActiveDirectoryStsLogon',
  18: 'SecurityComplianceCenterEOPCmdlet',
  20: 'PowerBIAudit',
  25: 'MicrosoftTeams',
  28: 'ThreatIntelligence',
  40: 'SecurityComplianceAlerts',
  50: 'ExchangeItemAggregated',
  52: 'DataInsightsRestApiAudit',
  64: 'AirInvestigation',
};

/** UserType: 0 Regular, 1 Reserved, 2 Admin, 3 DcAdmin, 4 System, 5 Application, 6 ServicePrincipal. */
function actorType(userType: unknown, hasUser: boolean): ActorType {
  switch (typeof userType === 'string' ? Number(userType) : userType) {
    case 0:
    case 2:
      return 'user';
    case 1:
    case 3:
    case 4:
      return 'system';
    case 5:
      return 'app';
    case 6:
      return 'service';
    default:
      return hasUser ? 'user' : 'unknown';
  }
}

function outcomeFor(operation: string, status: unknown): Outcome {
  if (operation === 'UserLoginFailed') return 'failure';
  const o = outcomeOf(status);
  if (o === 'unknown' && operation === 'UserLoggedIn') return 'success';
  return o;
}

/** Adds the keys of the JSON object text in `params.additionalDetails` (Entra records in the UAL). */
function mergeAdditionalDetails(params: Record<string, ParamValue>): void {
  const ad = params['additionalDetails'];
  if (typeof ad !== 'string' || ad.length < 3 || ad.charCodeAt(0) !== 123 /* { */) return;
  let parsed: unknown;
  try {
    parsed = JSON.parse(ad);
  } catch {
    return;
  }
  if (!isObj(parsed)) return;
  for (const k in parsed) setParam(params, k, parsed[k]);
}

/** The display name among UAL `Target[]` entries (Type 1), e.g. the consented app's name. */
function targetDisplayName(list: unknown): string | undefined {
  if (!Array.isArray(list)) return undefined;
  for (const t of list) {
    if (isObj(t) && t.Type === 1) {
      const id = str(t.ID);
      if (id !== undefined) return id;
    }
  }
  return undefined;
}

/**
 * Normalizes one unified audit log record. Entra operations ("Add member to role.") lose their
 * trailing '.' so rules share Graph's vocabulary; IP addresses lose port and brackets.
 */
export function normalizeM365(rec: Obj, ctx: NormalizeContext = {}): NormalizeResult {
  const t = requireTime(get2(rec, 'CreationTime', 'creationtime'), 'CreationTime');
  if ('reason' in t) return fail(t.reason);
  let action = str(get2(rec, 'Operation', 'operation'));
  if (action === undefined) return fail('no Operation');
  const workload = str(get2(rec, 'Workload', 'workload'));
  if (
    workload === 'AzureActiveDirectory' &&
    action.length > 1 &&
    action.charCodeAt(action.length - 1) === 46
  ) {
    action = action.slice(0, -1);
  }

  const params: Record<string, ParamValue> = {};
  pairsToParams(params, get2(rec, 'Parameters', 'parameters'), 'Name', 'Value');
  pairsToParams(params, get2(rec, 'ModifiedProperties', 'modifiedproperties'), 'Name', 'NewValue');
  pairsToParams(params, get2(rec, 'ExtendedProperties', 'extendedproperties'), 'Name', 'Value');
  pairsToParams(params, get2(rec, 'OperationProperties', 'operationproperties'), 'Name', 'Value');
  if (workload === 'AzureActiveDirectory') mergeAdditionalDetails(params);
  setParam(params, 'LogonError', get2(rec, 'LogonError', 'logonerror'));

  const userId = str(get2(rec, 'UserId', 'userid'));
  const ip =
    cleanIp(get2(rec, 'ClientIP', 'clientip')) ??
    cleanIp(get2(rec, 'ClientIPAddress', 'clientipaddress')) ??
    cleanIp(get2(rec, 'ActorIpAddress', 'actoripaddress'));
  const ua = params['UserAgent'] ?? params['User-Agent'];
  const userAgent = typeof ua === 'string' && ua !== '' ? ua : str(get2(rec, 'UserAgent', 'useragent'));
  const appIdField = lowerStr(get2(rec, 'AppId', 'appid'));
  const applicationId = lowerStr(get2(rec, 'ApplicationId', 'applicationid'));
  const clientAppId = lowerStr(get2(rec, 'ClientAppId', 'clientappid'));
  const appCtx = rec.AppAccessContext;
  const sessionId = firstStr(
    get2(rec, 'SessionId', 'sessionid'),
    isObj(appCtx) ? appCtx.AADSessionId : undefined,
  );

  const objectId = str(get2(rec, 'ObjectId', 'objectid'));
  const targetName = firstStr(targetDisplayName(rec.Target), rec.SourceFileName);
  const target: Target | undefined =
    objectId !== undefined || targetName !== undefined
      ? { id: objectId, name: targetName, type: str(rec.ItemType) }
      : undefined;

  let app: AppContext | undefined = grantApp(action, params, targetName);
  if (app === undefined) {
    const id = appIdField ?? applicationId;
    if (id !== undefined) app = { id };
  }

  const recordType = get2(rec, 'RecordType', 'recordtype');
  const time = t.time;
  const actorId = userId !== undefined ? userId.toLowerCase() : lowerStr(get2(rec, 'UserKey', 'userkey'));
  const errorNumber = get2(rec, 'ErrorNumber', 'errornumber');
  return one({
    id: str(get2(rec, 'Id', 'id')) ?? syntheticId('m365.audit', time, action, actorId),
    source: 'm365.audit',
    time,
    tenant: firstStr(get2(rec, 'OrganizationId', 'organizationid'), ctx.tenant) ?? UNKNOWN_TENANT,
    action,
    service: workload,
    category:
      typeof recordType === 'number' ? (RECORD_TYPES[recordType] ?? String(recordType)) : str(recordType),
    outcome: outcomeFor(action, get2(rec, 'ResultStatus', 'resultstatus')),
    errorCode: str(errorNumber),
    actor: {
      id: actorId,
      name: userId,
      type: actorType(get2(rec, 'UserType', 'usertype'), userId !== undefined),
      ip,
      userAgent,
      appId: clientAppId ?? appIdField ?? applicationId,
      sessionId,
    },
    target,
    app,
    params,
    raw: rec,
  });
}
