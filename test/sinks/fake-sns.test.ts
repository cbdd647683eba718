/**
 * The fake SNS answers the real SDK the way SNS does: these tests pin the validation the sink tests rely on.
 */
import { PublishCommand } from '@aws-sdk/client-sns';
import type { PublishCommandInput } from '@aws-sdk/client-sns';
import { startFakeSns } from '../support/fake-sns';
import type { FakeSns } from '../support/fake-sns';
import { snsClientFor } from './sns-client';

let sns: FakeSns;
beforeEach(async () => {
  sns = await startFakeSns();
});
afterEach(async () => {
  await sns.close();
});

async function publish(input: Partial<PublishCommandInput>, maxAttempts = 1): Promise<string> {
  const client = snsClientFor(sns.endpoint, maxAttempts);
  try {
    const out = await client.send(new PublishCommand({ TopicArn: sns.topicArn, Message: 'hello', ...input }));
    return `ok ${out.MessageId ?? ''}`;
  } catch (e) {
    return `${(e as Error).name}: ${(e as Error).message}`;
  } finally {
    client.destroy();
  }
}

describe('fake SNS', () => {
  it('listens on 127.0.0.1 and decodes what the SDK sends (awsQuery form encoding)', async () => {
    expect(sns.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await publish({
      Subject: 'Hi & [there] = 100%',
      Message: JSON.stringify({ default: 'd \u00e9 & = +', email: 'line 1\nline 2' }),
      MessageStructure: 'json',
      MessageAttributes: {
        severity: { DataType: 'String', StringValue: 'high' },
        score: { DataType: 'Number', StringValue: '7' },
      },
    });
    expect(res).toMatch(/^ok [0-9a-f-]{36}$/);
    expect(sns.messages).toHaveLength(1);
    const m = sns.messages[0]!;
    expect(res).toBe(`ok ${m.messageId}`);
    expect(m.subject).toBe('Hi & [there] = 100%');
    expect(m.structured).toEqual({ default: 'd \u00e9 & = +', email: 'line 1\nline 2' });
    expect(m.attributes).toEqual({
      severity: { DataType: 'String', StringValue: 'high' },
      score: { DataType: 'Number', StringValue: '7' },
    });
  });

  it.each([
    ['a newline in Subject', { Subject: 'two\nlines' }, 'Invalid parameter: Subject'],
    ['a 100-character Subject', { Subject: 'x'.repeat(100) }, 'Invalid parameter: Subject'],
    ['non-ASCII in Subject', { Subject: 'caf\u00e9' }, 'Invalid parameter: Subject'],
    ['a Subject starting with a space', { Subject: ' hi' }, 'Invalid parameter: Subject'],
    [
      'json without default',
      { MessageStructure: 'json', Message: '{"email":"x"}' },
      'No default entry in JSON message body',
    ],
    [
      'json that does not parse',
      { MessageStructure: 'json', Message: '{' },
      'JSON message body failed to parse',
    ],
    ['a message over 256 KB', { Message: 'x'.repeat(262_145) }, 'Invalid parameter: Message too long'],
    [
      'a message that is over 256 KB only with its attributes',
      { Message: 'x'.repeat(262_140), MessageAttributes: { a: { DataType: 'String', StringValue: 'x' } } },
      'Message too long',
    ],
    ['an unknown topic', { TopicArn: 'arn:aws:sns:us-east-1:000000000000:nope' }, 'Topic does not exist'],
  ])('rejects %s', async (_what, input, message) => {
    const res = await publish(input);
    expect(res).toContain(message);
    expect(sns.messages).toHaveLength(0);
    expect(sns.rejected).toHaveLength(1);
  });

  it('accepts a 99-character Subject and exactly 262,144 bytes', async () => {
    const subject = 'y'.repeat(99);
    expect(await publish({ Subject: subject, Message: 'x'.repeat(262_144 - 99) })).toMatch(/^ok /);
    expect(sns.messages[0]!.bytes).toBe(262_144);
  });

  it('fails the next N requests with 500 InternalError; the SDK retries past them', async () => {
    sns.failNext(2, 'internal');
    expect(await publish({}, 3)).toMatch(/^ok /);
    expect(sns.requestCount).toBe(3);
    expect(sns.rejected.map((r) => `${r.status} ${r.code}`)).toEqual([
      '500 InternalError',
      '500 InternalError',
    ]);
  });

  it('throttles with 400 Throttling; without retries the SDK surfaces it', async () => {
    sns.failNext(1, 'throttle');
    expect(await publish({})).toBe('Throttling: Rate exceeded');
    expect(sns.messages).toHaveLength(0);
    expect(await publish({})).toMatch(/^ok /);
  });

  it('can fail only the messages containing a string', async () => {
    const stop = sns.failWhenMessageContains('poison');
    expect(await publish({ Message: 'poison pill' })).toContain('Internal');
    expect(await publish({ Message: 'fine' })).toMatch(/^ok /);
    stop();
    expect(await publish({ Message: 'poison pill' })).toMatch(/^ok /);
    expect(sns.messages.map((m) => m.message)).toEqual(['fine', 'poison pill']);
  });
});
