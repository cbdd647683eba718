/**
 * Builders of raw records in the shapes the real APIs return, for rule test cases. They produce
 * what a user's logs hold (Graph signIn/directoryAudit, UAL records, CloudTrail records, Workspace
 * activities), and the cases run them through the real normalizers.
 */
let n = 0;
const uid = (p: string) =>
  `${p}-${(++n).toString(16).padStart(8, '0')}-4e1c-9b7a-${(1e11 + n).toString(16).slice(-12)}`;

export const TENANT = '7d3e4c2a-91b5-4f0e-8a6d-2c9b1e5f4a70';
export const BASE = Date.parse('2026-03-02T09:00:00Z');
export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;
const iso = (t: number) => new Date(t).toISOString();
/** UAL CreationTime: no zone, UTC. */
const ual = (t: number) => new Date(t).toISOString().slice(0, 19);

/** Graph signIn (v1.0 /auditLogs/signIns). errorCode 0 is success. */
export function signIn(o: {
  upn: string;
  ip: string;
  at: number;
  errorCode?: number;
  appId?: string;
  appName?: string;
  /** Beta `userAgent`; absent from v1.0 records. */
  userAgent?: string;
  clientAppUsed?: string;
  /** 'ropc' for the resource owner password grant scripts use; 'none' otherwise. */
  authenticationProtocol?: string;
  risk?: 'none' | 'low' | 'medium' | 'high';
  /** Beta `sessionId`: one sign-in session across token refreshes. */
  sessionId?: string;
  country?: string;
  /** status.additionalDetails, e.g. 'MFA completed in Azure AD'. */
  statusDetails?: string;
  resource?: string;
}) {
  const code = o.errorCode ?? 0;
  const risk = o.risk ?? 'none';
  return {
    id: uid('5a1f0c3e'),
    createdDateTime: iso(o.at),
    userDisplayName: o.upn.split('@')[0],
    userPrincipalName: o.upn,
    userId: uid('0b7c9d2e'),
    appId: o.appId ?? '4765445b-32c6-49b0-83e6-1d93765276ca',
    appDisplayName: o.appName ?? 'OfficeHome',
    ipAddress: o.ip,
    ...(o.userAgent ? { userAgent: o.userAgent } : {}),
    ...(o.sessionId ? { sessionId: o.sessionId } : {}),
    clientAppUsed: o.clientAppUsed ?? 'Browser',
    correlationId: uid('c0ffee00'),
    conditionalAccessStatus: code === 0 ? 'success' : 'notApplied',
    isInteractive: true,
    authenticationProtocol: o.authenticationProtocol ?? 'none',
    authenticationRequirement: o.statusDetails ? 'multiFactorAuthentication' : 'singleFactorAuthentication',
    riskDetail: 'none',
    riskLevelAggregated: risk,
    riskLevelDuringSignIn: risk,
    riskState: risk === 'none' ? 'none' : 'atRisk',
    resourceDisplayName: o.resource ?? 'Office 365 Exchange Online',
    resourceId: '00000002-0000-0ff1-ce00-000000000000',
    status: {
      errorCode: code,
      failureReason:
        code === 50126
          ? 'Error validating credentials due to invalid username or password.'
          : code === 500121
            ? 'Authentication failed during strong authentication request.'
            : code === 0
              ? null
              : 'Other',
      additionalDetails: o.statusDetails ?? null,
    },
    deviceDetail: {
      deviceId: '',
      displayName: '',
      operatingSystem: 'Windows 10',
      browser: 'Chrome 122.0.0',
      isCompliant: false,
      isManaged: false,
      trustType: '',
    },
    location: {
      city: 'Frankfurt am Main',
      state: 'Hessen',
      countryOrRegion: o.country ?? 'DE',
      geoCoordinates: { altitude: null, latitude: 50.11, longitude: 8.68 },
    },
    appliedConditionalAccessPolicies: [],
  };
}

/** The "ConsentAction.Permissions" text Entra writes for a delegated consent. */
export function consentPermissionsText(o: {
  clientId: string;
  scopes: string[];
  consentType: 'Principal' | 'AllPrincipals';
}) {
  return `[] => [[Id: ${uid('Xy3')}, ClientId: ${o.clientId}, PrincipalId: ${o.consentType === 'Principal' ? uid('p') : ''}, ResourceId: 8a0d3e1f-2b4c-4d5e-9f60-7a8b9c0d1e2f, ConsentType: ${o.consentType}, Scope: ${o.scopes.join(' ')}, CreatedDateTime: , LastModifiedDateTime ]]; `;
}

/** Graph directoryAudit for "Consent to application" by a user. */
export function consentAudit(o: {
  upn: string;
  ip: string;
  at: number;
  appId: string;
  appName: string;
  scopes: string[];
  consentType?: 'Principal' | 'AllPrincipals';
  result?: 'success' | 'failure';
}) {
  const consentType = o.consentType ?? 'Principal';
  const q = (s: string) => JSON.stringify(s);
  return {
    id: `Directory_${uid('ab12')}`,
    category: 'ApplicationManagement',
    correlationId: uid('c0ffee01'),
    result: o.result ?? 'success',
    resultReason: '',
    activityDisplayName: 'Consent to application',
    activityDateTime: iso(o.at),
    loggedByService: 'Core Directory',
    operationType: 'Assign',
    initiatedBy: {
      app: null,
      user: { id: uid('0a11'), displayName: null, userPrincipalName: o.upn, ipAddress: o.ip, userType: null },
    },
    targetResources: [
      {
        id: uid('5e7a'),
        displayName: o.appName,
        type: 'ServicePrincipal',
        userPrincipalName: null,
        groupType: null,
        modifiedProperties: [
          {
            displayName: 'ConsentContext.IsAdminConsent',
            oldValue: null,
            newValue: q(consentType === 'AllPrincipals' ? 'True' : 'False'),
          },
          { displayName: 'ConsentContext.IsAppOnly', oldValue: null, newValue: q('False') },
          {
            displayName: 'ConsentContext.OnBehalfOfAll',
            oldValue: null,
            newValue: q(consentType === 'AllPrincipals' ? 'True' : 'False'),
          },
          {
            displayName: 'ConsentContext.Tags',
            oldValue: null,
            newValue: q('WindowsAzureActiveDirectoryIntegratedApp'),
          },
          {
            displayName: 'ConsentAction.Permissions',
            oldValue: null,
            newValue: q(consentPermissionsText({ clientId: uid('5e7b'), scopes: o.scopes, consentType })),
          },
          {
            displayName: 'TargetId.ServicePrincipalNames',
            oldValue: null,
            newValue: q(`${o.appId};https://app.example.net`),
          },
        ],
      },
    ],
    additionalDetails: [
      {
        key: 'User-Agent',
        value:
          'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36',
      },
      { key: 'AppId', value: o.appId },
    ],
  };
}

/** A Management Activity API record (PascalCase). */
export function ualRecord(
  o: {
    op: string;
    user: string;
    at: number;
    workload?: string;
    recordType?: number;
    ip?: string;
    result?: string | null;
  } & Record<string, unknown>,
) {
  const { op, user, at, workload, recordType, ip, result, ...rest } = o;
  return {
    CreationTime: ual(at),
    Id: uid('9e8d7c6b'),
    Operation: op,
    OrganizationId: TENANT,
    RecordType: recordType ?? 1,
    ...(result === null ? {} : { ResultStatus: result ?? 'True' }),
    UserKey: '10032003A1B2C3D4',
    UserType: 2,
    Version: 1,
    Workload: workload ?? 'Exchange',
    ClientIP: ip ?? '203.0.113.10:50213',
    UserId: user,
    ...rest,
  };
}

export function inboxRule(o: { user: string; at: number; params: Record<string, string>; op?: string }) {
  return ualRecord({
    op: o.op ?? 'New-InboxRule',
    user: o.user,
    at: o.at,
    ObjectId: `EURPR01A001.PROD.OUTLOOK.COM/Microsoft Exchange Hosted Organizations/contoso.onmicrosoft.com/${o.user.split('@')[0]}\\${o.params.Name ?? 'rule'}`,
    AppId: '00000002-0000-0ff1-ce00-000000000000',
    ClientAppId: '',
    ExternalAccess: false,
    OrganizationName: 'contoso.onmicrosoft.com',
    OriginatingServer: 'AM0PR01MB1234 (15.20.7000.000)',
    Parameters: Object.entries(o.params).map(([Name, Value]) => ({ Name, Value })),
    SessionId: uid('5e55'),
  });
}

export function mailItemsAccessed(o: {
  user: string;
  at: number;
  appId: string;
  clientAppId?: string;
  ip?: string;
  accessType?: 'Bind' | 'Sync';
}) {
  return ualRecord({
    op: 'MailItemsAccessed',
    user: o.user,
    at: o.at,
    workload: 'Exchange',
    recordType: 50,
    result: 'Succeeded',
    UserType: 0,
    ClientIPAddress: o.ip ?? '20.42.73.12',
    ClientIP: undefined,
    AppId: o.appId,
    ClientAppId: o.clientAppId ?? o.appId,
    ClientInfoString: 'Client=REST;Client=RESTSystem;;',
    ExternalAccess: false,
    InternalLogonType: 0,
    LogonType: 0,
    LogonUserSid: 'S-1-5-21-1111111111-2222222222-3333333333-4444',
    MailboxGuid: uid('4d4d'),
    MailboxOwnerSid: 'S-1-5-21-1111111111-2222222222-3333333333-4444',
    MailboxOwnerUPN: o.user,
    OperationProperties: [
      { Name: 'MailAccessType', Value: o.accessType ?? 'Bind' },
      { Name: 'IsThrottled', Value: 'False' },
    ],
    OrganizationName: 'contoso.onmicrosoft.com',
    OriginatingServer: 'AM0PR01MB1234 (15.20.7000.000)',
    Folders: [
      {
        FolderItems: [{ InternetMessageId: `<${uid('m')}@contoso.com>`, SizeInBytes: 48211 }],
        Id: 'LgAAAAB',
        Path: '\\Inbox',
      },
    ],
    OperationCount: 1,
  });
}

export function fileDownloaded(o: { user: string; at: number; appId: string; file: string }) {
  return ualRecord({
    op: 'FileDownloaded',
    user: o.user,
    at: o.at,
    workload: 'OneDrive',
    recordType: 6,
    result: null,
    ClientIP: '20.42.73.12',
    ObjectId: `https://contoso-my.sharepoint.com/personal/bob_contoso_com/Documents/${o.file}`,
    UserAgent: 'MailArchiverPro/2.1',
    ApplicationId: o.appId,
    ItemType: 'File',
    SiteUrl: 'https://contoso-my.sharepoint.com/personal/bob_contoso_com/',
    SourceFileName: o.file,
    SourceFileExtension: o.file.split('.').pop(),
    SourceRelativeUrl: 'Documents',
  });
}

/** A UAL sign-in failure (AzureActiveDirectoryStsLogon, RecordType 15) as the det-eng samples show it. */
export function ualLoginFailed(o: { user: string; ip: string; at: number; errorNumber?: string }) {
  return ualRecord({
    op: 'UserLoginFailed',
    user: o.user,
    at: o.at,
    workload: 'AzureActiveDirectory',
    recordType: 15,
    result: 'Failed',
    UserType: 0,
    ClientIP: o.ip,
    ObjectId: '00000002-0000-0000-c000-000000000000',
    AzureActiveDirectoryEventType: 1,
    ExtendedProperties: [
      { Name: 'ResultStatusDetail', Value: 'UserError' },
      { Name: 'UserAgent', Value: 'python-requests/2.31.0' },
      { Name: 'RequestType', Value: 'OAuth2:Token' },
    ],
    ActorIpAddress: o.ip,
    ApplicationId: '1b730954-1685-4b74-9bfd-dac224a7b894',
    ErrorNumber: o.errorNumber ?? '50126',
    LogonError: 'InvalidUserNameOrPassword',
  });
}

/** An EC2 instance profile's session, as CloudTrail writes it in userIdentity. */
export function instanceRole(instanceId: string, role = 'app-server') {
  return {
    type: 'AssumedRole',
    principalId: `AROA4EXAMPLEROLEID01:${instanceId}`,
    arn: `arn:aws:sts::444455556666:assumed-role/${role}/${instanceId}`,
    accountId: '444455556666',
    accessKeyId: 'ASIA4EXAMPLEKEY0INST',
    sessionContext: {
      sessionIssuer: {
        type: 'Role',
        principalId: 'AROA4EXAMPLEROLEID01',
        arn: `arn:aws:iam::444455556666:role/${role}`,
        accountId: '444455556666',
        userName: role,
      },
      attributes: { creationDate: '2026-03-02T08:00:00Z', mfaAuthenticated: 'false' },
      ec2RoleDelivery: '2.0',
    },
  };
}

/** An IAM Identity Center (SSO) user's role session. */
export function ssoRole(person: string, permissionSet = 'AdministratorAccess') {
  const role = `AWSReservedSSO_${permissionSet}_0a1b2c3d4e5f6a7b`;
  return {
    type: 'AssumedRole',
    principalId: `AROA4EXAMPLESSOROLE1:${person}`,
    arn: `arn:aws:sts::444455556666:assumed-role/${role}/${person}`,
    accountId: '444455556666',
    accessKeyId: 'ASIA4EXAMPLEKEY00SSO',
    sessionContext: {
      sessionIssuer: {
        type: 'Role',
        principalId: 'AROA4EXAMPLESSOROLE1',
        arn: `arn:aws:iam::444455556666:role/aws-reserved/sso.amazonaws.com/${role}`,
        accountId: '444455556666',
        userName: role,
      },
      attributes: { creationDate: '2026-03-02T08:00:00Z', mfaAuthenticated: 'false' },
    },
  };
}

/** A CloudTrail record (eventVersion 1.09). */
export function cloudTrail(o: {
  eventName: string;
  eventSource: string;
  at: number;
  userName?: string;
  /** A whole userIdentity (instanceRole, ssoRole...) instead of an IAM user. */
  identity?: Record<string, unknown>;
  ip?: string;
  region?: string;
  userAgent?: string;
  requestParameters?: Record<string, unknown> | null;
  errorCode?: string;
  responseElements?: Record<string, unknown> | null;
  additionalEventData?: Record<string, unknown>;
  readOnly?: boolean;
}) {
  const user = o.userName ?? 'ci-deploy';
  return {
    eventVersion: '1.09',
    userIdentity: o.identity ?? {
      type: 'IAMUser',
      principalId: 'AIDA4EXAMPLEUSERID01',
      arn: `arn:aws:iam::444455556666:user/${user}`,
      accountId: '444455556666',
      accessKeyId: 'AKIA4EXAMPLEKEY00001',
      userName: user,
    },
    eventTime: iso(o.at).replace(/\.\d{3}Z$/, 'Z'),
    eventSource: o.eventSource,
    eventName: o.eventName,
    awsRegion: o.region ?? 'us-east-1',
    sourceIPAddress: o.ip ?? '198.51.100.23',
    userAgent: o.userAgent ?? 'aws-cli/2.15.30 Python/3.11.8 Linux/6.5.0 exe/x86_64.ubuntu.22',
    ...(o.errorCode
      ? { errorCode: o.errorCode, errorMessage: 'User is not authorized to perform this operation' }
      : {}),
    requestParameters: o.requestParameters ?? null,
    responseElements: o.responseElements ?? null,
    ...(o.additionalEventData ? { additionalEventData: o.additionalEventData } : {}),
    requestID: uid('re9'),
    eventID: uid('e1d0'),
    readOnly: o.readOnly ?? false,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: '444455556666',
    eventCategory: 'Management',
    tlsDetails: {
      tlsVersion: 'TLSv1.3',
      cipherSuite: 'TLS_AES_128_GCM_SHA256',
      clientProvidedHostHeader: `${o.eventSource}`,
    },
  };
}

type WsParam = {
  name: string;
  value?: string;
  boolValue?: boolean;
  intValue?: string;
  multiValue?: string[];
};

/** A Google Workspace Reports API activity (one or more events). */
export function workspaceActivity(o: {
  app: string;
  email: string;
  ip?: string;
  at: number;
  events: Array<{ type: string; name: string; parameters?: WsParam[] }>;
}) {
  return {
    kind: 'admin#reports#activity',
    id: {
      time: iso(o.at),
      uniqueQualifier: String(-(1000000000000 + ++n) * 7919),
      applicationName: o.app,
      customerId: 'C03x9k2m1',
    },
    etag: `"${uid('et')}"`,
    actor: { email: o.email, profileId: String(100000000000000000000 + n), callerType: 'USER' },
    ipAddress: o.ip ?? '203.0.113.44',
    events: o.events,
  };
}

export function workspaceAuthorize(o: {
  email: string;
  at: number;
  clientId: string;
  appName: string;
  scopes: string[];
  ip?: string;
}) {
  return workspaceActivity({
    app: 'token',
    email: o.email,
    at: o.at,
    ...(o.ip ? { ip: o.ip } : {}),
    events: [
      {
        type: 'auth',
        name: 'authorize',
        parameters: [
          { name: 'client_id', value: o.clientId },
          { name: 'app_name', value: o.appName },
          { name: 'client_type', value: 'WEB' },
          { name: 'scope', multiValue: o.scopes },
        ],
      },
    ],
  });
}

/** A Graph directoryAudit (any activity), initiated by a user or an app. */
export function directoryAudit(o: {
  activity: string;
  at: number;
  category?: string;
  by?: { upn: string; ip?: string } | { app: string; appId?: string };
  targets?: Array<{
    type: string;
    id?: string;
    displayName?: string | null;
    userPrincipalName?: string | null;
    modifiedProperties?: Array<{ displayName: string; oldValue?: string | null; newValue: string | null }>;
  }>;
  additionalDetails?: Array<{ key: string; value: string }>;
  result?: 'success' | 'failure';
  service?: string;
}) {
  const by = o.by ?? { upn: 'it-admin@contoso.com', ip: '198.51.100.23' };
  return {
    id: `Directory_${uid('ad17')}`,
    category: o.category ?? 'UserManagement',
    correlationId: uid('c0ffee02'),
    result: o.result ?? 'success',
    resultReason: '',
    activityDisplayName: o.activity,
    activityDateTime: iso(o.at),
    loggedByService: o.service ?? 'Core Directory',
    operationType: 'Update',
    initiatedBy:
      'upn' in by
        ? {
            app: null,
            user: {
              id: uid('0a12'),
              displayName: null,
              userPrincipalName: by.upn,
              ipAddress: by.ip ?? '',
              userType: null,
            },
          }
        : {
            user: null,
            app: {
              appId: by.appId ?? null,
              displayName: by.app,
              servicePrincipalId: uid('5b9a'),
              servicePrincipalName: null,
            },
          },
    targetResources: (o.targets ?? []).map((t) => ({
      id: t.id ?? uid('7a7a'),
      displayName: t.displayName ?? null,
      type: t.type,
      userPrincipalName: t.userPrincipalName ?? null,
      groupType: null,
      modifiedProperties: (t.modifiedProperties ?? []).map((m) => ({
        displayName: m.displayName,
        oldValue: m.oldValue ?? null,
        newValue: m.newValue,
      })),
    })),
    additionalDetails: o.additionalDetails ?? [],
  };
}

/** A GitHub audit log event (REST API / streaming): flat, epoch-millisecond times. */
export function githubEvent(
  o: { action: string; actor: string; at: number; ip?: string } & Record<string, unknown>,
) {
  const { action, actor, at, ip, ...rest } = o;
  return {
    '@timestamp': at,
    _document_id: uid('gh').replace(/-/g, '').slice(0, 22),
    action,
    actor,
    actor_id: 1000 + (n % 1000),
    actor_ip: ip ?? '203.0.113.50',
    actor_location: { country_code: 'US' },
    created_at: at,
    org: 'octo-org',
    org_id: 9191,
    user_agent:
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_3) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Safari/605.1.15',
    ...rest,
  };
}

/** A Slack Audit Logs API entry. */
export function slackEntry(o: {
  action: string;
  email: string;
  at: number;
  ip?: string;
  sessionId?: string;
  entity?: Record<string, unknown>;
  details?: Record<string, unknown>;
}) {
  return {
    id: uid('51ac'),
    date_create: Math.floor(o.at / 1000),
    action: o.action,
    actor: {
      type: 'user',
      user: {
        id: `W0${(n % 100000).toString().padStart(7, '0')}`,
        name: o.email.split('@')[0],
        email: o.email,
        team: 'E0AB12CD3',
      },
    },
    entity: o.entity ?? {
      type: 'user',
      user: { id: 'W0123ABCD', name: o.email.split('@')[0], email: o.email, team: 'E0AB12CD3' },
    },
    context: {
      location: { type: 'enterprise', id: 'E0AB12CD3', name: 'Example Org', domain: 'example-org' },
      ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36',
      ip_address: o.ip ?? '198.51.100.77',
      ...(o.sessionId ? { session_id: o.sessionId } : {}),
    },
    ...(o.details ? { details: o.details } : {}),
  };
}

/** A Kubernetes API server audit event (audit.k8s.io/v1, stage ResponseComplete). */
export function k8sEvent(o: {
  verb: string;
  resource: string;
  at: number;
  user: string;
  namespace?: string;
  name?: string;
  subresource?: string;
  code?: number;
  ip?: string;
  userAgent?: string;
  requestObject?: Record<string, unknown>;
}) {
  const path = `/api/v1${o.namespace ? `/namespaces/${o.namespace}` : ''}/${o.resource}${o.name ? `/${o.name}` : ''}${o.subresource ? `/${o.subresource}` : ''}`;
  return {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: uid('a0d1'),
    stage: 'ResponseComplete',
    requestURI: path,
    verb: o.verb,
    user: {
      username: o.user,
      groups: o.user.startsWith('system:serviceaccount:')
        ? ['system:serviceaccounts', 'system:authenticated']
        : ['system:authenticated'],
    },
    sourceIPs: [o.ip ?? '10.0.12.34'],
    userAgent: o.userAgent ?? 'kubectl/v1.29.2 (linux/amd64) kubernetes/4b8e819',
    objectRef: {
      resource: o.resource,
      ...(o.namespace ? { namespace: o.namespace } : {}),
      ...(o.name ? { name: o.name } : {}),
      apiVersion: 'v1',
      ...(o.subresource ? { subresource: o.subresource } : {}),
    },
    responseStatus: { metadata: {}, code: o.code ?? 200 },
    ...(o.requestObject ? { requestObject: o.requestObject } : {}),
    requestReceivedTimestamp: iso(o.at),
    stageTimestamp: iso(o.at + 5),
    annotations: { 'authorization.k8s.io/decision': (o.code ?? 200) < 400 ? 'allow' : 'forbid' },
  };
}
