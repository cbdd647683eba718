/**
 * Real-shaped CloudTrail management events in EventBridge envelopes, and SQS events carrying them, as
 * the real-time path delivers them (EventBridge rule -> SQS -> Lambda).
 */
import type { SQSEvent, SQSRecord } from 'aws-lambda';

export const ACCOUNT = '111122223333';
export const REGION = 'us-east-1';
export const QUEUE_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT}:Tripline-RealtimeQueue`;

let seq = 0;
/** A deterministic v4-looking UUID. */
export function uuid(n = ++seq): string {
  return `6f1c2a3b-4d5e-4f60-9a7b-${n.toString(16).padStart(12, '0')}`;
}

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

type Json = Record<string, unknown>;

function envelope(detailType: string, source: string, detail: Json): Json {
  return {
    version: '0',
    id: uuid(),
    'detail-type': detailType,
    source,
    account: ACCOUNT,
    time: detail['eventTime'],
    region: REGION,
    resources: [],
    detail,
  };
}

/** An IAM user's API call ("AWS API Call via CloudTrail"). */
export function iamUserCall(opts: {
  at: number;
  eventName: string;
  eventSource: string;
  userName: string;
  ip: string;
  requestParameters?: Json | null;
  readOnly?: boolean;
  eventId?: string;
}): Json {
  return envelope(
    'AWS API Call via CloudTrail',
    opts.eventSource.replace('.amazonaws.com', '').replace(/^/, 'aws.'),
    {
      eventVersion: '1.09',
      userIdentity: {
        type: 'IAMUser',
        principalId: 'AIDAEXAMPLEMALLORY01',
        arn: `arn:aws:iam::${ACCOUNT}:user/${opts.userName}`,
        accountId: ACCOUNT,
        accessKeyId: 'AKIAEXAMPLEMALLORY01',
        userName: opts.userName,
      },
      eventTime: iso(opts.at),
      eventSource: opts.eventSource,
      eventName: opts.eventName,
      awsRegion: REGION,
      sourceIPAddress: opts.ip,
      userAgent:
        'aws-cli/2.15.30 md/awscrt#0.19.19 ua/2.0 os/linux#6.5.0 md/arch#x86_64 lang/python#3.11.8 exec-env/CloudShell',
      requestParameters: opts.requestParameters ?? null,
      responseElements: null,
      requestID: uuid(),
      eventID: opts.eventId ?? uuid(),
      readOnly: opts.readOnly ?? false,
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: ACCOUNT,
      eventCategory: 'Management',
      tlsDetails: {
        tlsVersion: 'TLSv1.3',
        cipherSuite: 'TLS_AES_128_GCM_SHA256',
        clientProvidedHostHeader: `${opts.eventSource.split('.')[0]}.${REGION}.amazonaws.com`,
      },
    },
  );
}

/** A workload role's routine API call (Lambda / EC2 instance profile). */
export function roleCall(opts: {
  at: number;
  eventName: string;
  eventSource: string;
  role: string;
  readOnly?: boolean;
}): Json {
  return envelope('AWS API Call via CloudTrail', 'aws.' + opts.eventSource.split('.')[0], {
    eventVersion: '1.09',
    userIdentity: {
      type: 'AssumedRole',
      principalId: `AROAEXAMPLEROLE00001:i-0abc12345def67890`,
      arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${opts.role}/i-0abc12345def67890`,
      accountId: ACCOUNT,
      accessKeyId: 'ASIAEXAMPLEROLE00001',
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          principalId: 'AROAEXAMPLEROLE00001',
          arn: `arn:aws:iam::${ACCOUNT}:role/${opts.role}`,
          accountId: ACCOUNT,
          userName: opts.role,
        },
        attributes: { creationDate: iso(opts.at - 600_000), mfaAuthenticated: 'false' },
        ec2RoleDelivery: '2.0',
      },
    },
    eventTime: iso(opts.at),
    eventSource: opts.eventSource,
    eventName: opts.eventName,
    awsRegion: REGION,
    sourceIPAddress: '10.0.12.34',
    userAgent: 'aws-sdk-java/2.25.11 Linux/5.10.210 OpenJDK_64-Bit_Server_VM/17.0.10+7-LTS',
    requestParameters: null,
    responseElements: null,
    requestID: uuid(),
    eventID: uuid(),
    readOnly: opts.readOnly ?? true,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: ACCOUNT,
    eventCategory: 'Management',
  });
}

/** A failed console sign-in of an IAM user ("AWS Console Sign In via CloudTrail"). */
export function consoleLoginFailure(opts: {
  at: number;
  userName: string;
  ip: string;
  eventId?: string;
}): Json {
  return envelope('AWS Console Sign In via CloudTrail', 'aws.signin', {
    eventVersion: '1.09',
    userIdentity: {
      type: 'IAMUser',
      principalId: 'AIDAEXAMPLEBOB000001',
      accountId: ACCOUNT,
      accessKeyId: '',
      userName: opts.userName,
    },
    eventTime: iso(opts.at),
    eventSource: 'signin.amazonaws.com',
    eventName: 'ConsoleLogin',
    awsRegion: REGION,
    sourceIPAddress: opts.ip,
    userAgent:
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36',
    errorMessage: 'Failed authentication',
    requestParameters: null,
    responseElements: { ConsoleLogin: 'Failure' },
    additionalEventData: {
      LoginTo:
        'https://console.aws.amazon.com/console/home?hashArgs=%23&isauthcode=true&state=hashArgsFromTB',
      MobileVersion: 'No',
      MFAUsed: 'No',
    },
    eventID: opts.eventId ?? uuid(),
    readOnly: false,
    eventType: 'AwsConsoleSignIn',
    managementEvent: true,
    recipientAccountId: ACCOUNT,
    eventCategory: 'Management',
  });
}

/** An SQS record carrying `body` (an object is sent as its JSON). */
export function sqsRecord(body: unknown, messageId = uuid()): SQSRecord {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return {
    messageId,
    receiptHandle: `AQEB${messageId.replace(/-/g, '')}==`,
    body: text,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '1772589600000',
      SenderId: 'AIDAEVENTBRIDGE00001',
      ApproximateFirstReceiveTimestamp: '1772589600123',
    },
    messageAttributes: {},
    md5OfBody: 'd41d8cd98f00b204e9800998ecf8427e',
    eventSource: 'aws:sqs',
    eventSourceARN: QUEUE_ARN,
    awsRegion: REGION,
  };
}

/** An SQS event for the handler. */
export function sqsEvent(records: SQSRecord[]): SQSEvent {
  return { Records: records };
}

/** The event id (CloudTrail eventID) in a record's body. */
export function eventIdOf(r: SQSRecord): string {
  return ((JSON.parse(r.body) as Json)['detail'] as Json)['eventID'] as string;
}

/** The scenario of the tests: StopLogging by an IAM user amid routine calls, and 12 console sign-in failures for one user. */
export function attackBatch(
  t0: number,
  opts: { victim?: string; attacker?: string } = {},
): {
  records: SQSRecord[];
  stopLogging: SQSRecord;
  failures: SQSRecord[];
  routine: SQSRecord[];
} {
  const routine = [
    sqsRecord(
      roleCall({
        at: t0,
        eventName: 'DescribeInstances',
        eventSource: 'ec2.amazonaws.com',
        role: 'app-server',
      }),
    ),
    sqsRecord(
      roleCall({
        at: t0 + 5_000,
        eventName: 'GetParameter',
        eventSource: 'ssm.amazonaws.com',
        role: 'app-server',
      }),
    ),
    sqsRecord(
      iamUserCall({
        at: t0 + 20_000,
        eventName: 'ListBuckets',
        eventSource: 's3.amazonaws.com',
        userName: opts.attacker ?? 'mallory',
        ip: '198.51.100.23',
        readOnly: true,
      }),
    ),
    sqsRecord(
      iamUserCall({
        at: t0 + 25_000,
        eventName: 'DescribeTrails',
        eventSource: 'cloudtrail.amazonaws.com',
        userName: opts.attacker ?? 'mallory',
        ip: '198.51.100.23',
        readOnly: true,
      }),
    ),
  ];
  const stopLogging = sqsRecord(
    iamUserCall({
      at: t0 + 30_000,
      eventName: 'StopLogging',
      eventSource: 'cloudtrail.amazonaws.com',
      userName: opts.attacker ?? 'mallory',
      ip: '198.51.100.23',
      requestParameters: { name: `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/management-events` },
    }),
  );
  const failures = Array.from({ length: 12 }, (_, i) =>
    sqsRecord(
      consoleLoginFailure({
        at: t0 + 40_000 + i * 20_000,
        userName: opts.victim ?? 'bob',
        ip: '203.0.113.77',
      }),
    ),
  );
  const records = [
    routine[0],
    routine[1],
    ...failures.slice(0, 6),
    routine[2],
    routine[3],
    stopLogging,
    ...failures.slice(6),
  ].filter((r): r is SQSRecord => r !== undefined);
  return { records, stopLogging, failures, routine };
}
