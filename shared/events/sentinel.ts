/**
 * Microsoft Sentinel / Log Analytics rows, as a query result or an export (CSV, JSON) holds them:
 * the `AuditLogs`, `SigninLogs` (and `AADNonInteractiveUserSignInLogs`,
 * `AADServicePrincipalSignInLogs`, `AADManagedIdentitySignInLogs`) and `OfficeActivity` tables
 * ("Azure Monitor Logs reference": the tables' columns). Columns are PascalCase, the time of
 * ingestion is `TimeGenerated`, and `dynamic` columns (InitiatedBy, TargetResources,
 * AdditionalDetails, Status, LocationDetails, DeviceDetail, Parameters, ModifiedProperties...)
 * arrive as JSON text in exports and as objects in API results; both are read.
 *
 * Each row is turned back into the shape its source API writes (the Graph signIn or
 * directoryAudit inside an Azure Monitor envelope, the unified audit log record) and read by that
 * source's normalizer, so rules see the same event whichever way the log was collected. The
 * event time is the activity's own time (CreatedDateTime, ActivityDateTime, the UAL CreationTime)
 * when the row has it, else TimeGenerated.
 */
import { normalizeEntraAudit } from './entra-audit';
import { normalizeEntraSignIn } from './entra-signin';
import { isObj, str } from './fields';
import type { Obj } from './fields';
import { normalizeM365 } from './m365';
import type { NormalizeContext, NormalizeResult } from './types';

/** Sentinel sign-in tables and the diagnostic-settings category each one comes from. */
const SIGNIN_TABLES: Readonly<Record<string, string>> = {
  SigninLogs: 'SignInLogs',
  AADNonInteractiveUserSignInLogs: 'NonInteractiveUserSignInLogs',
  AADServicePrincipalSignInLogs: 'ServicePrincipalSignInLogs',
  AADManagedIdentitySignInLogs: 'ManagedIdentitySignInLogs',
};

export type SentinelTable = 'signin' | 'audit' | 'office';

/** Which Sentinel table `rec` is a row of, or undefined. */
export function sentinelTable(rec: Obj): SentinelTable | undefined {
  const type = rec.Type;
  if (typeof type === 'string') {
    if (SIGNIN_TABLES[type] !== undefined) return 'signin';
    if (type === 'AuditLogs') return 'audit';
    if (type === 'OfficeActivity') return 'office';
  }
  if (rec.TimeGenerated === undefined) return undefined;
  if (
    rec.ActivityDisplayName !== undefined &&
    (rec.InitiatedBy !== undefined || rec.TargetResources !== undefined)
  )
    return 'audit';
  if (rec.ResultType !== undefined && (rec.UserPrincipalName !== undefined || rec.AppId !== undefined))
    return 'signin';
  if (typeof rec.Operation === 'string' && (rec.OfficeWorkload !== undefined || rec.OfficeId !== undefined))
    return 'office';
  return undefined;
}

/** A `dynamic` column: the object or array itself, or parsed from its JSON text. */
function dyn(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const s = v.trim();
  const c = s.charCodeAt(0);
  if (c !== 123 /* { */ && c !== 91 /* [ */) return v;
  try {
    return JSON.parse(s) as unknown;
  } catch {
    return v;
  }
}

function bool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    const l = v.toLowerCase();
    if (l === 'true') return true;
    if (l === 'false') return false;
  }
  return undefined;
}

function code(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^\d+$/.test(v.trim())) return Number(v.trim());
  return undefined;
}

function defined(o: Obj): Obj {
  const out: Obj = {};
  for (const k in o) if (o[k] !== undefined && o[k] !== '') out[k] = o[k];
  return out;
}

/** SigninLogs row -> Graph signIn in its Azure Monitor envelope. */
function signIn(rec: Obj, ctx: NormalizeContext): NormalizeResult {
  const status = dyn(rec.Status);
  const st: Obj = isObj(status) ? { ...status } : {};
  const rc = code(rec.ResultType);
  if (code(st.errorCode) === undefined && rc !== undefined) st.errorCode = rc;
  if (st.failureReason === undefined && rec.ResultDescription !== undefined)
    st.failureReason = rec.ResultDescription;
  const type = str(rec.Type);
  const interactive =
    bool(rec.IsInteractive) ?? (type === 'AADNonInteractiveUserSignInLogs' ? false : undefined);
  const props = defined({
    id: rec.Id,
    createdDateTime: rec.CreatedDateTime ?? rec.TimeGenerated,
    userPrincipalName: rec.UserPrincipalName,
    userDisplayName: rec.UserDisplayName,
    userId: rec.UserId,
    appId: rec.AppId,
    appDisplayName: rec.AppDisplayName,
    ipAddress: rec.IPAddress,
    userAgent: rec.UserAgent,
    clientAppUsed: rec.ClientAppUsed,
    correlationId: rec.CorrelationId,
    sessionId: rec.SessionId,
    isInteractive: interactive,
    conditionalAccessStatus: rec.ConditionalAccessStatus,
    authenticationRequirement: rec.AuthenticationRequirement,
    authenticationProtocol: rec.AuthenticationProtocol,
    riskDetail: rec.RiskDetail,
    riskLevelAggregated: rec.RiskLevelAggregated,
    riskLevelDuringSignIn: rec.RiskLevelDuringSignIn,
    riskState: rec.RiskState,
    riskEventTypes_v2: dyn(rec.RiskEventTypes_V2),
    resourceDisplayName: rec.ResourceDisplayName,
    resourceId: rec.ResourceIdentity,
    resourceTenantId: rec.ResourceTenantId,
    homeTenantId: rec.HomeTenantId,
    servicePrincipalId: rec.ServicePrincipalId,
    servicePrincipalName: rec.ServicePrincipalName,
    uniqueTokenIdentifier: rec.UniqueTokenIdentifier,
    crossTenantAccessType: rec.CrossTenantAccessType,
    status: st,
    location: dyn(rec.LocationDetails),
    deviceDetail: dyn(rec.DeviceDetail),
    mfaDetail: dyn(rec.MfaDetail),
    autonomousSystemNumber: rec.AutonomousSystemNumber,
  });
  const envelope: Obj = {
    time: rec.TimeGenerated,
    category: (type !== undefined ? SIGNIN_TABLES[type] : undefined) ?? 'SignInLogs',
    operationName: rec.OperationName ?? 'Sign-in activity',
    tenantId: rec.AADTenantId ?? rec.TenantId,
    resultType: rec.ResultType,
    properties: props,
  };
  return normalizeEntraSignIn(envelope, ctx);
}

/** AuditLogs row -> Graph directoryAudit in its Azure Monitor envelope. */
function audit(rec: Obj, ctx: NormalizeContext): NormalizeResult {
  const props = defined({
    id: rec.Id,
    activityDateTime: rec.ActivityDateTime ?? rec.TimeGenerated,
    activityDisplayName: rec.ActivityDisplayName ?? rec.OperationName,
    category: rec.Category,
    correlationId: rec.CorrelationId,
    loggedByService: rec.LoggedByService,
    operationType: rec.AADOperationType,
    result: rec.Result,
    resultReason: rec.ResultReason,
    initiatedBy: dyn(rec.InitiatedBy),
    targetResources: dyn(rec.TargetResources),
    additionalDetails: dyn(rec.AdditionalDetails),
  });
  const envelope: Obj = {
    time: rec.TimeGenerated,
    category: 'AuditLogs',
    operationName: rec.OperationName,
    tenantId: rec.AADTenantId ?? rec.TenantId,
    properties: props,
  };
  return normalizeEntraAudit(envelope, ctx);
}

/** OfficeActivity's string UserType -> the Management Activity API's number. */
const USER_TYPES: Readonly<Record<string, number>> = {
  Regular: 0,
  Reserved: 1,
  Admin: 2,
  DcAdmin: 3,
  System: 4,
  Application: 5,
  ServicePrincipal: 6,
  CustomPolicy: 7,
  SystemPolicy: 8,
};

/** OfficeActivity columns whose UAL field has another name. */
const OFFICE_RENAMES: Readonly<Record<string, string>> = {
  OfficeId: 'Id',
  OfficeWorkload: 'Workload',
  OfficeObjectId: 'ObjectId',
  Client_IPAddress: 'ClientIPAddress',
  Site_Url: 'SiteUrl',
  SourceRelativeUrl: 'SourceRelativeUrl',
  AzureActiveDirectory_EventType: 'AzureActiveDirectoryEventType',
  OfficeTenantId: 'OrganizationId',
};

/** Columns Log Analytics adds that the UAL record does not have. */
const LA_ONLY: ReadonlySet<string> = new Set([
  'TimeGenerated',
  'Type',
  'TenantId',
  'SourceSystem',
  'SourceRecordId',
  '_ResourceId',
  '_BilledSize',
  '_IsBillable',
  'MG',
  'ManagementGroupName',
  'Computer',
  'RawEventData',
]);

/** OfficeActivity row -> unified audit log record (Management Activity API schema). */
function office(rec: Obj, ctx: NormalizeContext): NormalizeResult {
  const out: Obj = {};
  for (const k in rec) {
    if (LA_ONLY.has(k) || k.startsWith('p_')) continue;
    const v = rec[k];
    if (v === undefined || v === null || v === '') continue;
    out[OFFICE_RENAMES[k] ?? k] = dyn(v);
  }
  if (out.OrganizationId === undefined && rec.TenantId !== undefined) out.OrganizationId = rec.TenantId;
  out.CreationTime = rec.CreationTime ?? rec.TimeGenerated;
  const ut = rec.UserType;
  if (typeof ut === 'string' && USER_TYPES[ut] !== undefined) out.UserType = USER_TYPES[ut];
  return normalizeM365(out, ctx);
}

/** Normalizes one Sentinel / Log Analytics row of a table Tripline reads. */
export function normalizeSentinel(rec: Obj, ctx: NormalizeContext = {}): NormalizeResult {
  const table = sentinelTable(rec);
  const own =
    table === 'signin' ? rec.CreatedDateTime : table === 'audit' ? rec.ActivityDateTime : rec.CreationTime;
  if ((rec.TimeGenerated === undefined || rec.TimeGenerated === '') && (own === undefined || own === ''))
    return { ok: false, reason: 'no TimeGenerated' };
  switch (table) {
    case 'signin':
      return signIn(rec, ctx);
    case 'audit':
      return audit(rec, ctx);
    case 'office':
      return office(rec, ctx);
    default:
      return { ok: false, reason: 'not a row of SigninLogs, AuditLogs or OfficeActivity' };
  }
}
