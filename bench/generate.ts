/**
 * Raw audit records as the real APIs write them, and a deterministic synthetic corpus built from
 * them for benchmarks.
 *
 * The builders are shared by the Contoso example story (bench/example-story.ts writes examples/)
 * and by the throughput benchmark (bench/replay.bench.ts). Every builder returns the record a user
 * would find in an export, with the fields and spellings of the source:
 * - Entra ID sign-ins and audit records inside the Azure Monitor diagnostic-settings envelope
 *   (`time, resourceId, operationName, category, tenantId, ..., properties: {Graph object}`), one
 *   record per line as in the PT1H.json blobs diagnostic settings write to a storage account;
 * - Office 365 Management Activity API records (common schema + Exchange mailbox, Exchange admin,
 *   SharePoint file operation);
 * - CloudTrail records (S3 delivery files hold `{"Records": [...]}`);
 * - Google Workspace Reports API activities (`admin#reports#activity` with `events[]`).
 *
 * Randomness comes only from {@link Rng}, seeded, so the same seed always gives the same bytes.
 */
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

// --- deterministic randomness ------------------------------------------------------------------

/** Seeded PRNG (sfc32 seeded by a string hash): fast, good enough for test data, reproducible. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: string | number) {
    let h = 1779033703 ^ String(seed).length;
    const s = String(seed);
    for (let i = 0; i < s.length; i++) {
      h = Math.imul(h ^ s.charCodeAt(i), 3432918353);
      h = (h << 13) | (h >>> 19);
    }
    const next = () => {
      h = Math.imul(h ^ (h >>> 16), 2246822507);
      h = Math.imul(h ^ (h >>> 13), 3266489909);
      return (h ^= h >>> 16) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 12; i++) this.next();
  }

  /** Uniform in [0, 1). */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  /** Integer in [lo, hi], both included. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** Lower-case hex digits. */
  hex(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += '0123456789abcdef'[Math.floor(this.next() * 16)];
    return s;
  }

  /** Decimal digits, the first one not zero. */
  digits(n: number): string {
    let s = String(this.int(1, 9));
    for (let i = 1; i < n; i++) s += String(this.int(0, 9));
    return s;
  }

  /** Characters from `alphabet`. */
  chars(n: number, alphabet: string): string {
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[Math.floor(this.next() * alphabet.length)];
    return s;
  }

  /** A version-4 GUID, lower-case. */
  guid(): string {
    const v = this.hex(32).split('');
    v[12] = '4';
    v[16] = '89ab'[Math.floor(this.next() * 4)] as string;
    const s = v.join('');
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
  }
}

const UPPER_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const B64URL = `${ALNUM}-_`;

// --- time formats --------------------------------------------------------------------------------

export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

/** Epoch ms of an ISO-8601 UTC time written without the trailing Z ('2026-03-02T09:10:03'). */
export function at(iso: string): number {
  const t = Date.parse(`${iso}Z`);
  if (!Number.isFinite(t)) throw new Error(`bad time ${iso}`);
  return t;
}

/** '2026-03-02T09:10:03.513Z' */
export function isoMs(t: number): string {
  return new Date(t).toISOString();
}

/** '2026-03-02T09:10:03Z' (CloudTrail eventTime). */
export function isoSec(t: number): string {
  return `${new Date(t).toISOString().slice(0, 19)}Z`;
}

/** '2026-03-02T09:10:03' (Management Activity API CreationTime: UTC, no zone, whole seconds). */
export function ualTime(t: number): string {
  return new Date(t).toISOString().slice(0, 19);
}

/** Seven fractional digits as .NET writes them: '2026-03-02T09:10:03.5137821' + suffix. */
function dotnetTime(t: number, tick: number, suffix: string): string {
  const iso = new Date(t).toISOString();
  return `${iso.slice(0, 23)}${String(tick % 10000).padStart(4, '0')}${suffix}`;
}

// --- shared identities ---------------------------------------------------------------------------

/** A directory user as Entra and Exchange know them. */
export interface DirectoryUser {
  upn: string;
  displayName: string;
  /** Entra object id. */
  id: string;
  /** Exchange / UAL PUID (UserKey of mailbox records), 16 hex digits upper-case. */
  puid: string;
  /** On-premises-style SID Exchange writes for mailboxes. */
  sid: string;
  /** Exchange mailbox GUID. */
  mailboxGuid: string;
}

/** Builds a user with stable ids from `rng`. */
export function directoryUser(rng: Rng, upn: string, displayName: string, sidDomain: string): DirectoryUser {
  return {
    upn,
    displayName,
    id: rng.guid(),
    puid: `1003${rng.hex(12)}`.toUpperCase(),
    sid: `${sidDomain}-${rng.int(1100, 99999)}`,
    mailboxGuid: rng.guid(),
  };
}

/** A SID domain prefix ('S-1-5-21-...-...-...'). */
export function sidDomain(rng: Rng): string {
  return `S-1-5-21-${rng.digits(10)}-${rng.digits(10)}-${rng.digits(10)}`;
}

// --- Entra ID sign-ins (Graph signIn inside the Azure Monitor envelope) --------------------------

/** Entra sign-in error codes and the failure reasons Entra writes for them. */
export const SIGNIN_ERRORS: Readonly<Record<number, string>> = {
  0: '',
  50053:
    'Account is locked because user tried to sign in too many times with an incorrect user ID or password.',
  50074: 'Strong Authentication is required.',
  50126: 'Error validating credentials due to invalid username or password.',
  50140: "This error occurred due to 'Keep me signed in' interrupt when the user was signing in.",
  65001:
    "The user or administrator has not consented to use the application with ID '{appId}' named '{appName}'. Send an interactive authorization request for this user and resource.",
};

export interface GeoPlace {
  city: string;
  state: string;
  countryOrRegion: string;
  latitude: number;
  longitude: number;
}

export interface SignInSpec {
  time: number;
  tenantId: string;
  user: DirectoryUser;
  app: { id: string; name: string };
  resource: { id: string; name: string };
  ip: string;
  /** 0 for success. */
  errorCode: number;
  clientAppUsed: string;
  userAgent: string;
  device: {
    operatingSystem: string;
    browser: string;
    deviceId?: string;
    displayName?: string;
    isCompliant?: boolean;
    isManaged?: boolean;
    trustType?: string;
  };
  place: GeoPlace;
  isInteractive?: boolean;
  mfa?: boolean;
  /** status.additionalDetails of an MFA success (default: satisfied by a claim in the token). */
  mfaDetails?: string;
  authenticationProtocol?: string;
  risk?: 'none' | 'low' | 'medium' | 'high';
}

/** One Entra sign-in, as a line of a SignInLogs PT1H.json blob. */
export function entraSignIn(rng: Rng, s: SignInSpec): Record<string, unknown> {
  const id = rng.guid();
  const correlationId = rng.guid();
  const failed = s.errorCode !== 0;
  const reason = (SIGNIN_ERRORS[s.errorCode] ?? 'Other.')
    .replace('{appId}', s.app.id)
    .replace('{appName}', s.app.name);
  const passwordStep = s.errorCode === 50126 || s.errorCode === 50053;
  const tick = rng.int(0, 9999);
  const created = dotnetTime(s.time, tick, '+00:00');
  const risk = s.risk ?? 'none';
  const authDetails: Record<string, unknown>[] = [
    {
      authenticationStepDateTime: dotnetTime(s.time, tick, '+00:00'),
      authenticationMethod: 'Password',
      authenticationMethodDetail: 'Password in the cloud',
      succeeded: !passwordStep,
      authenticationStepResultDetail: passwordStep
        ? s.errorCode === 50053
          ? 'Account is locked'
          : 'Invalid username or password or Invalid on-premise username or password.'
        : s.errorCode === 0 && s.mfa
          ? 'MFA requirement satisfied by claim in the token'
          : 'Correct password',
      authenticationStepRequirement: 'Primary authentication',
    },
  ];
  const status: Record<string, unknown> = { errorCode: s.errorCode };
  if (failed) status.failureReason = reason;
  else if (s.mfa)
    status.additionalDetails = s.mfaDetails ?? 'MFA requirement satisfied by claim in the token';
  const properties: Record<string, unknown> = {
    id,
    createdDateTime: created,
    userDisplayName: s.user.displayName,
    userPrincipalName: s.user.upn,
    userId: s.user.id,
    appId: s.app.id,
    appDisplayName: s.app.name,
    ipAddress: s.ip,
    status,
    clientAppUsed: s.clientAppUsed,
    userAgent: s.userAgent,
    deviceDetail: {
      deviceId: s.device.deviceId ?? '',
      displayName: s.device.displayName ?? '',
      operatingSystem: s.device.operatingSystem,
      browser: s.device.browser,
      isCompliant: s.device.isCompliant ?? false,
      isManaged: s.device.isManaged ?? false,
      trustType: s.device.trustType ?? '',
    },
    location: {
      city: s.place.city,
      state: s.place.state,
      countryOrRegion: s.place.countryOrRegion,
      geoCoordinates: { altitude: null, latitude: s.place.latitude, longitude: s.place.longitude },
    },
    correlationId,
    conditionalAccessStatus: s.errorCode === 0 ? 'success' : 'notApplied',
    isInteractive: s.isInteractive ?? true,
    tokenIssuerType: 'AzureAD',
    processingTimeInMilliseconds: rng.int(40, 480),
    riskDetail: 'none',
    riskLevelAggregated: risk,
    riskLevelDuringSignIn: risk,
    riskState: risk === 'none' ? 'none' : 'atRisk',
    riskEventTypes_v2: [],
    resourceDisplayName: s.resource.name,
    resourceId: s.resource.id,
    resourceTenantId: s.tenantId,
    homeTenantId: s.tenantId,
    authenticationDetails: authDetails,
    authenticationRequirement: s.mfa ? 'multiFactorAuthentication' : 'singleFactorAuthentication',
    userType: 'Member',
    flaggedForReview: false,
    isTenantRestricted: false,
    crossTenantAccessType: 'none',
    uniqueTokenIdentifier: rng.chars(22, B64URL),
    incomingTokenType: 'none',
    authenticationProtocol: s.authenticationProtocol ?? 'none',
    appliedConditionalAccessPolicies: [],
  };
  return {
    // The envelope's time is when Entra emitted the record, a little after the sign-in.
    time: dotnetTime(s.time + rng.int(20_000, 150_000), rng.int(0, 9999), 'Z'),
    resourceId: `/tenants/${s.tenantId}/providers/Microsoft.aadiam`,
    operationName: 'Sign-in activity',
    operationVersion: '1.0',
    category: 'SignInLogs',
    tenantId: s.tenantId,
    resultType: String(s.errorCode),
    resultSignature: 'None',
    resultDescription: failed ? reason : '',
    durationMs: 0,
    callerIpAddress: s.ip,
    correlationId,
    identity: s.user.displayName,
    Level: 4,
    location: s.place.countryOrRegion,
    properties,
  };
}

// --- Entra ID audit (Graph directoryAudit inside the Azure Monitor envelope) --------------------

/** One modifiedProperties entry; values are JSON-encoded as Graph writes them (strings get quotes). */
export interface ModifiedProperty {
  displayName: string;
  oldValue: string | null;
  newValue: string | null;
}

/** A modified property whose new value is a string, written JSON-encoded (`"\"False\""`). */
export function mp(
  displayName: string,
  newValue: string | null,
  oldValue: string | null = null,
): ModifiedProperty {
  return {
    displayName,
    oldValue: oldValue === null ? null : JSON.stringify(oldValue),
    newValue: newValue === null ? null : JSON.stringify(newValue),
  };
}

/** A modified property whose values are lists, as "Add service principal" writes them (`[\"x\"]`). */
export function mpList(displayName: string, newValue: unknown[], oldValue: unknown[] = []): ModifiedProperty {
  return { displayName, oldValue: JSON.stringify(oldValue), newValue: JSON.stringify(newValue) };
}

export interface AuditTarget {
  id: string;
  displayName: string | null;
  type: string;
  userPrincipalName?: string | null;
  modifiedProperties?: ModifiedProperty[];
}

export type AuditInitiator =
  | { user: DirectoryUser; ip: string | null }
  | {
      app: {
        appId: string | null;
        displayName: string;
        servicePrincipalId: string;
        servicePrincipalName: string | null;
      };
    };

export interface AuditSpec {
  time: number;
  tenantId: string;
  activity: string;
  category: string;
  operationType: 'Add' | 'Update' | 'Delete' | 'Assign' | 'Unassign' | 'Other';
  initiatedBy: AuditInitiator;
  targets: AuditTarget[];
  additionalDetails?: Array<{ key: string; value: string }>;
  correlationId?: string;
  loggedByService?: string;
  result?: 'success' | 'failure';
  resultReason?: string;
}

/** One Entra audit record, as a line of an AuditLogs PT1H.json blob. */
export function entraAudit(rng: Rng, a: AuditSpec): Record<string, unknown> {
  const correlationId = a.correlationId ?? rng.guid();
  const tick = rng.int(0, 9999);
  const initiatedBy =
    'user' in a.initiatedBy
      ? {
          user: {
            id: a.initiatedBy.user.id,
            displayName: null,
            userPrincipalName: a.initiatedBy.user.upn,
            ipAddress: a.initiatedBy.ip,
            userType: null,
            homeTenantId: null,
            homeTenantName: null,
          },
        }
      : { app: { ...a.initiatedBy.app } };
  const properties: Record<string, unknown> = {
    id: `Directory_${correlationId}_${rng.chars(5, UPPER_ALNUM)}_${rng.digits(8)}`,
    category: a.category,
    correlationId,
    result: a.result ?? 'success',
    resultReason: a.resultReason ?? '',
    activityDisplayName: a.activity,
    activityDateTime: dotnetTime(a.time, tick, '+00:00'),
    loggedByService: a.loggedByService ?? 'Core Directory',
    operationType: a.operationType,
    userAgent: null,
    initiatedBy,
    targetResources: a.targets.map((t) => ({
      id: t.id,
      displayName: t.displayName,
      type: t.type,
      userPrincipalName: t.userPrincipalName ?? null,
      groupType: null,
      modifiedProperties: t.modifiedProperties ?? [],
    })),
    additionalDetails: a.additionalDetails ?? [],
  };
  const callerIp = 'user' in a.initiatedBy ? a.initiatedBy.ip : null;
  const env: Record<string, unknown> = {
    time: dotnetTime(a.time, tick, 'Z'),
    resourceId: `/tenants/${a.tenantId}/providers/Microsoft.aadiam`,
    operationName: a.activity,
    operationVersion: '1.0',
    category: 'AuditLogs',
    tenantId: a.tenantId,
    resultSignature: 'None',
    durationMs: 0,
  };
  if (callerIp !== null) env.callerIpAddress = callerIp;
  env.correlationId = correlationId;
  env.identity = 'user' in a.initiatedBy ? a.initiatedBy.user.displayName : a.initiatedBy.app.displayName;
  env.Level = 4;
  env.properties = properties;
  return env;
}

/** Well-known Microsoft Graph identifiers (the resource of most delegated grants). */
export const MICROSOFT_GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
const GRAPH_SPNS =
  '00000003-0000-0000-c000-000000000000/ags.windows.net;00000003-0000-0000-c000-000000000000;https://canary.graph.microsoft.com;https://graph.microsoft.com;https://ags.windows.net;https://graph.microsoft.us;https://graph.microsoft.com/;https://dod-graph.microsoft.us;https://canary.graph.microsoft.com/;https://graph.microsoft.us/;https://dod-graph.microsoft.us/';

export interface ConsentSpec {
  time: number;
  tenantId: string;
  user: DirectoryUser;
  ip: string;
  userAgent: string;
  app: { appId: string; name: string; replyUrl: string };
  /** Object id of the app's new service principal in the tenant. */
  servicePrincipalId: string;
  /** Object id of the Microsoft Graph service principal in the tenant. */
  graphServicePrincipalId: string;
  scopes: string[];
}

/**
 * The three records Entra writes when a user consents to a multi-tenant app for the first time:
 * "Add service principal" (the app's service principal appears in the tenant), "Add delegated
 * permission grant" (target: the resource API, Microsoft Graph; the client only as
 * ServicePrincipal.ObjectID) and "Consent to application" (target: the client service principal;
 * ConsentAction.Permissions lists the grant). One correlation id, a few milliseconds apart.
 */
export function entraUserConsent(rng: Rng, c: ConsentSpec): Record<string, unknown>[] {
  const correlationId = rng.guid();
  const grantId = rng.chars(43, B64URL);
  const scope = c.scopes.join(' ');
  const initiatedBy = { user: c.user, ip: c.ip };
  const ua = { key: 'User-Agent', value: c.userAgent };
  const addSp = entraAudit(rng, {
    time: c.time,
    tenantId: c.tenantId,
    activity: 'Add service principal',
    category: 'ApplicationManagement',
    operationType: 'Add',
    correlationId,
    initiatedBy,
    targets: [
      {
        id: c.servicePrincipalId,
        displayName: c.app.name,
        type: 'ServicePrincipal',
        modifiedProperties: [
          mpList('AccountEnabled', [true]),
          mpList('AppAddress', [
            {
              AddressType: 0,
              Address: c.app.replyUrl,
              ReplyAddressClientType: 1,
              ReplyAddressIndex: null,
              IsReplyAddressDefault: false,
            },
          ]),
          mpList('AppPrincipalId', [c.app.appId]),
          mpList('DisplayName', [c.app.name]),
          mpList('ServicePrincipalName', [c.app.appId]),
          mp(
            'Included Updated Properties',
            'AccountEnabled, AppAddress, AppPrincipalId, DisplayName, ServicePrincipalName',
          ),
          mp('TargetId.ServicePrincipalNames', c.app.appId),
        ],
      },
    ],
    additionalDetails: [ua, { key: 'AppId', value: c.app.appId }],
  });
  const grant = entraAudit(rng, {
    time: c.time + 180,
    tenantId: c.tenantId,
    activity: 'Add delegated permission grant',
    category: 'ApplicationManagement',
    operationType: 'Assign',
    correlationId,
    initiatedBy,
    targets: [
      {
        id: c.graphServicePrincipalId,
        displayName: 'Microsoft Graph',
        type: 'ServicePrincipal',
        modifiedProperties: [
          mp('DelegatedPermissionGrant.Scope', ` ${scope}`),
          mp('DelegatedPermissionGrant.ConsentType', 'Principal'),
          mp('ServicePrincipal.ObjectID', c.servicePrincipalId),
          mp('ServicePrincipal.DisplayName', null),
          mp('ServicePrincipal.AppId', null),
          mp('ServicePrincipal.Name', null),
          mp('TargetId.ServicePrincipalNames', GRAPH_SPNS),
        ],
      },
    ],
    additionalDetails: [ua, { key: 'AppId', value: MICROSOFT_GRAPH_APP_ID }],
  });
  const permissions =
    `[] => [[Id: ${grantId}, ClientId: ${c.servicePrincipalId}, PrincipalId: ${c.user.id}, ` +
    `ResourceId: ${c.graphServicePrincipalId}, ConsentType: Principal, Scope:  ${scope}, ` +
    'CreatedDateTime: , LastModifiedDateTime ]]; ';
  const consent = entraAudit(rng, {
    time: c.time + 310,
    tenantId: c.tenantId,
    activity: 'Consent to application',
    category: 'ApplicationManagement',
    operationType: 'Assign',
    correlationId,
    initiatedBy,
    targets: [
      {
        id: c.servicePrincipalId,
        displayName: c.app.name,
        type: 'ServicePrincipal',
        modifiedProperties: [
          mp('ConsentContext.IsAdminConsent', 'False'),
          mp('ConsentContext.IsAppOnly', 'False'),
          mp('ConsentContext.OnBehalfOfAll', 'False'),
          mp('ConsentContext.Tags', 'WindowsAzureActiveDirectoryIntegratedApp'),
          mp('ConsentAction.Permissions', permissions),
          mp('ConsentAction.Reason', ''),
          mp('TargetId.ServicePrincipalNames', c.app.appId),
        ],
      },
    ],
    additionalDetails: [ua, { key: 'AppId', value: c.app.appId }],
  });
  return [addSp, grant, consent];
}

// --- Microsoft 365 unified audit log (Management Activity API) -----------------------------------

/** Exchange mailbox LogonType values. */
export const LOGON_OWNER = 0;
export const LOGON_ADMIN = 1;
export const LOGON_DELEGATE = 2;

export interface MailAccessSpec {
  time: number;
  tenantId: string;
  orgName: string;
  /** Who opened the mailbox (UserId). */
  user: DirectoryUser;
  /** Whose mailbox it is. */
  owner: DirectoryUser;
  logonType: number;
  accessType: 'Bind' | 'Sync';
  appId: string;
  /** '' when Exchange writes the field empty. */
  clientAppId: string;
  clientIp: string;
  clientInfoString: string;
  /** Bind: folders with the items read; Sync: the synced folders (no items). */
  folders: Array<{ path: string; items?: Array<{ internetMessageId: string; sizeInBytes: number }> }>;
  sessionId: string;
  server: string;
  /** Token context Exchange adds for OAuth access (REST / Graph). */
  appAccessContext?: Record<string, unknown>;
}

/** MailItemsAccessed (Exchange mailbox audit, RecordType 50 ExchangeItemAggregated). */
export function ualMailItemsAccessed(rng: Rng, m: MailAccessSpec): Record<string, unknown> {
  const folderIdFor = () => `LgAAAAD${rng.chars(50, ALNUM)}AAAB`;
  const folders = m.folders.map((f) => {
    const out: Record<string, unknown> = {};
    if (f.items !== undefined) {
      out.FolderItems = f.items.map((i) => ({
        InternetMessageId: i.internetMessageId,
        SizeInBytes: i.sizeInBytes,
      }));
    }
    out.Id = folderIdFor();
    out.Path = f.path;
    return out;
  });
  const ops = m.folders.reduce((n, f) => n + (f.items?.length ?? 1), 0);
  const rec: Record<string, unknown> = {};
  if (m.appAccessContext !== undefined) rec.AppAccessContext = m.appAccessContext;
  Object.assign(rec, {
    CreationTime: ualTime(m.time),
    Id: rng.guid(),
    Operation: 'MailItemsAccessed',
    OrganizationId: m.tenantId,
    RecordType: 50,
    ResultStatus: 'Succeeded',
    UserKey: m.user.puid,
    UserType: 0,
    Version: 1,
    Workload: 'Exchange',
    UserId: m.user.upn,
    AppId: m.appId,
    ClientAppId: m.clientAppId,
    ClientIPAddress: m.clientIp,
    ClientInfoString: m.clientInfoString,
    ExternalAccess: false,
    InternalLogonType: 0,
    LogonType: m.logonType,
    LogonUserSid: m.user.sid,
    MailboxGuid: m.owner.mailboxGuid,
    MailboxOwnerSid: m.owner.sid,
    MailboxOwnerUPN: m.owner.upn,
    OperationProperties: [
      { Name: 'MailAccessType', Value: m.accessType },
      { Name: 'IsThrottled', Value: 'False' },
    ],
    OrganizationName: m.orgName,
    OriginatingServer: `${m.server} (15.20.8466.017)\r\n`,
    SessionId: m.sessionId,
    Folders: folders,
    OperationCount: ops,
  });
  return rec;
}

export interface FileOpSpec {
  time: number;
  tenantId: string;
  operation: 'FileDownloaded' | 'FileAccessed' | 'FileModified' | 'FileUploaded';
  workload: 'SharePoint' | 'OneDrive';
  user: DirectoryUser;
  clientIp: string;
  /** Site root with trailing slash: 'https://contoso.sharepoint.com/sites/Finance/'. */
  siteUrl: string;
  /** Folder below the site: 'Shared Documents/Payables'. */
  folder: string;
  fileName: string;
  fileSize: number;
  applicationId: string;
  applicationDisplayName?: string;
  userAgent: string;
  siteId: string;
  webId: string;
  listId: string;
  /** OAuth context SharePoint writes for app / API access. */
  appAccessContext?: Record<string, unknown>;
  isManagedDevice?: boolean;
  platform?: string;
  browser?: { name: string; version: string };
}

/** A SharePoint / OneDrive file operation (RecordType 6 SharePointFileOperation). */
export function ualFileOperation(rng: Rng, f: FileOpSpec): Record<string, unknown> {
  const dot = f.fileName.lastIndexOf('.');
  const ext = dot >= 0 ? f.fileName.slice(dot + 1) : '';
  const rec: Record<string, unknown> = {};
  if (f.appAccessContext !== undefined) rec.AppAccessContext = f.appAccessContext;
  Object.assign(rec, {
    CreationTime: ualTime(f.time),
    Id: rng.guid(),
    Operation: f.operation,
    OrganizationId: f.tenantId,
    RecordType: 6,
    UserKey: `i:0h.f|membership|${f.user.puid.toLowerCase()}@live.com`,
    UserType: 0,
    Version: 1,
    Workload: f.workload,
    ClientIP: f.clientIp,
    ObjectId: `${f.siteUrl}${f.folder}/${f.fileName}`,
    UserId: f.user.upn,
    ApplicationId: f.applicationId,
    AuthenticationType: 'OAuth',
    BrowserName: f.browser?.name ?? '',
    BrowserVersion: f.browser?.version ?? '',
    CorrelationId: rng.guid(),
    EventSource: 'SharePoint',
    GeoLocation: 'NAM',
    IsManagedDevice: f.isManagedDevice ?? false,
    ItemType: 'File',
    ListId: f.listId,
    ListItemUniqueId: rng.guid(),
    Platform: f.platform ?? 'NotSpecified',
    Site: f.siteId,
    UserAgent: f.userAgent,
    WebId: f.webId,
    FileSizeBytes: f.fileSize,
    HighPriorityMediaProcessing: false,
    ListBaseType: 1,
    ListServerTemplate: f.workload === 'OneDrive' ? 700 : 101,
    SourceRelativeUrl: f.folder,
    SourceFileName: f.fileName,
    SourceFileExtension: ext,
    SiteUrl: f.siteUrl,
  });
  if (f.applicationDisplayName !== undefined) rec.ApplicationDisplayName = f.applicationDisplayName;
  return rec;
}

export interface CmdletSpec {
  time: number;
  tenantId: string;
  orgName: string;
  user: DirectoryUser;
  cmdlet: string;
  /** Name/Value pairs as Exchange records them (values are strings). */
  parameters: Array<[string, string]>;
  objectId: string;
  clientIp: string;
  appId: string;
  clientAppId?: string;
  appPoolName: string;
  server: string;
  sessionId: string;
  userType?: number;
}

/** An Exchange admin cmdlet (RecordType 1 ExchangeAdmin): New-InboxRule, Set-Mailbox, ... */
export function ualExchangeCmdlet(rng: Rng, c: CmdletSpec): Record<string, unknown> {
  return {
    CreationTime: ualTime(c.time),
    Id: rng.guid(),
    Operation: c.cmdlet,
    OrganizationId: c.tenantId,
    RecordType: 1,
    ResultStatus: 'True',
    UserKey: c.user.puid,
    UserType: c.userType ?? 2,
    Version: 1,
    Workload: 'Exchange',
    ClientIP: c.clientIp,
    ObjectId: c.objectId,
    UserId: c.user.upn,
    AppId: c.appId,
    AppPoolName: c.appPoolName,
    ClientAppId: c.clientAppId ?? '',
    CorrelationID: '',
    ExternalAccess: false,
    OrganizationName: c.orgName,
    OriginatingServer: `${c.server} (15.20.8466.017)`,
    Parameters: c.parameters.map(([Name, Value]) => ({ Name, Value })),
    RequestId: rng.guid(),
    SessionId: c.sessionId,
  };
}

// --- AWS CloudTrail ------------------------------------------------------------------------------

export type CtIdentity = Record<string, unknown>;

/** userIdentity of an IAM user with a long-term access key. */
export function iamUserIdentity(
  account: string,
  userName: string,
  principalId: string,
  accessKeyId: string,
): CtIdentity {
  return {
    type: 'IAMUser',
    principalId,
    arn: `arn:aws:iam::${account}:user/${userName}`,
    accountId: account,
    accessKeyId,
    userName,
  };
}

/** userIdentity of an assumed-role session (SSO users, instance profiles, Lambda roles). */
export function assumedRoleIdentity(
  account: string,
  roleName: string,
  sessionName: string,
  roleId: string,
  accessKeyId: string,
  created: number,
  opts: { mfa?: boolean; sourceIdentity?: string; rolePath?: string } = {},
): CtIdentity {
  const ctx: Record<string, unknown> = {
    sessionIssuer: {
      type: 'Role',
      principalId: roleId,
      arn: `arn:aws:iam::${account}:role${opts.rolePath ?? '/'}${roleName}`,
      accountId: account,
      userName: roleName,
    },
    attributes: { creationDate: isoSec(created), mfaAuthenticated: opts.mfa ? 'true' : 'false' },
  };
  if (opts.sourceIdentity !== undefined) ctx.sourceIdentity = opts.sourceIdentity;
  return {
    type: 'AssumedRole',
    principalId: `${roleId}:${sessionName}`,
    arn: `arn:aws:sts::${account}:assumed-role/${roleName}/${sessionName}`,
    accountId: account,
    accessKeyId,
    sessionContext: ctx,
  };
}

/** userIdentity of an AWS service acting on the account's behalf. */
export function awsServiceIdentity(invokedBy: string): CtIdentity {
  return { type: 'AWSService', invokedBy };
}

export interface CloudTrailSpec {
  time: number;
  account: string;
  region: string;
  eventSource: string;
  eventName: string;
  identity: CtIdentity;
  sourceIp: string;
  userAgent: string;
  requestParameters?: Record<string, unknown> | null;
  responseElements?: Record<string, unknown> | null;
  additionalEventData?: Record<string, unknown>;
  resources?: Array<{ ARN: string; type?: string; accountId?: string }>;
  readOnly: boolean;
  eventType?: 'AwsApiCall' | 'AwsServiceEvent' | 'AwsConsoleSignIn';
  dataEvent?: boolean;
  errorCode?: string;
  errorMessage?: string;
  /** Console sessions carry this and tlsDetails with the console host. */
  fromConsole?: boolean;
  sharedEventId?: string;
  tlsHost?: string;
}

/** One CloudTrail record (eventVersion 1.11). */
export function cloudTrailRecord(rng: Rng, c: CloudTrailSpec): Record<string, unknown> {
  const rec: Record<string, unknown> = {
    eventVersion: '1.11',
    userIdentity: c.identity,
    eventTime: isoSec(c.time),
    eventSource: c.eventSource,
    eventName: c.eventName,
    awsRegion: c.region,
    sourceIPAddress: c.sourceIp,
    userAgent: c.userAgent,
  };
  if (c.errorCode !== undefined) rec.errorCode = c.errorCode;
  if (c.errorMessage !== undefined) rec.errorMessage = c.errorMessage;
  rec.requestParameters = c.requestParameters === undefined ? null : c.requestParameters;
  rec.responseElements = c.responseElements === undefined ? null : c.responseElements;
  if (c.additionalEventData !== undefined) rec.additionalEventData = c.additionalEventData;
  rec.requestID = c.eventSource === 's3.amazonaws.com' ? rng.chars(16, '0123456789ABCDEF') : rng.guid();
  rec.eventID = rng.guid();
  rec.readOnly = c.readOnly;
  if (c.resources !== undefined) rec.resources = c.resources;
  rec.eventType = c.eventType ?? 'AwsApiCall';
  rec.managementEvent = !c.dataEvent;
  rec.recipientAccountId = c.account;
  if (c.sharedEventId !== undefined) rec.sharedEventID = c.sharedEventId;
  rec.eventCategory = c.dataEvent ? 'Data' : 'Management';
  if (c.eventSource !== 'sts.amazonaws.com' || c.identity.type !== 'AWSService') {
    rec.tlsDetails = {
      tlsVersion: 'TLSv1.3',
      cipherSuite: 'TLS_AES_128_GCM_SHA256',
      clientProvidedHostHeader:
        c.tlsHost ?? `${c.eventSource.replace('.amazonaws.com', '')}.${c.region}.amazonaws.com`,
    };
  }
  if (c.fromConsole) rec.sessionCredentialFromConsole = 'true';
  return rec;
}

// --- Google Workspace Reports API ----------------------------------------------------------------

/** One Reports API parameter: `{name, value | boolValue | intValue | multiValue}`. */
export type WsParam = {
  name: string;
  value?: string;
  boolValue?: boolean;
  intValue?: string;
  multiValue?: string[];
};

export const wsp = {
  v: (name: string, value: string): WsParam => ({ name, value }),
  b: (name: string, boolValue: boolean): WsParam => ({ name, boolValue }),
  /** int64 values arrive as JSON strings. */
  i: (name: string, n: number | bigint): WsParam => ({ name, intValue: String(n) }),
  m: (name: string, multiValue: string[]): WsParam => ({ name, multiValue }),
};

export interface WorkspaceSpec {
  time: number;
  customerId: string;
  applicationName: 'login' | 'token' | 'admin' | 'drive';
  actor: { email: string; profileId: string; callerType?: 'USER' | 'KEY' };
  ip?: string;
  events: Array<{ type: string; name: string; parameters: WsParam[] }>;
  ownerDomain?: string;
}

/** One Reports API activity (`admin#reports#activity`). */
export function workspaceActivity(rng: Rng, w: WorkspaceSpec): Record<string, unknown> {
  const uq = (rng.chance(0.5) ? '-' : '') + rng.digits(rng.int(18, 19));
  const act: Record<string, unknown> = {
    kind: 'admin#reports#activity',
    id: {
      time: isoMs(w.time),
      uniqueQualifier: uq,
      applicationName: w.applicationName,
      customerId: w.customerId,
    },
    etag: `"${rng.chars(27, B64URL)}/${rng.chars(27, B64URL)}"`,
    actor: { callerType: w.actor.callerType ?? 'USER', email: w.actor.email, profileId: w.actor.profileId },
  };
  if (w.ownerDomain !== undefined) act.ownerDomain = w.ownerDomain;
  if (w.ip !== undefined) act.ipAddress = w.ip;
  act.events = w.events.map((e) => ({ type: e.type, name: e.name, parameters: e.parameters }));
  return act;
}

/** A login_success / login_failure activity. */
export function workspaceLogin(
  rng: Rng,
  o: {
    time: number;
    customerId: string;
    email: string;
    profileId: string;
    ip: string;
    ok: boolean;
    mfa: boolean;
    failureType?: string;
  },
): Record<string, unknown> {
  const params: WsParam[] = [
    wsp.v('login_type', 'google_password'),
    wsp.m('login_challenge_method', o.mfa && o.ok ? ['password', 'google_authenticator'] : ['password']),
  ];
  if (!o.ok) params.push(wsp.v('login_failure_type', o.failureType ?? 'login_failure_invalid_password'));
  params.push(wsp.b('is_multi_factor', o.mfa && o.ok), wsp.b('is_suspicious', false));
  params.push(wsp.i('login_timestamp', BigInt(o.time) * 1000n + BigInt(rng.int(0, 999))));
  return workspaceActivity(rng, {
    time: o.time,
    customerId: o.customerId,
    applicationName: 'login',
    actor: { email: o.email, profileId: o.profileId },
    ip: o.ip,
    events: [{ type: 'login', name: o.ok ? 'login_success' : 'login_failure', parameters: params }],
  });
}

/** A token `authorize` activity: a user grants an OAuth client the listed scopes. */
export function workspaceAuthorize(
  rng: Rng,
  o: {
    time: number;
    customerId: string;
    email: string;
    profileId: string;
    ip: string;
    clientId: string;
    appName: string;
    scopes: string[];
    clientType?: string;
  },
): Record<string, unknown> {
  return workspaceActivity(rng, {
    time: o.time,
    customerId: o.customerId,
    applicationName: 'token',
    actor: { email: o.email, profileId: o.profileId },
    ip: o.ip,
    events: [
      {
        type: 'auth',
        name: 'authorize',
        parameters: [
          wsp.v('client_id', o.clientId),
          wsp.v('app_name', o.appName),
          wsp.v('client_type', o.clientType ?? 'WEB'),
          wsp.m('scope', o.scopes),
        ],
      },
    ],
  });
}

// --- synthetic corpus for benchmarks --------------------------------------------------------------

/** Shares of the corpus per source (sum 1). */
export const CORPUS_MIX = {
  cloudtrail: 0.4,
  m365: 0.3,
  signin: 0.2,
  audit: 0.05,
  workspace: 0.05,
} as const;

export type CorpusSource = keyof typeof CORPUS_MIX;

export interface CorpusOptions {
  /** Raw records in total (default 200,000). */
  records?: number;
  seed?: string;
  users?: number;
  ips?: number;
  awsPrincipals?: number;
  /** First event time (default 2026-02-20T00:00:00Z); events spread over `days` (default 10). */
  start?: number;
  days?: number;
}

export interface CorpusFile {
  source: CorpusSource;
  path: string;
  records: number;
  bytes: number;
  /**
   * 0-based line numbers of the records the attack campaigns planted; every other line is benign
   * traffic. The bench's noise figure counts findings none of whose evidence is planted.
   */
  planted: number[];
}

const BENCH_TENANT = '5b1c9e7a-2f44-4d0b-9b7e-3e8a61c0d2f5';
const BENCH_ORG = 'fabrikam.onmicrosoft.com';
const BENCH_ACCOUNT = '111122223333';
const BENCH_CUSTOMER = 'C04bench7';
const FIRST_PARTY_MAIL = [
  {
    appId: 'd3590ed6-52b3-4102-aeff-aad2292ab01c',
    clientAppId: 'd3590ed6-52b3-4102-aeff-aad2292ab01c',
    info: 'Client=MSExchangeRPC',
  },
  { appId: '00000002-0000-0ff1-ce00-000000000000', clientAppId: '', info: 'Client=OWA;Action=ViaProxy' },
  {
    appId: '27922004-5251-4030-b22d-91ecd9a37ea4',
    clientAppId: '27922004-5251-4030-b22d-91ecd9a37ea4',
    info: 'Client=OutlookService;Outlook-iOS/2.0;',
  },
];
/** A sanctioned third-party mail integration a share of users read mail through every day. */
const CRM_APP = { appId: '0a6b5f3e-8c21-4d9a-b7e4-1f2c3d4e5a6b', name: 'CRM Mail Sync' };
const SIGNIN_APPS = [
  { id: 'd3590ed6-52b3-4102-aeff-aad2292ab01c', name: 'Microsoft Office' },
  { id: '4765445b-32c6-49b0-83e6-1d93765276ca', name: 'OfficeHome' },
  { id: '1fec8e78-bce4-4aaf-ab1b-5451cc387264', name: 'Microsoft Teams' },
  { id: '00000002-0000-0ff1-ce00-000000000000', name: 'Office 365 Exchange Online' },
];
const EXO = { id: '00000002-0000-0ff1-ce00-000000000000', name: 'Office 365 Exchange Online' };
const PLACES: GeoPlace[] = [
  { city: 'Seattle', state: 'Washington', countryOrRegion: 'US', latitude: 47.6062, longitude: -122.3321 },
  { city: 'Chicago', state: 'Illinois', countryOrRegion: 'US', latitude: 41.8781, longitude: -87.6298 },
  { city: 'Dublin', state: 'Dublin', countryOrRegion: 'IE', latitude: 53.3498, longitude: -6.2603 },
  { city: 'Berlin', state: 'Berlin', countryOrRegion: 'DE', latitude: 52.52, longitude: 13.405 },
];
const BROWSER_UA =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/133.0.0.0 Safari/537.36 Edg/133.0.0.0';
const SDK_UAS = [
  'aws-sdk-js/3.734.0 ua/2.1 os/linux#5.10.233-223.887.amzn2.x86_64 lang/js md/nodejs#20.18.1 api/s3#3.734.0',
  'aws-cli/2.24.10 md/awscrt#0.23.8 ua/2.1 os/linux#6.8.0-1021-aws md/arch#x86_64 lang/python#3.12.9',
  'Boto3/1.36.21 md/Botocore#1.36.21 ua/2.0 os/linux#5.10.234 md/arch#x86_64 lang/python#3.12.8',
];
const ATTACKER_UA =
  'Boto3/1.34.50 md/Botocore#1.34.50 ua/2.0 os/linux#6.5.0-kali3-amd64 md/arch#x86_64 lang/python#3.11.8';
const CT_CALLS: Array<{
  source: string;
  name: string;
  readOnly: boolean;
  params: (rng: Rng) => Record<string, unknown> | null;
}> = [
  {
    source: 'ec2.amazonaws.com',
    name: 'DescribeInstances',
    readOnly: true,
    params: () => ({ instancesSet: {}, filterSet: {} }),
  },
  {
    source: 'ec2.amazonaws.com',
    name: 'DescribeSecurityGroups',
    readOnly: true,
    params: () => ({ securityGroupSet: {}, filterSet: {} }),
  },
  {
    source: 's3.amazonaws.com',
    name: 'GetObject',
    readOnly: true,
    params: (r) => ({
      bucketName: `data-${r.int(1, 40)}`,
      key: `exports/${r.hex(8)}.parquet`,
      Host: 's3.amazonaws.com',
    }),
  },
  {
    source: 's3.amazonaws.com',
    name: 'PutObject',
    readOnly: false,
    params: (r) => ({
      bucketName: `data-${r.int(1, 40)}`,
      key: `ingest/${r.hex(12)}.json.gz`,
      Host: 's3.amazonaws.com',
    }),
  },
  {
    source: 'kms.amazonaws.com',
    name: 'Decrypt',
    readOnly: true,
    params: () => ({ encryptionAlgorithm: 'SYMMETRIC_DEFAULT' }),
  },
  { source: 'sts.amazonaws.com', name: 'GetCallerIdentity', readOnly: true, params: () => null },
  {
    source: 'sts.amazonaws.com',
    name: 'AssumeRole',
    readOnly: true,
    params: (r) => ({
      roleArn: `arn:aws:iam::${BENCH_ACCOUNT}:role/svc-role-${r.int(1, 40)}`,
      roleSessionName: `session-${r.hex(8)}`,
    }),
  },
  {
    source: 'lambda.amazonaws.com',
    name: 'Invoke',
    readOnly: false,
    params: (r) => ({
      functionName: `arn:aws:lambda:us-east-1:${BENCH_ACCOUNT}:function:svc-${r.int(1, 60)}`,
    }),
  },
  {
    source: 'dynamodb.amazonaws.com',
    name: 'DescribeTable',
    readOnly: true,
    params: (r) => ({ tableName: `table-${r.int(1, 30)}` }),
  },
  {
    source: 'logs.amazonaws.com',
    name: 'CreateLogStream',
    readOnly: false,
    params: (r) => ({
      logGroupName: `/aws/lambda/svc-${r.int(1, 60)}`,
      logStreamName: `2026/03/01/[$LATEST]${r.hex(32)}`,
    }),
  },
  {
    source: 'iam.amazonaws.com',
    name: 'GetRole',
    readOnly: true,
    params: (r) => ({ roleName: `svc-role-${r.int(1, 40)}` }),
  },
  {
    source: 'ssm.amazonaws.com',
    name: 'GetParameter',
    readOnly: true,
    params: (r) => ({ name: `/app/${r.int(1, 20)}/config`, withDecryption: true }),
  },
  {
    source: 'secretsmanager.amazonaws.com',
    name: 'GetSecretValue',
    readOnly: true,
    params: (r) => ({ secretId: `prod/app-${r.int(1, 20)}` }),
  },
  {
    source: 'cloudtrail.amazonaws.com',
    name: 'DescribeTrails',
    readOnly: true,
    params: () => ({ trailNameList: [], includeShadowTrails: true }),
  },
];

/** Attacker activity laid over the background: a time window and what happens in it. */
interface Campaign {
  kind: 'spray' | 'brute' | 'oauth' | 'workspace-consent' | 'trail' | 'secrets' | 'mfa';
  from: number;
  to: number;
  ip: string;
  /** spray: user indexes tried; brute / oauth: the victim. */
  targets: number[];
  app?: { appId: string; name: string };
  /** Share of the source's records inside the window that belong to the campaign. */
  share: number;
  /** One-off records (the consent of an oauth campaign) already written. */
  done: boolean;
}

interface BenchWorld {
  users: DirectoryUser[];
  ips: string[];
  awsPrincipals: CtIdentity[];
  awsIps: string[];
  /**
   * The addresses each AWS principal calls from: an instance leaves through its one egress, a
   * person or a CI runner through a few.
   */
  awsHomeIps: string[][];
  /** The deployment pipeline's roles: the only principals that change Lambda code. */
  ciPrincipals: CtIdentity[];
  /** An application role that invokes Bedrock models in its two regions. */
  modelApp: CtIdentity;
  /** Records written by an attack campaign (and the suspicious inbox rules), by identity. */
  planted: WeakSet<object>;
  wsUsers: Array<{ email: string; profileId: string }>;
  graphSp: string;
  /** Users who read mail through the sanctioned CRM app. */
  crmUsers: Set<number>;
  campaigns: Campaign[];
}

function benchWorld(
  rng: Rng,
  nUsers: number,
  nIps: number,
  nAws: number,
  start: number,
  span: number,
  /** Records per millisecond of each source, to size the campaigns. */
  rate: Record<CorpusSource, number>,
): BenchWorld {
  const dom = sidDomain(rng);
  const users: DirectoryUser[] = [];
  for (let i = 0; i < nUsers; i++) {
    users.push(directoryUser(rng, `user${String(i).padStart(5, '0')}@fabrikam.com`, `User ${i}`, dom));
  }
  const ips: string[] = [];
  for (let i = 0; i < nIps; i++)
    ips.push(
      `${rng.pick([52, 54, 73, 98, 104, 172, 198])}.${rng.int(1, 254)}.${rng.int(0, 255)}.${rng.int(1, 254)}`,
    );
  const awsPrincipals: CtIdentity[] = [];
  for (let i = 0; i < nAws; i++) {
    if (i % 4 === 0) {
      awsPrincipals.push(
        iamUserIdentity(
          BENCH_ACCOUNT,
          `svc-user-${i}`,
          `AIDA${rng.chars(17, UPPER_ALNUM)}`,
          `AKIA${rng.chars(16, UPPER_ALNUM)}`,
        ),
      );
    } else {
      const sso = i % 4 === 1;
      const role = sso ? `AWSReservedSSO_PowerUser_${rng.hex(16)}` : `svc-role-${i}`;
      const session = sso ? `person${i}@fabrikam.com` : `i-0${rng.hex(16)}`;
      awsPrincipals.push(
        assumedRoleIdentity(
          BENCH_ACCOUNT,
          role,
          session,
          `AROA${rng.chars(17, UPPER_ALNUM)}`,
          `ASIA${rng.chars(16, UPPER_ALNUM)}`,
          start,
          {
            mfa: sso,
          },
        ),
      );
    }
  }
  const awsIps: string[] = [];
  for (let i = 0; i < 60; i++)
    awsIps.push(
      `${rng.pick([3, 18, 34, 44, 52, 54])}.${rng.int(1, 254)}.${rng.int(0, 255)}.${rng.int(1, 254)}`,
    );
  const awsHomeIps = awsPrincipals.map((p) => {
    const instance = /\/i-[0-9a-f]+$/.test(String(p.arn));
    if (instance)
      return [
        rng.chance(0.5) ? `10.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}` : rng.pick(awsIps),
      ];
    return [rng.pick(awsIps), rng.pick(awsIps), rng.pick(awsIps)];
  });
  const ciPrincipals = [0, 1].map((i) =>
    assumedRoleIdentity(
      BENCH_ACCOUNT,
      `ci-deploy-${i}`,
      `GitHubActions-${rng.digits(10)}`,
      `AROA${rng.chars(17, UPPER_ALNUM)}`,
      `ASIA${rng.chars(16, UPPER_ALNUM)}`,
      start,
    ),
  );
  const modelApp = assumedRoleIdentity(
    BENCH_ACCOUNT,
    'assistant-api',
    `i-0${rng.hex(16)}`,
    `AROA${rng.chars(17, UPPER_ALNUM)}`,
    `ASIA${rng.chars(16, UPPER_ALNUM)}`,
    start,
  );
  const wsUsers: Array<{ email: string; profileId: string }> = [];
  for (let i = 0; i < Math.max(50, Math.floor(nUsers / 5)); i++)
    wsUsers.push({ email: `u${i}@fabrikam-labs.com`, profileId: rng.digits(21) });
  const crmUsers = new Set<number>();
  for (let i = 0; i < nUsers / 10; i++) crmUsers.add(rng.int(0, nUsers - 1));
  // A tenth of the users read mail through the CRM app; their history has a third-party client.

  const attackerIp = () =>
    `${rng.pick([185, 45, 194, 91, 193])}.${rng.int(1, 254)}.${rng.int(0, 255)}.${rng.int(1, 254)}`;
  const victim = () => rng.int(0, nUsers - 1);
  const campaigns: Campaign[] = [];
  const add = (
    kind: Campaign['kind'],
    every: number,
    length: number,
    share: number,
    extra: (c: Campaign) => void,
  ) => {
    for (let t = start + rng.int(0, every); t + length < start + span; t += every + rng.int(0, every / 2)) {
      const c: Campaign = {
        kind,
        from: t,
        to: t + length,
        ip: attackerIp(),
        targets: [],
        share,
        done: false,
      };
      extra(c);
      campaigns.push(c);
    }
  };
  // Each campaign takes the share of its source's records that gives it about `want` records.
  const share = (source: CorpusSource, length: number, want: number) =>
    Math.min(0.9, want / (rate[source] * length));
  // Sprays: one address, 40 accounts tried, about 15 failures in 20 minutes.
  add('spray', 3 * HOUR, 20 * MINUTE, share('signin', 20 * MINUTE, 15), (c) => {
    for (let i = 0; i < 40; i++) c.targets.push(victim());
  });
  // Brute force: one account, about 14 failures in 10 minutes.
  add('brute', 4 * HOUR, 10 * MINUTE, share('signin', 10 * MINUTE, 14), (c) => c.targets.push(victim()));
  // Consent phishing: a new app consented by one user (often one with a mail-client history),
  // then about 140 mail reads and file downloads in two hours.
  const crmList = [...crmUsers];
  let n = 0;
  add('oauth', 6 * HOUR, 2 * HOUR, share('m365', 2 * HOUR, 140), (c) => {
    c.targets.push(rng.chance(0.5) && crmList.length > 0 ? rng.pick(crmList) : victim());
    n++;
    c.app = { appId: rng.guid(), name: `Archiver ${n}` };
  });
  add('workspace-consent', 8 * HOUR, 30 * MINUTE, share('workspace', 30 * MINUTE, 3), () => undefined);
  add('trail', 12 * HOUR, 10 * MINUTE, share('cloudtrail', 10 * MINUTE, 3), () => undefined);
  // A leaked access key: about 30 calls in 10 minutes sweeping services, then reading secrets.
  add('secrets', 24 * HOUR, 10 * MINUTE, share('cloudtrail', 10 * MINUTE, 30), () => undefined);
  // MFA fatigue: about 8 prompts refused within 8 minutes, sometimes one approved.
  add('mfa', 24 * HOUR, 8 * MINUTE, share('signin', 8 * MINUTE, 8), (c) => c.targets.push(victim()));
  return {
    users,
    ips,
    awsPrincipals,
    awsIps,
    awsHomeIps,
    ciPrincipals,
    modelApp,
    planted: new WeakSet(),
    wsUsers,
    graphSp: rng.guid(),
    crmUsers,
    campaigns,
  };
}

function activeCampaign(
  w: BenchWorld,
  kinds: ReadonlySet<Campaign['kind']>,
  t: number,
  rng: Rng,
): Campaign | undefined {
  for (const c of w.campaigns) {
    if (t >= c.from && t < c.to && kinds.has(c.kind) && rng.chance(c.share)) return c;
  }
  return undefined;
}

const SIGNIN_CAMPAIGNS: ReadonlySet<Campaign['kind']> = new Set(['spray', 'brute', 'mfa']);
const M365_CAMPAIGNS: ReadonlySet<Campaign['kind']> = new Set(['oauth']);
const WS_CAMPAIGNS: ReadonlySet<Campaign['kind']> = new Set(['workspace-consent']);
const CT_CAMPAIGNS: ReadonlySet<Campaign['kind']> = new Set(['trail', 'secrets']);

/** Marks a record as written by an attack campaign. */
function plant<T extends object>(w: BenchWorld, rec: T): T {
  w.planted.add(rec);
  return rec;
}

/** What the leaked key of a secrets campaign sweeps before reading secrets. */
const SWEEP: Array<[string, string]> = [
  ['iam.amazonaws.com', 'ListUsers'],
  ['s3.amazonaws.com', 'ListBuckets'],
  ['ec2.amazonaws.com', 'DescribeInstances'],
  ['lambda.amazonaws.com', 'ListFunctions20150331'],
  ['rds.amazonaws.com', 'DescribeDBInstances'],
  ['secretsmanager.amazonaws.com', 'ListSecrets'],
  ['ssm.amazonaws.com', 'DescribeParameters'],
  ['dynamodb.amazonaws.com', 'ListTables'],
  ['sns.amazonaws.com', 'ListTopics'],
  ['sqs.amazonaws.com', 'ListQueues'],
  ['kms.amazonaws.com', 'ListKeys'],
  ['organizations.amazonaws.com', 'DescribeOrganization'],
];

function userAt(w: BenchWorld, i: number): DirectoryUser {
  return w.users[i] ?? (w.users[0] as DirectoryUser);
}

function mailRead(
  rng: Rng,
  t: number,
  user: DirectoryUser,
  client: { appId: string; clientAppId: string; info: string },
  ip: string,
  bind: boolean,
): Record<string, unknown> {
  const list: Array<{ internetMessageId: string; sizeInBytes: number }> = [];
  const items = bind ? rng.int(1, 4) : 0;
  for (let i = 0; i < items; i++) {
    list.push({
      internetMessageId: `<${rng.hex(16)}@${rng.pick(['fabrikam.com', 'mail.example', 'vendor.example'])}>`,
      sizeInBytes: rng.int(4_000, 400_000),
    });
  }
  return ualMailItemsAccessed(rng, {
    time: t,
    tenantId: BENCH_TENANT,
    orgName: BENCH_ORG,
    user,
    owner: user,
    logonType: LOGON_OWNER,
    accessType: bind ? 'Bind' : 'Sync',
    appId: client.appId,
    clientAppId: client.clientAppId,
    clientIp: ip,
    clientInfoString: client.info,
    folders: bind ? [{ path: '\\Inbox', items: list }] : [{ path: '\\Inbox' }, { path: '\\Sent Items' }],
    sessionId: rng.guid(),
    server: `BN0PR04MB${rng.int(1000, 9999)}`,
  });
}

/** One raw record of `source` at time `t` (an array for the three records of a consent). */
function benchRecord(
  rng: Rng,
  w: BenchWorld,
  source: CorpusSource,
  t: number,
): Record<string, unknown> | Record<string, unknown>[] {
  const ui = rng.int(0, w.users.length - 1);
  const user = userAt(w, ui);
  const ip = rng.pick(w.ips);
  switch (source) {
    case 'signin': {
      const c = activeCampaign(w, SIGNIN_CAMPAIGNS, t, rng);
      if (c?.kind === 'mfa') {
        // Prompts pushed from the attacker's browser; now and then the user gives in.
        const approved = rng.chance(0.1);
        return plant(
          w,
          entraSignIn(rng, {
            time: t,
            tenantId: BENCH_TENANT,
            user: userAt(w, c.targets[0] ?? 0),
            app: SIGNIN_APPS[1] as { id: string; name: string },
            resource: EXO,
            ip: c.ip,
            errorCode: approved ? 0 : 500121,
            clientAppUsed: 'Browser',
            userAgent: BROWSER_UA,
            device: { operatingSystem: 'Windows10', browser: 'Chrome 133.0.0' },
            place: rng.pick(PLACES),
            mfa: approved,
            mfaDetails: 'MFA completed in Azure AD',
          }),
        );
      }
      const fail = c !== undefined || rng.chance(0.03);
      const target = c ? userAt(w, rng.pick(c.targets)) : user;
      const signIn = entraSignIn(rng, {
        time: t,
        tenantId: BENCH_TENANT,
        user: target,
        app: rng.pick(SIGNIN_APPS),
        resource: EXO,
        ip: c ? c.ip : ip,
        errorCode: fail ? (c || rng.chance(0.85) ? 50126 : rng.pick([50053, 50074, 50140])) : 0,
        clientAppUsed: c ? 'Mobile Apps and Desktop clients' : 'Browser',
        userAgent: c ? 'python-requests/2.31.0' : BROWSER_UA,
        device: c
          ? { operatingSystem: '', browser: 'Python Requests 2.31' }
          : { operatingSystem: 'Windows10', browser: 'Edge 133.0.0' },
        place: rng.pick(PLACES),
        mfa: !fail && rng.chance(0.7),
        authenticationProtocol: c ? 'ropc' : 'none',
      });
      return c ? plant(w, signIn) : signIn;
    }
    case 'audit': {
      // The consent that opens an oauth campaign, written once, near its start.
      for (const c of w.campaigns) {
        if (c.kind === 'oauth' && !c.done && t >= c.from - 10 * MINUTE && c.app) {
          c.done = true;
          const consent = entraUserConsent(rng, {
            time: t,
            tenantId: BENCH_TENANT,
            user: userAt(w, c.targets[0] ?? 0),
            ip: c.ip,
            userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
            app: {
              appId: c.app.appId,
              name: c.app.name,
              replyUrl: 'https://archiver.example/oauth/callback',
            },
            servicePrincipalId: rng.guid(),
            graphServicePrincipalId: w.graphSp,
            scopes: ['Mail.ReadWrite', 'Files.Read.All', 'offline_access', 'User.Read'],
          });
          for (const r of consent) plant(w, r);
          return consent;
        }
      }
      if (rng.chance(0.01)) {
        return entraUserConsent(rng, {
          time: t,
          tenantId: BENCH_TENANT,
          user,
          ip,
          userAgent: BROWSER_UA,
          app: {
            appId: rng.guid(),
            name: `Team app ${rng.int(1, 500)}`,
            replyUrl: 'https://app.example/auth/callback',
          },
          servicePrincipalId: rng.guid(),
          graphServicePrincipalId: w.graphSp,
          scopes: ['openid', 'profile', 'email', 'User.Read'],
        });
      }
      const target = rng.pick(w.users);
      const kind = rng.int(0, 2);
      return entraAudit(rng, {
        time: t,
        tenantId: BENCH_TENANT,
        activity: kind === 0 ? 'Update user' : kind === 1 ? 'Add member to group' : 'Reset user password',
        category: kind === 1 ? 'GroupManagement' : 'UserManagement',
        operationType: kind === 1 ? 'Assign' : 'Update',
        initiatedBy: { user, ip },
        targets: [
          {
            id: target.id,
            displayName: null,
            type: 'User',
            userPrincipalName: target.upn,
            modifiedProperties:
              kind === 0
                ? [
                    mpList('JobTitle', ['Analyst'], ['Associate']),
                    mp('Included Updated Properties', 'JobTitle'),
                  ]
                : [],
          },
        ],
        additionalDetails: [{ key: 'UserType', value: 'Member' }],
      });
    }
    case 'm365': {
      const c = activeCampaign(w, M365_CAMPAIGNS, t, rng);
      if (c?.app) {
        const victim = userAt(w, c.targets[0] ?? 0);
        if (rng.chance(0.2)) {
          return plant(
            w,
            ualFileOperation(rng, {
              time: t,
              tenantId: BENCH_TENANT,
              operation: 'FileDownloaded',
              workload: 'SharePoint',
              user: victim,
              clientIp: '20.42.128.17',
              siteUrl: `https://fabrikam.sharepoint.com/sites/team${rng.int(1, 80)}/`,
              folder: 'Shared Documents/General',
              fileName: `doc-${rng.hex(6)}.xlsx`,
              fileSize: rng.int(12_000, 3_000_000),
              applicationId: c.app.appId,
              userAgent: 'python-requests/2.31.0',
              siteId: rng.guid(),
              webId: rng.guid(),
              listId: rng.guid(),
              appAccessContext: {
                ClientAppId: c.app.appId,
                ClientAppName: c.app.name,
                CorrelationId: rng.guid(),
              },
            }),
          );
        }
        return plant(
          w,
          mailRead(
            rng,
            t,
            victim,
            { appId: c.app.appId, clientAppId: c.app.appId, info: 'Client=REST;Client=RESTSystem;;' },
            '20.42.128.17',
            true,
          ),
        );
      }
      if (rng.chance(0.25)) {
        return ualFileOperation(rng, {
          time: t,
          tenantId: BENCH_TENANT,
          operation: rng.chance(0.5) ? 'FileAccessed' : 'FileDownloaded',
          workload: rng.chance(0.7) ? 'SharePoint' : 'OneDrive',
          user,
          clientIp: ip,
          siteUrl: `https://fabrikam.sharepoint.com/sites/team${rng.int(1, 80)}/`,
          folder: 'Shared Documents/General',
          fileName: `doc-${rng.hex(6)}.docx`,
          fileSize: rng.int(12_000, 3_000_000),
          applicationId: '08e18876-6177-487e-b8b5-cf950c1e598c',
          userAgent: BROWSER_UA,
          siteId: rng.guid(),
          webId: rng.guid(),
          listId: rng.guid(),
        });
      }
      if (rng.chance(0.01)) {
        // A third of these rules are the attacker's: named '.', forwarding outside (planted).
        const forward = rng.chance(0.3);
        const cmdlet = ualExchangeCmdlet(rng, {
          time: t,
          tenantId: BENCH_TENANT,
          orgName: BENCH_ORG,
          user,
          cmdlet: 'New-InboxRule',
          parameters: [
            ['AlwaysDeleteOutlookRulesBlob', 'False'],
            ['Force', 'False'],
            ['Name', forward ? '.' : 'Newsletters'],
            forward ? ['ForwardTo', `drop${rng.int(1, 30)}@protonmail.com`] : ['MoveToFolder', 'Newsletters'],
            ['StopProcessingRules', 'True'],
          ],
          objectId: `NAMPR04A001.PROD.OUTLOOK.COM/Microsoft Exchange Hosted Organizations/${BENCH_ORG}/${user.upn.split('@')[0] ?? ''}\\rule`,
          clientIp: `${ip}:${rng.int(1024, 65000)}`,
          appId: '00000002-0000-0ff1-ce00-000000000000',
          appPoolName: 'MSExchangeOWAAppPool',
          server: `BN0PR04MB${rng.int(1000, 9999)}`,
          sessionId: rng.guid(),
        });
        return forward ? plant(w, cmdlet) : cmdlet;
      }
      const crm = w.crmUsers.has(ui) && rng.chance(0.5);
      const client = crm
        ? { appId: CRM_APP.appId, clientAppId: CRM_APP.appId, info: 'Client=REST;Client=RESTSystem;;' }
        : rng.pick(FIRST_PARTY_MAIL);
      return mailRead(rng, t, user, client, crm ? '52.168.10.20' : ip, crm || rng.chance(0.4));
    }
    case 'cloudtrail': {
      const pi = rng.int(0, w.awsPrincipals.length - 1);
      const identity = w.awsPrincipals[pi] as CtIdentity;
      const c = activeCampaign(w, CT_CAMPAIGNS, t, rng);
      if (c?.kind === 'secrets') {
        // The leaked key is the first IAM user's; it sweeps services, then reads every secret.
        const sweep = rng.chance(0.5);
        const [eventSource, eventName] = sweep
          ? rng.pick(SWEEP)
          : ['secretsmanager.amazonaws.com', 'GetSecretValue'];
        return plant(
          w,
          cloudTrailRecord(rng, {
            time: t,
            account: BENCH_ACCOUNT,
            region: 'us-east-1',
            eventSource,
            eventName,
            identity: w.awsPrincipals[0] as CtIdentity,
            sourceIp: c.ip,
            userAgent: ATTACKER_UA,
            requestParameters: sweep ? null : { secretId: `prod/app-${rng.int(1, 40)}` },
            readOnly: true,
            ...(sweep && rng.chance(0.3) ? { errorCode: 'AccessDenied' } : {}),
          }),
        );
      }
      if (c) {
        return plant(
          w,
          cloudTrailRecord(rng, {
            time: t,
            account: BENCH_ACCOUNT,
            region: 'us-east-1',
            eventSource: 'cloudtrail.amazonaws.com',
            eventName: rng.pick(['StopLogging', 'DeleteTrail', 'GetTrailStatus', 'DescribeTrails']),
            identity,
            sourceIp: c.ip,
            userAgent: ATTACKER_UA,
            requestParameters: {
              name: `arn:aws:cloudtrail:us-east-1:${BENCH_ACCOUNT}:trail/trail-${rng.int(1, 3)}`,
            },
            readOnly: false,
          }),
        );
      }
      if (rng.chance(0.002)) {
        // The pipeline deploys a function; only its roles ever change Lambda code.
        return cloudTrailRecord(rng, {
          time: t,
          account: BENCH_ACCOUNT,
          region: 'us-east-1',
          eventSource: 'lambda.amazonaws.com',
          eventName: 'UpdateFunctionCode20150331v2',
          identity: rng.pick(w.ciPrincipals),
          sourceIp: w.awsIps[0] as string,
          userAgent: SDK_UAS[0] as string,
          requestParameters: { functionName: `svc-${rng.int(1, 60)}`, publish: true },
          readOnly: false,
        });
      }
      if (rng.chance(0.003)) {
        // The assistant API invokes its model in its two regions.
        return cloudTrailRecord(rng, {
          time: t,
          account: BENCH_ACCOUNT,
          region: rng.pick(['us-east-1', 'us-west-2']),
          eventSource: 'bedrock.amazonaws.com',
          eventName: 'InvokeModel',
          identity: w.modelApp,
          sourceIp: `10.1.${rng.int(0, 3)}.17`,
          userAgent: SDK_UAS[0] as string,
          requestParameters: { modelId: 'anthropic.claude-3-haiku-20240307-v1:0' },
          readOnly: true,
        });
      }
      const call = rng.pick(CT_CALLS);
      const rec: CloudTrailSpec = {
        time: t,
        account: BENCH_ACCOUNT,
        region: rng.pick(['us-east-1', 'us-east-1', 'us-west-2', 'eu-west-1']),
        eventSource: call.source,
        eventName: call.name,
        identity,
        sourceIp: rng.pick(w.awsHomeIps[pi] ?? w.awsIps),
        userAgent: rng.pick(SDK_UAS),
        requestParameters: call.params(rng),
        readOnly: call.readOnly,
        dataEvent: call.source === 's3.amazonaws.com' || call.name === 'Invoke',
      };
      if (rng.chance(0.02)) {
        rec.errorCode = 'AccessDenied';
        rec.errorMessage = `User: ${String(identity.arn)} is not authorized to perform: ${call.source.split('.')[0] ?? ''}:${call.name}`;
      }
      if (call.source === 's3.amazonaws.com') {
        const p = rec.requestParameters as Record<string, unknown>;
        rec.resources = [
          { type: 'AWS::S3::Object', ARN: `arn:aws:s3:::${String(p.bucketName)}/${String(p.key)}` },
          { accountId: BENCH_ACCOUNT, type: 'AWS::S3::Bucket', ARN: `arn:aws:s3:::${String(p.bucketName)}` },
        ];
        rec.additionalEventData = {
          SignatureVersion: 'SigV4',
          CipherSuite: 'TLS_AES_128_GCM_SHA256',
          bytesTransferredIn: 0,
          bytesTransferredOut: rng.int(100, 9_000_000),
          'x-amz-id-2': rng.chars(76, ALNUM),
        };
      }
      return cloudTrailRecord(rng, rec);
    }
    case 'workspace': {
      const u = rng.pick(w.wsUsers);
      const c = activeCampaign(w, WS_CAMPAIGNS, t, rng);
      if (c || rng.chance(0.05)) {
        const auth = workspaceAuthorize(rng, {
          time: t,
          customerId: BENCH_CUSTOMER,
          email: u.email,
          profileId: u.profileId,
          ip: c ? c.ip : ip,
          clientId: `${c ? '884512730021' : '330741256508'}-${rng.chars(32, 'abcdefghijklmnopqrstuvwxyz0123456789')}.apps.googleusercontent.com`,
          appName: c ? 'PDF Converter Pro' : 'Acme Calendar Sync',
          scopes: c
            ? ['https://mail.google.com/', 'https://www.googleapis.com/auth/drive']
            : ['https://www.googleapis.com/auth/calendar.readonly', 'openid'],
        });
        return c ? plant(w, auth) : auth;
      }
      const fail = rng.chance(0.04);
      return workspaceLogin(rng, {
        time: t,
        customerId: BENCH_CUSTOMER,
        email: u.email,
        profileId: u.profileId,
        ip,
        ok: !fail,
        mfa: rng.chance(0.6),
      });
    }
  }
}

/**
 * Writes a synthetic corpus of raw records as JSON lines, one file per source, under `outDir`.
 * Records within a file are in time order. Deterministic for a given seed and options.
 */
export async function generateCorpus(outDir: string, opts: CorpusOptions = {}): Promise<CorpusFile[]> {
  const total = opts.records ?? 200_000;
  const rng = new Rng(opts.seed ?? 'tripline-bench');
  const start = opts.start ?? Date.UTC(2026, 1, 20);
  const span = (opts.days ?? 10) * DAY;
  const rate = {} as Record<CorpusSource, number>;
  for (const k of Object.keys(CORPUS_MIX) as CorpusSource[]) rate[k] = (total * CORPUS_MIX[k]) / span;
  const w = benchWorld(
    rng,
    opts.users ?? 5000,
    opts.ips ?? 500,
    opts.awsPrincipals ?? 200,
    start,
    span,
    rate,
  );
  await mkdir(outDir, { recursive: true });
  const out: CorpusFile[] = [];
  for (const source of Object.keys(CORPUS_MIX) as CorpusSource[]) {
    const n = Math.round(total * CORPUS_MIX[source]);
    const path = join(outDir, `${source}.jsonl`);
    const stream = createWriteStream(path);
    let written = 0;
    let bytes = 0;
    let buf = '';
    const planted: number[] = [];
    const step = span / n;
    for (let i = 0; written < n; i++) {
      const t = Math.floor(start + i * step + rng.next() * step);
      const r = benchRecord(rng, w, source, t);
      for (const one of Array.isArray(r) ? r : [r]) {
        if (w.planted.has(one)) planted.push(written);
        const line = `${JSON.stringify(one)}\n`;
        buf += line;
        bytes += Buffer.byteLength(line);
        written++;
      }
      if (buf.length > 1 << 20) {
        if (!stream.write(buf)) await new Promise<void>((res) => stream.once('drain', () => res()));
        buf = '';
      }
    }
    stream.write(buf);
    await new Promise<void>((res, rej) => stream.end((err?: Error | null) => (err ? rej(err) : res())));
    out.push({ source, path, records: written, bytes, planted });
  }
  return out;
}
