import { detectSource, normalize } from '#shared/events/normalize';
import { SOURCE_IDS } from '#shared/events/types';
import { fixture, only, reasonOf } from './helpers';

const ct = fixture<{ Records: unknown[] }>('cloudtrail/s3-delivery.json');
const audits = fixture<{ value: unknown[] }>('entra/directory-audits-page.json');
const signins = fixture<{ records: Record<string, unknown>[] }>('entra/signins-eventhub.json');
const ws = fixture<{ items: unknown[] }>('workspace/reports-activities-page.json');
const ps = fixture<Record<string, unknown>[]>('m365/convertto-json.json');
const gh = fixture<unknown[]>('../shapes/github/audit-log.json');
const slack = fixture<{ entries: unknown[] }>('../shapes/slack/audit-logs-page.json');
const aks = fixture<{ records: unknown[] }>('../shapes/k8s/aks-diagnostic.json');
const gke = fixture<unknown>('../shapes/k8s/gke-audit.json');
const sentinel = [
  ...fixture<unknown[]>('../shapes/sentinel/signinlogs.json'),
  ...fixture<unknown[]>('../shapes/sentinel/auditlogs.json'),
  ...fixture<unknown[]>('../shapes/sentinel/officeactivity.json'),
];
const ecs = fixture<unknown[]>('../shapes/cloudtrail/elastic-ecs.json');

describe('detectSource', () => {
  it('tells each source from its shape', () => {
    expect(detectSource(ct.Records[0])).toBe('aws.cloudtrail');
    expect(detectSource(audits.value[0])).toBe('entra.audit');
    expect(detectSource(signins.records[0])).toBe('entra.signin');
    expect(detectSource(signins.records[0]!.properties)).toBe('entra.signin');
    expect(detectSource(ps[0]!.AuditData)).toBe('m365.audit');
    expect(detectSource(ws.items[0])).toBe('google.workspace');
  });

  it('recognizes none of the other logs that share a tool chain', () => {
    // Azure Activity log (resource manager) in the same envelope shape: not an Entra log.
    expect(
      detectSource({
        time: '2024-03-05T10:00:00Z',
        category: 'Administrative',
        operationName: 'MICROSOFT.KEYVAULT/VAULTS/DELETE',
        resourceId: '/SUBSCRIPTIONS/X/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV',
        properties: { statusCode: 'OK' },
      }),
    ).toBeUndefined();
    // Graph security alert v2 has createdDateTime but is not a sign-in.
    expect(
      detectSource({
        id: 'a',
        title: 'Password Spray',
        createdDateTime: '2026-04-02T09:28:04Z',
        status: 'new',
        severity: 'high',
      }),
    ).toBeUndefined();
    // Okta System Log
    expect(
      detectSource({
        eventType: 'user.session.start',
        published: '2024-03-05T10:00:00Z',
        actor: { alternateId: 'a@b.c' },
      }),
    ).toBeUndefined();
    expect(detectSource('text')).toBeUndefined();
    expect(detectSource(null)).toBeUndefined();
  });
});

describe('normalize', () => {
  it('explains records it cannot read', () => {
    expect(reasonOf('a string')).toBe('not an object (string)');
    expect(reasonOf(null)).toBe('not an object (null)');
    expect(reasonOf(42)).toBe('not an object (number)');
    expect(reasonOf({})).toBe('unknown record shape: empty object');
    expect(reasonOf({ eventType: 'user.session.start', published: 'x', actor: {} })).toBe(
      'unknown record shape: keys eventType, published, actor',
    );
    const many = Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`k${i}`, i]));
    expect(reasonOf(many)).toBe(
      'unknown record shape: keys k0, k1, k2, k3, k4, k5, k6, k7, k8, k9, k10, k11, … (3 more)',
    );
  });

  it('reads a record as the source the caller names', () => {
    const inner = signins.records[1]!.properties;
    expect(only(inner, { source: 'entra.signin' }).source).toBe('entra.signin');
    expect(reasonOf(inner, { source: 'aws.cloudtrail' })).toMatch(/^no eventTime/);
  });

  it('returns all events of arrays and containers, or says which record failed', () => {
    const r = normalize([ct.Records[0], audits.value[0], ws.items[3]]);
    expect(r.ok && r.events.map((e) => e.source)).toEqual([
      'aws.cloudtrail',
      'entra.audit',
      'google.workspace',
      'google.workspace',
      'google.workspace',
    ]);
    expect(reasonOf([ct.Records[0], { foo: 1 }])).toBe('[1]: unknown record shape: keys foo');
    expect(reasonOf({ value: [audits.value[0], 'x'] })).toBe('value[1]: not an object (string)');
  });

  it('never throws, whatever it is given', () => {
    const odd: unknown[] = [
      undefined,
      [],
      [[[]]],
      { Records: null },
      { detail: 1, 'detail-type': 'AWS API Call via CloudTrail' },
      { 'detail-type': 'AWS API Call via CloudTrail', detail: { eventName: 5 } },
      { properties: {}, category: 'AuditLogs' },
      { properties: { createdDateTime: 'x' }, category: 'SignInLogs' },
      { Operation: 'X', CreationTime: {}, Parameters: 'nope', ModifiedProperties: [null, 1, { Name: 2 }] },
      {
        kind: 'admin#reports#activity',
        id: { time: '2024-01-01T00:00:00Z', applicationName: 'x' },
        events: [null],
      },
      { AuditData: 7 },
      {
        activityDisplayName: 'X',
        activityDateTime: '2024-01-01T00:00:00Z',
        targetResources: [null, { modifiedProperties: 'x' }],
        initiatedBy: 'x',
        additionalDetails: [{ key: 1 }],
      },
      {
        eventName: 'X',
        eventSource: 's',
        eventTime: '2024-01-01T00:00:00Z',
        userIdentity: 'weird',
        requestParameters: [1, 2],
        resources: [null],
      },
      Object.create(null) as unknown,
    ];
    for (const v of odd) {
      expect(() => normalize(v)).not.toThrow();
      expect(typeof normalize(v).ok).toBe('boolean');
    }
  });

  it('produces events that satisfy the contract for every source', () => {
    const all = [
      ...ct.Records,
      ...audits.value,
      ...signins.records,
      ...ps,
      ...ws.items,
      ...gh,
      ...slack.entries,
      ...aks.records,
      gke,
      ...sentinel,
      ...ecs,
    ];
    const seen = new Set<string>();
    for (const rec of all) {
      const r = normalize(rec);
      expect(r.ok).toBe(true);
      if (!r.ok) continue;
      for (const e of r.events) {
        seen.add(e.source);
        expect(typeof e.id).toBe('string');
        expect(e.id).not.toBe('');
        expect(Number.isFinite(e.time)).toBe(true);
        expect(typeof e.tenant).toBe('string');
        expect(typeof e.action).toBe('string');
        expect(['success', 'failure', 'unknown']).toContain(e.outcome);
        expect(e.raw).toBeDefined();
        for (const v of Object.values(e.params)) {
          const ok =
            v === null ||
            ['string', 'number', 'boolean'].includes(typeof v) ||
            (Array.isArray(v) && v.every((x) => typeof x === 'string'));
          expect(ok).toBe(true);
        }
      }
    }
    expect([...seen].sort()).toEqual([...SOURCE_IDS].sort());
  });
});
