import type { RuleCases } from '../../engine/rule';
import { BASE, cloudTrail, ssoRole } from '../testing/records';

const CALLS: Array<[string, string]> = [
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
  ['cloudtrail.amazonaws.com', 'DescribeTrails'],
  ['organizations.amazonaws.com', 'DescribeOrganization'],
];
const sweep = (n: number, stepMs: number, userName = 'leaked-key-user') =>
  CALLS.slice(0, n).map(([eventSource, eventName], i) =>
    cloudTrail({
      eventName,
      eventSource,
      at: BASE + i * stepMs,
      userName,
      ip: '185.220.101.47',
      userAgent: 'aws-cli/2.15.30 md/pacu',
      readOnly: true,
      ...(i % 3 === 0 ? { errorCode: 'AccessDenied' } : {}),
    }),
  );

/** A principal of another account, as CloudTrail writes it in the resource account (no ARN). */
const otherAccount = {
  type: 'AWSAccount',
  principalId: 'AIDAQRSTUVWXYZEXAMPLE',
  accountId: '111122223333',
};

/** A Lambda function's execution role session: a workload. */
const lambdaRole = {
  type: 'AssumedRole',
  principalId: 'AROA4EXAMPLEROLEID01:inventory-sync',
  arn: 'arn:aws:sts::444455556666:assumed-role/inventory-sync-role/inventory-sync',
  accountId: '444455556666',
  accessKeyId: 'ASIA4EXAMPLEKEY00002',
  sessionContext: {
    sessionIssuer: {
      type: 'Role',
      principalId: 'AROA4EXAMPLEROLEID01',
      arn: 'arn:aws:iam::444455556666:role/inventory-sync-role',
      accountId: '444455556666',
      userName: 'inventory-sync-role',
    },
    attributes: { creationDate: '2024-05-01T09:00:00Z', mfaAuthenticated: 'false' },
  },
};

const cases: RuleCases = {
  fires: [
    {
      name: 'fires when one key lists 12 services within 6 minutes, denied calls included',
      records: sweep(12, 30_000),
      expect: { findings: 1, severity: 'medium' },
    },
    {
      name: 'groups an SSO user by role, whatever the session',
      records: sweep(10, 20_000).map((r) => ({ ...r, userIdentity: ssoRole('mallory@contoso.com') })),
      expect: {
        findings: 1,
        principal:
          'arn:aws:iam::444455556666:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_AdministratorAccess_0a1b2c3d4e5f6a7b',
      },
    },
    {
      name: "counts another account's principal (AWSAccount), whose calls succeed",
      records: sweep(10, 20_000).map((r) => {
        const { errorCode: _e, errorMessage: _m, ...ok } = r as typeof r & { errorMessage?: string };
        return { ...ok, userIdentity: otherAccount };
      }),
      expect: { findings: 1, principal: 'AIDAQRSTUVWXYZEXAMPLE' },
    },
  ],
  quiet: [
    { name: 'stays quiet for 9 services', records: sweep(9, 30_000), expect: { findings: 0 } },
    {
      name: "stays quiet when a Lambda function's role describes 12 services and every call succeeds",
      records: sweep(12, 20_000).map((r) => {
        const { errorCode: _e, errorMessage: _m, ...ok } = r as typeof r & { errorMessage?: string };
        return {
          ...ok,
          userIdentity: lambdaRole,
          userAgent: 'aws-sdk-nodejs/2.1692.0 linux/v20.18.0 exec-env/AWS_Lambda_nodejs20.x',
        };
      }),
      expect: { findings: 0 },
    },
    {
      name: 'stays quiet for 12 services spread over two hours, and for data reads',
      records: [
        ...sweep(12, 10 * 60_000),
        ...['GetObject', 'GetSecretValue', 'GetParameter', 'GetItem', 'GetCallerIdentity'].map(
          (eventName, i) =>
            cloudTrail({
              eventName,
              eventSource: `svc${i}.amazonaws.com`,
              at: BASE + i * 1000,
              userName: 'app',
            }),
        ),
      ],
      expect: { findings: 0 },
    },
  ],
};
export default cases;
