/**
 * SNS messages always fit: a finding whose identifiers or tenant alone exceed the 256 KB Publish
 * limit is still rendered and published, every field clipped with a note, never abandoned.
 */
import { renderSnsMessage, SNS_MAX_PUBLISH_BYTES, snsPublishBytes } from '#shared/sinks/sns-message';
import { SnsFindingSink } from '#shared/sinks/sns-sink';
import { startFakeSns } from '../support/fake-sns';
import type { FakeSns } from '../support/fake-sns';
import { cloudTrailFinding, oauthChainFinding } from './fixtures';
import { snsClientFor } from './sns-client';

const CLIPPED = /\.\.\.\[[\d,]+ more characters clipped\]$/;

function giant(field: 'id' | 'dedupKey' | 'tenant' | 'ruleId' | 'principal') {
  return oauthChainFinding({ [field]: `${field}-${'x'.repeat(300_000)}` });
}

describe('renderSnsMessage: identifiers over the limit', () => {
  it.each(['id', 'dedupKey', 'tenant', 'ruleId', 'principal'] as const)(
    'renders a finding whose %s alone is over 256 KB, clipped with a note, within the limit',
    (field) => {
      const f = giant(field);
      const m = renderSnsMessage(f);
      expect(snsPublishBytes(m)).toBeLessThanOrEqual(SNS_MAX_PUBLISH_BYTES);
      const json = JSON.parse((JSON.parse(m.Message) as { default: string }).default) as Record<
        string,
        string
      >;
      expect(json[field]).toMatch(CLIPPED);
      expect(json[field]!.startsWith(`${field}-xxx`)).toBe(true);
      expect(m.Subject.length).toBeLessThan(100);
    },
  );

  it('clips message attribute values too (tenant and rule id go into filter-policy attributes)', () => {
    const m = renderSnsMessage(
      oauthChainFinding({ tenant: 't'.repeat(300_000), ruleId: 'r'.repeat(300_000) }),
    );
    expect(m.MessageAttributes.tenant.StringValue).toMatch(CLIPPED);
    expect(m.MessageAttributes.tenant.StringValue.length).toBeLessThan(2000);
    expect(m.MessageAttributes.ruleId.StringValue).toMatch(CLIPPED);
    expect(snsPublishBytes(m)).toBeLessThanOrEqual(SNS_MAX_PUBLISH_BYTES);
  });

  it('fits when every field at once is huge, evidence included', () => {
    const big = (c: string) => c.repeat(200_000);
    const f = oauthChainFinding({
      id: big('i'),
      dedupKey: big('d'),
      tenant: big('t'),
      principal: big('p'),
      title: big('T'),
      why: big('w'),
      attack: Array.from({ length: 2000 }, () => 'a'.repeat(500)),
    });
    for (const e of f.evidence) {
      e.id = big('e');
      e.actor = big('A');
    }
    expect(snsPublishBytes(renderSnsMessage(f))).toBeLessThanOrEqual(SNS_MAX_PUBLISH_BYTES);
  });
});

describe('SnsFindingSink: a finding with a 300 KB id', () => {
  let sns: FakeSns;
  beforeEach(async () => {
    sns = await startFakeSns();
  });
  afterEach(async () => {
    await sns.close();
  });

  it('is published once, not retried and abandoned', async () => {
    const client = snsClientFor(sns.endpoint, 1);
    try {
      const results = await new SnsFindingSink(client, sns.topicArn).publish([giant('id'), giant('tenant')]);
      expect(results.map((r) => r.ok)).toEqual([true, true]);
      expect(sns.messages).toHaveLength(2);
    } finally {
      client.destroy();
    }
  });
});

describe('renderSnsMessage: text that is not well-formed UTF-16', () => {
  // Found by `npm run fuzz`: encodeURIComponent throws URIError on a lone surrogate, so a CloudTrail
  // finding whose user name, event name or id held one could not be rendered, hence never published.
  it('renders CloudTrail console links for a user, event name and id holding lone surrogates', () => {
    const f = cloudTrailFinding({ principal: 'arn:aws:iam::123456789012:user/ci\ud800' });
    for (const e of f.evidence) {
      e.action = `StopLogging\udc00`;
      e.id = `id-\ud83d`;
    }
    const m = renderSnsMessage(f);
    const email = (JSON.parse(m.Message) as { email: string }).email;
    expect(email).toContain('Username=ci%EF%BF%BD');
    expect(email).toContain('EventName=StopLogging%EF%BF%BD');
    expect(email).toContain('\\ud800');
  });
});
