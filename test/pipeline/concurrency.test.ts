/**
 * P2: parallel invocations never lose a count and never alert twice. Eight detectors (eight Lambda
 * containers) share one DynamoDB state table (dynalite over HTTP) and publish to one SNS topic (fake
 * SNS over HTTP); together they push one account over the brute-force threshold.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SNSClient } from '@aws-sdk/client-sns';
import { Detector } from '#shared/engine/detector';
import type { TriplineEvent } from '#shared/events/types';
import { runBatch } from '#shared/pipeline/run-batch';
import { ALL_RULES } from '#shared/rules/index';
import { SnsFindingSink } from '#shared/sinks/sns-sink';
import { DynamoStateStore, createStateTable } from '#shared/state/dynamodb';
import { snsClientFor } from '../sinks/sns-client';
import { startDynalite } from '../state/local-dynamodb';
import type { LocalDynamo } from '../state/local-dynamodb';
import { startFakeSns } from '../support/fake-sns';
import type { FakeSns } from '../support/fake-sns';
import { DAY, T0, ev } from '../support/events';

const INVOCATIONS = 8;
const PER_INVOCATION = 2;
const TABLE = 'tripline-state-p2';

let dynamo: LocalDynamo;
let ddb: DynamoDBClient;
let sns: FakeSns;
let snsClient: SNSClient;
let store: DynamoStateStore;

beforeAll(async () => {
  dynamo = await startDynalite();
  ddb = dynamo.client();
  await createStateTable(ddb, TABLE);
  store = new DynamoStateStore({ client: ddb, tableName: TABLE });
  sns = await startFakeSns();
  snsClient = snsClientFor(sns.endpoint, 3);
});
afterAll(async () => {
  await store.close();
  snsClient.destroy();
  await sns.close();
  await dynamo.stop();
});

const failure = (i: number): TriplineEvent =>
  ev({
    id: `p2-fail-${i}`,
    at: i * 10_000,
    actor: { id: 'dave@contoso.com', name: 'dave@contoso.com', ip: '45.155.205.233' },
  });

describe('parallel invocations on one principal (P2)', () => {
  it(`${INVOCATIONS} parallel batches over the brute-force threshold: no lost count, exactly one SNS message`, async () => {
    const total = INVOCATIONS * PER_INVOCATION;
    const sink = new SnsFindingSink(snsClient, sns.topicArn);
    const deps = () => ({
      detector: new Detector({ rules: ALL_RULES, store, lateness: '15m' }),
      store,
      sink,
      now: T0 + 5 * 60_000,
      claimTtlMs: 15 * DAY,
    });
    // Interleaved, so every batch holds early and late failures.
    const batches = Array.from({ length: INVOCATIONS }, (_, k) =>
      Array.from({ length: PER_INVOCATION }, (_, j) => failure(k + j * INVOCATIONS)),
    );
    const results = await Promise.all(batches.map((b) => runBatch(b, deps())));

    expect(results.flatMap((r) => r.findings)).toHaveLength(1);
    expect(results.flatMap((r) => r.failedPublishes)).toEqual([]);
    expect(sns.messages).toHaveLength(1);
    expect(sns.messages[0]?.attributes['ruleId']?.StringValue).toBe('brute-force');
    const conflicts = results.reduce((n, r) => n + r.stats.conflicts, 0);
    expect(conflicts).toBeGreaterThan(0);

    // A follow-up failure shows the count the finding holds: every event counted once.
    const followUp = await runBatch([failure(total)], deps());
    expect(followUp.updated).toHaveLength(1);
    expect(followUp.updated[0]?.count).toBe(total + 1);
    expect(followUp.published).toEqual([]);
    expect(sns.messages).toHaveLength(1);
  });
});
