/**
 * Microsoft 365 unified audit log: records of the Office 365 Management Activity API
 * ("Office 365 Management Activity API schema": common schema CreationTime, Id, Operation,
 * OrganizationId, RecordType, ResultStatus, UserId, UserType, Workload, ClientIP, ObjectId;
 * Exchange admin Parameters[{Name, Value}] and mailbox ClientIPAddress / ClientAppId / AppId /
 * SessionId / OperationProperties; Entra ActorIpAddress, ApplicationId, ExtendedProperties,
 * ModifiedProperties[{Name, NewValue, OldValue}], LogonError, ErrorNumber), which is also the
 * `AuditData` of Search-UnifiedAuditLog and Purview exports. Panther's lower-cased keys
 * (`operation`, `userid`, ...) are read too, put back into the API's spelling first.
 */
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
  syntheticId,
  UNKNOWN_TENANT,
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

/** Field names of the record: PascalCase as the API writes them, or Panther's lower case. */
type Keys = Readonly<Record<(typeof FIELDS)[number], string>>;
const FIELDS = [
  'CreationTime',
  'Operation',
  'Workload',
  'Parameters',
  'ModifiedProperties',
  'ExtendedProperties',
  'OperationProperties',
  'LogonError',
  'UserId',
  'ClientIP',
  'ClientIPAddress',
  'ActorIpAddress',
  'UserAgent',
  'AppId',
  'ApplicationId',
  'ClientAppId',
  'SessionId',
  'ObjectId',
  'RecordType',
  'UserKey',
  'ErrorNumber',
  'Id',
  'OrganizationId',
  'ResultStatus',
  'UserType',
] as const;
const PASCAL: Keys = Object.fromEntries(FIELDS.map((k) => [k, k])) as Keys;

/**
 * Unified audit log field names beyond FIELDS that rules and evidence read, so a record whose keys
 * a pipeline lower-cased (Panther: `operation`, `userid`, `organizationname`) is read back into the
 * API's spelling, and `raw` looks the same whichever way the log was collected.
 */
const MORE_FIELDS = [
  'OrganizationName',
  'OriginatingServer',
  'ExternalAccess',
  'MailboxOwnerUPN',
  'MailboxOwnerSid',
  'MailboxOwnerMasterAccountSid',
  'MailboxGuid',
  'LogonType',
  'InternalLogonType',
  'LogonUserSid',
  'ClientInfoString',
  'ClientProcessName',
  'ClientVersion',
  'Folders',
  'Folder',
  'AffectedItems',
  'Item',
  'Items',
  'OperationCount',
  'ItemType',
  'SourceFileName',
  'SourceFileExtension',
  'SourceRelativeUrl',
  'SiteUrl',
  'Site',
  'WebId',
  'ListId',
  'ListItemUniqueId',
  'EventSource',
  'Target',
  'Actor',
  'ActorContextId',
  'TargetContextId',
  'InterSystemsId',
  'IntraSystemId',
  'SupportTicketId',
  'AzureActiveDirectoryEventType',
  'AppAccessContext',
  'AppPoolName',
  'TargetUserOrGroupName',
  'TargetUserOrGroupType',
  'EventData',
  'Version',
  'CorrelationId',
  'DeviceDisplayName',
  'Members',
  'TeamName',
  'ChannelName',
  'CommunicationType',
];
const TO_PASCAL: ReadonlyMap<string, string> = new Map(
  [...FIELDS, ...MORE_FIELDS].map((k) => [k.toLowerCase(), k]),
);

/** The record with Panther-style lower-cased top-level keys put back into the API's spelling. */
export function pascalUal(rec: Obj): Obj {
  const out: Obj = {};
  for (const k in rec) out[TO_PASCAL.get(k) ?? k] = rec[k];
  return out;
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
export function normalizeM365(input: Obj, ctx: NormalizeContext = {}): NormalizeResult {
  const rec = input.Operation === undefined && input.operation !== undefined ? pascalUal(input) : input;
  const K = PASCAL;
  const t = requireTime(rec[K.CreationTime], 'CreationTime');
  if ('reason' in t) return fail(t.reason);
  let action = str(rec[K.Operation]);
  if (action === undefined) return fail('no Operation');
  const workload = str(rec[K.Workload]);
  if (
    workload === 'AzureActiveDirectory' &&
    action.length > 1 &&
    action.charCodeAt(action.length - 1) === 46
  ) {
    action = action.slice(0, -1);
  }

  const params = emptyParams();
  pairsToParams(params, rec[K.Parameters], 'Name', 'Value');
  pairsToParams(params, rec[K.ModifiedProperties], 'Name', 'NewValue');
  pairsToParams(params, rec[K.ExtendedProperties], 'Name', 'Value');
  pairsToParams(params, rec[K.OperationProperties], 'Name', 'Value');
  if (rec !== input) {
    // Pipelines that lower-case keys may lower-case the pairs too.
    pairsToParams(params, rec[K.Parameters], 'name', 'value');
    pairsToParams(params, rec[K.ModifiedProperties], 'name', 'newvalue');
    pairsToParams(params, rec[K.ExtendedProperties], 'name', 'value');
    pairsToParams(params, rec[K.OperationProperties], 'name', 'value');
  }
  if (workload === 'AzureActiveDirectory') mergeAdditionalDetails(params);
  setParam(params, 'LogonError', rec[K.LogonError]);

  const userId = str(rec[K.UserId]);
  const ip = cleanIp(rec[K.ClientIP]) ?? cleanIp(rec[K.ClientIPAddress]) ?? cleanIp(rec[K.ActorIpAddress]);
  const ua = params['UserAgent'] ?? params['User-Agent'];
  const userAgent = typeof ua === 'string' && ua !== '' ? ua : str(rec[K.UserAgent]);
  const appIdField = lowerStr(rec[K.AppId]);
  const applicationId = lowerStr(rec[K.ApplicationId]);
  const clientAppId = lowerStr(rec[K.ClientAppId]);
  const appCtx = rec.AppAccessContext;
  const sessionId = firstStr(rec[K.SessionId], isObj(appCtx) ? appCtx.AADSessionId : undefined);

  const objectId = str(rec[K.ObjectId]);
  const targetName = firstStr(targetDisplayName(rec.Target), rec.SourceFileName);
  // Mailbox access (MailItemsAccessed and kin) names whose mailbox was read: what on-call scopes.
  const mailboxOwner = str(rec.MailboxOwnerUPN);
  const target: Target | undefined =
    mailboxOwner !== undefined
      ? { id: mailboxOwner.toLowerCase(), name: mailboxOwner, type: 'Mailbox' }
      : objectId !== undefined || targetName !== undefined
        ? { id: objectId, name: targetName, type: str(rec.ItemType) }
        : undefined;

  let app: AppContext | undefined = grantApp(action, params, targetName);
  if (app === undefined) {
    const id = appIdField ?? applicationId;
    if (id !== undefined) app = { id };
  }

  const recordType = rec[K.RecordType];
  const time = t.time;
  const actorId = userId !== undefined ? userId.toLowerCase() : lowerStr(rec[K.UserKey]);
  const errorNumber = rec[K.ErrorNumber];
  return one({
    id: str(rec[K.Id]) ?? syntheticId('m365.audit', time, action, actorId),
    source: 'm365.audit',
    time,
    tenant: firstStr(rec[K.OrganizationId], ctx.tenant) ?? UNKNOWN_TENANT,
    action,
    service: workload,
    category:
      typeof recordType === 'number' ? (RECORD_TYPES[recordType] ?? String(recordType)) : str(recordType),
    outcome: outcomeFor(action, rec[K.ResultStatus]),
    errorCode: str(errorNumber),
    actor: {
      id: actorId,
      name: userId,
      type: actorType(rec[K.UserType], userId !== undefined),
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
