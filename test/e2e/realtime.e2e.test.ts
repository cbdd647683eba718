/**
 * The real-time path end to end: the real handler on SQS batches of real-shaped CloudTrail events in
 * EventBridge envelopes, with its state in DynamoDB (dynalite, over HTTP) and its findings going to SNS
 * (a fake SNS endpoint over HTTP, speaking the real protocol to the real SDK client).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { Finding } from '#shared/engine/findings';
import { createStateTable } from '#shared/state/dynamodb';
import { createHandler } from '../../functions/aws/cloudtrail-realtime/index';
import type { RealtimeHandler } from '../../functions/aws/cloudtrail-realtime/index';
import { captureOutput } from '../functions/capture';
import type { Captured } from '../functions/capture';
import { ACCOUNT, attackBatch, sqsEvent } from '../functions/cloudtrail-events';
import { snsClientFor } from '../sinks/sns-client';
import { startDynalite } from '../state/local-dynamodb';
import type { LocalDynamo } from '../state/local-dynamodb';
import { startFakeSns } from '../support/fake-sns';
import type { FakeSns, PublishedMessage } from '../support/fake-sns';

const TABLE = 'tripline-state-e2e';
const T0 = Date.parse('2026-03-04T02:00:00Z');
const HOUR = 3_600_000;

let dynamo: LocalDynamo;
let ddb: DynamoDBClient;
let sns: FakeSns;
let snsClient: SNSClient;
let handler: RealtimeHandler;
let clock = T0 + 10 * 60_000;
let out: Captured;

beforeAll(async () => {
  dynamo = await startDynalite();
  ddb = dynamo.client();
  await createStateTable(ddb, TABLE);
  sns = await startFakeSns();
  // One attempt per Publish, so an injected failure is final for that invocation.
  snsClient = snsClientFor(sns.endpoint, 1);
  handler = createHandler({
    env: {
      STATE_TABLE_NAME: TABLE,
      FINDINGS_TOPIC_ARN: sns.topicArn,
      SOURCE: 'cloudtrail',
      LATENESS: '15m',
      AWS_REGION: 'us-east-1',
      POWERTOOLS_METRICS_NAMESPACE: 'TriplineE2E',
    },
    dynamoClient: ddb,
    snsClient,
    now: () => clock,
  });
});
afterAll(async () => {
  snsClient.destroy();
  await sns.close();
  await dynamo.stop();
});
beforeEach(() => {
  out = captureOutput();
});
afterEach(() => out.restore());

const byRule = (ruleId: string): PublishedMessage[] =>
  sns.messages.filter((m) => m.attributes['ruleId']?.StringValue === ruleId);
const findingOf = (m: PublishedMessage): Finding => JSON.parse(m.structured?.['default'] ?? '{}') as Finding;

describe('real-time CloudTrail path (SQS -> handler -> DynamoDB -> SNS)', () => {
  const first = attackBatch(T0);

  it('turns StopLogging amid routine calls and 12 failed console sign-ins into two messages on-call can act on', async () => {
    const res = await handler(sqsEvent(first.records));
    expect(res).toEqual({ batchItemFailures: [] });
    expect(sns.messages).toHaveLength(2);

    const [stop] = byRule('cloud-logging-disabled');
    expect(stop?.subject).toBe(
      '[HIGH] cloud-logging-disabled: mallory ran StopLogging: audit logging stopped or narrowed',
    );
    const email = stop?.structured?.['email'] ?? '';
    expect(email).toContain('StopLogging');
    expect(email).toContain('Principal: mallory');
    expect(email).toContain('198.51.100.23');
    expect(email).toContain('1. Turn logging back on first: `aws cloudtrail start-logging --name <trail>`');
    expect(stop?.attributes).toEqual({
      severity: { DataType: 'String', StringValue: 'high' },
      ruleId: { DataType: 'String', StringValue: 'cloud-logging-disabled' },
      tenant: { DataType: 'String', StringValue: ACCOUNT },
    });
    const stopEventId = (JSON.parse(first.stopLogging.body) as { detail: { eventID: string } }).detail
      .eventID;
    expect(stop && findingOf(stop).evidence.map((e) => e.id)).toEqual([stopEventId]);

    const [brute] = byRule('brute-force');
    expect(brute?.subject).toBe('[MEDIUM] brute-force: 12 failed sign-ins for bob');
    expect(brute?.structured?.['email']).toContain('203.0.113.77');
    expect(brute?.attributes['severity']?.StringValue).toBe('medium');
    expect(brute && findingOf(brute).count).toBe(12);
  });

  it('sends nothing more when SQS delivers the same batch again', async () => {
    clock += 60_000;
    const res = await handler(sqsEvent(first.records));
    expect(res).toEqual({ batchItemFailures: [] });
    expect(sns.messages).toHaveLength(2);
  });

  it('hands back the records of a finding SNS refused, and the redelivery publishes it exactly once', async () => {
    const t1 = T0 + 2 * HOUR;
    clock = t1 + 10 * 60_000;
    const second = attackBatch(t1, { victim: 'carol', attacker: 'trent' });
    const stopFailing = sns.failWhenMessageContains('failed sign-ins for carol');

    const res = await handler(sqsEvent(second.records));
    expect(res.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(
      second.failures.map((r) => r.messageId).sort(),
    );
    expect(byRule('cloud-logging-disabled').map((m) => m.subject)).toContain(
      '[HIGH] cloud-logging-disabled: trent ran StopLogging: audit logging stopped or narrowed',
    );
    expect(sns.messages).toHaveLength(3);
    expect(sns.rejected.map((r) => r.code)).toEqual(['InternalError']);

    // SQS makes the failed records visible again; this time SNS accepts.
    stopFailing();
    clock += 60_000;
    const failed = new Set(res.batchItemFailures.map((f) => f.itemIdentifier));
    const redelivery = second.records.filter((r) => failed.has(r.messageId));
    expect(await handler(sqsEvent(redelivery))).toEqual({ batchItemFailures: [] });
    const carol = sns.messages.filter((m) => m.subject?.includes('for carol'));
    expect(carol).toHaveLength(1);
    expect(carol[0] && findingOf(carol[0]).count).toBe(12);

    // And once more: still exactly one.
    clock += 60_000;
    expect(await handler(sqsEvent(redelivery))).toEqual({ batchItemFailures: [] });
    expect(sns.messages.filter((m) => m.subject?.includes('for carol'))).toHaveLength(1);
    expect(sns.messages).toHaveLength(4);
  });
});
