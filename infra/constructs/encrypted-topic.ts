import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

/**
 * What a function-owning construct needs of a topic: its ARN and a publish grant.
 * {@link EncryptedTopic} and any `sns.Topic` satisfy it.
 */
export interface PublishTarget {
  readonly topicArn: string;
  grantPublish(grantee: iam.IGrantable): iam.Grant;
}

/** Props of {@link EncryptedTopic}. */
export interface EncryptedTopicProps {
  /** Shown as the sender name of e-mail notifications. */
  readonly displayName: string;
  /** What the topic and its key are for (the key's description). */
  readonly description: string;
  /**
   * Addresses subscribed by e-mail. Each receives a confirmation mail and gets nothing until it
   * confirms.
   *
   * @default - no subscriptions
   */
  readonly emails?: readonly string[];
  /**
   * Let CloudWatch alarms in this account publish to the topic (topic policy and key policy).
   *
   * @default false
   */
  readonly allowCloudWatchAlarms?: boolean;
}

/**
 * Key actions the account (through IAM policies) needs to administer the key. Listed one by one so
 * the key policy grants no wildcard; CloudFormation needs these to create, rotate, tag and delete it.
 */
const KEY_ADMIN_ACTIONS = [
  'kms:CancelKeyDeletion',
  'kms:CreateAlias',
  'kms:DeleteAlias',
  'kms:DescribeKey',
  'kms:DisableKey',
  'kms:DisableKeyRotation',
  'kms:EnableKey',
  'kms:EnableKeyRotation',
  'kms:GetKeyPolicy',
  'kms:GetKeyRotationStatus',
  'kms:ListGrants',
  'kms:ListKeyPolicies',
  'kms:ListKeyRotations',
  'kms:ListResourceTags',
  'kms:PutKeyPolicy',
  'kms:RevokeGrant',
  'kms:RotateKeyOnDemand',
  'kms:ScheduleKeyDeletion',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:UpdateAlias',
  'kms:UpdateKeyDescription',
];

/**
 * The only data-key operations an encrypted SNS topic performs: GenerateDataKey when a message is
 * published, Decrypt when it is delivered.
 */
const TOPIC_KEY_USE_ACTIONS = ['kms:Decrypt', 'kms:GenerateDataKey'];

/**
 * An SNS topic encrypted with its own customer managed KMS key (annual rotation), that accepts only
 * TLS publishes, with optional e-mail subscriptions.
 *
 * The key policy is written out instead of CDK's default (`kms:*` for the account): the account may
 * administer the key and, through IAM policies such as those `grantPublish` adds, use it for the two
 * operations SNS needs; nothing else. With `allowCloudWatchAlarms`, the CloudWatch service may use it
 * too, and the topic policy lets alarms of this account (only) publish.
 */
export class EncryptedTopic extends Construct implements PublishTarget {
  /** The topic. */
  readonly topic: sns.Topic;
  /** The customer managed key the topic is encrypted with. */
  readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: EncryptedTopicProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const account = new iam.AccountRootPrincipal();

    const statements = [
      new iam.PolicyStatement({
        sid: 'AccountAdministersKey',
        principals: [account],
        actions: KEY_ADMIN_ACTIONS,
        resources: ['*'],
      }),
      new iam.PolicyStatement({
        sid: 'IamPoliciesMayGrantTopicEncryption',
        principals: [account],
        actions: TOPIC_KEY_USE_ACTIONS,
        resources: ['*'],
      }),
    ];
    if (props.allowCloudWatchAlarms) {
      statements.push(
        new iam.PolicyStatement({
          sid: 'CloudWatchAlarmsPublishEncrypted',
          principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
          // As AWS documents for alarms publishing to an encrypted topic.
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          resources: ['*'],
        }),
      );
    }

    this.key = new kms.Key(this, 'Key', {
      description: props.description,
      enableKeyRotation: true,
      policy: new iam.PolicyDocument({ statements }),
      // The key protects messages in flight only; SNS stores nothing encrypted with it.
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });

    this.topic = new sns.Topic(this, 'Topic', {
      displayName: props.displayName,
      masterKey: this.key,
      enforceSSL: true,
      signatureVersion: '2',
    });

    if (props.allowCloudWatchAlarms) {
      this.topic.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'CloudWatchAlarmsOfThisAccountPublish',
          principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
          actions: ['sns:Publish'],
          resources: [this.topic.topicArn],
          conditions: {
            ArnLike: {
              'aws:SourceArn': `arn:${stack.partition}:cloudwatch:${stack.region}:${stack.account}:alarm:*`,
            },
            StringEquals: { 'aws:SourceAccount': stack.account },
          },
        }),
      );
    }

    for (const email of props.emails ?? []) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(email));
    }
  }

  /** The topic's ARN. */
  get topicArn(): string {
    return this.topic.topicArn;
  }

  /**
   * Lets `grantee` publish to the topic and use its key for exactly the two operations publishing
   * needs. (`sns.Topic.grantPublish` would grant `kms:GenerateDataKey*`, a wildcard.)
   */
  grantPublish(grantee: iam.IGrantable): iam.Grant {
    this.key.grant(grantee, ...TOPIC_KEY_USE_ACTIONS);
    return iam.Grant.addToPrincipalOrResource({
      grantee,
      actions: ['sns:Publish'],
      resourceArns: [this.topic.topicArn],
      resource: this.topic,
    });
  }
}
