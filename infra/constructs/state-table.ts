import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { STATE_TABLE_SCHEMA } from '#shared/config/state-table';
import { InvalidPropsError } from '../errors';

/** Props of {@link StateTable}. */
export interface StateTableProps {
  /**
   * What CloudFormation does with the table when it leaves the stack. The table holds baselines that
   * take weeks to learn, so it outlives `cdk destroy` unless you say otherwise.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * How many days back point-in-time recovery can restore, 1 to 35. Keep it at or below the state
   * retention so restored backups hold nothing older than live state may.
   *
   * @default 35
   */
  readonly pointInTimeRecoveryDays?: number;
}

/**
 * What a function-owning construct needs of the state table: its name and a read/write grant.
 * {@link StateTable} and any `dynamodb.Table` satisfy it.
 */
export interface StateTableRef {
  readonly tableName: string;
  grantReadWriteData(grantee: iam.IGrantable): iam.Grant;
}

/**
 * The DynamoDB actions the state store (shared/state/dynamodb.ts) calls, and no others: `get` is
 * BatchGetItem, conditional creates and replaces are PutItem, conditional deletes DeleteItem, and
 * unconditional writes BatchWriteItem. No Scan, Query, GetItem, UpdateItem or stream reads.
 */
export const STATE_STORE_ACTIONS: readonly string[] = [
  'dynamodb:BatchGetItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:PutItem',
  'dynamodb:DeleteItem',
];

/** Longest point-in-time recovery window DynamoDB offers. */
export const MAX_PITR_DAYS = 35;

/**
 * The one DynamoDB table holding all of Tripline's state (single-table design): partition key `pk`
 * (String), TTL attribute `ttl`, on-demand billing, point-in-time recovery, encryption at rest.
 *
 * Encryption uses the AWS managed key (`aws/dynamodb`), not a customer managed key: every read and
 * write comes from Tripline's own functions in this account, so a key policy would add nothing the
 * IAM grants do not already restrict, while key use is still logged in CloudTrail, and there is no
 * key to administer or pay for.
 *
 * @example
 * ```ts
 * const state = new StateTable(this, 'State');
 * state.grantReadWriteData(fn);
 * ```
 */
export class StateTable extends Construct implements StateTableRef {
  /** The table. */
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: StateTableProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const pitrDays = props.pointInTimeRecoveryDays ?? MAX_PITR_DAYS;
    if (!Number.isInteger(pitrDays) || pitrDays < 1 || pitrDays > MAX_PITR_DAYS) {
      throw new InvalidPropsError([
        {
          setting: 'StateTable.pointInTimeRecoveryDays',
          message: `must be a whole number from 1 to ${MAX_PITR_DAYS}, got ${pitrDays}`,
        },
      ]);
    }

    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: STATE_TABLE_SCHEMA.partitionKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: STATE_TABLE_SCHEMA.ttlAttribute,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true, recoveryPeriodInDays: pitrDays },
      // A retained table should also survive a stray console click.
      deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
      removalPolicy,
    });
  }

  /** The table's name. */
  get tableName(): string {
    return this.table.tableName;
  }

  /**
   * Lets `grantee` read and write items with exactly the actions the state store uses
   * ({@link STATE_STORE_ACTIONS}) on this table; no table administration, scans or queries.
   */
  grantReadWriteData(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: [...STATE_STORE_ACTIONS],
      resourceArns: [this.table.tableArn],
    });
  }
}
