/**
 * Observation 15 of issue 6 and deliver item 6: allow lists for every rule kind (app id, principal,
 * CIDR), applied before any state is touched; the runbooks that say "allow-list" point at them.
 */
import { configFromValue } from '#shared/config/tripline-config';
import { Detector, RuleValidationError } from '#shared/engine/index';
import { ALL_RULES } from '#shared/rules/index';
import oauthChain from '#shared/rules/oauth/oauth-chain';
import { EmbeddedStateStore } from '#shared/state/embedded';
import { BASE, DAY, MIN, consentAudit, detector, events, mailItemsAccessed, rules, signIn } from './support';

const APP = '6f2d8c41-3a9e-4b7d-9c15-e0a4b2f7d381';
const chainRecords = () => [
  consentAudit({
    upn: 'bob@contoso.com',
    ip: '185.220.101.47',
    at: BASE,
    appId: APP,
    appName: 'Mail Archiver Pro',
    scopes: ['Mail.ReadWrite'],
  }),
  ...Array.from({ length: 110 }, (_, i) =>
    mailItemsAccessed({ user: 'bob@contoso.com', at: BASE + (i + 1) * MIN, appId: APP }),
  ),
];

describe('allow lists', () => {
  it('an allow-listed app id does not fire oauth-chain (the runbook says how)', async () => {
    const { d: plain } = await detector({ rules: rules('oauth-chain') });
    expect((await plain.process(events(chainRecords()))).findings).toHaveLength(1);
    const { d } = await detector({
      rules: rules('oauth-chain'),
      overrides: { 'oauth-chain': { allowApps: [APP.toUpperCase()] } },
    });
    expect((await d.process(events(chainRecords()))).findings).toEqual([]);
    expect(oauthChain.runbook.join(' ')).toContain('"oauth-chain": {"allowApps": ["<app id>"]}');
  });

  it('an allow-listed account is not counted for brute-force, and no state is kept for it', async () => {
    const store = await EmbeddedStateStore.open(':memory:');
    const d = new Detector({
      rules: rules('brute-force'),
      store,
      overrides: { 'brute-force': { allowPrincipals: ['svc-scanner@contoso.com'] } },
    });
    const fails = Array.from({ length: 12 }, (_, i) =>
      signIn({ upn: 'svc-scanner@contoso.com', ip: '203.0.113.9', at: BASE + i * MIN, errorCode: 50126 }),
    );
    const r = await d.process(events(fails));
    expect(r.findings).toEqual([]);
    expect(r.stats.stateWrites).toBe(0);
    expect(store.size).toBe(0);
  });

  it('an allow-listed CIDR is not counted for password-spray; an address outside it is', async () => {
    const spray = (ip: string) =>
      ['adele', 'alex', 'diego', 'grady', 'lee'].map((u, i) =>
        signIn({ upn: `${u}@contoso.com`, ip, at: BASE + i * MIN, errorCode: 50126 }),
      );
    const { d } = await detector({
      rules: rules('password-spray'),
      overrides: { 'password-spray': { allowIps: ['203.0.113.0/24', '2001:db8::/32'] } },
    });
    const r = await d.process(
      events([...spray('203.0.113.77'), ...spray('2001:db8::5'), ...spray('198.51.100.7')]),
    );
    expect(r.findings.map((f) => f.principal)).toEqual(['198.51.100.7']);
  });

  it('a bad allow-list entry is refused with the rule and the entry named', async () => {
    const store = await EmbeddedStateStore.open(':memory:');
    expect(
      () =>
        new Detector({
          rules: rules('password-spray'),
          store,
          overrides: { 'password-spray': { allowIps: ['10.0.0.0/33', 'office'] } },
        }),
    ).toThrow(RuleValidationError);
    try {
      new Detector({
        rules: rules('password-spray'),
        store,
        overrides: { 'password-spray': { allowIps: ['10.0.0.0/33'] } },
      });
    } catch (err) {
      expect((err as Error).message).toContain(
        "password-spray (allowIps): '10.0.0.0/33' is not an IP address or CIDR range",
      );
    }
  });

  it("a client added to mail-unusual-client's allow list is quiet and Microsoft's own clients stay allowed", async () => {
    const OUTLOOK_MOBILE = '27922004-5251-4030-b22d-91ecd9a37ea4';
    const SANCTIONED = '9e5f94bc-e8a4-4e73-b8be-63364c29d753';
    const OTHER = '3f0d2a7e-1c4b-4e8a-9d6f-5b2c7a1e0f93';
    const read = (at: number, client: string) =>
      mailItemsAccessed({
        user: 'bob@contoso.com',
        at,
        appId: '00000002-0000-0ff1-ce00-000000000000',
        clientAppId: client,
      });
    const { d } = await detector({
      rules: rules('mail-unusual-client'),
      overrides: { 'mail-unusual-client': { allow: [SANCTIONED.toUpperCase()] } },
    });
    for (let day = 0; day < 10; day++)
      await d.process(events([read(BASE + day * DAY, 'd3590ed6-52b3-4102-aeff-aad2292ab01c')]), {
        now: BASE + day * DAY,
      });
    const at = BASE + 10 * DAY;
    const r = await d.process(
      events([read(at, SANCTIONED), read(at + 1, OUTLOOK_MOBILE), read(at + 2, OTHER)]),
      {
        now: at + 2,
      },
    );
    expect(r.findings.map((f) => f.title)).toEqual([
      `bob@contoso.com's mailbox read by client ${OTHER} not seen in 14 days`,
    ]);
  });

  it('every runbook or false-positive note that says allow-list gives a config the validator and the engine accept', async () => {
    const store = await EmbeddedStateStore.open(':memory:');
    let snippets = 0;
    for (const r of ALL_RULES) {
      for (const text of [...r.runbook, ...(r.falsePositives ?? [])]) {
        // An instruction ("allow-list its app id ...") must say how; "before they are allow-listed" need not.
        if (!/allow-list (its|their|the|them)\b/i.test(text)) continue;
        const m = /`("overrides": .*?)`/.exec(text);
        expect({ rule: r.id, text, snippet: m !== null }).toEqual({ rule: r.id, text, snippet: true });
        const doc: unknown = JSON.parse(
          `{${(m as RegExpExecArray)[1] as string}}`.replace(
            /"<[^>]*>"/g,
            '"6f2d8c41-3a9e-4b7d-9c15-e0a4b2f7d381"',
          ),
        );
        const v = configFromValue(doc, 'tripline.yaml');
        expect({ rule: r.id, problems: v.ok ? [] : v.problems }).toEqual({ rule: r.id, problems: [] });
        if (v.ok)
          expect(
            () => new Detector({ rules: ALL_RULES, store, overrides: v.config.overrides }),
          ).not.toThrow();
        snippets++;
      }
    }
    expect(snippets).toBeGreaterThanOrEqual(4);
  });
});
