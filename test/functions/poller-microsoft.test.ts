/**
 * The deployed poller with SOURCE=graph and SOURCE=m365 as it runs in AWS: its secret in (fake)
 * Secrets Manager holding several tenants, the vendor APIs as local HTTPS servers, state in DynamoDB
 * (dynalite), findings to (fake) SNS. Several tenants from one deployment; a tenant that fails does
 * not stop the others; a silent source raises source-silent once.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import type { Finding } from '#shared/engine/findings';
import { SecretsManagerJson } from '#shared/sources/secret';
import { createStateTable } from '#shared/state/dynamodb';
import { PollFailuresError, createHandler } from '../../functions/aws/poller/index';
import type { PollerHandler } from '../../functions/aws/poller/index';
import { snsClientFor } from '../sinks/sns-client';
import { startDynalite } from '../state/local-dynamodb';
import type { LocalDynamo } from '../state/local-dynamodb';
import { startFakeEntra } from '../support/fake-entra';
import type { FakeEntra } from '../support/fake-entra';
import { graphSignIn, startFakeGraph } from '../support/fake-graph';
import type { FakeGraph } from '../support/fake-graph';
import { contentId, startFakeManagement, ualRecord } from '../support/fake-management';
import type { FakeManagement } from '../support/fake-management';
import { startFakeSecretsManager } from '../support/fake-secrets-manager';
import type { FakeSecretsManager } from '../support/fake-secrets-manager';
import { startFakeSns } from '../support/fake-sns';
import type { FakeSns, PublishedMessage } from '../support/fake-sns';
import { testCaFetch } from '../support/https-fetch';
import { captureOutput } from './capture';
import type { Captured } from './capture';

const MIN = 60_000;
const HOUR = 60 * MIN;
const T = Date.parse('2026-03-04T08:00:00Z');
const TABLE = 'tripline-poller-ms';
const ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:Tripline/graph-credentials-AbCdEf';
const A = '2f4a9c1e-7b3d-4e5f-a6b7-c8d9e0f1a2b3';
const B = '8e7d6c5b-4a3f-4e2d-9c1b-0a9f8e7d6c5b';
const APP = '6c1f3b0e-9d2a-4e8f-b7c6-5a4d3e2f1b0c';

let dynamo: LocalDynamo;
let ddb: DynamoDBClient;
let sns: FakeSns;
let snsClient: SNSClient;
let secrets: FakeSecretsManager;
let entra: FakeEntra;
let graphA: FakeGraph;
let graphB: FakeGraph;
let m365: FakeManagement;
let clock: number;
let out: Captured;
let table = 0;

beforeAll(async () => {
  dynamo = await startDynalite();
  ddb = dynamo.client();
  sns = await startFakeSns();
  snsClient = snsClientFor(sns.endpoint, 1);
  secrets = await startFakeSecretsManager();
});
afterAll(async () => {
  snsClient.destroy();
  await sns.close();
  await secrets.close();
  await dynamo.stop();
});
beforeEach(async () => {
  clock = T;
  sns.messages.length = 0;
  entra = await startFakeEntra();
  entra.register({ tenantId: A, clientId: APP, secret: 'secret-a' });
  entra.register({ tenantId: B, clientId: APP, secret: 'secret-b' });
  graphA = await startFakeGraph(entra, A);
  graphB = await startFakeGraph(entra, B);
  m365 = await startFakeManagement(entra, A, () => clock);
  out = captureOutput();
});
afterEach(async () => {
  out.restore();
  await graphA.close();
  await graphB.close();
  await m365.close();
  await entra.close();
});

async function handlerFor(
  source: 'graph' | 'm365',
  secret: unknown,
  extra: { bundledConfig?: string } = {},
): Promise<PollerHandler> {
  const name = `${TABLE}-${++table}`;
  await createStateTable(ddb, name);
  secrets.secrets.set(ARN, JSON.stringify(secret));
  return createHandler({
    env: {
      STATE_TABLE_NAME: name,
      FINDINGS_TOPIC_ARN: sns.topicArn,
      SOURCE: source,
      SECRET_ARN: ARN,
      AWS_REGION: 'us-east-1',
      POWERTOOLS_METRICS_NAMESPACE: 'TriplinePollerMs',
    },
    dynamoClient: ddb,
    snsClient,
    secrets: new SecretsManagerJson({ client: secrets.client(), ttlMs: 0 }),
    clients: {
      fetch: testCaFetch,
      now: () => clock,
      sleep: async (ms) => {
        clock += ms;
      },
    },
    now: () => clock,
    ...extra,
  });
}

const context = (ms = 600_000): Context =>
  ({
    functionName: 'Tripline-Poller',
    awsRequestId: 'req',
    getRemainingTimeInMillis: () => ms,
  }) as unknown as Context;

const findingsOf = (ruleId: string): Finding[] =>
  sns.messages
    .filter((m: PublishedMessage) => m.attributes['ruleId']?.StringValue === ruleId)
    .map((m) => JSON.parse(m.structured?.['default'] ?? '{}') as Finding);

function tenant(
  id: string,
  graph: FakeGraph,
  secret: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    tenantId: id,
    clientId: APP,
    clientSecret: secret,
    authorityHost: entra.base,
    graphBase: graph.base,
    feeds: ['signIns'],
    ...extra,
  };
}

describe('poller handler, Microsoft sources', () => {
  it('polls every tenant of the secret, and a tenant that fails neither stops the others nor goes unreported', async () => {
    for (let i = 0; i < 12; i++)
      graphA.signIns.push(graphSignIn(T - 40 * MIN + i * 30_000, { upn: 'grace@contoso.com' }));
    graphB.signIns.push(graphSignIn(T - 30 * MIN, { ok: true }));
    const handler = await handlerFor('graph', {
      tenants: [tenant(A, graphA, 'secret-a'), tenant(B, graphB, 'expired-secret')],
    });
    const err = (await handler({}, context()).catch((e: unknown) => e)) as PollFailuresError;
    expect(err).toBeInstanceOf(PollFailuresError);
    expect(err.message).toMatch(/1 of 2 poll targets failed/);
    expect(err.message).toContain(`graph-signins/${B}`);
    expect(err.message).toMatch(/AADSTS7000215/);
    expect(err.summary.targets.map((t) => [t.tenant, t.status, t.events, t.error === undefined])).toEqual([
      [A, 'caught-up', 12, true],
      [B, 'caught-up', 0, false],
    ]);
    const [bf] = findingsOf('brute-force');
    expect(bf).toMatchObject({ tenant: A, principal: 'grace@contoso.com' });
    expect(out.metric('PollFailures')).toBe(1);

    // Fixed in the secret: the next run polls B too, from where it would have started.
    secrets.secrets.set(
      ARN,
      JSON.stringify({ tenants: [tenant(A, graphA, 'secret-a'), tenant(B, graphB, 'secret-b')] }),
    );
    clock += 5 * MIN;
    const ok = await handler({}, context());
    expect(ok.targets.map((t) => [t.tenant, t.events])).toEqual([
      [A, 0],
      [B, 1],
    ]);
  });

  it('reports every problem of a tenant entry that cannot be used, and still polls the good one', async () => {
    graphA.signIns.push(graphSignIn(T - 30 * MIN, { ok: true }));
    const handler = await handlerFor('graph', {
      tenants: [tenant(A, graphA, 'secret-a'), { tenantId: B, graphBase: 'http://graph.example.com/v1.0' }],
    });
    const err = (await handler({}, context()).catch((e: unknown) => e)) as PollFailuresError;
    expect(err.failures).toHaveLength(1);
    expect(err.failures[0]?.error).toContain(`Secret ${ARN}, tenants[1] (tenant ${B})`);
    expect(err.failures[0]?.error).toContain('clientId is missing');
    expect(err.failures[0]?.error).toContain('neither clientSecret nor certificate is set');
    expect(err.failures[0]?.error).toContain('graphBase "http://graph.example.com/v1.0" must use https');
    expect(err.summary.targets.map((t) => [t.tenant, t.events])).toEqual([[A, 1]]);
  });

  it('raises source-silent once when a tenant has been failing for longer than the feed tolerates', async () => {
    graphA.signIns.push(graphSignIn(T - 30 * MIN, { ok: true }));
    const handler = await handlerFor('graph', { tenants: [tenant(A, graphA, 'revoked')] });
    await expect(handler({}, context())).rejects.toThrow(PollFailuresError);
    expect(findingsOf('source-silent')).toEqual([]);
    clock += 25 * HOUR;
    await expect(handler({}, context())).rejects.toThrow(PollFailuresError);
    const silent = findingsOf('source-silent');
    expect(silent).toHaveLength(1);
    expect(silent[0]).toMatchObject({ tenant: A, principal: 'graph-signins', severity: 'high' });
    expect(silent[0]?.why).toMatch(/AADSTS7000215/);
    clock += HOUR;
    await expect(handler({}, context())).rejects.toThrow(PollFailuresError);
    expect(findingsOf('source-silent')).toHaveLength(1);
  });

  it('shares the time budget between tenants, so one backlog does not starve the other', async () => {
    graphA.pageSize = 1;
    graphB.pageSize = 1;
    for (let i = 0; i < 30; i++) {
      graphA.signIns.push(graphSignIn(T - 50 * MIN + i * MIN, { ok: true, upn: `a${i}@contoso.com` }));
      graphB.signIns.push(graphSignIn(T - 50 * MIN + i * MIN, { ok: true, upn: `b${i}@fabrikam.com` }));
    }
    const handler = await handlerFor('graph', {
      tenants: [tenant(A, graphA, 'secret-a'), tenant(B, graphB, 'secret-b')],
    });
    // Each page costs 10 s of (virtual) rate-limit wait; 200 s of budget with a 20 s margin.
    const started = clock;
    const res = await handler({}, {
      ...context(),
      getRemainingTimeInMillis: () => 200_000 - (clock - started),
    } as Context);
    const [a, b] = res.targets;
    // Both tenants stopped for time, each with about half of the pages (24 h of backlog to read).
    expect([a?.status, b?.status]).toEqual(['budget', 'budget']);
    expect(b?.pages).toBeGreaterThan(5);
    expect(Math.abs((a?.pages ?? 0) - (b?.pages ?? 0))).toBeLessThanOrEqual(3);
  });

  it('polls the unified audit log of a tenant with SOURCE=m365 and counts a record the API repeats once', async () => {
    const failures = Array.from({ length: 10 }, (_, i) =>
      ualRecord(T - 3 * HOUR + i * MIN, {
        op: 'UserLoginFailed',
        workload: 'AzureActiveDirectory',
        recordType: 15,
        user: 'grace@contoso.com',
        extra: { ErrorNumber: '50126', LogonError: 'InvalidUserNameOrPassword', ClientIP: '45.155.205.233' },
      }),
    );
    const push = (created: number, records: unknown[]): void =>
      void m365.blobs.push({
        contentType: 'Audit.AzureActiveDirectory',
        contentId: contentId('Audit.AzureActiveDirectory', created),
        contentCreated: created,
        records,
      });
    push(T - 40 * MIN, failures.slice(0, 6));
    push(T - 30 * MIN, failures); // the first six again, and four more
    const handler = await handlerFor('m365', {
      tenantId: A,
      clientId: APP,
      clientSecret: 'secret-a',
      authorityHost: entra.base,
      managementBase: m365.base,
      contentTypes: ['Audit.AzureActiveDirectory'],
    });
    const res = await handler({}, context());
    expect(res.targets).toMatchObject([{ source: 'm365-audit-azureactivedirectory', tenant: A, events: 10 }]);
    const [t] = res.targets;
    expect((t?.overlapDuplicates ?? 0) + (t?.ledgerDuplicates ?? 0)).toBe(6);
    const [bf] = findingsOf('brute-force');
    expect(bf).toMatchObject({ tenant: A, principal: 'grace@contoso.com', count: 10 });
    expect(out.logs(/subscription started/)).toHaveLength(1);
    // The records were up to 2 h 50 min late to their blob: detection ran with a lateness of 3 h.
    expect(out.logs(/wider lateness/)[0]).toMatchObject({
      latenessMs: 3 * HOUR,
      configuredLatenessMs: 15 * MIN,
    });
  });

  it('detects a late source with the deployed config too: the wider-lateness detector runs the same tuned rules', async () => {
    const failures = Array.from({ length: 10 }, (_, i) =>
      ualRecord(T - 3 * HOUR + i * MIN, {
        op: 'UserLoginFailed',
        workload: 'AzureActiveDirectory',
        recordType: 15,
        user: 'grace@contoso.com',
        extra: { ErrorNumber: '50126', LogonError: 'InvalidUserNameOrPassword', ClientIP: '45.155.205.233' },
      }),
    );
    m365.blobs.push({
      contentType: 'Audit.AzureActiveDirectory',
      contentId: contentId('Audit.AzureActiveDirectory', T - 30 * MIN),
      contentCreated: T - 30 * MIN,
      records: failures,
    });
    // What `cdk deploy -c config=tripline.yaml` bundles (shared/config/deployed.ts).
    const bundledConfig = JSON.stringify({
      version: 1,
      configFile: 'tripline.yaml',
      config: { overrides: { 'brute-force': { severity: 'critical' } } },
      rules: [],
    });
    const handler = await handlerFor(
      'm365',
      {
        tenantId: A,
        clientId: APP,
        clientSecret: 'secret-a',
        authorityHost: entra.base,
        managementBase: m365.base,
        contentTypes: ['Audit.AzureActiveDirectory'],
      },
      { bundledConfig },
    );
    await handler({}, context());
    expect(out.logs(/wider lateness/)).toHaveLength(1);
    expect(findingsOf('brute-force')).toMatchObject([
      { principal: 'grace@contoso.com', severity: 'critical' },
    ]);
  });
});
