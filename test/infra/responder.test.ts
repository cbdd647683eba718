import { Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { RESPONDER_ENV, loadResponderConfig } from '#shared/config/responder';
import { buildApp } from '../../infra/build-app';
import { InvalidPropsError } from '../../infra/errors';
import { actionsOf, allStatements, appWithContext, resourcesOfType, synthFromContext } from './helpers';

describe('the responder in the stack (-c autoRevoke=dry-run, the real handler bundled)', () => {
  const { stack, template } = synthFromContext({
    alertEmail: 'oncall@example.com',
    autoRevoke: 'dry-run',
    responder: '{"minSeverity":"high","protectedApps":["11111111-2222-3333-4444-555555555555"]}',
  });
  const responder = stack.responder;
  if (!responder) throw new Error('no responder deployed');
  const fnId = stack.getLogicalId(responder.lambdaFunction.node.defaultChild as never);
  const roleId = stack.getLogicalId(responder.handler.role.node.defaultChild as never);
  const queueId = stack.getLogicalId(responder.queue.node.defaultChild as never);
  const fn = resourcesOfType(template, 'AWS::Lambda::Function')[fnId]?.Properties ?? {};
  const variables = (fn['Environment'] as { Variables: Record<string, unknown> }).Variables;

  it('passes the cdk-nag AwsSolutions checks', () => {
    expect(new AwsSolutionsChecks().validateScope(stack).violations).toEqual([]);
  });

  it('subscribes its queue to the findings topic, letting only the policy rules at or above its floor through', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'sqs',
      RawMessageDelivery: true,
      Endpoint: { 'Fn::GetAtt': [queueId, 'Arn'] },
      FilterPolicy: {
        ruleId: ['oauth-chain', 'oauth-risky-consent'],
        severity: ['high', 'critical'],
      },
    });
  });

  it('sends a finding failed 5 times to a dead-letter queue, and alarms on it, on errors and on a backlog', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: Match.objectLike({ maxReceiveCount: 5 }),
      VisibilityTimeout: 6 * 180,
    });
    const alarms = Object.keys(resourcesOfType(template, 'AWS::CloudWatch::Alarm'));
    for (const name of ['ResponderDeadLetters', 'ResponderErrors', 'ResponderBacklog'])
      expect(alarms.some((a) => a.includes(name))).toBe(true);
  });

  it('consumes the queue with per-record failures, at most two at a time', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: fnId },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 2 },
    });
  });

  it('runs in the mode autoRevoke says, with the policy the handler reads back', () => {
    const resolved = Object.fromEntries(
      Object.entries(variables).map(([k, v]) => [k, typeof v === 'string' ? v : 'x'.repeat(8)]),
    );
    resolved[RESPONDER_ENV.FINDINGS_TOPIC_ARN] = 'arn:aws:sns:eu-west-1:123456789012:findings';
    resolved[RESPONDER_ENV.ENTRA_SECRET_ARN] =
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:entra-AbCdEf';
    resolved[RESPONDER_ENV.GOOGLE_SECRET_ARN] =
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:google-AbCdEf';
    const config = loadResponderConfig(resolved);
    expect(config.policy).toMatchObject({
      mode: 'dry-run',
      minSeverity: 'high',
      protectedApps: ['11111111-2222-3333-4444-555555555555'],
    });
  });

  it('gives its role nothing beyond its queue, its two secrets, the findings topic and the resp| table items', () => {
    const statements = allStatements(template).filter(
      (s) => JSON.stringify(s.resource).includes(roleId.replace(/Role.*$/, '')) && s.resource !== roleId,
    );
    const actions = new Set(statements.flatMap((s) => actionsOf(s.statement)));
    expect([...actions].sort()).toEqual(
      [
        'dynamodb:BatchGetItem',
        'dynamodb:BatchWriteItem',
        'dynamodb:DeleteItem',
        'dynamodb:PutItem',
        'kms:Decrypt',
        'kms:GenerateDataKey',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'secretsmanager:DescribeSecret',
        'secretsmanager:GetSecretValue',
        'sns:Publish',
        'sqs:ChangeMessageVisibility',
        'sqs:DeleteMessage',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:ReceiveMessage',
      ].sort(),
    );
    const dynamo = statements.filter((s) => actionsOf(s.statement).some((a) => a.startsWith('dynamodb:')));
    expect(dynamo).toHaveLength(1);
    expect(dynamo[0]?.statement.Condition).toEqual({
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['resp|*'] },
    });
  });

  it('outputs the two secrets to fill in and the function to invoke for undo', () => {
    const outputs = Object.keys(template.toJSON()['Outputs'] as object);
    expect(outputs).toEqual(
      expect.arrayContaining(['ResponderEntraSecret', 'ResponderGoogleSecret', 'ResponderFunctionName']),
    );
  });
});

describe('autoRevoke and responder settings', () => {
  it('refuses anything but off, dry-run or on, and a policy with problems, listing each', () => {
    let error: unknown;
    try {
      buildApp(appWithContext({ autoRevoke: 'yes', responder: '{"minSeverity":"urgent","mode":"on"}' }));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidPropsError);
    const lines = (error as InvalidPropsError).problems.map((p) => `${p.setting}: ${p.message}`);
    expect(lines).toEqual(
      expect.arrayContaining([
        'autoRevoke: must be one of off, dry-run, on, got "yes"',
        expect.stringMatching(/^responder: minSeverity: must be one of/),
        'responder: sets mode: use autoRevoke (off, dry-run or on) instead',
      ]),
    );
  });
});
