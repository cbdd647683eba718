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
}) {
  const code = o.errorCode ?? 0;
  return {
    id: uid('5a1f0c3e'),
    createdDateTime: iso(o.at),
    userDisplayName: o.upn.split('@')[0],
    userPrincipalName: o.upn,
    userId: uid('0b7c9d2e'),
    appId: o.appId ?? '4765445b-32c6-49b0-83e6-1d93765276ca',
    appDisplayName: o.appName ?? 'OfficeHome',
    ipAddress: o.ip,
    clientAppUsed: 'Browser',
    correlationId: uid('c0ffee00'),
    conditionalAccessStatus: code === 0 ? 'success' : 'notApplied',
    isInteractive: true,
    riskDetail: 'none',
    riskLevelAggregated: 'none',
    riskState: 'none',
    resourceDisplayName: 'Office 365 Exchange Online',
    resourceId: '00000002-0000-0ff1-ce00-000000000000',
    status: {
      errorCode: code,
      failureReason:
        code === 50126
          ? 'Error validating credentials due to invalid username or password.'
          : code === 0
            ? null
            : 'Other',
      additionalDetails: null,
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
      countryOrRegion: 'DE',
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

/** A CloudTrail record (eventVersion 1.09). */
export function cloudTrail(o: {
  eventName: string;
  eventSource: string;
  at: number;
  userName?: string;
  ip?: string;
  requestParameters?: Record<string, unknown> | null;
  errorCode?: string;
  responseElements?: Record<string, unknown> | null;
  additionalEventData?: Record<string, unknown>;
}) {
  const user = o.userName ?? 'ci-deploy';
  return {
    eventVersion: '1.09',
    userIdentity: {
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
    awsRegion: 'us-east-1',
    sourceIPAddress: o.ip ?? '198.51.100.23',
    userAgent: 'aws-cli/2.15.30 Python/3.11.8 Linux/6.5.0 exe/x86_64.ubuntu.22',
    ...(o.errorCode
      ? { errorCode: o.errorCode, errorMessage: 'User is not authorized to perform this operation' }
      : {}),
    requestParameters: o.requestParameters ?? null,
    responseElements: o.responseElements ?? null,
    ...(o.additionalEventData ? { additionalEventData: o.additionalEventData } : {}),
    requestID: uid('re9'),
    eventID: uid('e1d0'),
    readOnly: false,
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
