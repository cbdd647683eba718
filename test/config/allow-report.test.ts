import { allowReport } from '#shared/config/allow-report';
import { parseConfig } from '#shared/config/tripline-config';
import type { TriplineConfig } from '#shared/config/tripline-config';
import { createHandler } from '../../functions/aws/allow-report/index';

const config = (): TriplineConfig => {
  const r = parseConfig(
    [
      'allow:',
      '  - rule: brute-force',
      '    principal: scanner@contoso.com',
      '    reason: weekly password audit',
      '    expires: 2026-03-01',
      '  - app: 3f1a2b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b',
      '    reason: archiving app SR-1432',
      '    expires: 2026-03-10',
      '  - cidr: 198.51.100.0/24',
      '    reason: office egress',
      '    expires: never',
      '',
    ].join('\n'),
    'tripline.yaml',
  );
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.config;
};
const NOW = Date.parse('2026-03-02T12:00:00Z');

describe('weekly allow-list report', () => {
  it('lists expired entries and those expiring within two weeks, with their lines and what to do', () => {
    const r = allowReport(config(), NOW, 'Tripline');
    expect(r?.subject).toBe('Tripline: 1 allow-list entry expired, 1 expiring soon');
    expect(r?.body).toContain(
      '  - allow[0] (line 2): principal scanner@contoso.com, rule brute-force, expires 2026-03-01: weekly password audit',
    );
    expect(r?.body).toContain(
      'Expiring within 14 days (1):\n  - allow[1] (line 6): app 3f1a2b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b, every rule',
    );
    expect(r?.body).toContain('npx cdk deploy -c config=tripline.yaml');
    expect(r?.body).not.toContain('198.51.100.0/24');
  });

  it('says nothing when every entry is good for more than two weeks', () => {
    expect(allowReport(config(), Date.parse('2026-01-01T00:00:00Z'), 'Tripline')).toBeUndefined();
  });

  it('the function publishes the report to the operations topic, once, and nothing when there is nothing to say', async () => {
    const sent: Array<{ input: Record<string, unknown> }> = [];
    const bundle = JSON.stringify({
      version: 1,
      configFile: 'tripline.yaml',
      config: config().document,
      rules: [],
    });
    const env = { OPS_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:tripline-ops', STACK_NAME: 'Tripline' };
    const sns = { send: async (c: unknown) => (sent.push(c as { input: Record<string, unknown> }), {}) };
    const run = createHandler({ env, sns: sns as never, now: () => NOW, bundledConfig: bundle });
    expect(await run()).toEqual({ expired: 1, expiring: 1, published: true });
    expect(sent).toHaveLength(1);
    expect(sent[0]?.input).toMatchObject({
      TopicArn: env.OPS_TOPIC_ARN,
      Subject: 'Tripline: 1 allow-list entry expired, 1 expiring soon',
    });
    const quiet = createHandler({
      env,
      sns: sns as never,
      now: () => Date.parse('2026-01-01T00:00:00Z'),
      bundledConfig: bundle,
    });
    expect(await quiet()).toEqual({ expired: 0, expiring: 0, published: false });
    expect(sent).toHaveLength(1);
  });
});
