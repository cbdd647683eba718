import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { ENV } from '#shared/config/env';
import { SOURCE_CREDENTIALS } from '#shared/config/sources';
import { InvalidPropsError } from '../../infra/errors';
import { Poller } from '../../infra/constructs/poller';
import { StateTable } from '../../infra/constructs/state-table';
import { FindingsTopic } from '../../infra/constructs/findings-topic';
import { FIXTURE_POLLER_ENTRY, appWithContext, resourcesOfType, synthFromProps } from './helpers';

describe('Poller (in the stack, with the fixture handler)', () => {
  const { template } = synthFromProps({
    enabledSources: ['cloudtrail', 'graph', 'cloudtrail-lookup'],
    schedules: { graph: 'rate(10 minutes)' },
    lookupRegions: ['us-east-1', 'eu-west-1'],
    pollerEntry: FIXTURE_POLLER_ENTRY,
  });
  const functions = resourcesOfType(template, 'AWS::Lambda::Function');
  const functionOf = (source: string): string => {
    const id = Object.keys(functions).find(
      (k) =>
        (functions[k]?.Properties['Environment'] as { Variables: Record<string, unknown> }).Variables[
          'SOURCE'
        ] === source,
    );
    if (!id) throw new Error(`no function for ${source}`);
    return id;
  };
  const variablesOf = (source: string): Record<string, unknown> =>
    (functions[functionOf(source)]?.Properties['Environment'] as { Variables: Record<string, unknown> })
      .Variables;

  it('deploys one function per enabled polling source, beside the real-time one', () => {
    template.resourceCountIs('AWS::Lambda::Function', 3);
  });

  it('runs each on its EventBridge Scheduler schedule: the configured one, else every 5 minutes', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(10 minutes)',
      State: 'ENABLED',
      Target: Match.objectLike({ Arn: { 'Fn::GetAtt': [functionOf('graph'), 'Arn'] } }),
    });
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(5 minutes)',
      Target: Match.objectLike({ Arn: { 'Fn::GetAtt': [functionOf('cloudtrail-lookup'), 'Arn'] } }),
    });
  });

  it('gives each schedule its own role, allowed to invoke that poller only', () => {
    const invokes = Object.values(resourcesOfType(template, 'AWS::IAM::Policy')).filter((p) =>
      JSON.stringify(p.Properties['PolicyDocument']).includes('lambda:InvokeFunction'),
    );
    expect(invokes).toHaveLength(2);
    for (const p of invokes) {
      const resources = JSON.stringify(p.Properties['PolicyDocument']);
      expect(
        resources.includes(functionOf('graph')) !== resources.includes(functionOf('cloudtrail-lookup')),
      ).toBe(true);
    }
  });

  it('runs one invocation at a time, so two runs never race for the checkpoint', () => {
    for (const source of ['graph', 'cloudtrail-lookup']) {
      expect(functions[functionOf(source)]?.Properties['ReservedConcurrentExecutions']).toBe(1);
    }
  });

  it('sends failed invocations (after 2 retries) and undeliverable ticks to its dead-letter queue', () => {
    const fn = functions[functionOf('graph')]?.Properties ?? {};
    const dlq = (fn['DeadLetterConfig'] as { TargetArn: { 'Fn::GetAtt': [string, string] } }).TargetArn;
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: functionOf('graph') },
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 3600,
    });
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(10 minutes)',
      Target: Match.objectLike({
        DeadLetterConfig: { Arn: dlq },
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
      }),
    });
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
  });

  it('creates an empty credentials secret, saying what to put in it, and lets the function read it', () => {
    const spec = SOURCE_CREDENTIALS.graph;
    const secrets = resourcesOfType(template, 'AWS::SecretsManager::Secret');
    expect(Object.keys(secrets)).toHaveLength(1);
    const [secretId, secret] = Object.entries(secrets)[0] as [
      string,
      { Properties: Record<string, unknown> },
    ];
    expect(JSON.parse(secret.Properties['SecretString'] as string)).toEqual({
      tenantId: '',
      clientId: '',
      clientSecret: '',
    });
    expect(secret.Properties['Description']).toContain(spec?.description);
    expect(secret.Properties['GenerateSecretString']).toBeUndefined();
    expect(variablesOf('graph')[ENV.SECRET_ARN]).toEqual({ Ref: secretId });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
            Resource: { Ref: secretId },
          }),
        ]),
      },
    });
  });

  it('gives cloudtrail-lookup no secret but LookupEvents on its role, and nothing else that one', () => {
    expect(variablesOf('cloudtrail-lookup')[ENV.SECRET_ARN]).toBeUndefined();
    const lookups = Object.values(resourcesOfType(template, 'AWS::IAM::Policy')).filter((p) =>
      JSON.stringify(p.Properties['PolicyDocument']).includes('cloudtrail:LookupEvents'),
    );
    expect(lookups).toHaveLength(1);
    expect(JSON.stringify(lookups[0]?.Properties['Roles'])).toContain('PollerCloudtrailLookup');
  });

  it('tells each function its source, its service name and the deployment settings', () => {
    expect(variablesOf('graph')).toEqual(
      expect.objectContaining({
        [ENV.SOURCE]: 'graph',
        [ENV.POWERTOOLS_SERVICE_NAME]: 'tripline-graph',
        [ENV.LATENESS]: '15m',
      }),
    );
    expect(variablesOf('cloudtrail-lookup')[ENV.LOOKUP_REGIONS]).toBe('us-east-1,eu-west-1');
    expect(variablesOf('graph')[ENV.LOOKUP_REGIONS]).toBeUndefined();
  });

  it('alarms when a poller fails to read its API and when its checkpoint lags, by its own service name', () => {
    const alarms = Object.values(resourcesOfType(template, 'AWS::CloudWatch::Alarm')).map(
      (a) => a.Properties,
    );
    for (const source of ['graph', 'cloudtrail-lookup']) {
      const mine = alarms.filter(
        (a) =>
          JSON.stringify(a['Dimensions']) ===
          JSON.stringify([{ Name: 'service', Value: `tripline-${source}` }]),
      );
      expect(mine.map((a) => [a['MetricName'], a['Statistic'], a['Threshold']]).sort()).toEqual([
        ['PollFailures', 'Sum', 0],
        ['SourceLagSeconds', 'Maximum', 3600],
      ]);
      expect(mine.every((a) => a['Namespace'] === 'Tripline')).toBe(true);
    }
  });

  it('alarms on each poller dead-letter queue and on each poller error', () => {
    const alarms = Object.values(resourcesOfType(template, 'AWS::CloudWatch::Alarm')).map(
      (a) => a.Properties,
    );
    for (const source of ['graph', 'cloudtrail-lookup']) {
      expect(
        alarms.filter(
          (a) => a['MetricName'] === 'Errors' && JSON.stringify(a['Dimensions']).includes(functionOf(source)),
        ),
      ).toHaveLength(1);
    }
    // Real-time DLQ + two poller DLQs.
    expect(alarms.filter((a) => a['MetricName'] === 'ApproximateNumberOfMessagesVisible')).toHaveLength(3);
  });

  it('outputs the name of each secret to fill in', () => {
    const outputs = template.toJSON()['Outputs'] as Record<string, unknown>;
    expect(Object.keys(outputs)).toContain('PollerGraphCredentialsSecret');
    expect(Object.keys(outputs)).not.toContain('PollerCloudtrailLookupCredentialsSecret');
  });
});

describe('Poller (alone)', () => {
  const build = (props: Partial<ConstructorParameters<typeof Poller>[2]> = {}) => {
    const stack = new Stack(appWithContext(), 'Alone');
    const poller = new Poller(stack, 'Poller', {
      source: 'workspace',
      stateTable: new StateTable(stack, 'State'),
      findingsTopic: new FindingsTopic(stack, 'Findings'),
      entry: FIXTURE_POLLER_ENTRY,
      ...props,
    });
    return { stack, poller };
  };

  it('polls every 5 minutes by default and exposes what it created', () => {
    const { stack, poller } = build();
    Template.fromStack(stack).hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(5 minutes)',
    });
    expect(poller.timeout.toMinutes()).toBe(4);
    expect(poller.source).toBe('workspace');
    expect(poller.secret).toBeDefined();
    expect(poller.deadLetterQueue).toBeDefined();
  });

  it('takes any EventBridge Scheduler expression', () => {
    const { stack } = build({ schedule: scheduler.ScheduleExpression.rate(Duration.hours(1)) });
    Template.fromStack(stack).hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 hour)',
    });
  });

  it('polls m365 every 15 minutes with a 10-minute timeout and a 4-hour lag alarm by default (content is listed late)', () => {
    const { poller } = build({ source: 'm365' });
    expect([poller.scheduleExpression, poller.timeout.toMinutes(), poller.maxLag.toHours()]).toEqual([
      'rate(15 minutes)',
      10,
      4,
    ]);
  });

  it('keeps the default timeout below a short interval, and refuses a timeout that is not', () => {
    expect(
      build({
        schedule: scheduler.ScheduleExpression.expression('rate(2 minutes)'),
      }).poller.timeout.toSeconds(),
    ).toBe(60);
    expect(() =>
      build({
        schedule: scheduler.ScheduleExpression.expression('rate(5 minutes)'),
        timeout: Duration.minutes(5),
      }),
    ).toThrow(/Poller.timeout: must be shorter than the schedule interval \(300 s\)/);
  });

  it('rejects an unknown source and an impossible timeout together', () => {
    expect(() => build({ source: 'slack' as never, timeout: Duration.minutes(20) })).toThrow(
      InvalidPropsError,
    );
    try {
      build({ source: 'slack' as never, timeout: Duration.minutes(20) });
    } catch (e) {
      expect((e as InvalidPropsError).problems.map((p) => p.setting)).toEqual([
        'Poller.source',
        'Poller.timeout',
      ]);
    }
  });
});
