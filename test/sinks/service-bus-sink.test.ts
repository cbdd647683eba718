import type { AccessToken, TokenCredential } from '@azure/identity';
import type { Finding } from '#shared/engine/findings';
import { escalationClaimKey, publishOnce } from '#shared/sinks/idempotent';
import {
  SERVICE_BUS_BATCH_CONTENT_TYPE,
  SERVICE_BUS_MAX_MESSAGE_BYTES,
  SERVICE_BUS_SCOPE,
  ServiceBusFindingSink,
  ServiceBusSinkError,
  serviceBusMessageId,
} from '#shared/sinks/service-bus-sink';
import { renderSnsMessage } from '#shared/sinks/sns-message';
import { AzureTableStateStore, createStateTable } from '#shared/state/azure-table';
import { startAzuriteTables } from '../support/azurite';
import type { LocalAzurite } from '../support/azurite';
import { startFakeServiceBus } from '../support/fake-service-bus';
import type { FakeServiceBus } from '../support/fake-service-bus';
import { cloudTrailFinding, hugeFinding, oauthChainFinding } from './fixtures';

/** A credential as the sink sees one: hands out the token the fake accepts, and counts scopes asked for. */
function credential(token = 'mi-token-1'): TokenCredential & { scopes: string[] } {
  const scopes: string[] = [];
  return {
    scopes,
    async getToken(scope: string | string[]): Promise<AccessToken> {
      scopes.push(...(Array.isArray(scope) ? scope : [scope]));
      return { token, expiresOnTimestamp: Date.now() + 3_600_000 };
    },
  };
}

const fast = { sleep: async () => {}, baseDelayMs: 1 };

let sb: FakeServiceBus;
beforeEach(async () => {
  sb = await startFakeServiceBus({ queues: ['findings'], duplicateDetection: ['findings'] });
  sb.acceptToken('mi-token-1');
});
afterEach(() => sb.close());

function sink(
  extra: Partial<ConstructorParameters<typeof ServiceBusFindingSink>[0]> = {},
): ServiceBusFindingSink {
  return new ServiceBusFindingSink({
    queueUrl: sb.queueUrl(),
    credential: credential(),
    http: fast,
    ...extra,
  });
}

describe('ServiceBusFindingSink against the fake Service Bus REST endpoint', () => {
  it('sends one message per finding: the SNS default JSON as body, the SNS subject as Label, the SNS attributes as properties with their exact names', async () => {
    const findings = [oauthChainFinding(), cloudTrailFinding()];
    const cred = credential();
    const results = await sink({ credential: cred }).publish(findings);
    expect(results.map((r) => [r.findingId, r.ok])).toEqual(findings.map((f) => [f.id, true]));
    expect(cred.scopes.every((s) => s === SERVICE_BUS_SCOPE)).toBe(true);
    expect(sb.messages).toHaveLength(2);
    const byId = new Map(sb.messages.map((m) => [m.broker['MessageId'], m]));
    for (const f of findings) {
      const sns = renderSnsMessage(f);
      const m = byId.get(escalationClaimKey(f));
      expect(m).toBeDefined();
      expect(m?.body).toBe((JSON.parse(sns.Message) as { default: string }).default);
      expect(JSON.parse(m?.body ?? '')).toEqual(f);
      expect(m?.contentType).toBe(SERVICE_BUS_BATCH_CONTENT_TYPE);
      expect(m?.broker['Label']).toBe(sns.Subject);
      expect(m?.properties).toEqual({
        severity: sns.MessageAttributes.severity.StringValue,
        ruleId: sns.MessageAttributes.ruleId.StringValue,
        tenant: sns.MessageAttributes.tenant.StringValue,
      });
    }
    expect(results[0]?.messageId).toBe(escalationClaimKey(findings[0] as Finding));
  });

  it('keeps a tenant that looks like a number (an AWS account id) a string property', async () => {
    await sink().publish([cloudTrailFinding({ tenant: '111122223333' })]);
    expect(sb.messages[0]?.properties['tenant']).toBe('111122223333');
  });

  it('retries ServerBusy (503 with Retry-After) and 500, then sends once', async () => {
    sb.failNext(2, 'busy');
    const [r1] = await sink().publish([oauthChainFinding()]);
    expect(r1?.ok).toBe(true);
    sb.failNext(1, 'internal');
    const [r2] = await sink().publish([cloudTrailFinding()]);
    expect(r2?.ok).toBe(true);
    expect(sb.messages).toHaveLength(2);
    expect(sb.rejected.map((r) => r.status)).toEqual([503, 503, 500]);
  });

  it('fails a finding at once, saying what to fix, when the queue does not exist or the identity is refused', async () => {
    const [gone] = await sink({ queueUrl: sb.queueUrl('nosuchqueue') }).publish([oauthChainFinding()]);
    expect(gone).toMatchObject({ ok: false });
    expect(gone?.error).toMatch(/HTTP 410.*the queue does not exist/);
    const [denied] = await sink({ credential: credential('someone-else') }).publish([oauthChainFinding()]);
    expect(denied?.error).toMatch(/HTTP 401.*Azure Service Bus Data Sender role/);
    expect(sb.rejected.map((r) => r.status)).toEqual([410, 401]);
    expect(sb.messages).toHaveLength(0);
  });

  it('trims a finding with thousands of evidence items to fit one 256 KB message', async () => {
    const [r] = await sink().publish([hugeFinding(5000)]);
    expect(r?.ok).toBe(true);
    expect(sb.messages[0]?.bytes).toBeLessThanOrEqual(SERVICE_BUS_MAX_MESSAGE_BYTES);
    expect((JSON.parse(sb.messages[0]?.body ?? '{}') as Finding).evidence.length).toBeLessThan(5000);
  });

  it('gives one message id per finding and escalation bucket, hashed when the id is long', () => {
    const f = oauthChainFinding();
    expect(serviceBusMessageId(f)).toBe(`pub#${f.id}#x1`);
    expect(serviceBusMessageId({ ...f, count: 12 })).toBe(`pub#${f.id}#x10`);
    const long = serviceBusMessageId({ ...f, id: 'x'.repeat(300) });
    expect(long).toMatch(/^pub#sha256:[0-9a-f]{64}$/);
  });

  it('refuses a queue URL that is not https (except loopback) or does not name a queue', () => {
    const cred = credential();
    expect(
      () =>
        new ServiceBusFindingSink({
          queueUrl: 'http://ns.servicebus.windows.net/findings',
          credential: cred,
        }),
    ).toThrow(ServiceBusSinkError);
    expect(
      () => new ServiceBusFindingSink({ queueUrl: 'https://ns.servicebus.windows.net/', credential: cred }),
    ).toThrow(/must name the queue/);
    expect(() => new ServiceBusFindingSink({ queueUrl: 'not a url', credential: cred })).toThrow(
      /is not a URL/,
    );
    expect(
      new ServiceBusFindingSink({ queueUrl: 'https://ns.servicebus.windows.net/findings/', credential: cred })
        .queueUrl,
    ).toBe('https://ns.servicebus.windows.net/findings');
  });
});

describe('publishing once to Service Bus with state in Azure Table Storage', () => {
  let azurite: LocalAzurite;
  let store: AzureTableStateStore;
  const T0 = Date.UTC(2026, 2, 4, 3, 0, 0);
  beforeAll(async () => {
    azurite = await startAzuriteTables();
    const client = azurite.tableClient('claims');
    await createStateTable(client);
    store = new AzureTableStateStore({ client });
  });
  afterAll(() => azurite.stop());

  it('sends a redelivered finding once (claim before publish), and the queue drops a resend after a lost confirmation', async () => {
    const f = oauthChainFinding({ id: 'oauth-chain:redelivered' });
    const opts = { store, sink: sink(), claimTtlMs: 86_400_000, claimKey: escalationClaimKey };
    const first = await publishOnce([f], { ...opts, now: T0 });
    const again = await publishOnce([f], { ...opts, now: T0 + 60_000 });
    expect(first.map((o) => o.status)).toEqual(['published']);
    expect(again.map((o) => o.status)).toEqual(['duplicate']);
    expect(sb.messages).toHaveLength(1);

    // A crash after the send and before the claim was confirmed: the lease expires and a retry sends
    // again; Service Bus duplicate detection drops it, because the MessageId is the claim key.
    const g = oauthChainFinding({ id: 'oauth-chain:crashed' });
    await sink().publish([g]);
    const retry = await publishOnce([g], { ...opts, now: T0 });
    expect(retry.map((o) => o.status)).toEqual(['published']);
    expect(sb.duplicatesDropped).toBe(1);
    expect(sb.messages.filter((m) => m.broker['MessageId'] === escalationClaimKey(g))).toHaveLength(1);
  });

  it('releases the claim when Service Bus refuses, so the next batch publishes', async () => {
    const f = oauthChainFinding({ id: 'oauth-chain:refused' });
    const opts = { store, claimTtlMs: 86_400_000, claimKey: escalationClaimKey };
    sb.failNext(5, 'internal');
    const failed = await publishOnce([f], {
      ...opts,
      sink: sink({ http: { ...fast, maxAttempts: 2 } }),
      now: T0,
    });
    expect(failed[0]).toMatchObject({ status: 'failed', retryable: true });
    sb.failNext(0);
    const later = await publishOnce([f], { ...opts, sink: sink(), now: T0 + 60_000 });
    expect(later.map((o) => o.status)).toEqual(['published']);
    expect(sb.messages).toHaveLength(1);
  });
});
