/**
 * App-only tokens from a local HTTPS Entra ID: client secret and certificate, an authority that is
 * not Microsoft's public cloud (no instance discovery), refused credentials, and forcing a new token.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { EntraAuthError, EntraTokenSource, credentialProblems } from '#shared/sources/microsoft/auth';
import { startFakeEntra } from '../../support/fake-entra';
import type { FakeEntra } from '../../support/fake-entra';
import { testCaFetch } from '../../support/https-fetch';

const TENANT = '2f4a9c1e-7b3d-4e5f-a6b7-c8d9e0f1a2b3';
const CLIENT = '6c1f3b0e-9d2a-4e8f-b7c6-5a4d3e2f1b0c';
const CERT_PEM = readFileSync(path.join(__dirname, '../../support/tls/entra-app.pem'), 'utf8');
const GRAPH = 'https://graph.example.test';

let entra: FakeEntra;
beforeEach(async () => {
  entra = await startFakeEntra();
});
afterEach(async () => {
  await entra.close();
});

describe('EntraTokenSource', () => {
  it('gets a token with a client secret from any authority host, without asking the public cloud anything', async () => {
    entra.register({ tenantId: TENANT, clientId: CLIENT, secret: 's3cr3t' });
    const tokens = new EntraTokenSource(
      { tenantId: TENANT, clientId: CLIENT, clientSecret: 's3cr3t' },
      { authorityHost: entra.base, fetch: testCaFetch },
    );
    const t = await tokens.getToken(`${GRAPH}/.default`);
    expect(entra.check(`Bearer ${t.token}`, GRAPH)).toMatchObject({
      ok: true,
      tenantId: TENANT,
      clientId: CLIENT,
    });
    expect(entra.requests).toEqual([
      `GET /${TENANT}/v2.0/.well-known/openid-configuration`,
      `POST /${TENANT}/oauth2/v2.0/token`,
    ]);
    // Cached: a second call asks nothing.
    await tokens.getToken(`${GRAPH}/.default`);
    expect(entra.issued).toHaveLength(1);
  });

  it('signs a client assertion with the certificate and its key', async () => {
    entra.register({ tenantId: TENANT, clientId: CLIENT, certificatePem: CERT_PEM });
    const tokens = new EntraTokenSource(
      { tenantId: TENANT, clientId: CLIENT, certificate: CERT_PEM },
      { authorityHost: entra.base, fetch: testCaFetch },
    );
    const t = await tokens.getToken(`${GRAPH}/.default`);
    expect(entra.check(`Bearer ${t.token}`, GRAPH).ok).toBe(true);
  });

  it('asks for a new token after invalidate, even though the cached one has not expired', async () => {
    entra.register({ tenantId: TENANT, clientId: CLIENT, secret: 's3cr3t' });
    const tokens = new EntraTokenSource(
      { tenantId: TENANT, clientId: CLIENT, clientSecret: 's3cr3t' },
      { authorityHost: entra.base, fetch: testCaFetch },
    );
    const first = await tokens.getToken(`${GRAPH}/.default`);
    entra.expireAll();
    tokens.invalidate();
    const second = await tokens.getToken(`${GRAPH}/.default`);
    expect(second.token).not.toBe(first.token);
    expect(entra.check(`Bearer ${second.token}`, GRAPH).ok).toBe(true);
  });

  it('says which app and tenant were refused and what to check, without retrying', async () => {
    entra.register({ tenantId: TENANT, clientId: CLIENT, secret: 'the-right-one' });
    const tokens = new EntraTokenSource(
      { tenantId: TENANT, clientId: CLIENT, clientSecret: 'expired-one' },
      { authorityHost: entra.base, fetch: testCaFetch },
    );
    const err = (await tokens.getToken(`${GRAPH}/.default`).catch((e: unknown) => e)) as EntraAuthError;
    expect(err).toBeInstanceOf(EntraAuthError);
    expect(err.retryable).toBe(false);
    expect(err.message).toContain(`Entra ID refused the credentials of app ${CLIENT} in tenant ${TENANT}`);
    expect(err.message).toMatch(/AADSTS7000215/);
    expect(err.message).toMatch(/expired secret/);
  });

  it('lists every missing piece of a credentials object at once', () => {
    expect(credentialProblems({ tenantId: TENANT })).toEqual([
      'clientId is missing (the Application (client) ID)',
      'neither clientSecret nor certificate is set (give one: a client secret value, or a PEM with certificate and private key)',
    ]);
    expect(
      credentialProblems({ tenantId: TENANT, clientId: CLIENT, certificate: '-----BEGIN CERTIFICATE-----' }),
    ).toEqual([
      'certificate holds no private key (give the PEM with both the certificate and its private key)',
    ]);
  });
});
