/**
 * The registrations the poller function builds its streams from: the Workspace secret (one customer or
 * several) read from a Secrets Manager over HTTP, and the LookupEvents regions.
 */
import { loadLambdaConfig } from '#shared/config/lambda-config';
import type { LambdaConfig } from '#shared/config/lambda-config';
import { RateLimiter } from '#shared/sources/rate-limit';
import { POLL_SOURCES, isTargetFailure, registeredPollSources } from '#shared/sources/registry';
import type { PollTarget, PollTargetFailure } from '#shared/sources/registry';
import { lookupRegistration } from '#shared/sources/registrations/cloudtrail-lookup';
import { WORKSPACE_TIMING, workspaceRegistration } from '#shared/sources/registrations/workspace';
import { SecretError, SecretsManagerJson } from '#shared/sources/secret';
import { iamUserCall } from '../functions/cloudtrail-events';
import { startFakeCloudTrail } from '../support/fake-cloudtrail';
import { activity, startFakeGoogle } from '../support/fake-google';
import type { FakeGoogle } from '../support/fake-google';
import { startFakeSecretsManager } from '../support/fake-secrets-manager';
import type { FakeSecretsManager } from '../support/fake-secrets-manager';
import { testCaFetch } from '../support/https-fetch';

const ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:Tripline-workspace-AbCdEf';
const NOW = Date.parse('2026-03-04T12:00:00Z');
/** The targets built (a registration of these sources throws rather than report a failed one). */
const built = (ts: Array<PollTarget | PollTargetFailure> | undefined): PollTarget[] =>
  (ts ?? []).filter((t): t is PollTarget => !isTargetFailure(t));
const config = (env: Record<string, string> = {}): LambdaConfig =>
  loadLambdaConfig({
    STATE_TABLE_NAME: 'tripline-state',
    FINDINGS_TOPIC_ARN: 'arn:aws:sns:eu-west-1:111122223333:findings',
    SOURCE: 'workspace',
    SECRET_ARN: ARN,
    ...env,
  });

describe('the default registry', () => {
  it('polls every polling source in this build', () => {
    expect(registeredPollSources()).toEqual(['cloudtrail-lookup', 'graph', 'm365', 'workspace']);
    expect(POLL_SOURCES['workspace']?.targets).toBeDefined();
  });
});

describe('workspace registration', () => {
  let sm: FakeSecretsManager;
  let google: FakeGoogle;
  let notices: string[];
  beforeEach(async () => {
    sm = await startFakeSecretsManager();
    google = await startFakeGoogle();
    notices = [];
  });
  afterEach(async () => {
    await sm.close();
    await google.close();
  });
  const entry = (extra: Record<string, unknown> = {}) => ({
    serviceAccountKey: JSON.stringify(google.keyFile),
    delegatedAdminEmail: 'admin@example.com',
    apiBase: google.base,
    ...extra,
  });
  const targets = async (): Promise<PollTarget[]> =>
    built(
      await workspaceRegistration({
        secrets: new SecretsManagerJson({ client: sm.client() }),
        sourceDeps: { fetch: testCaFetch, limiter: new RateLimiter({ requests: 100, perMs: 1000 }) },
      }).targets?.({ config: config({ TENANT_ID: 'C0fallback' }), env: {}, notice: (m) => notices.push(m) }),
    );

  it('polls each application of the customer as its own stream, late ones with their own timing', async () => {
    sm.secrets.set(ARN, JSON.stringify(entry()));
    const t = await targets();
    expect(t.map((x) => x.source.name)).toEqual([
      'workspace-token',
      'workspace-login',
      'workspace-admin',
      'workspace-drive',
      'workspace-user_accounts',
      'workspace-saml',
      'workspace-gmail',
    ]);
    expect(new Set(t.map((x) => x.tenant))).toEqual(new Set(['C0fallback']));
    expect(t[0]?.timing).toEqual(WORKSPACE_TIMING.token);
    expect(WORKSPACE_TIMING.token.overlapMs).toBeGreaterThan(WORKSPACE_TIMING.login.overlapMs);
    google.add('login', activity('login', NOW - 60_000));
    expect((await t[1]?.source.fetchPage({ from: NOW - 3_600_000, to: NOW }))?.records).toHaveLength(1);
  });

  it('polls several customers from one secret, each under its customer id', async () => {
    sm.secrets.set(
      ARN,
      JSON.stringify({
        tenants: [
          entry({ customerId: 'C01abc2de', applications: ['login'] }),
          entry({ customerId: 'C09zyx8wv', applications: ['login', 'token'] }),
        ],
      }),
    );
    const t = await targets();
    expect(t.map((x) => `${x.tenant}/${x.source.name}`)).toEqual([
      'C01abc2de/workspace-login',
      'C09zyx8wv/workspace-login',
      'C09zyx8wv/workspace-token',
    ]);
  });

  it('refuses several customers without a customer id each, naming the entry', async () => {
    sm.secrets.set(ARN, JSON.stringify({ tenants: [entry({ customerId: 'C01abc2de' }), entry()] }));
    await expect(targets()).rejects.toThrow(/tenants\[1\] has no customerId/);
  });

  it('names the empty keys of a fresh secret and how to fill them', async () => {
    sm.secrets.set(ARN, JSON.stringify({ serviceAccountKey: '', delegatedAdminEmail: '' }));
    const err = await targets().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SecretError);
    expect((err as Error).message).toMatch(/"serviceAccountKey", "delegatedAdminEmail".*put-secret-value/);
  });

  it('says which field of the secret is wrong', async () => {
    sm.secrets.set(ARN, JSON.stringify(entry({ delegatedAdminEmail: 'admin' })));
    await expect(targets()).rejects.toThrow(/Secret arn:[^]*delegatedAdminEmail is not an e-mail address/);
  });
});

describe('cloudtrail-lookup registration', () => {
  it('reads every region of LOOKUP_REGIONS, each with its own checkpoint, at the endpoint AWS_ENDPOINT_URL_CLOUDTRAIL names', async () => {
    const ct = await startFakeCloudTrail();
    try {
      const detail = (
        iamUserCall({
          at: NOW - 10 * 60_000,
          eventName: 'StopLogging',
          eventSource: 'cloudtrail.amazonaws.com',
          userName: 'm',
          ip: '198.51.100.1',
        }) as { detail: Record<string, unknown> }
      ).detail;
      ct.add(detail);
      const t = built(
        await lookupRegistration({
          clientConfig: { credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' } },
          limiter: new RateLimiter({ requests: 100, perMs: 1000 }),
        }).targets?.({
          config: config({ SOURCE: 'cloudtrail-lookup', LOOKUP_REGIONS: 'us-east-1, eu-west-1' }),
          env: { AWS_ENDPOINT_URL_CLOUDTRAIL: ct.endpoint, AWS_REGION: 'eu-west-1' },
        }),
      );
      expect(t.map((x) => x.source.name)).toEqual([
        'cloudtrail-lookup-us-east-1',
        'cloudtrail-lookup-eu-west-1',
      ]);
      expect((await t[0]?.source.fetchPage({ from: NOW - 3_600_000, to: NOW }))?.records).toHaveLength(1);
    } finally {
      await ct.close();
    }
  });

  it("defaults to the function's own region and refuses a region list that is not one", async () => {
    const t = built(
      await lookupRegistration().targets?.({
        config: config({ SOURCE: 'cloudtrail-lookup' }),
        env: { AWS_REGION: 'ap-southeast-2' },
      }),
    );
    expect(t.map((x) => x.source.name)).toEqual(['cloudtrail-lookup-ap-southeast-2']);
    expect(() => config({ SOURCE: 'cloudtrail-lookup', LOOKUP_REGIONS: 'Ireland' })).toThrow(
      /LOOKUP_REGIONS is not a list of AWS regions/,
    );
  });
});
