import * as path from 'node:path';
import { Duration, SecretValue, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { RESPONDER_ENV, severitiesFrom } from '#shared/config/responder';
import type { ResponderPolicy } from '#shared/config/responder';
import { RESPONSE_KEY_PREFIX } from '#shared/respond/core/types';
import { ProblemList } from '../errors';
import { PROJECT_ROOT } from '../paths';
import type { PublishTarget } from './encrypted-topic';
import { HandlerFunction } from './handler-function';
import type { OperationalAlarms } from './ops-alarms';
import { STATE_STORE_ACTIONS } from './state-table';

/** Entry of the responder handler. */
export const RESPONDER_ENTRY = path.join(PROJECT_ROOT, 'functions', 'aws', 'responder', 'index.ts');

/** Keys of the responder's Entra secret (the Graph collector's format; `certificate` may replace `clientSecret`). */
export const RESPONDER_ENTRA_SECRET_KEYS = ['tenantId', 'clientId', 'clientSecret'] as const;
/** Keys of the responder's Google secret. */
export const RESPONDER_GOOGLE_SECRET_KEYS = ['serviceAccountKey', 'delegatedAdminEmail'] as const;

/** A response backlog older than this raises an alarm. */
export const MAX_RESPONSE_QUEUE_AGE = Duration.minutes(30);

/** Props of {@link Responder}. */
export interface ResponderProps {
  /** The validated policy; its mode must be `dry-run` or `on` (an `off` responder is not deployed). */
  readonly policy: ResponderPolicy;
  /** The state table: the responder may touch only its items (keys starting `resp|`). */
  readonly stateTable: { readonly tableName: string; readonly tableArn: string };
  /** The findings topic: the queue subscribes to it and action messages are published to it. */
  readonly findingsTopic: PublishTarget & { readonly topic: sns.ITopic };
  /** Alarms on the dead-letter queue, the function's errors and the queue's backlog go here. */
  readonly alarms?: OperationalAlarms;
  /** @default functions/aws/responder/index.ts */
  readonly entry?: string;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Long enough for Graph's throttling answers (Retry-After) within one finding's actions.
   *
   * @default Duration.minutes(3)
   */
  readonly timeout?: Duration;
  /**
   * Receives of one finding before it moves to the dead-letter queue.
   *
   * @default 5
   */
  readonly maxReceiveCount?: number;
}

/**
 * The responder (docs/respond.md): the findings topic feeds an SQS queue through a subscription whose
 * filter policy lets through only the policy's rules at or above its severity floor (action messages
 * carry no `ruleId`, so they never come back), and the responder function drains it with per-record
 * failures. A finding that fails `maxReceiveCount` times lands in the dead-letter queue, which alarms.
 *
 * The function runs as its own identity: two secrets, created holding empty templates, take the
 * responder's own Entra app registration and Google service account (never the collectors'). Its role
 * may consume its queue, read those two secrets, publish to the findings topic (the action messages)
 * and read and write only state items whose key starts with `resp|` (`dynamodb:LeadingKeys`).
 *
 * At most two invocations run at once (`maxConcurrency`), so a burst of findings cannot outrun the
 * per-tenant circuit breaker's bookkeeping by much, and never starves the detectors.
 */
export class Responder extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly lambdaFunction: nodejs.NodejsFunction;
  readonly handler: HandlerFunction;
  readonly entraSecret: secretsmanager.Secret;
  readonly googleSecret: secretsmanager.Secret;
  readonly subscription: sns.Subscription;

  constructor(scope: Construct, id: string, props: ResponderProps) {
    super(scope, id);
    const timeout = props.timeout ?? Duration.minutes(3);
    const maxReceiveCount = props.maxReceiveCount ?? 5;
    validate(props.policy, timeout, maxReceiveCount);

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(4),
      visibilityTimeout: Duration.seconds(6 * timeout.toSeconds()),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount },
    });

    this.subscription = new sns.Subscription(this, 'FindingsSubscription', {
      topic: props.findingsTopic.topic,
      endpoint: this.queue.queueArn,
      protocol: sns.SubscriptionProtocol.SQS,
      rawMessageDelivery: true,
      filterPolicy: {
        ruleId: sns.SubscriptionFilter.stringFilter({ allowlist: [...props.policy.rules] }),
        severity: sns.SubscriptionFilter.stringFilter({
          allowlist: severitiesFrom(props.policy.minSeverity),
        }),
      },
    });
    // What SqsSubscription would add: the topic (only) may send to the queue.
    this.queue.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('sns.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [this.queue.queueArn],
        conditions: { ArnEquals: { 'aws:SourceArn': props.findingsTopic.topic.topicArn } },
      }),
    );
    this.subscription.node.addDependency(this.queue);

    const secret = (name: string, keys: readonly string[], what: string): secretsmanager.Secret => {
      const s = new secretsmanager.Secret(this, name, {
        description: `Tripline responder: ${what} Replace the empty values of ${keys.join(', ')} (docs/respond.md). Never the collectors' credentials.`,
        // Not a secret: a template of the expected keys with empty values, replaced by the operator.
        secretStringValue: SecretValue.unsafePlainText(
          JSON.stringify(Object.fromEntries(keys.map((k) => [k, '']))),
        ),
      });
      Validations.of(s).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          'Third-party credentials (Entra app secret, Google service account key) are issued by that provider; Secrets Manager cannot rotate them. The operator rotates them at the provider and updates the secret.',
      });
      return s;
    };
    this.entraSecret = secret(
      'EntraCredentials',
      RESPONDER_ENTRA_SECRET_KEYS,
      'its own Entra app registration (DelegatedPermissionGrant.ReadWrite.All, AppRoleAssignment.ReadWrite.All, Application.ReadWrite.All, User.RevokeSessions.All).',
    );
    this.googleSecret = secret(
      'GoogleCredentials',
      RESPONDER_GOOGLE_SECRET_KEYS,
      'its own Google service account (domain-wide delegation for admin.directory.user.security only).',
    );

    this.handler = new HandlerFunction(this, 'Handler', {
      entry: props.entry ?? RESPONDER_ENTRY,
      description: `Tripline responder (${props.policy.mode}): revokes the OAuth grants findings name, records and tells`,
      environment: {
        [RESPONDER_ENV.STATE_TABLE_NAME]: props.stateTable.tableName,
        [RESPONDER_ENV.FINDINGS_TOPIC_ARN]: props.findingsTopic.topicArn,
        [RESPONDER_ENV.RESPONDER_POLICY]: JSON.stringify(props.policy),
        [RESPONDER_ENV.ENTRA_SECRET_ARN]: this.entraSecret.secretArn,
        [RESPONDER_ENV.GOOGLE_SECRET_ARN]: this.googleSecret.secretArn,
      },
      timeout,
      memorySize: 256,
      ...(props.logRetention !== undefined ? { logRetention: props.logRetention } : {}),
    });
    this.lambdaFunction = this.handler.lambdaFunction;
    this.lambdaFunction.addEventSource(
      new sources.SqsEventSource(this.queue, {
        batchSize: 5,
        reportBatchItemFailures: true,
        maxConcurrency: 2,
      }),
    );

    this.entraSecret.grantRead(this.lambdaFunction);
    this.googleSecret.grantRead(this.lambdaFunction);
    props.findingsTopic.grantPublish(this.lambdaFunction);
    this.handler.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ResponderStateItemsOnly',
        actions: [...STATE_STORE_ACTIONS],
        resources: [props.stateTable.tableArn],
        conditions: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${RESPONSE_KEY_PREFIX}*`] },
        },
      }),
    );

    if (props.alarms) {
      props.alarms.alarmOnDeadLetters(
        'ResponderDeadLetters',
        this.deadLetterQueue,
        `findings the responder failed on ${maxReceiveCount} times (nothing more will be done for them: see docs/respond.md)`,
      );
      props.alarms.alarmOnErrors('ResponderErrors', this.lambdaFunction, 'the responder function');
      props.alarms.alarmOnQueueAge(
        'ResponderBacklog',
        this.queue,
        MAX_RESPONSE_QUEUE_AGE,
        'finding awaiting the responder',
      );
    }
  }
}

function validate(policy: ResponderPolicy, timeout: Duration, maxReceiveCount: number): void {
  const problems = new ProblemList();
  if (policy.mode === 'off')
    problems.add('Responder.policy.mode', 'is off: do not deploy the responder at all');
  if (timeout.toSeconds() < 30 || timeout.toSeconds() > 900)
    problems.add('Responder.timeout', `must be 30 seconds to 15 minutes, got ${timeout.toHumanString()}`);
  if (!Number.isInteger(maxReceiveCount) || maxReceiveCount < 1 || maxReceiveCount > 1000)
    problems.add(
      'Responder.maxReceiveCount',
      `must be a whole number from 1 to 1000, got ${maxReceiveCount}`,
    );
  problems.throwIfAny();
}
