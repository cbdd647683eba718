/**
 * Observation 5 of issue 6: an admin consent that names the client only by its service principal's
 * object id (Graph directoryAudit "Add delegated permission grant": `ServicePrincipal.ObjectID` in
 * modified properties, no app id anywhere; this is what POST /oauth2PermissionGrants writes).
 */
import { BASE, HOUR, MIN, detector, events, mailItemsAccessed, rules } from './support';

const APP = '6f2d8c41-3a9e-4b7d-9c15-e0a4b2f7d381';
const SP = '3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f';
const GRAPH_SP = '911e3bbe-33bf-4a5c-89ff-f2a09363baaa';
const q = (s: string) => JSON.stringify(s);
const admin = {
  user: {
    id: 'a1b2c3d4-0000-4000-8000-00000000a11c',
    displayName: null,
    userPrincipalName: 'alice@contoso.com',
    ipAddress: '185.220.101.47',
    userType: null,
  },
  app: null,
};

/** Graph directoryAudit: the app's service principal created in the tenant (names both ids). */
const addServicePrincipal = (at: number) => ({
  id: `Directory_5d1e_${at}_SP`,
  category: 'ApplicationManagement',
  correlationId: '5d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6',
  result: 'success',
  resultReason: '',
  activityDisplayName: 'Add service principal',
  activityDateTime: new Date(at).toISOString(),
  loggedByService: 'Core Directory',
  operationType: 'Add',
  initiatedBy: admin,
  targetResources: [
    {
      id: SP,
      displayName: 'Mail Archiver Pro',
      type: 'ServicePrincipal',
      userPrincipalName: null,
      modifiedProperties: [
        { displayName: 'AccountEnabled', oldValue: '[]', newValue: '[true]' },
        { displayName: 'AppPrincipalId', oldValue: '[]', newValue: `[${q(APP)}]` },
        { displayName: 'DisplayName', oldValue: '[]', newValue: '["Mail Archiver Pro"]' },
        { displayName: 'ServicePrincipalName', oldValue: '[]', newValue: `[${q(APP)}]` },
      ],
    },
  ],
  additionalDetails: [{ key: 'AppId', value: APP }],
});

/** Graph directoryAudit: tenant-wide delegated grant of Mail.ReadWrite, the client named by object id only. */
const adminGrant = (at: number) => ({
  id: `Directory_5d1e_${at}_GRANT`,
  category: 'ApplicationManagement',
  correlationId: '6e2f3a4b-5c6d-4e7f-8091-a2b3c4d5e6f7',
  result: 'success',
  resultReason: '',
  activityDisplayName: 'Add delegated permission grant',
  activityDateTime: new Date(at).toISOString(),
  loggedByService: 'Core Directory',
  operationType: 'Assign',
  initiatedBy: admin,
  targetResources: [
    {
      id: GRAPH_SP,
      displayName: 'Microsoft Graph',
      type: 'ServicePrincipal',
      userPrincipalName: null,
      modifiedProperties: [
        { displayName: 'DelegatedPermissionGrant.Scope', oldValue: null, newValue: q(' Mail.ReadWrite') },
        { displayName: 'DelegatedPermissionGrant.ConsentType', oldValue: null, newValue: q('AllPrincipals') },
        { displayName: 'ServicePrincipal.ObjectID', oldValue: null, newValue: q(SP) },
      ],
    },
    { id: SP, displayName: null, type: 'ServicePrincipal', userPrincipalName: null, modifiedProperties: [] },
  ],
  additionalDetails: [{ key: 'AppId', value: null }],
});

const reads = (n: number, from: number) =>
  Array.from({ length: n }, (_, i) =>
    mailItemsAccessed({
      user: i % 2 ? 'bob@contoso.com' : 'finance@contoso.com',
      at: from + i * MIN,
      appId: APP,
    }),
  );

describe('an admin consent that names the app only by its service principal object id', () => {
  it('normalizes with the service principal and no app id', () => {
    const [e] = events([adminGrant(BASE)]);
    expect(e?.app).toMatchObject({
      scopes: ['Mail.ReadWrite'],
      consentType: 'AllPrincipals',
      servicePrincipalId: SP,
    });
    expect(e?.app?.id).toBeUndefined();
  });

  it('oauth-risky-consent fires, critical for all users, naming the admin and the service principal', async () => {
    const { d } = await detector({ rules: rules('oauth-risky-consent') });
    const r = await d.process(events([adminGrant(BASE)]));
    expect(r.findings.map((f) => [f.ruleId, f.principal, f.severity])).toEqual([
      ['oauth-risky-consent', 'alice@contoso.com', 'critical'],
    ]);
    expect(r.findings[0]?.title).toBe(
      `alice@contoso.com granted "service principal ${SP}" Mail.ReadWrite for all users`,
    );
    expect(r.findings[0]?.why).toContain(`service principal ${SP}`);
  });

  it('oauth-chain fires on it, keyed by the app id a record naming both ids taught (same batch)', async () => {
    const { d } = await detector({ rules: rules('oauth-chain') });
    const r = await d.process(
      events([addServicePrincipal(BASE - MIN), adminGrant(BASE), ...reads(110, BASE + 10 * MIN)]),
    );
    expect(r.findings.map((f) => [f.ruleId, f.principal, f.severity])).toEqual([
      ['oauth-chain', `Mail Archiver Pro (${APP})`, 'critical'],
    ]);
    expect(r.findings[0]?.why).toContain('for ALL users (admin consent)');
  });

  it('oauth-chain fires when the service principal was created days before, in another batch', async () => {
    const { d } = await detector({ rules: rules('oauth-chain') });
    await d.process(events([addServicePrincipal(BASE - 2 * 24 * HOUR)]));
    const r = await d.process(events([adminGrant(BASE), ...reads(110, BASE + 10 * MIN)]));
    expect(r.findings.map((f) => [f.ruleId, f.principal, f.severity])).toEqual([
      ['oauth-chain', `Mail Archiver Pro (${APP})`, 'critical'],
    ]);
    const steps = r.findings[0]?.evidence.filter((e) => (e.step ?? 0) < 3).map((e) => [e.step, e.action]);
    expect(steps).toEqual([
      [1, 'Add delegated permission grant'],
      [2, 'Add delegated permission grant'],
    ]);
  });
});
