/**
 * The S3 trail path end to end: S3 event notifications on SQS batches, trail files in a local S3,
 * state in DynamoDB (dynalite), findings to a fake SNS, all through the real SDK clients.
 */
import { gzipSync } from 'node:zlib';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { Context, SQSRecord } from 'aws-lambda';
import { createStateTable } from '#shared/state/dynamodb';
import { createHandler } from '../../functions/aws/cloudtrail-s3/index';
import type { TrailHandler } from '../../functions/aws/cloudtrail-s3/index';
import { snsClientFor } from '../sinks/sns-client';
import { startDynalite } from '../state/local-dynamodb';
import type { LocalDynamo } from '../state/local-dynamodb';
import { startFakeS3 } from '../support/fake-s3';
import type { FakeS3 } from '../support/fake-s3';
import { startFakeSns } from '../support/fake-sns';
import type { FakeSns } from '../support/fake-sns';
import { captureOutput } from './capture';
import type { Captured } from './capture';
import { iamUserCall, roleCall, sqsEvent, sqsRecord } from './cloudtrail-events';

const TABLE = 'tripline-state-s3';
const BUCKET = 'org-trail-logs';
const T0 = Date.parse('2026-03-04T02:00:00Z');

let dynamo: LocalDynamo;
let ddb: DynamoDBClient;
let sns: FakeSns;
let snsClient: SNSClient;
let s3: FakeS3;
let handler: TrailHandler;
let out: Captured;

beforeAll(async () => {
  dynamo = await startDynalite();
  ddb = dynamo.client();
  await createStateTable(ddb, TABLE);
  sns = await startFakeSns();
  snsClient = snsClientFor(sns.endpoint, 1);
  s3 = await startFakeS3();
  handler = createHandler({
    env: {
      STATE_TABLE_NAME: TABLE,
      FINDINGS_TOPIC_ARN: sns.topicArn,
      SOURCE: 'cloudtrail',
      AWS_REGION: 'us-east-1',
      POWERTOOLS_METRICS_NAMESPACE: 'TriplineS3Test',
    },
    dynamoClient: ddb,
    snsClient,
    s3Client: s3.client(),
    now: () => T0 + 20 * 60_000,
  });
});
afterAll(async () => {
  snsClient.destroy();
  await sns.close();
  await s3.close();
  await dynamo.stop();
});
beforeEach(() => {
  out = captureOutput();
});
afterEach(() => out.restore());

const detail = (e: unknown): Record<string, unknown> => (e as { detail: Record<string, unknown> }).detail;

/** Puts a trail file of `account` and returns the S3 notification message for it. */
function trailFile(account: string, records: Record<string, unknown>[], name: string): SQSRecord {
  const key = `AWSLogs/o-a1b2c3d4e5/${account}/CloudTrail/eu-west-1/2026/03/04/${account}_CloudTrail_eu-west-1_20260304T0200Z_${name}.json.gz`;
  const { etag } = s3.put(
    BUCKET,
    key,
    gzipSync(JSON.stringify({ Records: records.map((r) => ({ ...r, recipientAccountId: account })) })),
  );
  return sqsRecord({
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'eu-west-1',
        eventTime: '2026-03-04T02:05:00.000Z',
        eventName: 'ObjectCreated:Put',
        s3: {
          s3SchemaVersion: '1.0',
          bucket: { name: BUCKET, arn: `arn:aws:s3:::${BUCKET}` },
          object: { key, size: 1000, eTag: etag, sequencer: '0055AED6DCD90281E5' },
        },
      },
    ],
  });
}

const stopLogging = (account: string): Record<string, unknown> =>
  detail(
    iamUserCall({
      at: T0 + 30_000,
      eventName: 'StopLogging',
      eventSource: 'cloudtrail.amazonaws.com',
      userName: 'mallory',
      ip: '198.51.100.23',
      requestParameters: { name: `arn:aws:cloudtrail:eu-west-1:${account}:trail/org-trail` },
    }),
  );
const routine = (): Record<string, unknown> =>
  detail(
    roleCall({
      at: T0,
      eventName: 'DescribeInstances',
      eventSource: 'ec2.amazonaws.com',
      role: 'app-server',
    }),
  );

describe('S3 trail path (S3 notification -> SQS -> handler -> DynamoDB -> SNS)', () => {
  const a = trailFile.bind(null, '111122223333');
  let batch: SQSRecord[];

  it('reads the trail files of every account, publishes what they hold, and acknowledges test events and junk', async () => {
    batch = [
      a([routine(), stopLogging('111122223333')], 'a1'),
      trailFile('444455556666', [routine(), routine()], 'b1'),
      sqsRecord({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: BUCKET }),
      sqsRecord({ hello: 'world' }),
    ];
    const res = await handler(sqsEvent(batch));
    expect(res).toEqual({ batchItemFailures: [] });
    expect(
      sns.messages.map((m) => [m.attributes['ruleId']?.StringValue, m.attributes['tenant']?.StringValue]),
    ).toEqual([['cloud-logging-disabled', '111122223333']]);
    expect(out.metric('ObjectsDone')).toBe(2);
    expect(out.metric('Normalized')).toBe(4);
    expect(out.metric('Quarantined')).toBe(1);
    expect(out.logs(/S3 test event/)).toHaveLength(1);
    expect(out.logs(/not an S3 notification/)[0]).toMatchObject({
      level: 'WARN',
      messageId: batch[3]?.messageId,
    });
  });

  it('sends nothing again and downloads nothing when SQS delivers the same notifications again', async () => {
    const gets = s3.gets.length;
    const sent = sns.messages.length;
    expect(await handler(sqsEvent(batch))).toEqual({ batchItemFailures: [] });
    expect(s3.gets.length).toBe(gets);
    expect(sns.messages.length).toBe(sent);
    expect(out.metric('ObjectsDuplicate')).toBe(2);
  });

  it('hands back only the message whose file cannot be read, and reads it on the retry', async () => {
    const ok = a([routine()], 'a2');
    const bad = trailFile('777788889999', [stopLogging('777788889999')], 'c1');
    s3.script.push({ status: 500, code: 'InternalError' }, { status: 500, code: 'InternalError' });
    // The first file of the batch gets two 500s (every attempt the client makes); the second reads fine.
    const res = await handler(sqsEvent([bad, ok]));
    expect(res.batchItemFailures).toEqual([{ itemIdentifier: bad.messageId }]);
    expect(out.logs(/not processed/)[0]).toMatchObject({
      level: 'ERROR',
      key: expect.stringContaining('777788889999'),
    });
    expect(await handler(sqsEvent([bad]))).toEqual({ batchItemFailures: [] });
    expect(sns.messages.filter((m) => m.attributes['tenant']?.StringValue === '777788889999')).toHaveLength(
      1,
    );
  });

  it('hands back the messages it has no time left for', async () => {
    const late = a([routine()], 'a3');
    const context = {
      getRemainingTimeInMillis: () => 10_000,
      functionName: 'f',
      awsRequestId: 'r',
    } as unknown as Context;
    expect(await handler(sqsEvent([late]), context)).toEqual({
      batchItemFailures: [{ itemIdentifier: late.messageId }],
    });
  });
});
