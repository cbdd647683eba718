/**
 * The pollers' credential for another tenant: a multi-tenant app registration that trusts the Function
 * App's managed identity as a federated identity credential. The real ManagedIdentityCredential (fake
 * identity endpoint) supplies the client assertion, the real ClientAssertionCredential sends it to an
 * Entra token endpoint over HTTPS (a local one that accepts only that identity's exchange tokens, as
 * Entra does with a federated credential): no secret anywhere.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AZURE_TOKEN_EXCHANGE_AUDIENCE } from '#shared/config/azure';
import { pollerCredential } from '../../../functions/azure/pollers';
import { startFakeIdentity } from '../../support/fake-identity';
import type { FakeIdentity } from '../../support/fake-identity';
import { startHttpsServer } from '../../support/https-server';
import type { HttpsTestServer } from '../../support/https-server';
import { testCaFetch } from '../../support/https-fetch';

const OTHER_TENANT = '5b8e2f1a-3c4d-4e6f-9a0b-1c2d3e4f5a6b';
const APP = '3e9d1c7b-2a4f-4b6e-8d0c-9f1e2d3c4b5a';

let identity: FakeIdentity;
let entra: HttpsTestServer;
const tokenRequests: Array<Record<string, string>> = [];
const savedEnv = { ...process.env };

/** Entra's token endpoint for an app whose only credential is the federated identity. */
function tokenService(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', entra.base);
  const json = (status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(body));
  };
  const meta = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(url.pathname);
  if (req.method === 'GET' && meta) {
    const t = meta[1] as string;
    return json(200, {
      token_endpoint: `${entra.base}/${t}/oauth2/v2.0/token`,
      issuer: `${entra.base}/${t}/v2.0`,
      authorization_endpoint: `${entra.base}/${t}/oauth2/v2.0/authorize`,
      end_session_endpoint: `${entra.base}/${t}/oauth2/v2.0/logout`,
      jwks_uri: `${entra.base}/${t}/discovery/v2.0/keys`,
    });
  }
  if (req.method !== 'POST' || url.pathname !== `/${OTHER_TENANT}/oauth2/v2.0/token`)
    return json(404, { error: 'not_found' });
  let body = '';
  req.on('data', (c: Buffer) => (body += c.toString('utf8')));
  req.on('end', () => {
    const form = Object.fromEntries(new URLSearchParams(body));
    tokenRequests.push(form);
    const assertion = form['client_assertion'] ?? '';
    const ok =
      form['grant_type'] === 'client_credentials' &&
      form['client_id'] === APP &&
      form['client_assertion_type'] === 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer' &&
      identity.resourceOf(assertion) === AZURE_TOKEN_EXCHANGE_AUDIENCE;
    if (!ok)
      return json(401, {
        error: 'invalid_client',
        error_description:
          'AADSTS70021: No matching federated identity record found for presented assertion.',
        error_codes: [70021],
      });
    json(200, {
      token_type: 'Bearer',
      expires_in: 3599,
      access_token: `app-token-for-${form['scope'] ?? ''}`,
    });
  });
}

beforeAll(async () => {
  identity = await startFakeIdentity();
  Object.assign(process.env, identity.env());
  entra = await startHttpsServer(tokenService);
});
afterAll(async () => {
  process.env = savedEnv;
  await entra.close();
  await identity.close();
});

it("reads another tenant as the multi-tenant app, presenting the managed identity's exchange token as the client assertion", async () => {
  const credential = pollerCredential({ tenantId: OTHER_TENANT, graphClientId: APP }, undefined, {
    authorityHost: entra.base,
    fetch: testCaFetch,
  })();
  const token = await credential.getToken('https://graph.microsoft.com/.default');

  expect(token?.token).toBe('app-token-for-https://graph.microsoft.com/.default');
  expect(identity.requests).toEqual([AZURE_TOKEN_EXCHANGE_AUDIENCE]);
  expect(tokenRequests).toHaveLength(1);
  expect(tokenRequests[0]).not.toHaveProperty('client_secret');
});

it('fails with Entra’s reason when the app does not trust the identity', async () => {
  const credential = pollerCredential(
    { tenantId: OTHER_TENANT, graphClientId: '0f0f0f0f-1e1e-4d2d-8c3c-4b4b4b4b4b4b' },
    undefined,
    { authorityHost: entra.base, fetch: testCaFetch },
  )();
  await expect(credential.getToken('https://graph.microsoft.com/.default')).rejects.toThrow(/AADSTS70021/);
});

it("uses the managed identity itself for the Function App's own tenant", async () => {
  const before = identity.requests.length;
  const credential = pollerCredential({ tenantId: OTHER_TENANT, graphClientId: undefined })();
  const token = await credential.getToken('https://manage.office.com/.default');
  expect(identity.resourceOf(token?.token ?? '')).toBe('https://manage.office.com');
  expect(identity.requests.slice(before)).toEqual(['https://manage.office.com']);
});
