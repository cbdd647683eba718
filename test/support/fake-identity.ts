/**
 * A local stand-in for the App Service / Azure Functions managed identity endpoint (the one
 * `IDENTITY_ENDPOINT` and `IDENTITY_HEADER` point at on Flex Consumption): `GET <endpoint>?resource=
 * <resource>&api-version=2019-08-01` with the `X-IDENTITY-HEADER` secret answers
 * `{ access_token, expires_on, resource, token_type }`. The real `ManagedIdentityCredential` of
 * @azure/identity talks to it unchanged.
 *
 * Tokens are opaque strings naming the resource (`mi-<n>-<resource>`), so the other fakes (Service
 * Bus, STS) can tell which audience a token was issued for with {@link FakeIdentity.resourceOf}.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeIdentity {
  /** `http://127.0.0.1:<port>/msi/token`: the value of IDENTITY_ENDPOINT. */
  endpoint: string;
  /** The value of IDENTITY_HEADER. */
  header: string;
  /** Resources tokens were requested for, in order. */
  requests: string[];
  /** The resource a token was issued for, or undefined for a token this fake never issued. */
  resourceOf(token: string): string | undefined;
  /** The environment the Functions host gives a function with a system-assigned identity. */
  env(): Record<string, string>;
  close(): Promise<void>;
}

/** Starts the fake managed identity endpoint; tokens live `ttlSeconds`. */
export async function startFakeIdentity(ttlSeconds = 3600): Promise<FakeIdentity> {
  const header = `identity-header-${Math.random().toString(36).slice(2)}`;
  const issued = new Map<string, string>();
  const requests: string[] = [];
  let n = 0;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const resource = url.searchParams.get('resource') ?? '';
    if (req.headers['x-identity-header'] !== header || url.pathname !== '/msi/token' || resource === '') {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ statusCode: 400, message: 'bad request' }));
      return;
    }
    requests.push(resource);
    const token = `mi-${++n}-${resource}`;
    issued.set(token, resource);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        access_token: token,
        expires_on: String(Math.floor(Date.now() / 1000) + ttlSeconds),
        resource,
        token_type: 'Bearer',
        client_id: '00000000-0000-0000-0000-00000000c11e',
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/msi/token`;
  return {
    endpoint,
    header,
    requests,
    resourceOf: (token) => issued.get(token),
    env: () => ({ IDENTITY_ENDPOINT: endpoint, IDENTITY_HEADER: header }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
