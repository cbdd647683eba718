/**
 * Microsoft Graph directoryAudit objects ("directoryAudit resource type", GET
 * /auditLogs/directoryAudits) and the Azure Monitor diagnostic envelope (category AuditLogs).
 */
import { detectSource } from '#shared/events/normalize';
import { events, fixture, only, reasonOf } from './helpers';

type Page = { value: Record<string, unknown>[] };
const page = fixture<Page>('entra/directory-audits-page.json');
const audit = (i: number): Record<string, unknown> => page.value[i] as Record<string, unknown>;

const TENANT = '2f4a9c1e-7b3d-4e5f-a6b7-c8d9e0f1a2b3';

describe('entra.audit', () => {
  it('reads tenant-wide admin consent with the client app, its scopes and the consent type', () => {
    const e = only(audit(0), { tenant: TENANT });
    expect(e).toMatchObject({
      id: 'Directory_0f3a6c1e-1b2d-4c5e-9f70-8a1b2c3d4e5f_5NWD9_102938475',
      source: 'entra.audit',
      time: Date.parse('2024-03-05T14:02:33.560Z'),
      tenant: TENANT,
      action: 'Consent to application',
      service: 'Core Directory',
      category: 'ApplicationManagement',
      outcome: 'success',
      actor: {
        id: 'meganb@contoso.com',
        name: 'MeganB@contoso.com',
        type: 'user',
        ip: '203.0.113.50',
        userAgent: 'EvoSTS',
      },
      target: {
        type: 'ServicePrincipal',
        id: '4c43a528-ba33-40b0-8821-c8643587f351',
        name: 'Mail Archiver Pro',
      },
      app: {
        id: '9c1f5a3e-2d4b-4e6f-8a7c-0b1d2e3f4a5b',
        name: 'Mail Archiver Pro',
        scopes: ['openid', 'profile', 'offline_access', 'Mail.Read', 'Files.Read.All'],
        consentType: 'AllPrincipals',
      },
    });
    // Graph's JSON-encoded values lose their quotes; additionalDetails join the params.
    expect(e.params['ConsentContext.IsAdminConsent']).toBe('True');
    expect(e.params.AppId).toBe('9c1f5a3e-2d4b-4e6f-8a7c-0b1d2e3f4a5b');
    expect(e.params['User-Agent']).toBe('EvoSTS');
    expect(e.raw).toBe(audit(0));
  });

  it('reads the scopes of a delegated permission grant without mistaking the resource API for the client', () => {
    const e = only(audit(1));
    expect(e.action).toBe('Add delegated permission grant');
    expect(e.target).toEqual({
      type: 'ServicePrincipal',
      id: '911e3bbe-33bf-4a5c-89ff-f2a09363baaa',
      name: 'Microsoft Graph',
    });
    expect(e.targets).toEqual([{ type: 'ServicePrincipal', id: '4c43a528-ba33-40b0-8821-c8643587f351' }]);
    expect(e.app).toEqual({
      scopes: ['openid', 'profile', 'offline_access', 'Mail.Read', 'Files.Read.All'],
      consentType: 'AllPrincipals',
    });
    expect(e.params['ServicePrincipal.ObjectID']).toBe('4c43a528-ba33-40b0-8821-c8643587f351');
  });

  it('reads an application permission granted by an app actor', () => {
    const e = only(audit(2));
    expect(e.actor).toMatchObject({
      id: '1950a258-227b-4e31-a9cf-717495945fc2',
      name: 'Microsoft Azure PowerShell',
      type: 'app',
      appId: '1950a258-227b-4e31-a9cf-717495945fc2',
    });
    expect(e.app).toEqual({
      id: 'e2b3c4d5-f6a7-4b8c-9d0e-1f2a3b4c5d6e',
      name: 'sync-helper',
      scopes: ['RoleManagement.ReadWrite.Directory'],
    });
  });

  it('reads a failed role assignment with the role in params and the user as target', () => {
    const e = only(audit(3));
    expect(e.outcome).toBe('failure');
    expect(e.app).toBeUndefined();
    expect(e.target).toEqual({
      type: 'User',
      id: 'f0e1d2c3-b4a5-4678-9a0b-1c2d3e4f5a6b',
      name: 'AdeleV@contoso.com',
    });
    expect(e.params['Role.DisplayName']).toBe('Global Administrator');
    expect(e.params.resultReason).toBe('Microsoft.Online.Workflows.ObjectAlreadyExistsException');
    expect(e.tenant).toBe('unknown'); // Graph records carry no tenant and none was given
  });

  it('returns every record of a Graph page and ignores the @odata keys', () => {
    expect(detectSource(page)).toBe('entra.audit');
    expect(events(page).map((e) => e.action)).toEqual([
      'Consent to application',
      'Add delegated permission grant',
      'Add app role assignment to service principal',
      'Add member to role',
    ]);
  });

  it('reads the Azure Monitor envelope: tenant and time from it, raw is the Graph object', () => {
    const inner = audit(0);
    const env = {
      time: '2024-03-05T14:02:33.5603524Z',
      resourceId: `/tenants/${TENANT}/providers/Microsoft.aadiam`,
      operationName: 'Consent to application',
      operationVersion: '1.0',
      category: 'AuditLogs',
      tenantId: TENANT,
      resultSignature: 'None',
      durationMs: 0,
      callerIpAddress: '203.0.113.50',
      correlationId: '0f3a6c1e-1b2d-4c5e-9f70-8a1b2c3d4e5f',
      Level: 4,
      properties: inner,
    };
    expect(detectSource(env)).toBe('entra.audit');
    const e = only(env);
    expect(e.tenant).toBe(TENANT);
    expect(e.category).toBe('ApplicationManagement');
    expect(e.app?.consentType).toBe('AllPrincipals');
    expect(e.raw).toBe(inner);
  });

  it('reads consent from a user consent whose permissions show old => new grants', () => {
    const r = structuredClone(audit(0));
    const mods = (
      r.targetResources as { modifiedProperties: { displayName: string; newValue: string }[] }[]
    )[0]!.modifiedProperties;
    mods.splice(0, mods.length, {
      displayName: 'ConsentAction.Permissions',
      newValue:
        '"[[Id: a, ClientId: c, PrincipalId: p, ResourceId: r, ConsentType: Principal, Scope:  User.Read, CreatedDateTime: , LastModifiedDateTime ]] => [[Id: a, ClientId: c, PrincipalId: p, ResourceId: r, ConsentType: Principal, Scope:  User.Read Mail.ReadWrite, CreatedDateTime: , LastModifiedDateTime ]]; "',
    });
    expect(only(r).app).toMatchObject({ scopes: ['User.Read', 'Mail.ReadWrite'], consentType: 'Principal' });
  });

  it('reads the app id of a new service principal', () => {
    const e = only({
      id: 'Directory_sp_add_1',
      category: 'ApplicationManagement',
      result: 'success',
      activityDisplayName: 'Add service principal',
      activityDateTime: '2024-03-05T14:02:30Z',
      loggedByService: 'Core Directory',
      operationType: 'Add',
      initiatedBy: { user: { id: 'u1', userPrincipalName: 'MeganB@contoso.com', ipAddress: '203.0.113.50' } },
      targetResources: [
        {
          id: '4c43a528-ba33-40b0-8821-c8643587f351',
          displayName: 'Mail Archiver Pro',
          type: 'ServicePrincipal',
          modifiedProperties: [
            { displayName: 'AccountEnabled', oldValue: '[]', newValue: '[true]' },
            {
              displayName: 'AppPrincipalId',
              oldValue: '[]',
              newValue: '["9c1f5a3e-2d4b-4e6f-8a7c-0b1d2e3f4a5b"]',
            },
            { displayName: 'DisplayName', oldValue: '[]', newValue: '["Mail Archiver Pro"]' },
          ],
        },
      ],
      additionalDetails: [],
    });
    expect(e.app).toEqual({ id: '9c1f5a3e-2d4b-4e6f-8a7c-0b1d2e3f4a5b', name: 'Mail Archiver Pro' });
  });

  it('says what is missing', () => {
    const { activityDateTime: _t, ...noTime } = audit(3);
    expect(reasonOf(noTime)).toBe('no activityDateTime (the record looks like a Graph directoryAudit)');
  });
});
