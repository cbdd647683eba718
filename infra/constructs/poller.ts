import { Duration, SecretValue, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { toLambdaEnvironment } from '#shared/config/lambda-config';
import {
  POLLING_SOURCES,
  SOURCE_CREDENTIALS,
  isPollingSource,
  type PollingSource,
} from '#shared/config/sources';
import { ProblemList } from '../errors';
import { POLLER_ENTRY } from '../paths';
import type { PublishTarget } from './encrypted-topic';
import { HandlerFunction, type DeploymentSettings } from './handler-function';
import type { StateTableRef } from './state-table';

/** Props of {@link Poller}. */
export interface PollerProps {
  /** The source this poller pulls. */
  readonly source: PollingSource;
  /** The state table (events' state and this poller's checkpoint). */
  readonly stateTable: StateTableRef;
  /** The findings topic. */
  readonly findingsTopic: PublishTarget;
  /**
   * When to poll.
   *
   * @default events.Schedule.rate(Duration.minutes(5))
   */
  readonly schedule?: events.Schedule;
  /**
   * Deployment-wide settings passed to the function as environment variables.
   *
   * @default - the defaults of `toLambdaEnvironment`
   */
  readonly settings?: DeploymentSettings;
  /**
   * Handler entry point (the shared poller template, which dispatches on `SOURCE`).
   *
   * @default functions/aws/poller/index.ts
   */
  readonly entry?: string;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Keep it below the schedule interval: with one concurrent execution, a run that outlasts the
   * interval makes the next tick wait (throttled, retried for up to an hour).
   *
   * @default Duration.minutes(4)
   */
  readonly timeout?: Duration;
  /** @default 512 */
  readonly memorySize?: number;
}

/** The schedule a poller uses when none is given. */
export const DEFAULT_POLL_SCHEDULE = 'rate(5 minutes)';

/**
 * A scheduled poller for one source: an EventBridge schedule invokes a Lambda function running the
 * shared poller template with `SOURCE` set, at most one at a time (reserved concurrency 1, so two
 * runs never race for the checkpoint). Failed invocations, after Lambda's retries, and events
 * EventBridge could not deliver land in the poller's dead-letter queue.
 *
 * Sources with third-party credentials get a Secrets Manager secret, created holding a JSON object
 * with the expected keys and empty values; fill it in after deploying (its description says what goes
 * in it). `cloudtrail-lookup` needs no secret: its role may call `cloudtrail:LookupEvents`.
 */
export class Poller extends Construct {
  /** The source polled. */
  readonly source: PollingSource;
  /** The schedule rule. */
  readonly rule: events.Rule;
  /** The polling function. */
  readonly lambdaFunction: nodejs.NodejsFunction;
  /** The function with its role and log group. */
  readonly handler: HandlerFunction;
  /** Failed invocations and undeliverable schedule events. */
  readonly deadLetterQueue: sqs.Queue;
  /** API credentials of the source; `undefined` for sources that need none. */
  readonly secret: secretsmanager.Secret | undefined;

  constructor(scope: Construct, id: string, props: PollerProps) {
    super(scope, id);
    const timeout = props.timeout ?? Duration.minutes(4);
    validate(props.source, timeout);
    this.source = props.source;
    const credentials = SOURCE_CREDENTIALS[props.source];

    if (credentials) {
      // No fixed name: a secret deleted with the stack may linger for its recovery window and would
      // block a reinstall under the same name. The stack outputs the generated name.
      this.secret = new secretsmanager.Secret(this, 'Credentials', {
        description: `Tripline ${props.source} poller credentials. Replace the empty values of ${credentials.keys.join(', ')}: ${credentials.description}.`,
        // Not a secret: a template of the expected keys with empty values, replaced by the operator.
        // CloudFormation leaves the stored value alone on later deploys as long as this text is unchanged.
        secretStringValue: SecretValue.unsafePlainText(
          JSON.stringify(Object.fromEntries(credentials.keys.map((key) => [key, '']))),
        ),
      });
      Validations.of(this.secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          'Third-party API credentials (Entra app secret, Google service account key) are issued by that provider; Secrets Manager cannot rotate them. The operator rotates them at the provider and updates the secret.',
      });
    } else {
      this.secret = undefined;
    }

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });

    this.handler = new HandlerFunction(this, 'Handler', {
      entry: props.entry ?? POLLER_ENTRY,
      description: `Tripline: polls ${props.source} audit logs and detects attacks in them`,
      environment: toLambdaEnvironment({
        ...props.settings,
        stateTableName: props.stateTable.tableName,
        findingsTopicArn: props.findingsTopic.topicArn,
        source: props.source,
        ...(this.secret ? { secretArn: this.secret.secretArn } : {}),
      }),
      timeout,
      memorySize: props.memorySize ?? 512,
      reservedConcurrentExecutions: 1,
      deadLetterQueue: this.deadLetterQueue,
      retryAttempts: 2,
      // A late tick is harmless (the checkpoint says where to resume); an hour covers throttled retries.
      maxEventAge: Duration.hours(1),
      ...(props.logRetention !== undefined ? { logRetention: props.logRetention } : {}),
    });
    this.lambdaFunction = this.handler.lambdaFunction;

    this.rule = new events.Rule(this, 'Schedule', {
      description: `Runs the Tripline ${props.source} poller`,
      schedule: props.schedule ?? events.Schedule.expression(DEFAULT_POLL_SCHEDULE),
    });
    this.rule.addTarget(
      new targets.LambdaFunction(this.lambdaFunction, {
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: 2,
        maxEventAge: Duration.hours(1),
      }),
    );

    props.stateTable.grantReadWriteData(this.lambdaFunction);
    props.findingsTopic.grantPublish(this.lambdaFunction);
    this.secret?.grantRead(this.lambdaFunction);
    if (props.source === 'cloudtrail-lookup') {
      this.handler.role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ['cloudtrail:LookupEvents'], resources: ['*'] }),
      );
      Validations.of(this.handler.role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'cloudtrail:LookupEvents supports no resource-level permissions; the statement allows that one read-only action only.',
      });
    }
  }
}

function validate(source: string, timeout: Duration): void {
  const problems = new ProblemList();
  if (!isPollingSource(source)) {
    problems.add(
      'Poller.source',
      `must be one of ${POLLING_SOURCES.join(', ')}, got ${JSON.stringify(source)}`,
    );
  }
  if (timeout.toSeconds() < 1 || timeout.toSeconds() > 900) {
    problems.add('Poller.timeout', `must be 1 second to 15 minutes, got ${timeout.toHumanString()}`);
  }
  problems.throwIfAny();
}
