import {
  BatchGetItemCommand,
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { PublishCommandInput } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { ConfigError } from '#shared/config/lambda-config';
import { createHandler } from '../../functions/aws/cloudtrail-realtime/index';
import { captureOutput } from './capture';
import type { Captured } from './capture';
import { ACCOUNT, attackBatch, sqsEvent, sqsRecord } from './cloudtrail-events';

const T0 = Date.parse('2026-03-04T02:00:00Z');
const NOW = T0 + 10 * 60_000;
const TOPIC = `arn:aws:sns:us-east-1:${ACCOUNT}:tripline-findings`;
const ENV = {
  STATE_TABLE_NAME: 'tripline-state',
  FINDINGS_TOPIC_ARN: TOPIC,
  SOURCE: 'cloudtrail',
  LATENESS: '15m',
  POWERTOOLS_SERVICE_NAME: 'tripline-realtime',
  POWERTOOLS_METRICS_NAMESPACE: 'TriplineTest',
  AWS_REGION: 'us-east-1',
};

const ddb = mockClient(DynamoDBClient);
const sns = mockClient(SNSClient);
let out: Captured;
let published: PublishCommandInput[];

const context = {
  functionName: 'Tripline-Realtime',
  functionVersion: '$LATEST',
  invokedFunctionArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:Tripline-Realtime`,
  memoryLimitInMB: '512',
  awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
  logGroupName: '/aws/lambda/Tripline-Realtime',
  logStreamName: '2026/03/04/[$LATEST]abcdef',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 50_000,
} as unknown as Context;

const savedRegion = process.env['AWS_REGION'];
beforeAll(() => {
  process.env['AWS_REGION'] = 'us-east-1';
});
afterAll(() => {
  if (savedRegion === undefined) delete process.env['AWS_REGION'];
  else process.env['AWS_REGION'] = savedRegion;
});

beforeEach(() => {
  ddb.reset();
  sns.reset();
  published = [];
  ddb.on(BatchGetItemCommand).resolves({ Responses: { 'tripline-state': [] } });
  ddb.on(PutItemCommand).resolves({});
  ddb.on(DeleteItemCommand).resolves({});
  sns.on(PublishCommand).callsFake((input: PublishCommandInput) => {
    published.push(input);
    return { MessageId: `sns-${published.length}` };
  });
  out = captureOutput();
});
afterEach(() => out.restore());

const handlerWith = (env: Record<string, string> = ENV) => createHandler({ env, now: () => NOW });

describe('cloudtrail-realtime handler', () => {
  it('publishes the findings of a batch and reports no failures', async () => {
    const { records } = attackBatch(T0);
    const res = await handlerWith()(sqsEvent(records), context);
    expect(res).toEqual({ batchItemFailures: [] });
    expect(published.map((p) => p.MessageAttributes?.['ruleId']?.StringValue).sort()).toEqual([
      'brute-force',
      'cloud-logging-disabled',
    ]);
    expect(published.every((p) => p.TopicArn === TOPIC)).toBe(true);
  });

  it('hands back exactly the records of a finding whose publish failed', async () => {
    sns.on(PublishCommand).callsFake((input: PublishCommandInput) => {
      if (input.MessageAttributes?.['ruleId']?.StringValue === 'brute-force') {
        throw Object.assign(new Error('Internal error'), {
          name: 'InternalError',
          $metadata: { httpStatusCode: 500 },
        });
      }
      published.push(input);
      return { MessageId: 'sns-ok' };
    });
    const { records, failures } = attackBatch(T0);
    const res = await handlerWith()(sqsEvent(records), context);
    expect(res.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(
      failures.map((r) => r.messageId).sort(),
    );
    expect(published.map((p) => p.MessageAttributes?.['ruleId']?.StringValue)).toEqual([
      'cloud-logging-disabled',
    ]);
    const [log] = out.logs(/Finding not published/);
    expect(log).toMatchObject({ level: 'ERROR', ruleId: 'brute-force', pendingInOutbox: true });
    expect(log?.['messageIds']).toHaveLength(12);
    expect(log?.['error']).toMatch(/InternalError/);
    expect(out.metric('PublishFailures')).toBe(1);
  });

  it('quarantines a body that is not JSON and one that is not CloudTrail without failing them or the batch', async () => {
    const { records } = attackBatch(T0);
    const notJson = sqsRecord('{"version":"0","detail-type":"AWS API Call via CloudTrail", truncated');
    const notCloudTrail = sqsRecord({
      'detail-type': 'EC2 Instance State-change Notification',
      source: 'aws.ec2',
      detail: { state: 'running' },
    });
    const graph = sqsRecord({
      id: 'x',
      createdDateTime: '2026-03-04T02:00:00Z',
      userPrincipalName: 'a@b.c',
      status: { errorCode: 0 },
    });
    const res = await handlerWith()(sqsEvent([notJson, ...records, notCloudTrail, graph]), context);
    expect(res).toEqual({ batchItemFailures: [] });
    expect(published).toHaveLength(2);
    const logs = out.logs(/quarantined/);
    expect(logs.map((l) => [l['messageId'], l['level']])).toEqual([
      [notJson.messageId, 'WARN'],
      [notCloudTrail.messageId, 'WARN'],
      [graph.messageId, 'WARN'],
    ]);
    expect(logs[0]?.['reason']).toMatch(/^body is not JSON/);
    expect(logs[1]?.['reason']).toMatch(
      /^not a CloudTrail event: unknown record shape: keys detail-type, source, detail/,
    );
    expect(logs[2]?.['reason']).toBe('not a CloudTrail event: it looks like entra.signin');
    expect(out.metric('Quarantined')).toBe(3);
    expect(out.metric('EventsIn')).toBe(records.length + 3);
    expect(out.metric('Normalized')).toBe(records.length);
  });

  it('hands back every record that carried an event when the state table fails, but no quarantined one', async () => {
    ddb
      .on(BatchGetItemCommand)
      .rejects(Object.assign(new Error('Service unavailable'), { name: 'ServiceUnavailable' }));
    const { records } = attackBatch(T0);
    const bad = sqsRecord('not json');
    const res = await handlerWith()(sqsEvent([...records, bad]), context);
    expect(res.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(records.map((r) => r.messageId));
    expect(published).toEqual([]);
    expect(out.logs(/Detection failed for the batch/)[0]?.['error']).toMatch(
      /BatchGetItem on table tripline-state failed/,
    );
    expect(out.metric('BatchFailures')).toBe(1);
  });

  it('emits the metrics of a batch in its namespace, findings by severity', async () => {
    const { records } = attackBatch(T0);
    await handlerWith()(sqsEvent(records), context);
    const [blob] = out.emf('EventsIn');
    expect(
      (blob?.['_aws'] as { CloudWatchMetrics: Array<{ Namespace: string }> }).CloudWatchMetrics[0]?.Namespace,
    ).toBe('TriplineTest');
    expect(out.metric('EventsIn')).toBe(records.length);
    expect(out.metric('FindingsOut', { severity: 'high' })).toBe(1);
    expect(out.metric('FindingsOut', { severity: 'medium' })).toBe(1);
    expect(out.metric('StateConflicts')).toBe(0);
    // Newest event is the last console failure at T0 + 260 s; now is T0 + 600 s.
    expect(out.metric('SourceLagSeconds')).toBe(340);
    const [done] = out.logs(/Batch done/);
    expect(done).toMatchObject({
      service: 'tripline-realtime',
      function_request_id: context.awsRequestId,
      published: 2,
    });
  });

  it('logs each published finding with its id, rule and evidence event ids', async () => {
    const { records, stopLogging } = attackBatch(T0);
    await handlerWith()(sqsEvent(records), context);
    const logs = out.logs(/Finding published/);
    const stop = logs.find((l) => l['ruleId'] === 'cloud-logging-disabled');
    expect(stop?.['eventIDs']).toEqual([
      (JSON.parse(stopLogging.body) as { detail: { eventID: string } }).detail.eventID,
    ]);
    expect(stop?.['snsMessageId']).toMatch(/^sns-/);
  });

  it('does nothing (and fails nothing) for a batch of quarantined records only', async () => {
    const res = await handlerWith()(sqsEvent([sqsRecord('[]'), sqsRecord('"text"')]), context);
    expect(res).toEqual({ batchItemFailures: [] });
    expect(ddb.calls()).toHaveLength(0);
  });

  it('throws a ConfigError listing every invalid variable, and logs it', async () => {
    const handler = handlerWith({ FINDINGS_TOPIC_ARN: 'tripline-findings', SOURCE: 'cloudtrail' });
    const err = await handler(sqsEvent(attackBatch(T0).records), context).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/STATE_TABLE_NAME is not set/);
    expect((err as Error).message).toMatch(/FINDINGS_TOPIC_ARN is not an SNS topic ARN/);
    expect(out.logs(/invalid configuration/)[0]).toMatchObject({ level: 'ERROR' });
    expect(ddb.calls()).toHaveLength(0);
  });
});
