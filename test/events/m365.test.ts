/**
 * Office 365 Management Activity API records ("Office 365 Management Activity API schema"):
 * common schema plus the Exchange mailbox, SharePoint and Entra (AzureActiveDirectory) extensions,
 * as the API returns them and as Search-UnifiedAuditLog / Purview exports wrap them (AuditData).
 */
import { readFileSync } from 'node:fs';
import { detectSource } from '#shared/events/normalize';
import { events, fixture, fixturePath, only, reasonOf } from './helpers';

const lines = readFileSync(fixturePath('m365/management-activity.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as Record<string, unknown>);
const rec = (op: string): Record<string, unknown> =>
  lines.find((r) => r.Operation === op) as Record<string, unknown>;
const ORG = '2f4a9c1e-7b3d-4e5f-a6b7-c8d9e0f1a2b3';

describe('m365.audit', () => {
  it('reads MailItemsAccessed with the OAuth client as actor.appId and a bracketed IPv6 with port', () => {
    const e = only(rec('MailItemsAccessed'));
    expect(e).toMatchObject({
      id: '5e9d1c2b-7a6f-4e3d-b2c1-0a9f8e7d6c5b',
      source: 'm365.audit',
      time: Date.UTC(2024, 2, 5, 14, 20, 11), // CreationTime has no zone: UTC
      tenant: ORG,
      action: 'MailItemsAccessed',
      service: 'Exchange',
      category: 'ExchangeItemAggregated',
      outcome: 'success',
      actor: {
        id: 'meganb@contoso.com',
        name: 'MeganB@contoso.com',
        type: 'user',
        ip: '2a02:8108:1240:3a00:6d1c:1f1e:9b2a:4c11',
        appId: '9c1f5a3e-2d4b-4e6f-8a7c-0b1d2e3f4a5b',
        sessionId: 'd4c3b2a1-0f9e-4d8c-a7b6-c5d4e3f2a1b0',
      },
      app: { id: '00000003-0000-0000-c000-000000000000' },
    });
    expect(e.params).toMatchObject({ MailAccessType: 'Bind', IsThrottled: 'False' });
    // Whose mailbox was read: what on-call scopes first.
    expect(e.target).toEqual({ type: 'Mailbox', id: 'meganb@contoso.com', name: 'MeganB@contoso.com' });
  });

  it('reads FileDownloaded with the file as target and the application that acted', () => {
    const e = only(rec('FileDownloaded'));
    expect(e).toMatchObject({
      action: 'FileDownloaded',
      service: 'SharePoint',
      category: 'SharePointFileOperation',
      outcome: 'unknown', // the record carries no ResultStatus
      actor: {
        ip: '203.0.113.50',
        appId: '9c1f5a3e-2d4b-4e6f-8a7c-0b1d2e3f4a5b',
        sessionId: '5f4e3d2c-1b0a-4f9e-8d7c-6b5a4f3e2d1c',
      },
      target: {
        id: 'https://contoso.sharepoint.com/sites/Finance/Shared Documents/Q1 forecast.xlsx',
        name: 'Q1 forecast.xlsx',
        type: 'File',
      },
      app: { id: '9c1f5a3e-2d4b-4e6f-8a7c-0b1d2e3f4a5b' },
    });
    expect(e.actor.userAgent).toContain('Edg/122');
  });

  it("reads Entra consent from the UAL in Graph's vocabulary (trailing '.' removed)", () => {
    const e = only(rec('Consent to application.'));
    expect(e.action).toBe('Consent to application');
    expect(e.actor).toMatchObject({ id: 'meganb@contoso.com', ip: '203.0.113.50', userAgent: 'EvoSTS' });
    expect(e.app).toEqual({
      id: '9c1f5a3e-2d4b-4e6f-8a7c-0b1d2e3f4a5b',
      name: 'Mail Archiver Pro',
      scopes: ['Mail.Read', 'offline_access'],
      consentType: 'Principal',
    });
    expect(e.params.AppId).toBe('9c1f5a3e-2d4b-4e6f-8a7c-0b1d2e3f4a5b'); // from the additionalDetails JSON
  });

  it('reads a failed sign-in with ErrorNumber, plain IPv6 and the user agent from ExtendedProperties', () => {
    const e = only(rec('UserLoginFailed'));
    expect(e).toMatchObject({
      action: 'UserLoginFailed',
      outcome: 'failure',
      errorCode: '50126',
      category: 'AzureActiveDirectoryStsLogon',
      actor: {
        ip: '2a09:bac5:114:105::1a:9b',
        userAgent: 'python-requests/2.31.0',
        appId: '1b730954-1685-4b74-9bfd-dac224a7b894',
      },
    });
    expect(e.params.LogonError).toBe('InvalidUserNameOrPassword');
    expect(e.params.RequestType).toBe('OAuth2:Token');
  });

  it('reads a PowerShell ConvertTo-Json export (AuditData as an object) and drops the port', () => {
    const rows = fixture<Record<string, unknown>[]>('m365/convertto-json.json');
    expect(detectSource(rows[0])).toBe('m365.audit');
    const e = only(rows[0]);
    expect(e).toMatchObject({
      action: 'New-InboxRule',
      outcome: 'success',
      actor: { ip: '104.28.196.199', type: 'user' },
    });
    expect(e.params).toMatchObject({
      ForwardTo: 'archive.box@protonmail.example',
      Name: '"." (keep "quiet")',
      DeleteMessage: 'True',
    });
    expect(e.raw).toBe(rows[0]!.AuditData);
    expect(events(rows).map((x) => x.action)).toEqual(['New-InboxRule', 'Set-Mailbox']);
  });

  it('reads an AuditData column value given as JSON text', () => {
    const inner = rec('UserLoginFailed');
    const e = only({
      RecordType: 'AzureActiveDirectoryStsLogon',
      Operations: 'UserLoginFailed',
      AuditData: JSON.stringify(inner),
    });
    expect(e.id).toBe(inner.Id);
    expect(reasonOf({ AuditData: '{"CreationTime":' })).toMatch(/^AuditData is not valid JSON: /);
  });

  it.each([
    ['Success', 'success'],
    ['Succeeded', 'success'],
    ['True', 'success'],
    ['PartiallySucceeded', 'success'],
    ['success', 'success'],
    ['Failed', 'failure'],
    ['False', 'failure'],
    ['Failure', 'failure'],
    ['', 'unknown'],
  ])('maps ResultStatus %p to %p', (status, outcome) => {
    expect(only({ ...rec('MailItemsAccessed'), ResultStatus: status }).outcome).toBe(outcome);
  });

  it.each([
    [0, 'user'],
    [2, 'user'],
    [3, 'system'],
    [4, 'system'],
    [5, 'app'],
    [6, 'service'],
  ])('maps UserType %p to actor type %p', (userType, type) => {
    expect(only({ ...rec('MailItemsAccessed'), UserType: userType }).actor.type).toBe(type);
  });

  it('keeps the first value of a name across Parameters, ModifiedProperties, ExtendedProperties', () => {
    const e = only({
      ...rec('MailItemsAccessed'),
      Parameters: [{ Name: 'Identity', Value: 'from-parameters' }],
      ModifiedProperties: [
        { Name: 'Identity', NewValue: 'from-modified', OldValue: '' },
        { Name: 'Other', NewValue: 'n', OldValue: 'o' },
      ],
      ExtendedProperties: [{ Name: 'Identity', Value: 'from-extended' }],
    });
    expect(e.params.Identity).toBe('from-parameters');
    expect(e.params.Other).toBe('n');
  });

  it('normalizes operations it has never seen', () => {
    const e = only({
      ...rec('MailItemsAccessed'),
      Operation: 'Set-SomethingNew',
      Workload: 'Exchange',
      RecordType: 999,
    });
    expect(e.action).toBe('Set-SomethingNew');
    expect(e.category).toBe('999');
  });

  it("reads Panther's lower-cased records", () => {
    const e = only({
      clientip: '1.2.3.4:10736',
      creationtime: '2025-07-07 09:11:11.000000000',
      id: '111-22-33',
      operation: 'New-InboxRule',
      organizationid: '11-aa-bb',
      parameters: [{ Name: 'ForwardTo', Value: 'x@example.com' }],
      recordtype: 1,
      resultstatus: 'True',
      userid: 'Homer@Example.com',
      workload: 'Exchange',
    });
    expect(e).toMatchObject({
      action: 'New-InboxRule',
      tenant: '11-aa-bb',
      actor: { id: 'homer@example.com', ip: '1.2.3.4' },
      params: { ForwardTo: 'x@example.com' },
    });
  });

  it('says what is missing', () => {
    const { CreationTime: _c, ...noTime } = rec('MailItemsAccessed');
    expect(reasonOf(noTime)).toBe('no CreationTime (the record looks like a unified audit log record)');
    expect(reasonOf({ ...rec('MailItemsAccessed'), CreationTime: '6/1/2023 1:12:18 PM' })).toBe(
      "unreadable CreationTime '6/1/2023 1:12:18 PM': expected ISO-8601, epoch or /Date(ms)/ (local times are not guessed) (the record looks like a unified audit log record)",
    );
  });
});
