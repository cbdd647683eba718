/**
 * End to end: the example story (examples/) replayed by the real detector yields its oauth-chain
 * finding; the finding, as SNS delivers it to the responder's queue, reaches the responder Lambda
 * handler with its real dependencies (DynamoDB through dynalite, SNS and Secrets Manager over HTTP,
 * the Entra token service and Graph over HTTPS, all keeping state):
 *
 * 1. dry-run: the plan is recorded and told, nothing changes on Graph;
 * 2. on: the app is disabled, its grants and app roles are gone, the consenting user's sessions revoked;
 * 3. redelivered: nothing more happens;
 * 4. undo (the deployed path, `{"undo": "<action-id>"}`): the grants and assignments are back, with new ids.
 */
import { join } from 'node:path';
import type { SQSEvent } from 'aws-lambda';
import { SNSClient } from '@aws-sdk/client-sns';
import { Logger } from '@aws-lambda-powertools/logger';
import { createHandler } from '../../functions/aws/responder';
import type { DirectResult } from '../../functions/aws/responder';
import type { ActionRecord } from '#shared/respond/core/types';
import { actionKey, summaryKey } from '#shared/respond/core/types';
import type { Finding } from '#shared/engine/findings';
import { replay } from '#shared/replay/replay';
import { renderSnsMessage } from '#shared/sinks/sns-message';
import { SecretsManagerJson } from '#shared/sources/secret';
import { DynamoStateStore, createStateTable } from '#shared/state/dynamodb';
import { startFakeSecretsManager } from '../support/fake-secrets-manager';
import type { FakeSecretsManager } from '../support/fake-secrets-manager';
import { startFakeSns } from '../support/fake-sns';
import type { FakeSns } from '../support/fake-sns';
import { testCaFetch } from '../support/https-fetch';
import { startDynalite } from '../state/local-dynamodb';
import type { LocalDynamo } from '../state/local-dynamodb';
import { EVIL_APP, RESPONDER_APP, RESPONDER_SECRET, TENANT, startTenant } from './harness';
import type { Tenant } from './harness';

jest.setTimeout(180_000);

const TABLE = 'tripline-state-e2e';
const ENTRA_ARN = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:tripline-responder-entra-AbCdEf';
const GOOGLE_ARN = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:tripline-responder-google-AbCdEf';

let t: Tenant;
let dynamo: LocalDynamo;
let sns: FakeSns;
let secrets: FakeSecretsManager;
let chain: Finding;

beforeAll(async () => {
  const summary = await replay(['examples/'], { cwd: join(__dirname, '..', '..') });
  const found = summary.findings.filter((f) => f.ruleId === 'oauth-chain');
  expect(found).toHaveLength(1);
  chain = found[0] as Finding;
  [t, dynamo, sns, secrets] = await Promise.all([
    startTenant(),
    startDynalite(),
    startFakeSns(),
    startFakeSecretsManager(),
  ]);
  await createStateTable(dynamo.client(), TABLE);
  secrets.secrets.set(
    ENTRA_ARN,
    JSON.stringify({
      tenantId: TENANT,
      clientId: RESPONDER_APP,
      clientSecret: RESPONDER_SECRET,
      authorityHost: t.entra.base,
      graphBase: t.graph.base,
    }),
  );
  // As the stack creates it: not filled in (this deployment responds in Entra only).
  secrets.secrets.set(GOOGLE_ARN, JSON.stringify({ serviceAccountKey: '', delegatedAdminEmail: '' }));
});

afterAll(async () => {
  await Promise.all([t?.close(), dynamo?.stop(), sns?.close(), secrets?.close()]);
});

function handlerIn(mode: 'dry-run' | 'on'): ReturnType<typeof createHandler> {
  return createHandler({
    env: {
      STATE_TABLE_NAME: TABLE,
      FINDINGS_TOPIC_ARN: sns.topicArn,
      // The story's chain is high (Mail.ReadWrite, Files.Read.All); the default floor is critical.
      RESPONDER_POLICY: JSON.stringify({ mode, minSeverity: 'high' }),
      ENTRA_SECRET_ARN: ENTRA_ARN,
      GOOGLE_SECRET_ARN: GOOGLE_ARN,
    },
    dynamoClient: dynamo.client(),
    snsClient: new SNSClient({
      endpoint: sns.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    }),
    secrets: new SecretsManagerJson({ client: secrets.client(), ttlMs: 0 }),
    clients: { fetch: testCaFetch, sleep: async () => undefined },
    logger: new Logger({ serviceName: 'tripline-responder-test', logLevel: 'SILENT' }),
  });
}

/** The finding as the SNS subscription (raw delivery) puts it on the responder's queue. */
function delivered(finding: Finding, messageId = 'm-1'): SQSEvent {
  const rendered = renderSnsMessage(finding);
  const structured = JSON.parse(rendered.Message) as Record<string, string>;
  const body = structured['sqs'] ?? structured['default'] ?? '';
  return {
    Records: [
      {
        messageId,
        receiptHandle: 'r',
        body,
        attributes: {} as SQSEvent['Records'][number]['attributes'],
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:responder',
        awsRegion: 'us-east-1',
      },
    ],
  };
}

async function record(kind: ActionRecord['kind']): Promise<ActionRecord | undefined> {
  const store = new DynamoStateStore({ tableName: TABLE, client: dynamo.client() });
  const key = actionKey(chain.id, kind);
  return (await store.get([key], Date.now())).get(key)?.value as ActionRecord | undefined;
}

const evilGrants = (): string[] => t.graph.grants.filter((g) => g.clientId === t.evil.id).map((g) => g.id);
const evilAssignments = (): string[] =>
  t.graph.assignments.filter((a) => a.principalId === t.evil.id).map((a) => a.id);

describe("the example story's oauth-chain, through the responder Lambda", () => {
  let grantsBefore: string[];
  let assignmentsBefore: string[];

  it('names the story app, which the tenant holds with two grants and an app role', () => {
    expect(chain.dedupKey.toLowerCase()).toContain(EVIL_APP);
    expect(chain.severity).toBe('high');
    grantsBefore = evilGrants();
    assignmentsBefore = evilAssignments();
    expect(grantsBefore).toHaveLength(2);
    expect(assignmentsBefore).toHaveLength(1);
  });

  it('in dry-run records the plan and tells it, changing nothing', async () => {
    const out = await handlerIn('dry-run')(delivered(chain));
    expect(out).toEqual({ batchItemFailures: [] });
    expect(t.graph.mutations).toEqual([]);
    expect(evilGrants()).toEqual(grantsBefore);
    const grants = await record('entra-grants');
    expect(grants).toMatchObject({ mode: 'dry-run', status: 'dry-run', appId: EVIL_APP });
    expect(grants?.snapshot).toMatchObject({ kind: 'entra-grants' });
    expect((grants?.snapshot as unknown as { grants: unknown[] }).grants).toHaveLength(2);
    const sessions = await record('entra-sessions');
    expect(sessions?.snapshot).toEqual({ kind: 'entra-sessions', users: ['bob@contoso.com'] });
    const told = sns.messages.at(-1);
    expect(told?.attributes['type']?.StringValue).toBe('response');
    expect(told?.attributes['findingId']?.StringValue).toBe(chain.id);
    expect(told?.structured?.['email']).toMatch(/would have/i);
  });

  it('in on-mode disables the app and removes its grants and app roles on Graph', async () => {
    const out = await handlerIn('on')(delivered(chain, 'm-2'));
    expect(out).toEqual({ batchItemFailures: [] });
    expect(evilGrants()).toEqual([]);
    expect(evilAssignments()).toEqual([]);
    expect(t.evil.accountEnabled).toBe(false);
    expect(t.graph.mutations).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^POST \/v1\.0\/users\/bob(@|%40)contoso\.com\/revokeSignInSessions$/),
      ]),
    );
    expect((await record('entra-grants'))?.status).toBe('done');
    const told = sns.messages.at(-1);
    expect(told?.structured?.['email']).toMatch(/revoked/i);
    expect(told?.structured?.['email']).toContain(`${chain.id}/entra-grants`);
  });

  it('does nothing more when the same finding is delivered again', async () => {
    const before = t.graph.mutations.length;
    const told = sns.messages.length;
    expect(before).toBeGreaterThan(0);
    const out = await handlerIn('on')(delivered(chain, 'm-3'));
    expect(out).toEqual({ batchItemFailures: [] });
    expect(t.graph.mutations).toHaveLength(before);
    expect(sns.messages).toHaveLength(told);
  });

  it('undo (invoked with the action id) recreates the grants and app roles with new ids and re-enables the app', async () => {
    const handler = handlerIn('on');
    const grants = (await handler({ undo: `${chain.id}/entra-grants` })) as DirectResult;
    expect(grants).toMatchObject({ status: 'undone' });
    const roles = (await handler({ undo: `${chain.id}/entra-app-roles` })) as DirectResult;
    expect(roles).toMatchObject({ status: 'undone' });
    const app = (await handler({ undo: `${chain.id}/entra-disable-app` })) as DirectResult;
    expect(app).toMatchObject({ status: 'undone' });
    const now = evilGrants();
    expect(now).toHaveLength(2);
    for (const id of now) expect(grantsBefore).not.toContain(id);
    const newIds = (grants as { results: Array<{ newId?: string }> }).results.map((r) => r.newId).sort();
    expect(newIds).toEqual([...now].sort());
    expect(evilAssignments()).toHaveLength(1);
    expect(t.evil.accountEnabled).toBe(true);
    expect((await record('entra-grants'))?.status).toBe('undone');
  });

  it('links the finding to its response: the summary item lists every action', async () => {
    const store = new DynamoStateStore({ tableName: TABLE, client: dynamo.client() });
    const summary = (await store.get([summaryKey(chain.id)], Date.now())).get(summaryKey(chain.id))
      ?.value as {
      actionIds: string[];
    };
    expect(summary.actionIds).toEqual(
      expect.arrayContaining([`${chain.id}/entra-grants`, `${chain.id}/entra-disable-app`]),
    );
  });
});
