/**
 * Microsoft Graph signIn objects ("signIn resource type", GET /auditLogs/signIns) and the Azure
 * Monitor envelope categories SignInLogs, NonInteractiveUserSignInLogs, ServicePrincipalSignInLogs.
 */
import { detectSource } from '#shared/events/normalize';
import { events, fixture, only } from './helpers';

type Batch = { records: Record<string, unknown>[] };
const batch = fixture<Batch>('entra/signins-eventhub.json');
const env = (i: number): Record<string, unknown> => batch.records[i] as Record<string, unknown>;
const TENANT = '2f4a9c1e-7b3d-4e5f-a6b7-c8d9e0f1a2b3';

describe('entra.signin', () => {
  it('reads a failed interactive sign-in in the UAL vocabulary, with geo and the error code', () => {
    const e = only(env(0));
    expect(e).toMatchObject({
      id: 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d',
      source: 'entra.signin',
      time: Date.parse('2024-03-05T13:55:10.417Z'),
      tenant: TENANT,
      action: 'UserLoginFailed',
      outcome: 'failure',
      errorCode: '50126',
      category: 'SignInLogs',
      service: 'Windows Azure Active Directory',
      actor: {
        id: 'meganb@contoso.com',
        name: 'MeganB@contoso.com',
        type: 'user',
        ip: '185.220.101.34',
        userAgent: 'Mozilla/5.0 (Windows NT; Windows NT 10.0; en-US) WindowsPowerShell/5.1.22621.2506',
        appId: '1b730954-1685-4b74-9bfd-dac224a7b894',
        sessionId: '8d7c6b5a-4f3e-4d2c-9b1a-0f9e8d7c6b5a',
      },
      app: { id: '1b730954-1685-4b74-9bfd-dac224a7b894', name: 'Azure Active Directory PowerShell' },
      geo: { country: 'DE', city: 'Frankfurt am Main', lat: 50.1109, lon: 8.6821 },
    });
    expect(e.params.clientAppUsed).toBe('Mobile Apps and Desktop clients');
    expect(e.params['status.failureReason']).toBe(
      'Error validating credentials due to invalid username or password.',
    );
    expect(e.params['deviceDetail.operatingSystem']).toBe('Windows10');
    expect(e.params.appliedConditionalAccessPolicies).toBeUndefined(); // lists of objects stay in raw
    expect(e.raw).toBe(env(0).properties);
  });

  it('reads a successful non-interactive sign-in with an IPv6 address and the session id', () => {
    const e = only(env(1));
    expect(e).toMatchObject({
      action: 'UserLoggedIn',
      outcome: 'success',
      errorCode: '0',
      category: 'NonInteractiveUserSignInLogs',
      actor: {
        ip: '2a02:8108:1240:3a00:6d1c:1f1e:9b2a:4c11',
        sessionId: '00baf379-e510-523f-1c0e-346163d4a768',
      },
    });
  });

  it('reads a service principal sign-in with the app as actor', () => {
    const e = only(env(2));
    expect(e).toMatchObject({
      action: 'UserLoginFailed',
      errorCode: '7000215',
      category: 'ServicePrincipalSignInLogs',
      actor: {
        id: '5b6c7d8e-9f0a-4b1c-8d2e-3f4a5b6c7d8e',
        name: 'sync-helper',
        type: 'app',
        appId: 'e2b3c4d5-f6a7-4b8c-9d0e-1f2a3b4c5d6e',
      },
    });
  });

  it('reads the bare Graph object with the tenant the caller gives', () => {
    const graph = env(1).properties as Record<string, unknown>;
    expect(detectSource(graph)).toBe('entra.signin');
    const e = only(graph, { tenant: TENANT });
    expect(e.tenant).toBe(TENANT);
    expect(e.category).toBe('NonInteractiveUserSignInLogs');
  });

  it('returns every record of an Event Hubs batch', () => {
    expect(detectSource(batch)).toBe('entra.signin');
    expect(events(batch)).toHaveLength(3);
  });

  it('reads lower-cased envelope keys and a result type without status', () => {
    const e = only({
      calleripaddress: '12.12.12.12',
      category: 'SignInLogs',
      correlationid: 'c-1',
      tenantid: 'tenant-1',
      resulttype: '0',
      time: '2023-07-26 23:00:20.889',
      properties: {
        createdDateTime: '2023-07-26 22:58:30.983201900',
        userPrincipalName: 'A@b.example',
        appId: 'x',
      },
    });
    expect(e).toMatchObject({
      tenant: 'tenant-1',
      action: 'UserLoggedIn',
      outcome: 'success',
      actor: { ip: '12.12.12.12', sessionId: 'c-1' },
    });
    expect(e.time).toBe(Date.UTC(2023, 6, 26, 22, 58, 30, 983));
  });
});
