import { Aws, Duration, Size, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { toLambdaEnvironment } from '#shared/config/lambda-config';
import { ProblemList } from '../errors';
import { TRAIL_ENTRY } from '../paths';
import type { PublishTarget } from './encrypted-topic';
import { HandlerFunction, type DeploymentSettings } from './handler-function';
import type { StateTableRef } from './state-table';

/** Props of {@link TrailPath}. */
export interface TrailPathProps {
  /** Name of the existing bucket the organization or multi-account trail delivers to. */
  readonly bucketName: string;
  /**
   * The trail's S3 key prefix, if it has one (files are under `<prefix>/AWSLogs/...`).
   *
   * @default - none
   */
  readonly prefix?: string;
  /**
   * ARN of the KMS key the trail encrypts its files with (SSE-KMS); the function may decrypt with it.
   *
   * @default - the files are not KMS-encrypted (SSE-S3)
   */
  readonly kmsKeyArn?: string;
  /**
   * Configure the bucket's event notifications from this stack. Turn off when the bucket is in
   * another account (the log archive account of an organization): configure the notification there,
   * to the queue this construct outputs.
   *
   * @default true
   */
  readonly configureNotifications?: boolean;
  readonly stateTable: StateTableRef;
  readonly findingsTopic: PublishTarget;
  readonly settings?: DeploymentSettings;
  /** @default functions/aws/cloudtrail-s3/index.ts */
  readonly entry?: string;
  readonly logRetention?: logs.RetentionDays;
  /** @default Duration.minutes(5) */
  readonly timeout?: Duration;
  /** @default 1024 */
  readonly memorySize?: number;
}

/**
 * CloudTrail from an organization or multi-account trail's bucket: S3 event notifications for new
 * log files (`<prefix>AWSLogs/`, `.json.gz`) -> an SQS queue -> a Lambda function that reads each file
 * with the replay reader and processes it once (see functions/aws/cloudtrail-s3).
 *
 * The function may read only the trail's log files (`s3:GetObject` and `s3:GetObjectVersion` under
 * the prefix) and decrypt with the trail's key when one is given. The queue accepts messages from S3
 * for that bucket only. A dead-letter queue takes a message after 5 failed receives.
 */
export class TrailPath extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly lambdaFunction: nodejs.NodejsFunction;
  readonly handler: HandlerFunction;
  /** The imported bucket. */
  readonly bucket: s3.IBucket;

  constructor(scope: Construct, id: string, props: TrailPathProps) {
    super(scope, id);
    const timeout = props.timeout ?? Duration.minutes(5);
    validate(props);
    const prefix = props.prefix ? `${props.prefix.replace(/\/+$/, '')}/` : '';
    this.bucket = s3.Bucket.fromBucketName(this, 'Bucket', props.bucketName);

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      // Six function timeouts, as Lambda advises; also longer than a file's claim lease (15 min).
      visibilityTimeout: Duration.seconds(6 * timeout.toSeconds()),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: 5 },
    });

    this.handler = new HandlerFunction(this, 'Handler', {
      entry: props.entry ?? TRAIL_ENTRY,
      description:
        'Tripline: detects attacks in CloudTrail log files of an organization or multi-account trail',
      environment: toLambdaEnvironment({
        ...props.settings,
        stateTableName: props.stateTable.tableName,
        findingsTopicArn: props.findingsTopic.topicArn,
        source: 'cloudtrail',
      }),
      timeout,
      memorySize: props.memorySize ?? 1024,
      // A log file is downloaded to /tmp before it is read; trail files are rarely over 100 MB.
      ephemeralStorageSize: Size.mebibytes(2048),
      ...(props.logRetention !== undefined ? { logRetention: props.logRetention } : {}),
    });
    this.lambdaFunction = this.handler.lambdaFunction;
    this.lambdaFunction.addEventSource(
      new sources.SqsEventSource(this.queue, {
        batchSize: 10,
        maxBatchingWindow: Duration.seconds(5),
        reportBatchItemFailures: true,
      }),
    );
    props.stateTable.grantReadWriteData(this.lambdaFunction);
    props.findingsTopic.grantPublish(this.lambdaFunction);
    const objects = `arn:${Aws.PARTITION}:s3:::${props.bucketName}/${prefix}AWSLogs/*`;
    this.handler.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['s3:GetObject', 's3:GetObjectVersion'], resources: [objects] }),
    );
    if (props.kmsKeyArn) {
      this.handler.role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [props.kmsKeyArn] }),
      );
    }
    Validations.of(this.handler.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${props.bucketName}/${prefix}AWSLogs/*]`,
      reason:
        'The trail writes one object per account, region and five minutes under AWSLogs/; the function reads those log files (GetObject, GetObjectVersion) and nothing else in the bucket.',
    });

    if (props.configureNotifications === false) {
      // The bucket's owner configures the notification; S3 may send for that bucket only.
      this.queue.addToResourcePolicy(
        new iam.PolicyStatement({
          principals: [new iam.ServicePrincipal('s3.amazonaws.com')],
          actions: ['sqs:SendMessage'],
          resources: [this.queue.queueArn],
          conditions: { ArnLike: { 'aws:SourceArn': this.bucket.bucketArn } },
        }),
      );
    } else {
      // The destination also lets S3 send for this bucket only (aws:SourceArn).
      this.bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.SqsDestination(this.queue), {
        prefix: `${prefix}AWSLogs/`,
        suffix: '.json.gz',
      });
      // CDK's own notifications handler (one per stack) runs at deploy time only, to add this queue to
      // the bucket's notification configuration while keeping the notifications others configured.
      const handler = Stack.of(this).node.children.find((c) =>
        c.node.id.startsWith('BucketNotificationsHandler'),
      );
      if (handler) {
        Validations.of(handler).acknowledge(
          {
            id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
            reason:
              "CDK's bucket notifications handler (a deploy-time custom resource, not a Tripline function) comes with the basic execution role; it runs only when the stack is deployed.",
          },
          {
            id: 'AwsSolutions-IAM5[Resource::*]',
            reason:
              "CDK's bucket notifications handler calls s3:PutBucketNotification / GetBucketNotification, which it is granted on * by CDK; it runs only at deploy time.",
          },
        );
      }
    }
  }
}

function validate(props: TrailPathProps): void {
  const problems = new ProblemList();
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(props.bucketName)) {
    problems.add('trailBucket', `${JSON.stringify(props.bucketName)} is not an S3 bucket name`);
  }
  if (
    props.kmsKeyArn !== undefined &&
    !/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/.test(props.kmsKeyArn)
  ) {
    problems.add(
      'trailKmsKey',
      `${JSON.stringify(props.kmsKeyArn)} is not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)`,
    );
  }
  if (props.prefix !== undefined && /^\/|\*/.test(props.prefix)) {
    problems.add(
      'trailPrefix',
      `${JSON.stringify(props.prefix)} must be the trail's key prefix, without a leading / or wildcards`,
    );
  }
  problems.throwIfAny();
}
