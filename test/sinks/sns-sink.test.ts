import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { SnsFindingSink } from '#shared/sinks/sns-sink';
import { SNS_MAX_PUBLISH_BYTES } from '#shared/sinks/sns-message';
import type { Finding } from '#shared/engine/findings';
import { startFakeSns } from '../support/fake-sns';
import type { FakeSns } from '../support/fake-sns';
import { cloudTrailFinding, hugeFinding, oauthChainFinding } from './fixtures';
import { snsClientFor } from './sns-client';

let sns: FakeSns;
const clients: Array<{ destroy(): void }> = [];
beforeEach(async () => {
  sns = await startFakeSns();
});
afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await sns.close();
});

function sink(maxAttempts = 1, topicArn = sns.topicArn, concurrency?: number): SnsFindingSink {
  const client = snsClientFor(sns.endpoint, maxAttempts);
  clients.push(client);
  return new SnsFindingSink(client, topicArn, concurrency === undefined ? {} : { concurrency });
}

function manyFindings(n: number): Finding[] {
  return Array.from({ length: n }, (_, i) =>
    oauthChainFinding({ id: `oauth-chain:f${i}`, title: `Finding ${i}` }),
  );
}

describe('SnsFindingSink against the fake SNS over HTTP', () => {
  it('publishes one message per finding with subject, structure and attributes', async () => {
    const findings = [oauthChainFinding(), cloudTrailFinding()];
    const results = await sink().publish(findings);

    expect(results.map((r) => [r.findingId, r.ok])).toEqual([
      [findings[0]!.id, true],
      [findings[1]!.id, true],
    ]);
    expect(sns.messages).toHaveLength(2);
    const byId = new Map(sns.messages.map((m) => [m.messageId, m]));
    const oauth = byId.get(results[0]!.messageId!)!;
    expect(oauth.subject).toBe(
      '[HIGH] oauth-chain: App "Contoso Sync" consented, granted Mail.ReadWrite, read 150 mailboxes',
    );
    expect(oauth.messageStructure).toBe('json');
    expect(JSON.parse(oauth.structured!.sqs!)).toEqual(findings[0]);
    expect(JSON.parse(oauth.structured!.default!)).toEqual(findings[0]);
    expect(oauth.structured!.email).toContain('  1. Disable the service principal "Contoso Sync"');
    expect(oauth.attributes).toEqual({
      severity: { DataType: 'String', StringValue: 'high' },
      ruleId: { DataType: 'String', StringValue: 'oauth-chain' },
      tenant: { DataType: 'String', StringValue: '72f988bf-86f1-41af-91ab-2d7cd011db47' },
    });
    expect(byId.get(results[1]!.messageId!)!.attributes.severity).toEqual({
      DataType: 'String',
      StringValue: 'critical',
    });
  });

  it('gets a 5,000-evidence finding accepted by SNS validation (trimmed under 256 KB)', async () => {
    const [r] = await sink().publish([hugeFinding(5000)]);
    expect(r).toMatchObject({ ok: true });
    expect(sns.messages[0]!.bytes).toBeLessThanOrEqual(SNS_MAX_PUBLISH_BYTES);
    expect(JSON.parse(sns.messages[0]!.structured!.default!).evidenceNote).toMatch(/of 5,000 evidence items/);
  });

  it('reports one failing finding and still publishes the others, in input order', async () => {
    const findings = manyFindings(5);
    sns.failWhenMessageContains('oauth-chain:f2');
    const results = await sink().publish(findings);
    expect(results.map((r) => r.findingId)).toEqual(findings.map((f) => f.id));
    expect(results.map((r) => r.ok)).toEqual([true, true, false, true, true]);
    expect(results[2]!.error).toBe('InternalError: Internal error (injected by fake SNS) (HTTP 500)');
    expect(results[2]!.messageId).toBeUndefined();
    expect(sns.messages).toHaveLength(4);
  });

  it('lets the SDK retry a throttled Publish', async () => {
    sns.failNext(1, 'throttle');
    const [r] = await sink(3).publish([oauthChainFinding()]);
    expect(r!.ok).toBe(true);
    expect(sns.rejected.map((x) => x.code)).toEqual(['Throttling']);
    expect(sns.messages).toHaveLength(1);
  });

  it('reports throttling that outlasts the retries', async () => {
    sns.failNext(2, 'throttle');
    const [r] = await sink(2).publish([oauthChainFinding()]);
    expect(r).toEqual({
      findingId: oauthChainFinding().id,
      ok: false,
      error: 'Throttling: Rate exceeded (HTTP 400, 2 attempts)',
    });
  });

  it('reports a missing topic for every finding without throwing', async () => {
    const results = await sink(1, 'arn:aws:sns:us-east-1:000000000000:gone').publish(manyFindings(3));
    expect(results.every((r) => !r.ok && r.error === 'NotFound: Topic does not exist (HTTP 404)')).toBe(true);
  });

  it('reports a connection failure per finding', async () => {
    const s = sink();
    await sns.close();
    const results = await s.publish(manyFindings(2));
    expect(results.map((r) => r.ok)).toEqual([false, false]);
    expect(results[0]!.error).toMatch(/ECONNREFUSED/);
    sns = await startFakeSns(); // for afterEach
  });

  it('publishes many findings with bounded concurrency', async () => {
    const results = await sink(1, sns.topicArn, 3).publish(manyFindings(25));
    expect(results.filter((r) => r.ok)).toHaveLength(25);
    expect(new Set(results.map((r) => r.messageId)).size).toBe(25);
    expect(sns.messages).toHaveLength(25);
  });

  it('returns an empty list for no findings', async () => {
    expect(await sink().publish([])).toEqual([]);
    expect(sns.requestCount).toBe(0);
  });
});

describe('SnsFindingSink concurrency', () => {
  it('keeps at most `concurrency` Publish calls in flight and answers in input order', async () => {
    const client = new SNSClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    });
    const mock = mockClient(client);
    let inFlight = 0;
    let maxInFlight = 0;
    mock.on(PublishCommand).callsFake(async (input: { Subject?: string }) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      // Later findings finish first, to prove results are not in completion order.
      const n = Number(/Finding (\d+)/.exec(input.Subject ?? '')?.[1] ?? 0);
      await new Promise((r) => setTimeout(r, 30 - n));
      inFlight--;
      return { MessageId: `m-${n}` };
    });
    const findings = manyFindings(12);
    const results = await new SnsFindingSink(client, 'arn:aws:sns:us-east-1:1:t', { concurrency: 3 }).publish(
      findings,
    );
    expect(maxInFlight).toBe(3);
    expect(results.map((r) => r.messageId)).toEqual(findings.map((_, i) => `m-${i}`));
    mock.restore();
  });
});
