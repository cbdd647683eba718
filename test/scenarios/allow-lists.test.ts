/**
 * Observation 15 of issue 6 and deliver item 6: allow lists for every rule kind (app id, principal,
 * CIDR), applied before any state is touched; the runbooks that say "allow-list" point at them.
 */
import { Detector, RuleValidationError } from '#shared/engine/index';
import oauthChain from '#shared/rules/oauth/oauth-chain';
import { EmbeddedStateStore } from '#shared/state/embedded';
import { BASE, MIN, consentAudit, detector, events, mailItemsAccessed, rules, signIn } from './support';

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
});
