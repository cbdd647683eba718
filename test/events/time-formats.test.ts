/**
 * Each vendor's time field, in the formats the vendor documents, read through the real normalizers:
 * Graph `activityDateTime` / `createdDateTime` (DateTimeOffset, UTC, up to seven fractional digits),
 * the Azure Monitor envelope `time`, the unified audit log `CreationTime` (no zone: UTC), Purview /
 * Search-UnifiedAuditLog rows (a local, culture-formatted `CreationDate` column beside the record in
 * `AuditData`), CloudTrail `eventTime` (and Panther's nine-digit form), Workspace `id.time` (RFC 3339).
 * And what happens to a time no clock can show: the record is refused with the field and value named.
 */
import { normalize } from '#shared/events/normalize';
import { cloudTrail, signIn, ualRecord, workspaceActivity } from '#shared/rules/testing/records';
import { only } from './helpers';

const T = Date.UTC(2024, 4, 1, 10, 20, 30); // 2024-05-01T10:20:30Z

function directoryAudit(activityDateTime: unknown): Record<string, unknown> {
  return {
    id: 'Directory_4d2c1b0a-9e8f-4a7b-8c6d-5e4f3a2b1c0d_ABCDE_12345678',
    category: 'ApplicationManagement',
    correlationId: '4d2c1b0a-9e8f-4a7b-8c6d-5e4f3a2b1c0d',
    result: 'success',
    resultReason: '',
    activityDisplayName: 'Update application',
    activityDateTime,
    loggedByService: 'Core Directory',
    operationType: 'Update',
    initiatedBy: { user: { id: 'b1c2', userPrincipalName: 'admin@contoso.com', ipAddress: '203.0.113.9' } },
    targetResources: [],
    additionalDetails: [],
  };
}

const reasonOf = (rec: unknown): string => {
  const r = normalize(rec);
  if (r.ok) throw new Error('expected the record to be refused');
  return r.reason;
};

describe('vendor time formats read as before', () => {
  it('Graph directoryAudit activityDateTime with seven fractional digits', () => {
    expect(only(directoryAudit('2024-05-01T10:20:30.1234567Z')).time).toBe(T + 123);
  });

  it('Graph signIn createdDateTime without fraction', () => {
    const rec = {
      ...signIn({ upn: 'alice@contoso.com', ip: '203.0.113.9', at: T }),
      createdDateTime: '2024-05-01T10:20:30Z',
    };
    expect(only(rec).time).toBe(T);
  });

  it('Azure Monitor envelope: the Graph time inside wins, the envelope time stands in when it is absent', () => {
    const inner = signIn({ upn: 'alice@contoso.com', ip: '203.0.113.9', at: T });
    const env = (props: Record<string, unknown>) => ({
      time: '2024-05-01T10:20:31.7654321Z',
      resourceId: '/tenants/7d3e4c2a-91b5-4f0e-8a6d-2c9b1e5f4a70/providers/Microsoft.aadiam',
      operationName: 'Sign-in activity',
      category: 'SignInLogs',
      tenantId: '7d3e4c2a-91b5-4f0e-8a6d-2c9b1e5f4a70',
      resultType: '0',
      properties: props,
    });
    expect(only(env({ ...inner, createdDateTime: '2024-05-01T10:20:30.5000000+00:00' })).time).toBe(T + 500);
    const { createdDateTime: _c, ...noTime } = inner;
    expect(only(env(noTime)).time).toBe(T + 1765);
  });

  it('unified audit log CreationTime has no zone and is UTC', () => {
    expect(
      only(
        ualRecord({
          op: 'MailItemsAccessed',
          user: 'alice@contoso.com',
          at: T,
          CreationTime: '2024-05-01T10:20:30',
        }),
      ).time,
    ).toBe(T);
  });

  it('Purview / Search-UnifiedAuditLog rows: the time is AuditData.CreationTime, never the local CreationDate column', () => {
    const record = ualRecord({ op: 'New-InboxRule', user: 'alice@contoso.com', at: T });
    const row = {
      RecordType: 'ExchangeAdmin',
      CreationDate: '5/1/2024 12:20:30 PM', // the exporting session's local time and culture
      UserIds: 'alice@contoso.com',
      Operations: 'New-InboxRule',
      AuditData: JSON.stringify(record),
    };
    expect(only(row).time).toBe(T);
  });

  it('CloudTrail eventTime, and the nine-digit form Panther stores', () => {
    const rec = cloudTrail({ eventName: 'StopLogging', eventSource: 'cloudtrail.amazonaws.com', at: T });
    expect(rec.eventTime).toBe('2024-05-01T10:20:30Z');
    expect(only(rec).time).toBe(T);
    expect(only({ ...rec, eventTime: '2024-05-01 10:20:30.000000000' }).time).toBe(T);
  });

  it('Workspace id.time (RFC 3339 with milliseconds)', () => {
    const rec = workspaceActivity({
      app: 'login',
      email: 'bob@example.org',
      at: T + 460,
      events: [{ type: 'login', name: 'login_success' }],
    });
    expect(rec.id.time).toBe('2024-05-01T10:20:30.460Z');
    expect(only(rec).time).toBe(T + 460);
  });

  it('epoch numbers written by other pipelines: seconds, milliseconds, microseconds, nanoseconds', () => {
    const base = cloudTrail({ eventName: 'StopLogging', eventSource: 'cloudtrail.amazonaws.com', at: T });
    for (const v of [T / 1000, T, T * 1000, `${T}000000`, String(T / 1000)]) {
      expect([v, only({ ...base, eventTime: v }).time]).toEqual([v, T]);
    }
  });
});

describe('times no clock shows are refused, naming the field, the value and the shape the record looked like', () => {
  it.each([
    [
      '2024-02-30T10:00:00.0000000Z',
      "activityDateTime '2024-02-30T10:00:00.0000000Z' is not a calendar date (February 2024 has 29 days) (the record looks like a Graph directoryAudit)",
    ],
    [
      '0001-01-01T00:00:00Z',
      "activityDateTime '0001-01-01T00:00:00Z' is before 1970 (year 1): no audit log holds such a time (the record looks like a Graph directoryAudit)",
    ],
  ])('Graph %p', (v, reason) => {
    expect(reasonOf(directoryAudit(v))).toBe(reason);
  });

  it('UAL year 0024 is not read as 1924', () => {
    const rec = ualRecord({
      op: 'MailItemsAccessed',
      user: 'alice@contoso.com',
      at: T,
      CreationTime: '0024-05-01T10:20:30',
    });
    expect(reasonOf(rec)).toBe(
      "CreationTime '0024-05-01T10:20:30' is before 1970 (year 24): no audit log holds such a time (the record looks like a unified audit log record)",
    );
  });

  it('Workspace id.time 9999-12-31 is a placeholder, not a time', () => {
    const rec = workspaceActivity({
      app: 'login',
      email: 'bob@example.org',
      at: T,
      events: [{ type: 'login', name: 'login_failure' }],
    });
    rec.id.time = '9999-12-31T23:59:59.999Z';
    expect(reasonOf(rec)).toBe(
      "id.time '9999-12-31T23:59:59.999Z' is in 2100 or later: no audit log holds such a time (a unit mix-up or a placeholder date) (the record looks like a Reports API activity)",
    );
  });
});
