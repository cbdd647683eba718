/**
 * `npx cdk deploy -c config=tripline.yaml`: the config and the rule files it names are checked at
 * synth (a bad rule fails synth with its file, line and problem) and bundled into every function,
 * which runs them.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deployedRules } from '#shared/config/deployed';
import { ALL_RULES } from '#shared/rules/index';
import { buildAwsRuntime } from '../../functions/aws/common/runtime';
import { buildApp } from '../../infra/build-app';
import { InvalidPropsError } from '../../infra/errors';
import { CONTEXT_KEYS } from '../../infra/context';
import { EMITTING_USER_RULES, writeUserRules } from '../support/user-rules';
import { appWithContext } from './helpers';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'tripline-infra-'));
  dirs.push(d);
  return d;
}

/** A user's repository: a rule folder and a config naming it, tuning a shipped rule and allow-listing. */
function userRepo(extraConfig = ''): string {
  const dir = tmp();
  writeUserRules(dir);
  writeFileSync(
    join(dir, 'tripline.yaml'),
    [
      'rules: [detections]',
      'tenantDomains: [contoso.com]',
      'overrides:',
      '  brute-force: { count: 20 }',
      'allow:',
      '  - rule: secrets-sweep',
      '    principal: arn:aws:iam::444455556666:user/backup-job',
      '    reason: the nightly secrets backup',
      '    expires: 2027-06-30',
      extraConfig,
    ].join('\n'),
  );
  return join(dir, 'tripline.yaml');
}

/** The bundled code folders of the stack's functions, by logical id. */
function functionBundles(
  app: ReturnType<typeof appWithContext>,
  template: Record<string, unknown>,
): Map<string, string> {
  const out = new Map<string, string>();
  const fns = (template['Resources'] ?? {}) as Record<
    string,
    { Type: string; Properties: { Code?: { S3Key?: string } } }
  >;
  for (const [id, r] of Object.entries(fns)) {
    if (r.Type !== 'AWS::Lambda::Function') continue;
    const key = r.Properties.Code?.S3Key;
    if (key) out.set(id, join(app.outdir, `asset.${key.replace(/\.zip$/, '')}`));
  }
  return out;
}

describe('-c config=tripline.yaml', () => {
  const config = userRepo();
  const { app, stack } = buildApp(
    appWithContext({ alertEmail: 'oncall@example.com', [CONTEXT_KEYS.config]: config }),
  );
  const assembly = app.synth();
  const template = assembly.getStackByName(stack.stackName).template as Record<string, unknown>;
  const bundles = functionBundles(app, template);

  it('puts the config and every rule file it names in each function bundle', () => {
    expect(bundles.size).toBeGreaterThan(0);
    for (const dir of bundles.values()) {
      const bundle = JSON.parse(readFileSync(join(dir, 'tripline-config.json'), 'utf8')) as {
        configFile: string;
        rules: Array<{ file: string; doc: { id: string; tests?: unknown } }>;
      };
      expect(bundle.configFile).toBe(config);
      expect(bundle.rules.map((r) => r.doc.id).sort()).toEqual(
        [...EMITTING_USER_RULES, 'vip-sign-in-success'].sort(),
      );
      // Test records are for `tripline test`; the functions do not carry them.
      expect(bundle.rules.every((r) => r.doc.tests === undefined)).toBe(true);
      expect(existsSync(join(dir, 'index.js'))).toBe(true);
    }
  });

  it('adds the weekly allow-list report: a schedule, a function that may publish to the operations topic only', () => {
    const resources = template['Resources'] as Record<
      string,
      { Type: string; Properties: Record<string, unknown> }
    >;
    const rules = Object.values(resources).filter(
      (r) => r.Type === 'AWS::Events::Rule' && r.Properties['ScheduleExpression'] === 'rate(7 days)',
    );
    expect(rules).toHaveLength(1);
    const fn = Object.entries(resources).find(
      ([, r]) =>
        r.Type === 'AWS::Lambda::Function' && String(r.Properties['Description']).includes('allow-list'),
    );
    expect(fn).toBeDefined();
    const env = (fn?.[1].Properties['Environment'] as { Variables: Record<string, unknown> }).Variables;
    expect(Object.keys(env)).toEqual(expect.arrayContaining(['OPS_TOPIC_ARN', 'STACK_NAME']));
    const policies = Object.values(resources).filter((r) => r.Type === 'AWS::IAM::Policy');
    const publish = policies.flatMap((p) =>
      ((p.Properties['PolicyDocument'] as { Statement: Array<{ Action: unknown }> }).Statement ?? []).filter(
        (st) => JSON.stringify(st.Action).includes('sns:Publish'),
      ),
    );
    expect(publish.length).toBeGreaterThan(0);
    expect(JSON.stringify(policies)).not.toContain('kms:GenerateDataKey*');
  });

  it('the functions run the bundled rules and config', () => {
    const dir = [...bundles.values()][0] as string;
    const rules = deployedRules(ALL_RULES, readFileSync(join(dir, 'tripline-config.json'), 'utf8'));
    expect(rules.rules.map((r) => r.id)).toEqual(expect.arrayContaining(EMITTING_USER_RULES));
    expect(rules.overrides['brute-force']).toEqual({ count: 20 });
    expect(rules.overrides['inbox-forwarding']?.params).toEqual({ tenantDomains: ['contoso.com'] });
    const rt = buildAwsRuntime({
      env: {
        STATE_TABLE_NAME: 'tripline-state',
        FINDINGS_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:tripline-findings',
        SOURCE: 'cloudtrail',
      },
      bundledConfig: readFileSync(join(dir, 'tripline-config.json'), 'utf8'),
    });
    expect(rt.detector.ruleSet.rules.get('brute-force')?.count).toBe(20);
    expect(rt.detector.ruleSet.rules.has('vip-guessed-password')).toBe(true);
  });
});

describe('a bad rule or config fails synth with its file, line and problem', () => {
  const synthProblems = (config: string): string[] => {
    try {
      buildApp(appWithContext({ [CONTEXT_KEYS.config]: config }));
    } catch (e) {
      if (e instanceof InvalidPropsError) return e.problems.map((p) => `${p.setting}: ${p.message}`);
      throw e;
    }
    throw new Error('synth did not fail');
  };

  it('names the rule file, line and path', () => {
    const config = userRepo();
    const rule = join(config, '..', 'detections', 'secrets-sweep.yaml');
    writeFileSync(rule, readFileSync(rule, 'utf8').replace('count: 3', 'count: none'));
    const problems = synthProblems(config);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      new RegExp(
        `^config: ${join('.*', 'detections', 'secrets-sweep.yaml')}:\\d+:\\d+: count: Invalid input: expected number, received string$`,
      ),
    );
  });

  it('names the config line of a step disabled under an enabled sequence', () => {
    const config = join(tmp(), 'tripline.yaml');
    writeFileSync(config, 'overrides:\n  oauth-app-consent:\n    enabled: false\n');
    expect(synthProblems(config)).toEqual([
      `config: ${config}:3:14: overrides.oauth-app-consent.enabled: 'oauth-app-consent' is step 1 of the sequence 'oauth-chain', which stays enabled and would never complete. ` +
        `Disable 'oauth-chain' too (overrides.oauth-chain.enabled: false), or keep 'oauth-app-consent' enabled and tune it (severity, count, params) or allow-list what it should not see.`,
    ]);
  });

  it('refuses TypeScript rules, which the functions cannot run yet', () => {
    const config = userRepo();
    writeFileSync(join(config, '..', 'detections', 'extra.ts'), 'export default {};\n');
    expect(synthProblems(config)).toEqual([
      expect.stringMatching(
        /extra\.ts: is a TypeScript or JavaScript rule: replay and test run those, the deployed functions take YAML and JSON rules only/,
      ),
    ]);
  });

  it('a missing config file is a synth problem, not a stack trace', () => {
    expect(synthProblems(join(tmp(), 'nope.yaml'))).toEqual([
      expect.stringMatching(/nope\.yaml: no such file$/),
    ]);
  });
});
