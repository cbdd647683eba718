import * as fs from 'node:fs';
import { builtinModules } from 'node:module';
import * as path from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ENV } from '#shared/config/env';
import { loadLambdaConfig } from '#shared/config/lambda-config';
import { buildApp } from '../../infra/build-app';
import { InvalidPropsError } from '../../infra/errors';
import { TriplineStack } from '../../infra/tripline-stack';
import type { PollSourceRegistration, PollSourceRegistry } from '#shared/sources/registry';
import {
  FIXTURE_POLLER_ENTRY,
  STUB_REGISTRY,
  actionsOf,
  allStatements,
  appWithContext,
  resourcesOfType,
  synthFromContext,
  synthFromProps,
} from './helpers';

// One stack as `npx cdk deploy -c alertEmail=oncall@example.com` builds it (real bundling included).
const { app, stack, template } = synthFromContext({ alertEmail: 'oncall@example.com' });

/** The one resource of `type` whose properties match `props`, by logical id. */
function only(type: string, props: Record<string, unknown> = {}): string {
  const found = Object.keys(template.findResources(type, { Properties: Match.objectLike(props) }));
  expect(found).toHaveLength(1);
  return found[0] as string;
}

describe('TriplineStack defaults (npx cdk deploy -c alertEmail=oncall@example.com)', () => {
  describe('state table', () => {
    it('is one on-demand table keyed by pk (String) with TTL on ttl', () => {
      template.resourceCountIs('AWS::DynamoDB::Table', 1);
      template.hasResourceProperties('AWS::DynamoDB::Table', {
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
        TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      });
    });

    it('has point-in-time recovery (35 days under the default 90-day retention) and encryption at rest', () => {
      template.hasResourceProperties('AWS::DynamoDB::Table', {
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true, RecoveryPeriodInDays: 35 },
        SSESpecification: { SSEEnabled: true },
      });
    });

    it('is retained when the stack is deleted, and protected from deletion meanwhile', () => {
      template.hasResource('AWS::DynamoDB::Table', {
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: Match.objectLike({ DeletionProtectionEnabled: true }),
      });
    });
  });

  describe('findings topic', () => {
    const topicId = only('AWS::SNS::Topic', { DisplayName: 'Tripline findings' });

    it('is encrypted with its own customer managed key, rotated', () => {
      const topic = resourcesOfType(template, 'AWS::SNS::Topic')[topicId];
      const keyRef = topic?.Properties['KmsMasterKeyId'] as { 'Fn::GetAtt': [string, string] };
      const key = resourcesOfType(template, 'AWS::KMS::Key')[keyRef['Fn::GetAtt'][0]];
      expect(key?.Properties['EnableKeyRotation']).toBe(true);
    });

    it('refuses publishes without TLS', () => {
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        Topics: [{ Ref: topicId }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 'sns:Publish',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    });

    it('lets no other account or service publish (its policy allows nothing)', () => {
      const policies = template.findResources('AWS::SNS::TopicPolicy', {
        Properties: { Topics: [{ Ref: topicId }] },
      });
      const statements = Object.values(policies).flatMap(
        (p) =>
          (p as { Properties: { PolicyDocument: { Statement: { Effect: string }[] } } }).Properties
            .PolicyDocument.Statement,
      );
      expect(statements.filter((s) => s.Effect === 'Allow')).toEqual([]);
    });

    it('subscribes the alertEmail from context by e-mail', () => {
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: 'oncall@example.com',
        TopicArn: { Ref: topicId },
      });
    });

    it("has a key policy allowing only key administration and the topic's two data-key operations", () => {
      const topic = resourcesOfType(template, 'AWS::SNS::Topic')[topicId];
      const keyId = (topic?.Properties['KmsMasterKeyId'] as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
      const usage = allStatements(template)
        .filter(({ resource }) => resource === keyId)
        .flatMap(({ statement }) => actionsOf(statement))
        .filter((a) => /Decrypt|Encrypt|GenerateDataKey|ReEncrypt|Sign|Verify|Mac/.test(a));
      expect(usage.sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
    });
  });

  describe('real-time path', () => {
    const functionId = only('AWS::Lambda::Function', {
      Environment: { Variables: { SOURCE: 'cloudtrail' } },
    });
    const fn = resourcesOfType(template, 'AWS::Lambda::Function')[functionId]?.Properties ?? {};
    const queueId = only('AWS::SQS::Queue', { RedrivePolicy: Match.anyValue() });
    const queue = resourcesOfType(template, 'AWS::SQS::Queue')[queueId]?.Properties ?? {};
    const dlqId = (queue['RedrivePolicy'] as { deadLetterTargetArn: { 'Fn::GetAtt': [string] } })
      .deadLetterTargetArn['Fn::GetAtt'][0];

    it('matches CloudTrail management events: API calls, read-only ones included, and console sign-ins', () => {
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: {
          'detail-type': [
            'AWS API Call via CloudTrail',
            'AWS Console Sign In via CloudTrail',
            'AWS Console Signin via CloudTrail',
          ],
        },
        State: 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS',
        Targets: [
          Match.objectLike({
            Arn: { 'Fn::GetAtt': [queueId, 'Arn'] },
            DeadLetterConfig: { Arn: { 'Fn::GetAtt': [dlqId, 'Arn'] } },
          }),
        ],
      });
    });

    it('queues them encrypted, TLS-only, with a dead-letter queue after 5 receives', () => {
      expect(queue['SqsManagedSseEnabled']).toBe(true);
      expect((queue['RedrivePolicy'] as { maxReceiveCount: number }).maxReceiveCount).toBe(5);
      for (const id of [queueId, dlqId]) {
        template.hasResourceProperties('AWS::SQS::QueuePolicy', {
          Queues: [{ Ref: id }],
          PolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            ]),
          },
        });
      }
    });

    it('keeps a record invisible for at least six function timeouts', () => {
      expect(queue['VisibilityTimeout']).toBeGreaterThanOrEqual(6 * (fn['Timeout'] as number));
    });

    it('consumes the queue in batches reporting per-record failures', () => {
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
        FunctionName: { Ref: functionId },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        BatchSize: 100,
        MaximumBatchingWindowInSeconds: 10,
      });
    });

    it('runs Node.js 22 or newer on arm64 with explicit timeout and memory', () => {
      const runtime = /^nodejs(\d+)\.x$/.exec(fn['Runtime'] as string);
      expect(Number(runtime?.[1])).toBeGreaterThanOrEqual(22);
      expect(fn['Architectures']).toEqual(['arm64']);
      expect(fn['Timeout']).toBe(60);
      expect(fn['MemorySize']).toBe(512);
    });

    it('logs to its own log group with the default 30-day retention', () => {
      const logGroupId = (fn['LoggingConfig'] as { LogGroup: { Ref: string } }).LogGroup.Ref;
      expect(
        resourcesOfType(template, 'AWS::Logs::LogGroup')[logGroupId]?.Properties['RetentionInDays'],
      ).toBe(30);
    });

    it('gets the environment loadLambdaConfig reads', () => {
      const variables = (fn['Environment'] as { Variables: Record<string, unknown> }).Variables;
      expect(variables).toEqual({
        [ENV.STATE_TABLE_NAME]: { Ref: only('AWS::DynamoDB::Table') },
        [ENV.FINDINGS_TOPIC_ARN]: { Ref: only('AWS::SNS::Topic', { DisplayName: 'Tripline findings' }) },
        [ENV.SOURCE]: 'cloudtrail',
        [ENV.LATENESS]: '15m',
        [ENV.STATE_RETENTION_DAYS]: '90',
        [ENV.LOG_LEVEL]: 'INFO',
        [ENV.POWERTOOLS_SERVICE_NAME]: 'tripline',
        [ENV.POWERTOOLS_METRICS_NAMESPACE]: 'Tripline',
        [ENV.NODE_OPTIONS]: '--enable-source-maps',
      });
      // With the tokens replaced by plausible values, the handler's own loader accepts it.
      const resolved = Object.fromEntries(
        Object.entries(variables).map(([k, v]) => [k, typeof v === 'string' ? v : 'x'.repeat(8)]),
      );
      resolved[ENV.FINDINGS_TOPIC_ARN] = 'arn:aws:sns:eu-west-1:123456789012:findings';
      expect(loadLambdaConfig(resolved).source).toBe('cloudtrail');
    });

    it('may read and write table items and publish findings, with the exact key operations', () => {
      const policy = Object.values(resourcesOfType(template, 'AWS::IAM::Policy')).find((p) =>
        (p.Properties['Roles'] as { Ref: string }[]).some(
          (r) => r.Ref === (fn['Role'] as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0],
        ),
      );
      const statements = (
        policy?.Properties['PolicyDocument'] as { Statement: { Action: string | string[] }[] }
      ).Statement;
      const actions = statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
      expect(actions).toEqual(
        expect.arrayContaining([
          'dynamodb:BatchGetItem',
          'dynamodb:PutItem',
          'dynamodb:DeleteItem',
          'dynamodb:BatchWriteItem',
          'sns:Publish',
          'kms:GenerateDataKey',
          'kms:Decrypt',
          'logs:PutLogEvents',
          'sqs:ReceiveMessage',
          'sqs:DeleteMessage',
        ]),
      );
      expect(actions.filter((a) => a.startsWith('dynamodb:')).sort()).toEqual([
        'dynamodb:BatchGetItem',
        'dynamodb:BatchWriteItem',
        'dynamodb:DeleteItem',
        'dynamodb:PutItem',
      ]);
    });

    it('bundles the real handler locally: minified CommonJS with a source map, only the AWS SDK left external', () => {
      const code = fn['Code'] as { S3Key: string };
      const assetHash = code.S3Key.replace(/\.zip$/, '');
      const dir = path.join(app.outdir, `asset.${assetHash}`);
      const bundle = fs.readFileSync(path.join(dir, 'index.js'), 'utf8');
      expect(fs.existsSync(path.join(dir, 'index.js.map'))).toBe(true);
      expect(bundle).toMatch(/handler/);
      const required = [...bundle.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1] as string);
      const notInRuntime = required.filter(
        (m) => !m.startsWith('@aws-sdk/') && !m.startsWith('node:') && !isBuiltin(m),
      );
      expect(notInRuntime).toEqual([]);
    });
  });

  describe('alarms (notifying the operations topic)', () => {
    const opsTopicId = only('AWS::SNS::Topic', { DisplayName: 'Tripline operations' });
    const alarms = Object.values(resourcesOfType(template, 'AWS::CloudWatch::Alarm')).map(
      (a) => a.Properties,
    );

    const alarmsOn = (metric: string, dimension: string, ref: unknown): Record<string, unknown>[] =>
      alarms.filter(
        (a) =>
          a['MetricName'] === metric &&
          JSON.stringify(a['Dimensions']) === JSON.stringify([{ Name: dimension, Value: ref }]),
      );

    it('watches every dead-letter queue for any message', () => {
      const queues = resourcesOfType(template, 'AWS::SQS::Queue');
      const deadLetterQueues = Object.keys(queues).filter((id) => !queues[id]?.Properties['RedrivePolicy']);
      expect(deadLetterQueues.length).toBeGreaterThan(0);
      for (const id of deadLetterQueues) {
        const found = alarmsOn('ApproximateNumberOfMessagesVisible', 'QueueName', {
          'Fn::GetAtt': [id, 'QueueName'],
        });
        expect(found).toEqual([
          expect.objectContaining({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' }),
        ]);
      }
    });

    it('watches every function for any error', () => {
      for (const id of Object.keys(resourcesOfType(template, 'AWS::Lambda::Function'))) {
        const found = alarmsOn('Errors', 'FunctionName', { Ref: id });
        expect(found).toEqual([expect.objectContaining({ Threshold: 0, Statistic: 'Sum' })]);
      }
    });

    it('watches the age of the oldest real-time message (15 minutes)', () => {
      const queueId = only('AWS::SQS::Queue', { RedrivePolicy: Match.anyValue() });
      expect(
        alarmsOn('ApproximateAgeOfOldestMessage', 'QueueName', { 'Fn::GetAtt': [queueId, 'QueueName'] }),
      ).toEqual([expect.objectContaining({ Threshold: 900 })]);
    });

    it('notifies the operations topic on ALARM and on OK, never the findings topic', () => {
      expect(alarms.length).toBeGreaterThan(0);
      for (const alarm of alarms) {
        expect(alarm['AlarmActions']).toEqual([{ Ref: opsTopicId }]);
        expect(alarm['OKActions']).toEqual([{ Ref: opsTopicId }]);
      }
    });

    it('lets CloudWatch alarms of this account, and no one else, publish to the operations topic', () => {
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        Topics: [{ Ref: opsTopicId }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Allow',
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Action: 'sns:Publish',
              Condition: Match.objectLike({
                StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              }),
            }),
          ]),
        },
      });
    });

    it('sends operational alarms to the alert e-mail too when no opsEmails is given', () => {
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: 'oncall@example.com',
        TopicArn: { Ref: opsTopicId },
      });
    });
  });

  describe('least privilege', () => {
    it('allows no wildcard action ("*" or "service:*") in any policy (denies, like enforceSSL, may)', () => {
      const wildcards = allStatements(template)
        .filter(({ statement }) => statement.Effect === 'Allow')
        .flatMap(({ resource, statement }) => actionsOf(statement).map((action) => `${resource}: ${action}`))
        .filter((entry) => /: (\*|[a-z0-9-]+:\*)$/.test(entry));
      expect(wildcards).toEqual([]);
    });

    it('uses no NotAction, which would allow everything else', () => {
      expect(allStatements(template).filter(({ statement }) => statement.NotAction !== undefined)).toEqual(
        [],
      );
    });

    it('attaches no AWS managed policy to any role', () => {
      for (const role of Object.values(resourcesOfType(template, 'AWS::IAM::Role'))) {
        expect(role.Properties['ManagedPolicyArns']).toBeUndefined();
      }
    });
  });

  it('outputs the table name, the findings topic ARN and the queue URL', () => {
    const outputs = template.toJSON()['Outputs'] as Record<string, unknown>;
    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining(['StateTableName', 'FindingsTopicArn', 'RealtimeQueueUrl', 'OpsTopicArn']),
    );
  });

  it('deploys no poller unless a polling source is enabled', () => {
    template.resourceCountIs('AWS::Events::Rule', 1);
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    template.resourceCountIs('AWS::Lambda::Function', 1);
  });

  it('is environment-agnostic, so synth needs no AWS account or credentials', () => {
    expect(stack.resolve(stack.account)).toEqual({ Ref: 'AWS::AccountId' });
    expect(stack.resolve(stack.region)).toEqual({ Ref: 'AWS::Region' });
  });
});

describe('cdk-nag AwsSolutions', () => {
  it('reports no unacknowledged error or warning on the default stack', () => {
    expect(new AwsSolutionsChecks().validateScope(stack).violations).toEqual([]);
  });

  it('reports none with every source enabled either', () => {
    const { stack: full } = synthFromProps({
      enabledSources: ['cloudtrail', 'graph', 'm365', 'workspace', 'cloudtrail-lookup'],
      alertEmails: ['oncall@example.com'],
      pollerEntry: FIXTURE_POLLER_ENTRY,
    });
    expect(new AwsSolutionsChecks().validateScope(full).violations).toEqual([]);
  });

  it('passes CDK validation when the whole app synthesizes (what `cdk synth` runs), trail path included', () => {
    const { app } = buildApp(
      appWithContext({ alertEmail: 'oncall@example.com', trailBucket: 'org-trail-logs' }),
    );
    expect(() => app.synth()).not.toThrow();
  });

  it('fails synthesis on an unacknowledged error (a queue accepting plain HTTP)', () => {
    const { app, stack: broken } = buildApp(appWithContext());
    new sqs.Queue(broken, 'Careless', { enforceSSL: false, encryption: sqs.QueueEncryption.SQS_MANAGED });
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS4[\s\S]*Careless|Careless[\s\S]*AwsSolutions-SQS4/);
  });

  it('records each acknowledgement and its reason in the template metadata', () => {
    const { template: full } = synthFromProps({
      enabledSources: ['graph'],
      pollerEntry: FIXTURE_POLLER_ENTRY,
    });
    const secrets = full.findResources('AWS::SecretsManager::Secret');
    const metadata = Object.values(secrets).map(
      (s) => (s as { Metadata?: Record<string, unknown> }).Metadata,
    );
    expect(metadata).toEqual([
      expect.objectContaining({
        cdk_nag: {
          rules_to_suppress: [
            expect.objectContaining({
              id: 'AwsSolutions-SMG4',
              reason: expect.stringMatching(/cannot rotate/) as string,
            }),
          ],
        },
      }),
    ]);
  });
});

describe('TriplineStack props', () => {
  it('rejects invalid props, listing every problem at once', () => {
    const app = appWithContext();
    let error: unknown;
    try {
      new TriplineStack(app, 'Bad', {
        alertEmails: ['not-an-address'],
        enabledSources: ['cloudtrail', 'slack' as never],
        schedules: { graph: 'every 5 minutes' },
        stateRetentionDays: 0,
        logRetentionDays: 31,
        lateness: 'soon',
        tenantId: 'has space',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidPropsError);
    expect((error as InvalidPropsError).problems.map((p) => p.setting)).toEqual([
      'alertEmails',
      'enabledSources',
      'schedules.graph',
      'stateRetentionDays',
      'logRetentionDays',
      'lateness',
      'tenantId',
    ]);
  });

  it('refuses to enable a polling source while the poller handler does not exist', () => {
    expect(
      () =>
        new TriplineStack(appWithContext(), 'NoPoller', {
          enabledSources: ['graph'],
          pollerEntry: '/nonexistent/poller/index.ts',
        }),
    ).toThrow(/pollerEntry: \/nonexistent\/poller\/index\.ts does not exist, so graph cannot be polled yet/);
  });

  it('refuses a polling source this build has no collector for, saying what to do', () => {
    const build = (registry: PollSourceRegistry) =>
      new TriplineStack(appWithContext(), 'Uncollected', {
        enabledSources: ['graph', 'workspace'],
        pollerEntry: FIXTURE_POLLER_ENTRY,
        registry,
      });
    const workspaceOnly: PollSourceRegistry = {
      workspace: STUB_REGISTRY['workspace'] as PollSourceRegistration,
    };
    expect(() => build(workspaceOnly)).toThrow(
      'enabledSources: graph has no collector in this build (it can poll: workspace); remove graph from enabledSources, or deploy a build whose shared/sources/registry.ts registers it',
    );
    // The refusal reads the registry: once graph registers, the same settings deploy.
    expect(() =>
      build({ ...workspaceOnly, graph: STUB_REGISTRY['graph'] as PollSourceRegistration }),
    ).not.toThrow();
  });

  it('deploys pollers only, without the real-time path, when cloudtrail is not enabled', () => {
    const only = new TriplineStack(appWithContext(), 'PollOnly', {
      enabledSources: ['m365'],
      registry: STUB_REGISTRY,
      pollerEntry: FIXTURE_POLLER_ENTRY,
    });
    const t = Template.fromStack(only);
    t.resourceCountIs('AWS::Lambda::EventSourceMapping', 0);
    t.resourceCountIs('AWS::Lambda::Function', 1);
    expect(Object.keys(t.toJSON()['Outputs'] as object)).not.toContain('RealtimeQueueUrl');
  });

  it('deploys no responder unless autoRevoke asks for one', () => {
    const { template: t } = synthFromContext();
    expect(JSON.stringify(t.toJSON())).not.toContain('RESPONDER_POLICY');
    expect(() => synthFromContext({ autoRevoke: 'true' })).toThrow(
      /autoRevoke: must be one of off, dry-run, on, got "true"/,
    );
  });

  it('can leave read-only management events out', () => {
    const { template: t } = synthFromContext({ readOnlyEvents: 'false' });
    t.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ 'detail-type': Match.arrayWith(['AWS API Call via CloudTrail']) }),
      State: 'ENABLED',
    });
  });

  it('can let the state table go with the stack', () => {
    const { template: t } = synthFromContext({ retainState: 'false' });
    t.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({ DeletionProtectionEnabled: false }),
    });
  });

  it('caps point-in-time recovery at a shorter state retention', () => {
    const { template: t } = synthFromContext({ stateRetentionDays: '14' });
    t.hasResourceProperties('AWS::DynamoDB::Table', {
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true, RecoveryPeriodInDays: 14 },
    });
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ [ENV.STATE_RETENTION_DAYS]: '14' }) },
    });
  });
});

function isBuiltin(name: string): boolean {
  return builtinModules.includes(name);
}

describe('S3 trail path (-c trailBucket=org-trail-logs)', () => {
  const KEY = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
  // Stand-in handlers keep this synth from bundling; the real trail handler is bundled by the app test.
  const { stack: withTrail, template: t } = synthFromProps({
    alertEmails: ['oncall@example.com'],
    trailBucket: 'org-trail-logs',
    trailKmsKey: KEY,
    trailEntry: FIXTURE_POLLER_ENTRY,
    realtimeEntry: FIXTURE_POLLER_ENTRY,
  });
  const fnId = Object.keys(
    t.findResources('AWS::Lambda::Function', {
      Properties: { Description: Match.stringLikeRegexp('CloudTrail log files') },
    }),
  )[0] as string;

  it('has S3 announce new log files under AWSLogs/ of the bucket to a queue only that bucket may send to', () => {
    t.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: 'org-trail-logs',
      NotificationConfiguration: {
        QueueConfigurations: [
          Match.objectLike({
            Events: ['s3:ObjectCreated:*'],
            Filter: {
              Key: {
                FilterRules: [
                  { Name: 'suffix', Value: '.json.gz' },
                  { Name: 'prefix', Value: 'AWSLogs/' },
                ],
              },
            },
          }),
        ],
      },
    });
    const s3Send = allStatements(t).filter(
      (x) =>
        JSON.stringify(x.statement.Principal ?? '').includes('s3.amazonaws.com') &&
        actionsOf(x.statement).includes('sqs:SendMessage'),
    );
    expect(s3Send).toHaveLength(1);
    expect(JSON.stringify(s3Send[0]?.statement.Condition)).toContain(':s3:::org-trail-logs');
  });

  it('consumes the queue in batches of 10 files reporting per-message failures, with a dead-letter queue', () => {
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: fnId },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    const fn = resourcesOfType(t, 'AWS::Lambda::Function')[fnId]?.Properties ?? {};
    expect(fn['Timeout']).toBe(300);
    expect(fn['EphemeralStorage']).toEqual({ Size: 2048 });
  });

  it('may read only the log files (and decrypt with the trail key), nothing else in the bucket', () => {
    const own = allStatements(t).filter((x) =>
      JSON.stringify(x.statement).includes('org-trail-logs/AWSLogs/*'),
    );
    expect(own.map((x) => actionsOf(x.statement))).toEqual([['s3:GetObject', 's3:GetObjectVersion']]);
    const decrypt = allStatements(t).filter(
      (x) =>
        actionsOf(x.statement).includes('kms:Decrypt') &&
        JSON.stringify(x.statement.Resource) === JSON.stringify(KEY),
    );
    expect(decrypt).toHaveLength(1);
  });

  it('alarms on its dead letters, its errors and its backlog, and outputs the queue ARN', () => {
    const alarms = Object.values(resourcesOfType(t, 'AWS::CloudWatch::Alarm')).map((a) =>
      JSON.stringify(a.Properties),
    );
    expect(alarms.filter((a) => a.includes(fnId) && a.includes('Errors'))).toHaveLength(1);
    expect(alarms.filter((a) => a.includes('ApproximateAgeOfOldestMessage'))).toHaveLength(2);
    expect(Object.keys(t.toJSON()['Outputs'] as object)).toEqual(
      expect.arrayContaining(['TrailQueueArn', 'TrailFunctionRoleArn']),
    );
  });

  it('passes cdk-nag AwsSolutions', () => {
    expect(new AwsSolutionsChecks().validateScope(withTrail).violations).toEqual([]);
  });

  it('leaves the notification to the bucket owner when trailNotifications is false', () => {
    const { template: cross } = synthFromProps({
      trailBucket: 'log-archive-bucket',
      trailNotifications: false,
      trailEntry: FIXTURE_POLLER_ENTRY,
      realtimeEntry: FIXTURE_POLLER_ENTRY,
    });
    cross.resourceCountIs('Custom::S3BucketNotifications', 0);
    const s3Send = allStatements(cross).filter((x) =>
      JSON.stringify(x.statement.Principal ?? '').includes('s3.amazonaws.com'),
    );
    expect(s3Send).toHaveLength(1);
    expect(JSON.stringify(s3Send[0]?.statement.Condition)).toContain(':s3:::log-archive-bucket');
  });
});
