import {
  BatchGetItemCommand,
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { PutItemCommandInput } from '@aws-sdk/client-dynamodb';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { ConfigError } from '#shared/config/lambda-config';
import type { PollSource, PollWindow } from '#shared/sources/poller';
import type { PollSourceRegistration } from '#shared/sources/registry';
import { pollSourceFor } from '#shared/sources/registry';
import { createHandler } from '../../functions/aws/poller/index';
import { signIn } from '../pipeline/fake-audit-api';
import { captureOutput } from './capture';
import type { Captured } from './capture';

const MIN = 60_000;
const NOW = Date.parse('2026-03-04T01:02:00Z');
const ENV = {
  STATE_TABLE_NAME: 'tripline-state',
  FINDINGS_TOPIC_ARN: 'arn:aws:sns:eu-west-1:111122223333:tripline-findings',
  SOURCE: 'graph',
  SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:Tripline/graph-credentials-AbCdEf',
  TENANT_ID: '2f4a9c1e-7b3d-4e5f-a6b7-c8d9e0f1a2b3',
  POWERTOOLS_METRICS_NAMESPACE: 'TriplinePollerTest',
  AWS_REGION: 'eu-west-1',
};

const ddb = mockClient(DynamoDBClient);
const sns = mockClient(SNSClient);
let out: Captured;
let windows: PollWindow[];

const context = (remaining: () => number) =>
  ({
    functionName: 'Tripline-Poller-graph',
    awsRequestId: 'req-1',
    getRemainingTimeInMillis: remaining,
  }) as unknown as Context;

/** 12 failed sign-ins of one user, then an empty last page (state is mocked: one batch must cross the threshold). */
const source: PollSource = {
  name: 'graph-signins',
  sourceId: 'entra.signin',
  async fetchPage(window, cursor) {
    windows.push(window);
    const t0 = window.to - 30 * MIN;
    const all = Array.from({ length: 12 }, (_, i) => signIn(t0 + i * 30_000, { id: `si-${i}` }));
    return cursor === undefined ? { records: all, next: 'page-2' } : { records: [] };
  },
};
const registry: Record<string, PollSourceRegistration> = {
  graph: {
    create: () => source,
    timing: { delayMs: 2 * MIN, initialLookbackMs: 60 * MIN, maxWindowMs: 120 * MIN },
  },
};

beforeEach(() => {
  ddb.reset();
  sns.reset();
  windows = [];
  ddb.on(BatchGetItemCommand).resolves({ Responses: { 'tripline-state': [] } });
  ddb.on(PutItemCommand).resolves({});
  ddb.on(DeleteItemCommand).resolves({});
  sns.on(PublishCommand).resolves({ MessageId: 'sns-1' });
  out = captureOutput();
});
afterEach(() => out.restore());

describe('poller handler', () => {
  it('runs the registered source for SOURCE, publishes its findings and saves the checkpoint', async () => {
    const handler = createHandler({ env: ENV, registry, now: () => NOW });
    const summary = await handler(
      {},
      context(() => 200_000),
    );
    expect(summary).toMatchObject({ failures: 0, pages: 2, events: 12, published: 1, failedPublishes: 0 });
    expect(summary.targets).toMatchObject([
      { status: 'caught-up', source: 'graph-signins', tenant: ENV.TENANT_ID, pages: 2, events: 12 },
    ]);
    expect(windows[0]?.to).toBe(NOW - 2 * MIN);
    expect(
      sns.commandCalls(PublishCommand)[0]?.args[0].input.MessageAttributes?.['ruleId']?.StringValue,
    ).toBe('brute-force');
    const checkpointWrites = ddb
      .commandCalls(PutItemCommand)
      .map((c) => c.args[0].input as PutItemCommandInput)
      .filter((i) => i.Item?.['pk']?.S === `ckpt|graph-signins|${ENV.TENANT_ID}`);
    expect(checkpointWrites).toHaveLength(2);
    expect(out.metric('Pages')).toBe(2);
    expect(out.metric('FindingsOut', { severity: 'medium' })).toBe(1);
    expect(out.logs(/Poll done/)[0]).toMatchObject({ source: 'graph-signins', status: 'caught-up' });
  });

  it('uses the invocation remaining time as the budget', async () => {
    const handler = createHandler({ env: ENV, registry, now: () => NOW });
    const summary = await handler(
      {},
      context(() => 5_000),
    );
    expect(summary.targets).toMatchObject([{ status: 'budget', pages: 0 }]);
    expect(windows).toEqual([]);
  });

  it('fails with a ConfigError listing the registered sources when SOURCE has no poller', async () => {
    const handler = createHandler({ env: { ...ENV, SOURCE: 'm365' }, registry, now: () => NOW });
    const err = await handler(
      {},
      context(() => 200_000),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain(
      'SOURCE is "m365", but no poller is registered for it (this build polls: graph)',
    );
    expect(out.logs(/cannot start/)[0]).toMatchObject({ level: 'ERROR' });
  });

  it('lists the sources this build polls when SOURCE names another one', () => {
    expect(() => pollSourceFor('workspace', { graph: registry['graph'] as PollSourceRegistration })).toThrow(
      /this build polls: graph\)/,
    );
    expect(() => pollSourceFor('workspace', {})).toThrow(/this build polls: no source yet/);
  });
});
