/**
 * The responder's policy, as a user writes it and as it decides: validation that names every bad
 * setting, which findings qualify, what a finding names (app, platform, consenting users), the
 * protected apps, and the circuit breaker's arithmetic.
 */
import {
  RESPONDER_DEFAULTS,
  ResponderConfigError,
  loadResponderConfig,
  parseResponderPolicy,
  parseResponderPolicyText,
  severitiesFrom,
} from '#shared/config/responder';
import type { Finding } from '#shared/engine/findings';
import { HOUR_MS, admit, reset } from '#shared/respond/core/breaker';
import { decide, isTarget, targetOf } from '#shared/respond/core/policy';
import { parseActionId } from '#shared/respond/core/types';
import { EVIL_APP, TENANT, chainFinding } from './harness';

const on = parseResponderPolicy({ mode: 'on' }, 'test');

describe('the policy file', () => {
  it('is off by default, for oauth-chain and oauth-risky-consent at critical, every action, 20 an hour', () => {
    expect(parseResponderPolicy({}, 'x')).toEqual(RESPONDER_DEFAULTS);
    expect(RESPONDER_DEFAULTS).toMatchObject({
      mode: 'off',
      rules: ['oauth-chain', 'oauth-risky-consent'],
      minSeverity: 'critical',
      maxActionsPerHour: 20,
    });
  });

  it('lists every problem at once, each with its path', () => {
    let err: unknown;
    try {
      parseResponderPolicy(
        {
          mode: 'yes',
          rules: [],
          minSeverity: 'urgent',
          actions: ['nuke'],
          retentionDays: 30,
          maxActionsPerHour: 0,
          colour: 1,
        },
        'respond.json',
      );
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ResponderConfigError);
    const problems = (err as ResponderConfigError).problems.join('\n');
    expect(problems).toMatch(/mode: must be one of off, dry-run, on/);
    expect(problems).toMatch(/rules: must name at least one rule/);
    expect(problems).toMatch(/minSeverity: must be one of info, low, medium, high, critical/);
    expect(problems).toMatch(/actions\[0\]: may hold entra-disable-app/);
    expect(problems).toMatch(/retentionDays: must be at least 90/);
    expect(problems).toMatch(/maxActionsPerHour: must be at least 1/);
    expect(problems).toMatch(/unknown setting colour/);
    expect((err as Error).message).toMatch(/^respond\.json: 7 problems/);
  });

  it('says a file that is not JSON is not JSON', () => {
    expect(() => parseResponderPolicyText('{mode: on}', 'respond.json')).toThrow(
      /respond\.json.*is not JSON/s,
    );
  });

  it('gives the SQS filter the severities at and above the floor', () => {
    expect(severitiesFrom('high')).toEqual(['high', 'critical']);
  });
});

describe('the responder function environment', () => {
  const env = {
    STATE_TABLE_NAME: 'tripline-state',
    FINDINGS_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:findings',
    RESPONDER_POLICY: JSON.stringify({ mode: 'dry-run' }),
    ENTRA_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:Tripline/responder-entra-AbCdEf',
  };

  it('reads the table, the topic, the policy and the secrets', () => {
    const c = loadResponderConfig(env);
    expect(c.policy.mode).toBe('dry-run');
    expect(c.entraSecretArn).toBe(env.ENTRA_SECRET_ARN);
    expect(c.googleSecretArn).toBeUndefined();
  });

  it('names every missing or invalid variable', () => {
    expect(() => loadResponderConfig({ RESPONDER_POLICY: '{"mode":"on","minSeverity":"bad"}' })).toThrow(
      /STATE_TABLE_NAME is not set[\s\S]*FINDINGS_TOPIC_ARN is not set[\s\S]*RESPONDER_POLICY minSeverity/,
    );
    expect(() => loadResponderConfig({ ...env, ENTRA_SECRET_ARN: undefined })).toThrow(
      /neither ENTRA_SECRET_ARN nor GOOGLE_SECRET_ARN is set/,
    );
  });
});

describe('what a finding names', () => {
  it('takes the app id from the dedup key and the consenting users from the consent steps', () => {
    const t = targetOf(chainFinding());
    expect(isTarget(t) && t).toMatchObject({
      platform: 'entra',
      appId: EVIL_APP,
      appName: 'Mail Archiver Pro',
      tenant: TENANT,
      users: ['bob@contoso.com', 'carol@contoso.com'],
    });
  });

  it('does not take the reader of step 3 for someone who consented', () => {
    const t = targetOf(chainFinding({ users: ['carol@contoso.com'] }));
    expect(isTarget(t) && t.users).toEqual(['carol@contoso.com']);
  });

  it('reads a Google authorize finding: the client id and the user who authorized', () => {
    const f: Finding = {
      ...chainFinding(),
      ruleId: 'oauth-risky-consent',
      id: 'oauth-risky-consent-1111222233334444',
      title: 'carol@contoso-labs.com granted "PDF Converter Pro" https://mail.google.com/',
      tenant: 'C03x9k2m1',
      principal: 'carol@contoso-labs.com',
      dedupKey: 'C03x9k2m1|884512730021-k3j4h5g6f7d8s9a0.apps.googleusercontent.com',
      evidence: [
        {
          id: 'g1',
          time: '2026-03-03T08:00:00.000Z',
          source: 'google.workspace',
          action: 'authorize',
          actor: 'carol@contoso-labs.com',
          target: 'PDF Converter Pro',
        },
      ],
    };
    const t = targetOf(f);
    expect(isTarget(t) && t).toMatchObject({
      platform: 'google',
      appId: '884512730021-k3j4h5g6f7d8s9a0.apps.googleusercontent.com',
      appName: 'PDF Converter Pro',
      users: ['carol@contoso-labs.com'],
    });
    const d = decide(f, on);
    expect(d.kind === 'respond' && d.actions).toEqual(['google-tokens']);
  });

  it('refuses a finding whose key is not an app id, saying why', () => {
    const d = decide(
      { ...chainFinding(), dedupKey: `${TENANT}|bob@contoso.com`, principal: 'bob@contoso.com' },
      on,
    );
    expect(d).toEqual({
      kind: 'unusable',
      reason: expect.stringMatching(/no Entra application id in its dedup key/) as unknown,
    });
  });
});

describe('which findings qualify', () => {
  it('ignores everything when the mode is off', () => {
    expect(decide(chainFinding(), RESPONDER_DEFAULTS)).toEqual({
      kind: 'ignore',
      reason: 'the responder is off',
    });
  });

  it('ignores other rules and findings below the floor', () => {
    expect(decide(chainFinding({ ruleId: 'password-spray' }), on).kind).toBe('ignore');
    expect(decide(chainFinding({ severity: 'high' }), on)).toMatchObject({
      kind: 'ignore',
      reason: expect.stringMatching(/below the floor critical/) as unknown,
    });
    expect(decide(chainFinding({ severity: 'high' }), { ...on, minSeverity: 'high' }).kind).toBe('respond');
  });

  it('protects Microsoft first-party apps and the sanctioned list, case-insensitively', () => {
    expect(decide(chainFinding({ appId: 'd3590ed6-52b3-4102-aeff-aad2292ab01c' }), on)).toMatchObject({
      kind: 'protected',
      reason: expect.stringMatching(/Microsoft first-party/) as unknown,
    });
    const sanctioned = parseResponderPolicy({ mode: 'on', protectedApps: [EVIL_APP.toUpperCase()] }, 'x');
    expect(decide(chainFinding(), sanctioned).kind).toBe('protected');
  });

  it('runs only the actions the policy allows, in their order', () => {
    const d = decide(chainFinding(), { ...on, actions: ['entra-sessions', 'entra-grants'] });
    expect(d.kind === 'respond' && d.actions).toEqual(['entra-grants', 'entra-sessions']);
  });
});

describe('the circuit breaker', () => {
  const T = Date.parse('2026-03-02T12:00:00Z');

  it('admits up to the limit in any hour, then trips and stays tripped', () => {
    let state = admit(undefined, 3, T, 4).next;
    const second = admit(state, 2, T + 60_000, 4);
    expect(second.ok).toBe(false);
    expect(second.ok === false && second.trippedNow).toBe(true);
    state = second.next;
    // Two hours later the count is gone, but the breaker stays open until reset.
    const later = admit(state, 1, T + 2 * HOUR_MS, 4);
    expect(later.ok).toBe(false);
    expect(admit(reset(), 1, T + 2 * HOUR_MS, 4).ok).toBe(true);
  });

  it('forgets actions older than an hour', () => {
    const state = admit(undefined, 4, T, 4).next;
    expect(admit(state, 1, T + HOUR_MS - 1, 4).ok).toBe(false);
    expect(admit(state, 4, T + HOUR_MS, 4).ok).toBe(true);
  });
});

describe('action ids', () => {
  it('are <finding id>/<action>', () => {
    expect(parseActionId('oauth-chain-3b0f6c1d9e2a4f57/entra-grants')).toEqual({
      findingId: 'oauth-chain-3b0f6c1d9e2a4f57',
      kind: 'entra-grants',
    });
    expect(parseActionId('oauth-chain-3b0f6c1d9e2a4f57/delete-everything')).toBeUndefined();
  });
});
