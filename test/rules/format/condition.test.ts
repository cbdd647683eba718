import { inCidrs, parseCidr } from '#shared/rules/format/cidr';
import { compileCondition, conditionSchema, MAX_REGEX_LENGTH } from '#shared/rules/format/condition';
import type { Condition } from '#shared/rules/format/condition';
import { ev } from '../../support/events';

const matches = (c: unknown, e = ev({})) => {
  const parsed = conditionSchema.parse(c);
  return compileCondition(parsed as Condition)(e);
};
const problems = (c: unknown) => {
  const r = conditionSchema.safeParse(c);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('condition leaves', () => {
  const e = ev({
    action: 'Consent to application',
    outcome: 'success',
    actor: { id: 'alice@contoso.com', name: 'Alice@Contoso.com', ip: '[2001:db8::7]:443' },
    app: { id: 'APP-1', scopes: ['Mail.Read', 'Files.ReadWrite.All'] },
    params: { 'ConsentContext.IsAdminConsent': 'True', Count: '12' },
    raw: {
      targetResources: [
        { modifiedProperties: [{ displayName: 'ConsentAction.Permissions', newValue: 'x' }] },
      ],
    },
  });

  it('equals ignores case unless caseSensitive', () => {
    expect(matches({ field: 'actor.name', equals: 'alice@contoso.com' }, e)).toBe(true);
    expect(matches({ field: 'actor.name', equals: 'alice@contoso.com', caseSensitive: true }, e)).toBe(false);
  });

  it('a list field matches when any of its values does', () => {
    expect(matches({ field: 'app.scopes', in: ['files.readwrite.all', 'Sites.FullControl.All'] }, e)).toBe(
      true,
    );
    expect(matches({ field: 'app.scopes', equals: 'Mail.Send' }, e)).toBe(false);
  });

  it('contains, startswith and endswith take one value or any of several', () => {
    expect(matches({ field: 'action', contains: 'TO APP' }, e)).toBe(true);
    expect(matches({ field: 'action', startswith: ['Add', 'Consent'] }, e)).toBe(true);
    expect(matches({ field: 'action', endswith: 'principal' }, e)).toBe(false);
  });

  it('reads parameter names that hold dots as one key, and raw arrays element by element', () => {
    expect(matches({ field: 'params.ConsentContext.IsAdminConsent', equals: true }, e)).toBe(true);
    expect(
      matches(
        { field: 'raw.targetResources.modifiedProperties.displayName', equals: 'ConsentAction.Permissions' },
        e,
      ),
    ).toBe(true);
    expect(matches({ field: 'raw.targetResources.0.modifiedProperties.0.newValue', equals: 'x' }, e)).toBe(
      true,
    );
  });

  it('exists and equals null tell a value from none', () => {
    expect(matches({ field: 'app.id', exists: true }, e)).toBe(true);
    expect(matches({ field: 'errorCode', exists: false }, e)).toBe(true);
    expect(matches({ field: 'errorCode', equals: null }, e)).toBe(true);
    expect(matches({ field: 'raw.targetResources', exists: true }, e)).toBe(true);
  });

  it('cidr matches IPv4 and IPv6 addresses as sources write them', () => {
    expect(matches({ field: 'actor.ip', cidr: ['10.0.0.0/8', '2001:db8::/32'] }, e)).toBe(true);
    expect(inCidrs('203.0.113.9:50874', [parseCidr('203.0.113.0/24')!])).toBe(true);
    expect(inCidrs('::ffff:10.1.2.3', [parseCidr('10.0.0.0/8')!])).toBe(true);
    expect(inCidrs('198.51.100.1', [parseCidr('203.0.113.0/24')!])).toBe(false);
    expect(inCidrs('lambda.amazonaws.com', [parseCidr('0.0.0.0/0')!])).toBe(false);
    expect(inCidrs('2001:db9::1', [parseCidr('2001:db8::/32')!])).toBe(false);
  });

  it('numeric comparisons read numbers written as text', () => {
    expect(matches({ field: 'params.Count', gte: 12 }, e)).toBe(true);
    expect(matches({ field: 'params.Count', gt: 12 }, e)).toBe(false);
    expect(matches({ field: 'actor.name', lt: 5 }, e)).toBe(false);
  });

  it('regex runs on RE2, ignoring case by default', () => {
    expect(matches({ field: 'actor.id', regex: '^ALICE@' }, e)).toBe(true);
    expect(matches({ field: 'actor.id', regex: '^ALICE@', caseSensitive: true }, e)).toBe(false);
  });

  it('a catastrophic pattern for backtracking engines runs in linear time on RE2', () => {
    const evil = ev({ actor: { id: `${'a'.repeat(50_000)}!` } });
    expect(matches({ field: 'actor.id', regex: '^(a+)+$' }, evil)).toBe(false);
  });
});

describe('condition groups', () => {
  const e = ev({ outcome: 'failure', errorCode: '50126' });
  it('all, any and not combine, and a list is all', () => {
    expect(
      matches(
        {
          all: [
            { field: 'outcome', equals: 'failure' },
            {
              any: [
                { field: 'errorCode', in: [50126, 50053] },
                { field: 'errorCode', equals: '0' },
              ],
            },
            { not: { field: 'actor.ip', cidr: '10.0.0.0/8' } },
          ],
        },
        e,
      ),
    ).toBe(true);
    expect(
      matches(
        [
          { field: 'outcome', equals: 'failure' },
          { field: 'errorCode', equals: 1 },
        ],
        e,
      ),
    ).toBe(false);
  });
});

describe('condition validation', () => {
  it('names an unknown field and says what the object holds', () => {
    expect(problems({ field: 'actor.ipaddress', equals: 'x' })).toEqual([
      "field: unknown field 'actor.ipaddress'; actor has id, name, type, ip, userAgent, appId, sessionId",
    ]);
  });

  it('wants exactly one operator', () => {
    expect(problems({ field: 'action' })[0]).toMatch(/needs one operator: equals, in, contains/);
    expect(problems({ field: 'action', equals: 'a', contains: 'b' })[0]).toMatch(
      /has 2 operators \(equals, contains\); put each in its own condition under all:/,
    );
  });

  it('refuses patterns RE2 cannot run and patterns past the length bound', () => {
    expect(problems({ field: 'action', regex: '(a)\\1' })[0]).toMatch(
      /^regex: is not an RE2 regular expression/,
    );
    expect(problems({ field: 'action', regex: '(?=a)' })[0]).toMatch(/no backreferences or lookaround/);
    expect(problems({ field: 'action', regex: 'a'.repeat(MAX_REGEX_LENGTH + 1) })[0]).toBe(
      `regex: is longer than ${MAX_REGEX_LENGTH} characters`,
    );
  });

  it('reports every problem of a nested condition at its path', () => {
    expect(
      problems({
        all: [{ field: 'x.y', equals: 1 }, { any: [] }, { not: { field: 'actor.ip', cidr: ['1.2.3.0/33'] } }],
      }),
    ).toEqual([
      "all.0.field: unknown field 'x.y'; fields are id, source, time, tenant, action, service, category, outcome, errorCode, actor, target, targets, app, geo, params, raw (raw.<path> reads the vendor record)",
      'all.1.any: must be a list of conditions',
      "all.2.not.cidr.0: '1.2.3.0/33' is not an IP range like 10.0.0.0/8 or 2001:db8::/32",
    ]);
  });
});
