import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { toLambdaEnvironment } from '#shared/config/lambda-config';
import { ProblemList } from '../errors';
import { REALTIME_ENTRY } from '../paths';
import type { PublishTarget } from './encrypted-topic';
import { HandlerFunction, type DeploymentSettings } from './handler-function';
import type { StateTableRef } from './state-table';

/**
 * `detail-type`s of CloudTrail management events on the default bus. Console sign-ins arrive as
 * `AWS Console Sign In via CloudTrail`, while the EventBridge guide spells it `Signin`; both match.
 */
export const CLOUDTRAIL_DETAIL_TYPES = [
  'AWS API Call via CloudTrail',
  'AWS Console Sign In via CloudTrail',
  'AWS Console Signin via CloudTrail',
] as const;

/** Props of {@link RealtimePath}. */
export interface RealtimePathProps {
  /** The state table; the function gets read/write access to its items. */
  readonly stateTable: StateTableRef;
  /** The findings topic; the function may publish to it (and use its key). */
  readonly findingsTopic: PublishTarget;
  /**
   * Deployment-wide settings passed to the function as environment variables.
   *
   * @default - the defaults of `toLambdaEnvironment`
   */
  readonly settings?: DeploymentSettings;
  /**
   * Handler entry point.
   *
   * @default functions/aws/cloudtrail-realtime/index.ts
   */
  readonly entry?: string;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** @default Duration.seconds(60) */
  readonly timeout?: Duration;
  /** @default 512 */
  readonly memorySize?: number;
  /**
   * Records per invocation, 1 to 10000. Larger batches share state reads: cost grows with the
   * distinct principals in a batch, not with its events.
   *
   * @default 100
   */
  readonly batchSize?: number;
  /**
   * How long Lambda gathers records before invoking, up to 5 minutes; added to detection latency.
   *
   * @default Duration.seconds(10)
   */
  readonly maxBatchingWindow?: Duration;
  /**
   * Also receive read-only management events (`Get*`, `List*`, `Describe*`), which EventBridge
   * delivers only to rules that ask for them. Discovery detections (one principal listing many
   * services) need them; they can outnumber write events many times over, which costs queue
   * requests and invocations (EventBridge delivers AWS events to the default bus for free).
   *
   * @default true
   */
  readonly readOnlyEvents?: boolean;
  /**
   * Receives of one record before it moves to the dead-letter queue.
   *
   * @default 5
   */
  readonly maxReceiveCount?: number;
}

/**
 * The real-time CloudTrail path: an EventBridge rule on the default bus matching CloudTrail
 * management events (API calls, read-only ones included by default, and console sign-ins) sends them
 * to an SQS queue, and a Lambda function consumes the queue in batches, reporting failures per record
 * (`reportBatchItemFailures`) so only failed records are retried.
 *
 * One dead-letter queue catches both what the queue gives up on (after `maxReceiveCount` receives)
 * and what EventBridge could not deliver to the queue; both hold the original event, so a DLQ redrive
 * to the queue replays either. Queues use SQS-managed encryption, so EventBridge needs no key grant
 * and high event volumes cost no KMS requests; both refuse non-TLS access.
 *
 * The queue's visibility timeout is six times the function timeout plus the batching window, as
 * Lambda advises, so a record is not handed out again while a slow batch still holds it.
 */
export class RealtimePath extends Construct {
  /** The EventBridge rule. */
  readonly rule: events.Rule;
  /** The queue the rule fills and the function drains. */
  readonly queue: sqs.Queue;
  /** Dead letters of the queue and of the rule target. */
  readonly deadLetterQueue: sqs.Queue;
  /** The consuming function. */
  readonly lambdaFunction: nodejs.NodejsFunction;
  /** The function with its role and log group. */
  readonly handler: HandlerFunction;

  constructor(scope: Construct, id: string, props: RealtimePathProps) {
    super(scope, id);
    const timeout = props.timeout ?? Duration.seconds(60);
    const batchSize = props.batchSize ?? 100;
    const maxBatchingWindow = props.maxBatchingWindow ?? Duration.seconds(10);
    const maxReceiveCount = props.maxReceiveCount ?? 5;
    validate(timeout, batchSize, maxBatchingWindow, maxReceiveCount);

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });

    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(4),
      visibilityTimeout: Duration.seconds(6 * timeout.toSeconds() + maxBatchingWindow.toSeconds()),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount },
    });

    this.rule = new events.Rule(this, 'CloudTrailManagementEvents', {
      description: 'CloudTrail management events (API calls, console sign-ins) to Tripline',
      eventPattern: { detailType: [...CLOUDTRAIL_DETAIL_TYPES] },
    });
    if (props.readOnlyEvents ?? true) {
      (this.rule.node.defaultChild as events.CfnRule).state = 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS';
    }
    this.rule.addTarget(new targets.SqsQueue(this.queue, { deadLetterQueue: this.deadLetterQueue }));

    this.handler = new HandlerFunction(this, 'Handler', {
      entry: props.entry ?? REALTIME_ENTRY,
      description: 'Tripline: detects attacks in CloudTrail events from EventBridge (via SQS)',
      environment: toLambdaEnvironment({
        ...props.settings,
        stateTableName: props.stateTable.tableName,
        findingsTopicArn: props.findingsTopic.topicArn,
        source: 'cloudtrail',
      }),
      timeout,
      memorySize: props.memorySize ?? 512,
      ...(props.logRetention !== undefined ? { logRetention: props.logRetention } : {}),
    });
    this.lambdaFunction = this.handler.lambdaFunction;

    this.lambdaFunction.addEventSource(
      new sources.SqsEventSource(this.queue, {
        batchSize,
        maxBatchingWindow,
        reportBatchItemFailures: true,
      }),
    );
    props.stateTable.grantReadWriteData(this.lambdaFunction);
    props.findingsTopic.grantPublish(this.lambdaFunction);
  }
}

function validate(timeout: Duration, batchSize: number, window: Duration, maxReceiveCount: number): void {
  const problems = new ProblemList();
  if (timeout.toSeconds() < 1 || timeout.toSeconds() > 900) {
    problems.add('RealtimePath.timeout', `must be 1 second to 15 minutes, got ${timeout.toHumanString()}`);
  }
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
    problems.add('RealtimePath.batchSize', `must be a whole number from 1 to 10000, got ${batchSize}`);
  }
  if (window.toSeconds() > 300) {
    problems.add(
      'RealtimePath.maxBatchingWindow',
      `must be at most 5 minutes, got ${window.toHumanString()}`,
    );
  }
  if (batchSize > 10 && window.toSeconds() === 0) {
    problems.add(
      'RealtimePath.maxBatchingWindow',
      'must be above 0 when batchSize is above 10 (SQS event sources require it)',
    );
  }
  if (!Number.isInteger(maxReceiveCount) || maxReceiveCount < 1 || maxReceiveCount > 1000) {
    problems.add(
      'RealtimePath.maxReceiveCount',
      `must be a whole number from 1 to 1000, got ${maxReceiveCount}`,
    );
  }
  problems.throwIfAny();
}
