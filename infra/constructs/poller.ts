import { Aws, Duration, SecretValue, Stack, Validations } from 'aws-cdk-lib';
import type { CfnElement } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { LAMBDA_CONFIG_DEFAULTS, toLambdaEnvironment } from '#shared/config/lambda-config';
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
   * When to poll (EventBridge Scheduler expression).
   *
   * @default - the source's default: every 15 minutes for m365, every 5 minutes for the others
   */
  readonly schedule?: scheduler.ScheduleExpression;
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
   * Must stay below the schedule interval: with one concurrent execution, a run that outlasts the
   * interval makes the next tick wait (throttled, retried for up to an hour).
   *
   * @default - 10 minutes for m365, 4 minutes for the others, and at most the interval minus a minute
   */
  readonly timeout?: Duration;
  /** @default 512 */
  readonly memorySize?: number;
  /**
   * Alarm when the checkpoint of any stream is further behind now than this (the source is late, or
   * the poller cannot keep up or keeps failing).
   *
   * @default - 4 hours for m365, 1 hour for the others
   */
  readonly maxLag?: Duration;
  /**
   * Regions `cloudtrail-lookup` reads.
   *
   * @default - the stack's region
   */
  readonly lookupRegions?: readonly string[];
}

/**
 * Default schedule per source. The Management Activity API lists content blobs in batches that are
 * often an hour late, so polling it more often than every 15 minutes mostly finds nothing new.
 */
export const DEFAULT_POLL_SCHEDULES: Readonly<Record<PollingSource, string>> = {
  graph: 'rate(5 minutes)',
  m365: 'rate(15 minutes)',
  workspace: 'rate(5 minutes)',
  'cloudtrail-lookup': 'rate(5 minutes)',
};

/** The schedule a poller uses when none is given, for every source but m365. */
export const DEFAULT_POLL_SCHEDULE = 'rate(5 minutes)';

/** Default function timeout per source (always below the interval). */
const DEFAULT_TIMEOUTS: Readonly<Record<PollingSource, Duration>> = {
  graph: Duration.minutes(4),
  m365: Duration.minutes(10),
  workspace: Duration.minutes(4),
  'cloudtrail-lookup': Duration.minutes(4),
};

/** Default lag alarm threshold per source. */
export const DEFAULT_MAX_LAG: Readonly<Record<PollingSource, Duration>> = {
  graph: Duration.hours(1),
  m365: Duration.hours(4),
  workspace: Duration.hours(1),
  'cloudtrail-lookup': Duration.hours(1),
};

/** The interval of a `rate(...)` expression in seconds; undefined for cron and at expressions. */
export function rateSeconds(expression: string): number | undefined {
  const m = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (!m) return undefined;
  const unit = (m[2] ?? '').replace(/s$/, '');
  return Number(m[1]) * (unit === 'minute' ? 60 : unit === 'hour' ? 3600 : 86_400);
}

/** The Powertools service name a source's poller logs and emits metrics under. */
export function pollerServiceName(source: PollingSource): string {
  return `${LAMBDA_CONFIG_DEFAULTS.serviceName}-${source}`;
}

/**
 * A scheduled poller for one source: an EventBridge Scheduler schedule invokes a Lambda function
 * running the shared poller template with `SOURCE` set, at most one at a time (reserved concurrency 1,
 * so two runs never race for the checkpoint). Failed invocations, after Lambda's retries, and ticks
 * the scheduler could not deliver land in the poller's dead-letter queue. The function logs and emits
 * metrics under its own service name (`tripline-<source>`), which {@link Poller.metricLag} and
 * {@link Poller.metricPollFailures} read.
 *
 * Sources with third-party credentials get a Secrets Manager secret, created holding a JSON object
 * with the expected keys and empty values; fill it in after deploying (its description says what goes
 * in it). `cloudtrail-lookup` needs no secret: its role may call `cloudtrail:LookupEvents`.
 */
export class Poller extends Construct {
  /** The source polled. */
  readonly source: PollingSource;
  /** The schedule. */
  readonly schedule: scheduler.Schedule;
  /** The role the schedule invokes the function with. */
  readonly scheduleRole: iam.Role;
  /** The schedule expression, as text. */
  readonly scheduleExpression: string;
  /** The function timeout. */
  readonly timeout: Duration;
  /** The lag alarm threshold. */
  readonly maxLag: Duration;
  /** The polling function. */
  readonly lambdaFunction: nodejs.NodejsFunction;
  /** The function with its role and log group. */
  readonly handler: HandlerFunction;
  /** Failed invocations and undeliverable schedule events. */
  readonly deadLetterQueue: sqs.Queue;
  /** API credentials of the source; `undefined` for sources that need none. */
  readonly secret: secretsmanager.Secret | undefined;
  /** The CloudWatch namespace of its metrics. */
  readonly metricsNamespace: string;
  /** Its Powertools service name (the `service` dimension of its metrics). */
  readonly serviceName: string;

  constructor(scope: Construct, id: string, props: PollerProps) {
    super(scope, id);
    const expression =
      props.schedule?.expressionString ??
      (isPollingSource(props.source) ? DEFAULT_POLL_SCHEDULES[props.source] : DEFAULT_POLL_SCHEDULE);
    const interval = rateSeconds(expression);
    const sourceTimeout = isPollingSource(props.source)
      ? DEFAULT_TIMEOUTS[props.source]
      : Duration.minutes(4);
    const timeout =
      props.timeout ??
      (interval !== undefined && interval - 60 < sourceTimeout.toSeconds()
        ? Duration.seconds(Math.max(30, interval - 60))
        : sourceTimeout);
    validate(props.source, timeout, interval);
    this.source = props.source;
    this.scheduleExpression = expression;
    this.timeout = timeout;
    this.maxLag =
      props.maxLag ?? (isPollingSource(props.source) ? DEFAULT_MAX_LAG[props.source] : Duration.hours(1));
    this.metricsNamespace = props.settings?.metricsNamespace ?? LAMBDA_CONFIG_DEFAULTS.metricsNamespace;
    this.serviceName = pollerServiceName(props.source);
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
        serviceName: this.serviceName,
        ...(this.secret ? { secretArn: this.secret.secretArn } : {}),
        ...(props.source === 'cloudtrail-lookup' && props.lookupRegions?.length
          ? { lookupRegions: props.lookupRegions }
          : {}),
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

    // Its own role, so each schedule may invoke its own function only (the shared default role would
    // accumulate every poller's grants).
    this.scheduleRole = new iam.Role(this, 'ScheduleRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
      description: `EventBridge Scheduler: invokes the Tripline ${props.source} poller`,
    });
    const fnLogicalId = Stack.of(this).getLogicalId(this.lambdaFunction.node.defaultChild as CfnElement);
    Validations.of(this.scheduleRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${fnLogicalId}.Arn>:*]`,
      reason:
        'lambda:InvokeFunction on this one poller function and its versions (grantInvoke adds the :* form); nothing else.',
    });
    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      description: `Runs the Tripline ${props.source} poller`,
      schedule: props.schedule ?? scheduler.ScheduleExpression.expression(expression),
      // A late tick is harmless (the checkpoint says where to resume); an hour covers throttled retries.
      target: new targets.LambdaInvoke(this.lambdaFunction, {
        role: this.scheduleRole,
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: 2,
        maxEventAge: Duration.hours(1),
      }),
    });

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

  /**
   * How far behind now the furthest stream's checkpoint is after each run (`SourceLagSeconds`, the
   * maximum over a period).
   */
  metricLag(period: Duration = Duration.minutes(15)): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: this.metricsNamespace,
      metricName: 'SourceLagSeconds',
      dimensionsMap: { service: this.serviceName },
      statistic: 'Maximum',
      period,
    });
  }

  /** Streams whose poll failed (an API error, a refused token), summed over a period. */
  metricPollFailures(period: Duration = Duration.minutes(15)): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: this.metricsNamespace,
      metricName: 'PollFailures',
      dimensionsMap: { service: this.serviceName },
      statistic: 'Sum',
      period,
    });
  }
}

function validate(source: string, timeout: Duration, interval: number | undefined): void {
  const problems = new ProblemList();
  if (!isPollingSource(source)) {
    problems.add(
      'Poller.source',
      `must be one of ${POLLING_SOURCES.join(', ')}, got ${JSON.stringify(source)}`,
    );
  }
  if (timeout.toSeconds() < 1 || timeout.toSeconds() > 900) {
    problems.add('Poller.timeout', `must be 1 second to 15 minutes, got ${timeout.toHumanString()}`);
  } else if (interval !== undefined && timeout.toSeconds() >= interval) {
    problems.add(
      'Poller.timeout',
      `must be shorter than the schedule interval (${interval} s), got ${timeout.toHumanString()}: a run outlasting it delays the next one`,
    );
  }
  problems.throwIfAny();
}
