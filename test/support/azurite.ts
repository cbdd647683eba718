/**
 * azurite's Table service for tests, started in this process (no child process, no Docker) on a
 * random port with in-memory persistence. Started the way azurite's own entry point starts it, minus
 * its telemetry (which would reach out to the network): only the server is created.
 *
 * One per test file (beforeAll / afterAll): it starts in well under a second.
 */
import { AzureNamedKeyCredential, TableClient } from '@azure/data-tables';
import type { TableServiceClientOptions } from '@azure/data-tables';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// azurite ships no type declarations; these two are its documented server and configuration classes.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const TableServer = require('azurite/dist/src/table/TableServer').default as new (config: unknown) => {
  start(): Promise<void>;
  close(): Promise<void>;
  getHttpServerAddress(): string;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const TableConfiguration = require('azurite/dist/src/table/TableConfiguration').default as new (
  ...args: unknown[]
) => unknown;

/** azurite's well-known development account (public; accepted only by emulators). */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface LocalAzurite {
  /** `http://127.0.0.1:<port>/devstoreaccount1`: the Table service endpoint of the dev account. */
  endpoint: string;
  credential: AzureNamedKeyCredential;
  /** A client for `tableName` on this server. */
  tableClient(tableName: string, options?: TableServiceClientOptions): TableClient;
  stop(): Promise<void>;
}

/** Starts azurite's Table service on 127.0.0.1 and a random port. */
export async function startAzuriteTables(): Promise<LocalAzurite> {
  const dir = mkdtempSync(join(tmpdir(), 'azurite-'));
  // host, port, keepAliveTimeout, metadataDBPath, enableDebugLog, enableAccessLog, accessLogWriteStream,
  // debugLogFilePath, loose, skipApiVersionCheck, cert, key, pwd, oauth, disableProductStyleUrl, inMemory
  const config = new TableConfiguration(
    '127.0.0.1',
    0,
    undefined,
    join(dir, '__azurite_db_table__.json'),
    false,
    false,
    undefined,
    undefined,
    false,
    true,
    '',
    '',
    '',
    undefined,
    false,
    true,
  );
  const server = new TableServer(config);
  await server.start();
  const endpoint = `${server.getHttpServerAddress()}/${AZURITE_ACCOUNT}`;
  const credential = new AzureNamedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY);
  return {
    endpoint,
    credential,
    tableClient: (tableName, options = {}) =>
      new TableClient(endpoint, tableName, credential, {
        allowInsecureConnection: true,
        retryOptions: { maxRetries: 2, retryDelayInMs: 10, maxRetryDelayInMs: 50 },
        ...options,
      }),
    stop: () => server.close(),
  };
}
