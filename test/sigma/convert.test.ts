/**
 * Sigma to Tripline: detection and correlation rules become rules that fire on the records the
 * Sigma rule describes, and what cannot be converted faithfully is refused with the reason.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runRuleCase } from '#shared/cli/case-runner';
import type { RuleDefinition } from '#shared/engine/rule';
import { ruleFromValue } from '#shared/rules/format/index';
import { ALL_RULES } from '#shared/rules/index';
import { convertSigma, convertSigmaFiles } from '#shared/sigma/index';
import { readSigmaFiles } from '#shared/sigma/files';
import { BASE, MIN, cloudTrail, signIn } from '#shared/rules/testing/records';
import { cleanupTempDirs, lines, run, tempDir } from '../cli/helpers';

afterAll(cleanupTempDirs);

const SAMPLE = join(__dirname, '..', 'fixtures', 'sigma', 'SigmaHQ', 'rules', 'cloud');

function rulesOf(text: string): RuleDefinition[] {
  const r = convertSigma(text, 'test.yml');
  expect(r.refused).toEqual([]);
  return r.converted.map((c) => {
    const u = ruleFromValue(c.doc, 'test.yml');
    if (!u.ok) throw new Error(JSON.stringify(u.problems));
    return u.rule.rule;
  });
}

async function fires(rules: RuleDefinition[], id: string, records: unknown[]): Promise<number> {
  const all = new Map([...ALL_RULES, ...rules].map((r) => [r.id, r]));
  const rule = all.get(id) as RuleDefinition;
  const r = await runRuleCase(rule, { name: 'x', records, expect: { findings: 1 } }, { all });
  return r.passed ? 1 : Number(/got (\d+)/.exec(r.reason ?? '')?.[1] ?? -1);
}

const header = (extra = '') => `title: Test rule
id: 11111111-2222-3333-4444-555555555555
status: test
description: A rule written for the converter's tests.
author: Tester
tags: [attack.t1562.008]
level: high
${extra}`;

describe('Sigma detection rules', () => {
  it('SigmaHQ "AWS CloudTrail Important Change" fires on StopLogging and stays quiet on StartLogging', async () => {
    const rules = rulesOf(
      readFileSync(join(SAMPLE, 'aws', 'cloudtrail', 'aws_cloudtrail_disable_logging.yml'), 'utf8'),
    );
    const rule = rules[0] as RuleDefinition;
    expect(rule.id).toBe('sigma-aws-cloudtrail-important-change');
    expect(rule.actions).toEqual(['StopLogging', 'UpdateTrail', 'DeleteTrail']);
    const ct = (eventName: string) =>
      cloudTrail({
        eventName,
        eventSource: 'cloudtrail.amazonaws.com',
        at: BASE,
        requestParameters: { name: 'org-trail' },
      });
    expect(await fires(rules, rule.id, [ct('StopLogging')])).toBe(1);
    expect(await fires(rules, rule.id, [ct('StartLogging')])).toBe(0);
  });

  it('keeps the Sigma authors in the finding explanation (Detection Rule License 1.1)', () => {
    const r = convertSigma(
      readFileSync(join(SAMPLE, 'aws', 'cloudtrail', 'aws_guardduty_disruption.yml'), 'utf8'),
      'x.yml',
    );
    expect(r.converted[0]?.doc['why']).toBe(
      'Matched the Sigma rule "AWS GuardDuty Important Change" by faloker (Detection Rule License 1.1).',
    );
  });

  it('reads modifiers, wildcards, null and the condition grammar (1 of, all of, not, parentheses)', () => {
    const r = convertSigma(
      header(`logsource: { product: aws, service: cloudtrail }
detection:
    sel_a:
        eventName|startswith: 'Delete'
        userAgent: '*boto3*'
    sel_b:
        errorCode: null
        sourceIPAddress|cidr: 10.0.0.0/8
    filter_x:
        userIdentity.arn|re: ':role/ci-'
    condition: (1 of sel_*) and not filter_x
`),
      't.yml',
    );
    expect(r.refused).toEqual([]);
    expect(r.converted[0]?.doc['when']).toEqual({
      all: [
        {
          any: [
            {
              all: [
                { field: 'action', startswith: 'Delete' },
                { field: 'raw.userAgent', contains: 'boto3' },
              ],
            },
            {
              all: [
                { field: 'errorCode', exists: false },
                { field: 'raw.sourceIPAddress', cidr: '10.0.0.0/8' },
              ],
            },
          ],
        },
        { not: { field: 'raw.userIdentity.arn', regex: ':role/ci-', caseSensitive: true } },
      ],
    });
  });

  it.each([
    [
      'a keyword search',
      'logsource: { product: aws, service: cloudtrail }\ndetection:\n  keywords: [mimikatz]\n  condition: keywords\n',
      'keywords',
    ],
    [
      'a modifier with no equivalent',
      'logsource: { product: aws, service: cloudtrail }\ndetection:\n  sel:\n    eventName|base64: x\n  condition: sel\n',
      'modifier',
    ],
    [
      'a logsource with no Tripline source',
      'logsource: { product: okta, service: okta }\ndetection:\n  sel:\n    eventtype: x\n  condition: sel\n',
      'no-source',
    ],
    [
      '2 of several selections',
      'logsource: { product: aws, service: cloudtrail }\ndetection:\n  s1: { eventName: a }\n  s2: { eventName: b }\n  s3: { eventName: c }\n  condition: 2 of s*\n',
      'condition',
    ],
  ])('refuses %s, saying why', (_what, body, code) => {
    const r = convertSigma(header(body), 't.yml');
    expect(r.converted).toEqual([]);
    expect(r.refused[0]?.code).toBe(code);
  });
});

describe('Sigma correlation rules', () => {
  const base = `title: Failed sign-in
name: failed_signin
id: 22222222-2222-3333-4444-555555555555
status: test
description: One failed Entra ID sign-in with a bad password.
author: Tester
tags: [attack.t1110.001]
level: low
logsource: { product: azure, service: signinlogs }
detection:
  sel:
    ResultType: 50126
  condition: sel
`;
  const success = `title: Successful sign-in
name: good_signin
id: 33333333-2222-3333-4444-555555555555
status: test
description: A successful Entra ID sign-in of a user.
author: Tester
tags: [attack.t1078]
level: low
logsource: { product: azure, service: signinlogs }
detection:
  sel:
    ResultType: 0
  condition: sel
`;
  const corr = (type: string, extra: string) => `title: Correlated
id: 44444444-2222-3333-4444-555555555555
status: test
description: Correlation of sign-in events for the converter tests.
author: Tester
tags: [attack.t1110.001]
level: high
correlation:
  type: ${type}
${extra}`;
  const failures = (n: number, upn = (_i: number) => 'ceo@contoso.com') =>
    Array.from({ length: n }, (_, i) =>
      signIn({ upn: upn(i), ip: '45.155.205.233', at: BASE + i * 20_000, errorCode: 50126 }),
    );

  it('event_count becomes a threshold rule that fires at the count', async () => {
    const rules = rulesOf(
      `${base}---\n${corr('event_count', '  rules: [failed_signin]\n  group-by: [UserPrincipalName]\n  timespan: 10m\n  condition: { gte: 5 }\n')}`,
    );
    const r = rules.find((x) => x.kind === 'threshold') as RuleDefinition;
    expect(r).toMatchObject({ kind: 'threshold', groupBy: 'actor.name', count: 5, window: '10m' });
    expect(await fires(rules, r.id, failures(5))).toBe(1);
    expect(await fires(rules, r.id, failures(4))).toBe(0);
  });

  it('value_count becomes a distinct rule', async () => {
    const rules = rulesOf(
      `${base}---\n${corr('value_count', '  rules: [failed_signin]\n  group-by: [IPAddress]\n  timespan: 30m\n  condition: { gt: 2, field: UserPrincipalName }\n')}`,
    );
    const r = rules.find((x) => x.kind === 'distinct') as RuleDefinition;
    expect(r).toMatchObject({ kind: 'distinct', groupBy: 'actor.ip', field: 'actor.name', count: 3 });
    expect(
      await fires(
        rules,
        r.id,
        failures(3, (i) => `user${i}@contoso.com`),
      ),
    ).toBe(1);
    expect(await fires(rules, r.id, failures(3))).toBe(0);
  });

  it('temporal_ordered becomes a sequence over signal rules, in order', async () => {
    const rules = rulesOf(
      `${base}---\n${success}---\n${corr('temporal_ordered', '  rules: [failed_signin, good_signin]\n  group-by: [UserPrincipalName]\n  timespan: 1h\n')}`,
    );
    const seq = rules.find((x) => x.kind === 'sequence') as RuleDefinition;
    expect(rules.filter((x) => x.emit === false)).toHaveLength(2);
    const ok = signIn({ upn: 'ceo@contoso.com', ip: '45.155.205.233', at: BASE + 5 * MIN });
    expect(await fires(rules, seq.id, [...failures(1), ok])).toBe(1);
    expect(
      await fires(rules, seq.id, [
        signIn({ upn: 'ceo@contoso.com', ip: '45.155.205.233', at: BASE - 5 * MIN }),
        ...failures(1),
      ]),
    ).toBe(0);
  });

  it('refuses temporal (any order) and conditions other than a lower bound', () => {
    const t = convertSigma(
      `${base}---\n${success}---\n${corr('temporal', '  rules: [failed_signin, good_signin]\n  group-by: [UserPrincipalName]\n  timespan: 1h\n')}`,
      't.yml',
    );
    expect(t.refused[0]?.reason).toMatch(/^temporal \(any order\): Tripline sequences are ordered/);
    const lt = convertSigma(
      `${base}---\n${corr('event_count', '  rules: [failed_signin]\n  group-by: [UserPrincipalName]\n  timespan: 1h\n  condition: { lt: 3 }\n')}`,
      't.yml',
    );
    expect(lt.refused[0]?.reason).toMatch(/not lt/);
  });
});

describe('SigmaHQ sample (test/fixtures/sigma)', () => {
  it('converts 25 of the 34 sampled cloud rules; every refusal has a reason', () => {
    const { files } = readSigmaFiles([SAMPLE], '/');
    const r = convertSigmaFiles(files);
    expect(files).toHaveLength(34);
    expect(r.converted).toHaveLength(25);
    expect(r.refused.map((x) => x.code).sort()).toEqual([
      'aggregation',
      'modifier',
      'no-attack-technique',
      'no-source',
      'no-source',
      'no-source',
      'no-source',
      'unmapped-field',
      'unmapped-field',
    ]);
  });

  it('`tripline sigma --out DIR` writes rule files that `tripline validate` accepts, and lists refusals (exit 1)', async () => {
    const out = join(tempDir(), 'sigma');
    const r = await run(['sigma', SAMPLE, '--out', out], { rules: ALL_RULES });
    expect(r.code).toBe(1);
    expect(lines(r.stderr).pop()).toMatch(
      /^tripline: converted 25 of 34 Sigma rules from 34 files into .*; 9 not converted \(4 no-source, 2 unmapped-field/,
    );
    expect(r.stderr).toContain(
      "github_new_secret_created.yml: not converted: Github New Secret Created: logsource github/audit: no Sigma field mapping for Tripline's github.audit source yet",
    );
    const v = await run(['validate', out], { rules: ALL_RULES });
    expect(v.code).toBe(0);
    // Converted rules load; they only lack test cases, which validate points out.
    expect(
      lines(v.stderr).every((l) =>
        l.endsWith('warning: no firing and no quiet test case; `tripline test` fails until it has one'),
      ),
    ).toBe(true);
    expect(lines(v.stdout).pop()).toBe(
      `${ALL_RULES.length + 25} rules enabled: ${ALL_RULES.length} shipped, 25 of yours. No problems.`,
    );
  });
});
