import { SOURCE_SILENT_RULE_ID, sourceSilentFinding } from '#shared/sources/health';

const HOUR = 3_600_000;
const NOW = Date.parse('2026-03-04T12:00:00Z');
const TENANT = '2f4a9c1e-7b3d-4e5f-a6b7-c8d9e0f1a2b3';

describe('source-silent finding', () => {
  it('names the source, the tenant, the last event and the last error, as a high finding', () => {
    const f = sourceSilentFinding({
      source: 'graph-signins',
      tenant: TENANT,
      now: NOW,
      silence: {
        since: NOW - 30 * HOUR,
        silentForMs: 30 * HOUR,
        thresholdMs: 12 * HOUR,
        everDelivered: true,
        lastError: { at: NOW - 5 * 60_000, message: 'HTTP 401 invalid_client: AADSTS7000222 secret expired' },
      },
    });
    expect(f).toMatchObject({
      ruleId: SOURCE_SILENT_RULE_ID,
      severity: 'high',
      tenant: TENANT,
      principal: 'graph-signins',
      title: `graph-signins has been silent for 30 h in tenant ${TENANT}`,
      firstSeen: '2026-03-03T06:00:00.000Z',
      lastSeen: '2026-03-04T12:00:00.000Z',
      attack: ['T1562.008'],
    });
    expect(f.why).toMatch(/no event newer than 2026-03-03T06:00:00.000Z/);
    expect(f.why).toMatch(/AADSTS7000222 secret expired/);
  });

  it('keeps one finding id per silence and day, so it is published once a day while it lasts', () => {
    const base = { source: 'm365-audit-exchange', tenant: TENANT, now: NOW };
    const silence = { since: NOW - 13 * HOUR, thresholdMs: 12 * HOUR, everDelivered: false };
    const a = sourceSilentFinding({ ...base, silence: { ...silence, silentForMs: 13 * HOUR } });
    const b = sourceSilentFinding({ ...base, silence: { ...silence, silentForMs: 20 * HOUR } });
    const c = sourceSilentFinding({ ...base, silence: { ...silence, silentForMs: 25 * HOUR } });
    expect(a.id).toBe(b.id);
    expect(c.id).not.toBe(a.id);
    expect(a.severity).toBe('medium');
    expect(a.why).toMatch(/no event at all since its first poll/);
  });
});
