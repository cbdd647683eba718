/**
 * An HTTPS server on 127.0.0.1 with the test-only certificate in `test/support/tls/`, for fake vendor
 * APIs that clients must reach over https exactly as they reach the real ones. See tls/README.md.
 */
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

const TLS_DIR = path.join(__dirname, 'tls');

/** Path of the test CA certificate (for `NODE_EXTRA_CA_CERTS` or a client's `ca` option). */
export const TEST_CA_FILE = path.join(TLS_DIR, 'ca.pem');

/** The test CA certificate, PEM. */
export function testCa(): string {
  return readFileSync(TEST_CA_FILE, 'utf8');
}

export interface HttpsTestServer {
  /** `https://localhost:<port>` (the certificate names localhost and 127.0.0.1). */
  base: string;
  port: number;
  close(): Promise<void>;
}

/** Starts an HTTPS server on an ephemeral port of 127.0.0.1. */
export async function startHttpsServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<HttpsTestServer> {
  const server = https.createServer(
    {
      key: readFileSync(path.join(TLS_DIR, 'server.key')),
      cert: readFileSync(path.join(TLS_DIR, 'server.pem')),
    },
    handler,
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `https://localhost:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
