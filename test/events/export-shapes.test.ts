/**
 * Exports incident responders hold instead of the vendor API's own shape: Microsoft Sentinel /
 * Log Analytics rows (as `az monitor log-analytics query` and the portal's JSON export write
 * them: dynamic columns as JSON text, every value a string), CloudTrail as Logstash's cloudtrail
 * codec and Elastic's AWS integration store it, and Panther-style lower-cased UAL keys.
 */
import { readFileSync } from 'node:fs';
import { detectSource } from '#shared/events/normalize';
import { events, fixture, fixturePath, only, reasonOf } from './helpers';

const signins = fixture<Record<string, unknown>[]>('../shapes/sentinel/signinlogs.json');
const audits = fixture<Record<string, unknown>[]>('../shapes/sentinel/auditlogs.json');
const office = fixture<Record<string, unknown>[]>('../shapes/sentinel/officeactivity.json');
const logstash = readFileSync(fixturePath('../shapes/cloudtrail/logstash.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as Record<string, unknown>);
const ecs = fixture<Record<string, unknown>[]>('../shapes/cloudtrail/elastic-ecs.json');

describe('Sentinel / Log Analytics rows', () => {
  it('reads a SigninLogs row like the Graph sign-in it came from (MFA denial 500121)', () => {
    const e = only(signins[0]);
    expect(e).toMatchObject({
      id: '8a7b6c5d-4e3f-4a1b-9c0d-1e2f3a4b5c6d',
      source: 'entra.signin',
      time: Date.parse('2024-03-05T09:30:58.123Z'),
      tenant: '7d3e4c2a-91b5-4f0e-8a6d-2c9b1e5f4a70',
      action: 'UserLoginFailed',
      category: 'SignInLogs',
      outcome: 'failure',
      errorCode: '500121',
      actor: {
        id: 'adelev@contoso.com',
        type: 'user',
        ip: '185.220.101.47',
        appId: '4765445b-32c6-49b0-83e6-1d93765276ca',
        sessionId: '2f3e4d5c-6b7a-4988-8776-655443322110',
      },
      geo: { country: 'NL', city: 'Amsterdam', lat: 52.37, lon: 4.89 },
    });
    expect(e.params['deviceDetail.browser']).toBe('Edge 122.0.0');
    expect(e.params['status.failureReason']).toMatch(/strong authentication/);
  });

  it('reads the non-interactive table as non-interactive sign-ins', () => {
    const e = only(signins[1]);
    expect(e).toMatchObject({
      action: 'UserLoggedIn',
      outcome: 'success',
      category: 'NonInteractiveUserSignInLogs',
    });
    expect(e.params.isInteractive).toBe(false);
  });

  it('reads an AuditLogs row with its JSON-text InitiatedBy and TargetResources', () => {
    const e = only(audits[0]);
    expect(e).toMatchObject({
      source: 'entra.audit',
      action: 'Update conditional access policy',
      time: Date.parse('2024-03-05T09:59:58.765Z'),
      tenant: '7d3e4c2a-91b5-4f0e-8a6d-2c9b1e5f4a70',
      outcome: 'success',
      actor: { id: 'it-admin@contoso.com', ip: '198.51.100.23', type: 'user' },
      target: { name: 'Require MFA for admins', type: 'Policy' },
    });
    expect(String(e.params.ConditionalAccessPolicy)).toContain('"state":"disabled"');
    expect(e.params.Category).toBe('Conditional Access');
  });

  it('reads an OfficeActivity row as the unified audit log record', () => {
    const [rule, access] = office.map((r) => only(r));
    expect(rule).toMatchObject({
      id: '4a5b6c7d-8e9f-4a0b-9c1d-2e3f4a5b6c7d',
      source: 'm365.audit',
      action: 'New-InboxRule',
      service: 'Exchange',
      category: 'ExchangeAdmin',
      tenant: '7d3e4c2a-91b5-4f0e-8a6d-2c9b1e5f4a70',
      time: Date.parse('2024-03-05T10:05:44Z'),
      actor: { id: 'adelev@contoso.com', ip: '185.220.101.47', type: 'user' },
    });
    expect(rule!.params).toMatchObject({
      MoveToFolder: 'RSS Feeds',
      SubjectContainsWords: 'invoice;payment',
    });
    expect((rule!.raw as Record<string, unknown>).OrganizationName).toBe('contoso.onmicrosoft.com');
    // OfficeActivity writes UserType as a word; DcAdmin is the Management Activity API's 3.
    expect(access).toMatchObject({
      actor: { type: 'system', ip: '40.107.22.4' },
      target: { type: 'Mailbox' },
    });
    expect((access!.raw as Record<string, unknown>).UserType).toBe(3);
  });

  it('reads the whole query result (an array of rows) and says what is missing', () => {
    expect(events([...signins, ...audits, ...office])).toHaveLength(5);
    const { TimeGenerated: _t, CreatedDateTime: _c, ...noTime } = signins[0] as Record<string, unknown>;
    expect(reasonOf(noTime)).toBe(
      'no TimeGenerated (the record looks like a Sentinel / Log Analytics SigninLogs row)',
    );
  });
});

describe('CloudTrail wrapped by Logstash and Elastic', () => {
  it("reads Logstash's cloudtrail codec output (eventTime moved to @timestamp)", () => {
    const e = only(logstash[0]);
    expect(e).toMatchObject({
      id: 'f0e1d2c3-b4a5-4968-8776-5a4b3c2d1e0f',
      source: 'aws.cloudtrail',
      action: 'StopLogging',
      time: Date.parse('2024-03-05T11:00:00Z'),
      tenant: '444455556666',
      actor: { name: 'ci-deploy', ip: '198.51.100.23' },
    });
    expect(e.params.name).toBe('arn:aws:cloudtrail:us-east-1:444455556666:trail/org-trail');
    expect((e.raw as Record<string, unknown>)['@version']).toBeUndefined();
  });

  it('reads an Elastic (ECS) document back into the CloudTrail record', () => {
    const e = only(ecs[0]);
    expect(e).toMatchObject({
      id: '0a9b8c7d-6e5f-4a3b-9c1d-0e9f8a7b6c5d',
      action: 'GetSecretValue',
      service: 'secretsmanager.amazonaws.com',
      tenant: '444455556666',
      outcome: 'success',
      actor: {
        id: 'arn:aws:sts::444455556666:assumed-role/svc-reporting/i-0a1b2c3d4e5f67890',
        ip: '203.0.113.77',
        type: 'service',
        sessionId: 'ASIA4EXAMPLEKEY00002',
      },
    });
    expect(e.params.secretId).toBe('prod/db/master');
  });

  it('reads dotted ECS keys, and a failed console sign-in from event.outcome', () => {
    const e = only(ecs[1]);
    expect(e).toMatchObject({
      action: 'ConsoleLogin',
      outcome: 'failure',
      actor: { name: 'alice', ip: '45.155.205.233' },
    });
  });

  it('prefers the original record in event.original', () => {
    const e = only(ecs[2]);
    expect(e).toMatchObject({
      action: 'LeaveOrganization',
      id: '2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f',
      time: Date.parse('2024-03-05T11:06:59Z'),
    });
    expect(detectSource(ecs[2])).toBe('aws.cloudtrail');
  });
});

describe('Panther-style lower-cased unified audit log keys', () => {
  it('reads them back into the API spelling, nested pairs included', () => {
    const e = only({
      clientip: '1.2.3.4',
      creationtime: '2022-12-12 22:19:00',
      id: '111-22-33',
      operation: 'Set-Mailbox',
      organizationid: '11-aa-bb',
      organizationname: 'simpsons.onmicrosoft.com',
      parameters: [
        { name: 'Identity', value: 'homer.simpson@simpsons.onmicrosoft.com' },
        { Name: 'ForwardingSmtpAddress', Value: 'smtp:peter.griffin@familyguy.com' },
      ],
      recordtype: 1,
      resultstatus: 'True',
      userid: 'homer.simpson@simpsons.onmicrosoft.com',
      usertype: 2,
      workload: 'Exchange',
    });
    expect(e).toMatchObject({
      action: 'Set-Mailbox',
      tenant: '11-aa-bb',
      actor: { ip: '1.2.3.4', type: 'user' },
    });
    expect(e.params).toMatchObject({
      Identity: 'homer.simpson@simpsons.onmicrosoft.com',
      ForwardingSmtpAddress: 'smtp:peter.griffin@familyguy.com',
    });
    expect((e.raw as Record<string, unknown>).OrganizationName).toBe('simpsons.onmicrosoft.com');
  });
});
