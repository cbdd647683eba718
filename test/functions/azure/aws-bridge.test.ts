/**
 * The bridge to an AWS deployment: the managed identity's token exchanged for AWS credentials with
 * AssumeRoleWithWebIdentity, then the DynamoDB state table and the SNS findings topic used with them.
 * Real ManagedIdentityCredential (fake identity endpoint), real STS client (fake STS), dynalite, fake SNS.
 */
import { ManagedIdentityCredential } from '@azure/identity';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Finding } from '#shared/engine/findings';
import { createStateTable } from '#shared/state/dynamodb';
import { AwsBridgeError, azureWebIdentityCredentials } from '../../../functions/azure/aws-bridge';
import type { EntraBatchSummary } from '../../../functions/azure/entra-eventhub';
import { registerFunctions } from '../../../functions/azure/register';
import { startFakeIdentity } from '../../support/fake-identity';
import type { FakeIdentity } from '../../support/fake-identity';
import { startFakeSns } from '../../support/fake-sns';
import type { FakeSns } from '../../support/fake-sns';
import { startFakeSts } from '../../support/fake-sts';
import type { FakeSts } from '../../support/fake-sts';
import { localClientConfig, startDynalite } from '../../state/local-dynamodb';
import type { LocalDynamo } from '../../state/local-dynamodb';
import { invocation, registrations } from './host';

jest.mock(
  '@azure/functions-core',
  () => (jest.requireActual('./host') as { coreApiMock: () => Record<string, unknown> }).coreApiMock(),
  { virtual: true },
);

const ROLE = 'arn:aws:iam::111122223333:role/Tripline-AzureBridgeRole';
const AUDIENCE = 'api://AzureADTokenExchange';
const TENANT = '7d3e4c2a-91b5-4f0e-8a6d-2c9b1e5f4a70';

let identity: FakeIdentity;
let sts: FakeSts;
const savedEnv = { ...process.env };

beforeAll(async () => {
  identity = await startFakeIdentity();
  Object.assign(process.env, identity.env());
  sts = await startFakeSts({ roleArn: ROLE, accept: (t) => identity.resourceOf(t) === AUDIENCE });
});
afterAll(async () => {
  process.env = savedEnv;
  await identity.close();
  await sts.close();
});

const stsConfig = () => ({ endpoint: sts.endpoint, maxAttempts: 1 });

describe('azureWebIdentityCredentials', () => {
  it('exchanges a managed identity token for the AssumeRoleWithWebIdentity audience into AWS credentials', async () => {
    const before = sts.issued.length;
    const provider = azureWebIdentityCredentials({
      identity: new ManagedIdentityCredential(),
      audience: AUDIENCE,
      roleArn: ROLE,
      region: 'eu-west-1',
      stsConfig: stsConfig(),
    });
    const creds = await provider();
    expect(creds.accessKeyId).toMatch(/^ASIA/);
    expect(creds.sessionToken).toMatch(/^session-/);
    expect(creds.expiration.getTime()).toBeGreaterThan(Date.now());
    expect(identity.requests).toContain(AUDIENCE);
    expect(sts.issued.slice(before)).toEqual([
      { accessKeyId: creds.accessKeyId, roleArn: ROLE, sessionName: 'tripline-azure' },
    ]);
  });

  it('reuses the credentials until five minutes before they expire, and shares one exchange between concurrent callers', async () => {
    let now = Date.now();
    const provider = azureWebIdentityCredentials({
      identity: new ManagedIdentityCredential(),
      audience: AUDIENCE,
      roleArn: ROLE,
      region: 'eu-west-1',
      stsConfig: stsConfig(),
      now: () => now,
    });
    const before = sts.issued.length;
    const [a, b, c] = await Promise.all([provider(), provider(), provider()]);
    expect(new Set([a.accessKeyId, b.accessKeyId, c.accessKeyId]).size).toBe(1);
    now += 50 * 60_000;
    expect((await provider()).accessKeyId).toBe(a.accessKeyId);
    now += 6 * 60_000; // 56 minutes: inside the refresh margin of a one-hour session
    expect((await provider()).accessKeyId).not.toBe(a.accessKeyId);
    expect(sts.issued.length - before).toBe(2);
  });

  it('says which side to fix when STS refuses the token or the role', async () => {
    const wrongRole = azureWebIdentityCredentials({
      identity: new ManagedIdentityCredential(),
      audience: AUDIENCE,
      roleArn: 'arn:aws:iam::111122223333:role/SomeoneElse',
      region: 'eu-west-1',
      stsConfig: stsConfig(),
    });
    const err = await wrongRole().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AwsBridgeError);
    expect((err as Error).message).toMatch(/AccessDenied.*-c azureTenantId and -c azureIdentity/);
    const wrongAudience = azureWebIdentityCredentials({
      identity: new ManagedIdentityCredential(),
      audience: 'api://not-trusted',
      roleArn: ROLE,
      region: 'eu-west-1',
      stsConfig: stsConfig(),
    });
    await expect(wrongAudience()).rejects.toThrow(/InvalidIdentityToken/);
  });
});

describe('the Event Hub function with state and findings in an AWS deployment', () => {
  let dynamo: LocalDynamo;
  let sns: FakeSns;
  const table = 'tripline-state-bridge';
  beforeAll(async () => {
    dynamo = await startDynalite();
    await createStateTable(dynamo.client(), table);
    sns = await startFakeSns();
  });
  afterAll(async () => {
    await dynamo.stop();
    await sns.close();
  });

  it('detects the risky consent and publishes it to the SNS topic, with credentials from the bridge', async () => {
    const audit = readFileSync(
      join(__dirname, '..', '..', '..', 'examples', 'entra', 'audit-logs.json'),
      'utf8',
    )
      .split('\n')
      .filter((l) => l.startsWith('{"time":"2026-03-02T10:05:02'))
      .map((l) => JSON.parse(l) as unknown);
    const dynamoConfig: Record<string, unknown> = { ...localClientConfig(dynamo.endpoint) };
    delete dynamoConfig['credentials']; // the bridge provides them
    const before = sts.issued.length;
    registerFunctions({
      env: {
        TRIPLINE_STATE_STORE: 'dynamodb',
        STATE_TABLE_NAME: table,
        TRIPLINE_FINDINGS_SINK: 'sns',
        FINDINGS_TOPIC_ARN: sns.topicArn,
        TRIPLINE_AWS_ROLE_ARN: ROLE,
        TRIPLINE_AWS_REGION: 'us-east-1',
        TENANT_ID: TENANT,
        ENTRA_EVENTHUB_NAME: 'entra-logs',
        ENTRA_EVENTHUB__fullyQualifiedNamespace: 'tripline-test.servicebus.windows.net',
      },
      aws: { sts: stsConfig(), dynamodb: dynamoConfig, sns: { endpoint: sns.endpoint, maxAttempts: 1 } },
      now: () => Date.UTC(2026, 2, 2, 10, 6, 0),
    });
    const regs = registrations();
    expect([...regs.keys()]).toEqual(['entraEventHub']); // no Table Storage sweep with DynamoDB state
    const { context } = invocation({ functionName: 'entraEventHub' });
    const summary = (await regs
      .get('entraEventHub')
      ?.handler([{ records: audit }], context)) as EntraBatchSummary;
    expect(summary).toMatchObject({ normalized: 3, published: 1, failedPublishes: 0 });
    expect(sns.messages).toHaveLength(1);
    const finding = JSON.parse(sns.messages[0]?.structured?.['default'] ?? '{}') as Finding;
    expect(finding).toMatchObject({ ruleId: 'oauth-risky-consent', tenant: TENANT });
    expect(sns.messages[0]?.attributes['ruleId']?.StringValue).toBe('oauth-risky-consent');
    // One exchange served both clients (DynamoDB and SNS share the provider).
    expect(sts.issued.length - before).toBe(1);
  });
});
