/**
 * Google Workspace Admin SDK Reports API activities ("Activities: list"; token events per
 * "Token Audit Activity Events", login events per "Login Audit Activity Events").
 */
import { detectSource } from '#shared/events/normalize';
import { events, fixture, only, reasonOf } from './helpers';

type Page = { items: Record<string, unknown>[] };
const page = fixture<Page>('workspace/reports-activities-page.json');
const item = (i: number): Record<string, unknown> => page.items[i] as Record<string, unknown>;

describe('google.workspace', () => {
  it('reads an OAuth authorize with the client, app name and scopes', () => {
    const e = only(item(0));
    expect(e).toMatchObject({
      id: 'token:-3148092731092847561:0',
      source: 'google.workspace',
      time: Date.parse('2024-03-05T09:12:44.918Z'),
      tenant: 'C03az79cb',
      action: 'authorize',
      category: 'auth',
      service: 'token',
      outcome: 'success',
      actor: {
        id: 'lee.gu@example.org',
        name: 'Lee.Gu@example.org',
        type: 'user',
        ip: '198.51.100.77',
        appId: '1093847561234-abcdefghijklmnopqrstuvwx01234567.apps.googleusercontent.com',
      },
      app: {
        id: '1093847561234-abcdefghijklmnopqrstuvwx01234567.apps.googleusercontent.com',
        name: 'Inbox Organizer Plus',
        scopes: [
          'https://mail.google.com/',
          'https://www.googleapis.com/auth/drive.readonly',
          'openid',
          'https://www.googleapis.com/auth/userinfo.email',
        ],
      },
    });
    expect(e.params.client_type).toBe('WEB');
    expect(typeof e.params.scope_data).toBe('string');
    expect(e.raw).toBe(item(0));
  });

  it('types parameters: intValue as number, boolValue as boolean, multiValue as string[]', () => {
    const a = only(item(1));
    expect(a.params).toMatchObject({
      api_name: 'gmail',
      method_name: 'gmail.users.messages.get',
      num_response_bytes: 48211,
    });
    expect(a.app).toMatchObject({
      id: '1093847561234-abcdefghijklmnopqrstuvwx01234567.apps.googleusercontent.com',
      name: 'Inbox Organizer Plus',
    });
    const f = only(item(2));
    expect(f.params).toMatchObject({ is_suspicious: true, login_challenge_method: ['password'] });
  });

  it('marks login_failure as a failure with the failure type as error code', () => {
    const e = only(item(2));
    expect(e).toMatchObject({
      action: 'login_failure',
      outcome: 'failure',
      errorCode: 'login_failure_invalid_password',
      actor: { ip: '2001:db8:aa:bb::17' },
    });
    expect(e.app).toBeUndefined();
  });

  it('turns one activity with three events into three events with indexed ids', () => {
    const es = events(item(3));
    expect(es.map((e) => [e.id, e.action, e.category])).toEqual([
      ['admin:5566778899001122334:0', 'CREATE_USER', 'USER_SETTINGS'],
      ['admin:5566778899001122334:1', 'CHANGE_PASSWORD', 'USER_SETTINGS'],
      ['admin:5566778899001122334:2', 'ASSIGN_ROLE', 'DELEGATED_ADMIN_SETTINGS'],
    ]);
    expect(es[2]!.params).toEqual({
      ROLE_ID: '12345678901234567',
      ROLE_NAME: '_SEED_ADMIN_ROLE',
      USER_EMAIL: 'svc-backup@example.org',
    });
    for (const e of es) expect(e.raw).toBe(item(3));
  });

  it('returns every event of a Reports API page', () => {
    expect(detectSource(page)).toBe('google.workspace');
    expect(events(page)).toHaveLength(6);
  });

  it("reads Panther's flattened single events", () => {
    const e = only({
      actor: { email: 'user@example.io', profileId: '110111111111111111111' },
      id: {
        applicationName: 'calendar',
        customerId: 'D12345',
        time: '2022-12-10 22:33:31.852000000',
        uniqueQualifier: '-2888888888888888888',
      },
      ipAddress: '1.2.3.4',
      kind: 'admin#reports#activity',
      name: 'change_calendar_acls',
      parameters: {
        access_level: 'freebusy',
        grantee_email: '__public_principal__@public.calendar.google.com',
      },
      type: 'calendar_change',
    });
    expect(e).toMatchObject({
      id: 'calendar:-2888888888888888888:0',
      action: 'change_calendar_acls',
      params: { access_level: 'freebusy' },
    });
  });

  it('says what is missing', () => {
    expect(reasonOf({ ...item(0), events: [] })).toBe(
      'activity has no events (the record looks like a Reports API activity)',
    );
    expect(reasonOf({ ...item(0), id: { applicationName: 'token' } })).toMatch(/^no id\.time /);
    expect(reasonOf({ ...item(3), events: [{ type: 'X', name: 'A' }, { type: 'X' }] })).toMatch(
      /^events\[1\] has no name /,
    );
  });
});
