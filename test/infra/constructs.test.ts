import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { InvalidPropsError } from '../../infra/errors';
import { EncryptedTopic } from '../../infra/constructs/encrypted-topic';
import { FindingsTopic } from '../../infra/constructs/findings-topic';
import { RealtimePath } from '../../infra/constructs/realtime-path';
import { StateTable } from '../../infra/constructs/state-table';
import { appWithContext } from './helpers';

const newStack = (): Stack => new Stack(appWithContext(), 'Test');

function problemsOf(build: () => unknown): string[] {
  try {
    build();
  } catch (e) {
    if (e instanceof InvalidPropsError) return e.problems.map((p) => `${p.setting}: ${p.message}`);
    throw e;
  }
  throw new Error('expected an InvalidPropsError');
}

describe('StateTable', () => {
  it('can be destroyed with the stack, and then is not deletion-protected', () => {
    const stack = newStack();
    new StateTable(stack, 'State', { removalPolicy: RemovalPolicy.DESTROY, pointInTimeRecoveryDays: 7 });
    Template.fromStack(stack).hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Delete',
      Properties: {
        DeletionProtectionEnabled: false,
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true, RecoveryPeriodInDays: 7 },
      },
    });
  });

  it('grants exactly the four item actions the state store calls, on the table only', () => {
    const stack = newStack();
    const state = new StateTable(stack, 'State');
    const role = new iam.Role(stack, 'Fn', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    state.grantReadWriteData(role);
    const policies = Template.fromStack(stack).findResources('AWS::IAM::Policy');
    const statements = Object.values(policies).flatMap(
      (p) =>
        (p['Properties'] as { PolicyDocument: { Statement: Array<Record<string, unknown>> } }).PolicyDocument
          .Statement,
    );
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatchObject({
      Effect: 'Allow',
      // CDK sorts actions.
      Action: ['dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem', 'dynamodb:DeleteItem', 'dynamodb:PutItem'],
      Resource: { 'Fn::GetAtt': [expect.stringMatching(/^StateTable/), 'Arn'] },
    });
  });

  it.each([0, 36, 1.5])('rejects %p days of point-in-time recovery', (days) => {
    expect(problemsOf(() => new StateTable(newStack(), 'State', { pointInTimeRecoveryDays: days }))).toEqual([
      `StateTable.pointInTimeRecoveryDays: must be a whole number from 1 to 35, got ${days}`,
    ]);
  });
});

describe('EncryptedTopic', () => {
  it('grants publishers sns:Publish on the topic and exactly GenerateDataKey and Decrypt on its key', () => {
    const stack = newStack();
    const topic = new FindingsTopic(stack, 'Findings');
    const role = new iam.Role(stack, 'Publisher', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
    topic.grantPublish(role);
    const template = Template.fromStack(stack);
    const topicId = stack.getLogicalId(topic.topic.node.defaultChild as never);
    const keyId = stack.getLogicalId(topic.key.node.defaultChild as never);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          {
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
            Effect: 'Allow',
            Resource: { 'Fn::GetAtt': [keyId, 'Arn'] },
          },
          { Action: 'sns:Publish', Effect: 'Allow', Resource: { Ref: topicId } },
        ],
      },
    });
  });

  it('trusts the CloudWatch service with its key only when alarms publish to it', () => {
    const stack = newStack();
    const plain = new EncryptedTopic(stack, 'Plain', { displayName: 'p', description: 'p' });
    const alarms = new EncryptedTopic(stack, 'Alarms', {
      displayName: 'a',
      description: 'a',
      allowCloudWatchAlarms: true,
    });
    const policyOf = (t: EncryptedTopic): string =>
      JSON.stringify(
        Template.fromStack(stack).toJSON()['Resources'][stack.getLogicalId(t.key.node.defaultChild as never)],
      );
    expect(policyOf(plain)).not.toContain('cloudwatch.amazonaws.com');
    expect(policyOf(alarms)).toContain('cloudwatch.amazonaws.com');
  });
});

describe('RealtimePath', () => {
  const build = (props: Partial<ConstructorParameters<typeof RealtimePath>[2]>) => {
    const stack = newStack();
    return new RealtimePath(stack, 'Realtime', {
      stateTable: new StateTable(stack, 'State'),
      findingsTopic: new FindingsTopic(stack, 'Findings'),
      ...props,
    });
  };

  it('sizes the visibility timeout from its own timeout and batching window', () => {
    const path = build({ timeout: Duration.seconds(30), maxBatchingWindow: Duration.seconds(20) });
    Template.fromStack(Stack.of(path)).hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 6 * 30 + 20,
    });
  });

  it('rejects impossible settings, listing each', () => {
    expect(
      problemsOf(() =>
        build({
          timeout: Duration.minutes(16),
          batchSize: 20_000,
          maxBatchingWindow: Duration.minutes(6),
          maxReceiveCount: 0,
        }),
      ),
    ).toEqual([
      'RealtimePath.timeout: must be 1 second to 15 minutes, got 16 minutes',
      'RealtimePath.batchSize: must be a whole number from 1 to 10000, got 20000',
      'RealtimePath.maxBatchingWindow: must be at most 5 minutes, got 6 minutes',
      'RealtimePath.maxReceiveCount: must be a whole number from 1 to 1000, got 0',
    ]);
  });

  it('requires a batching window for batches above 10 records', () => {
    expect(problemsOf(() => build({ batchSize: 50, maxBatchingWindow: Duration.seconds(0) }))).toEqual([
      'RealtimePath.maxBatchingWindow: must be above 0 when batchSize is above 10 (SQS event sources require it)',
    ]);
  });
});
