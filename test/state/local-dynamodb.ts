/**
 * dynalite (an in-process DynamoDB emulator) for tests: random port, and a client configured fully
 * explicitly (region, credentials, endpoint, retry, endpoint options) so nothing is read from the
 * environment or ~/.aws.
 */
import type { DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';

// The SDK warns once per process that it will soon need Node 22; not our concern in tests.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';

export interface LocalDynamo {
  endpoint: string;
  /** A new client for this server; destroyed by `stop()`. */
  client(extra?: Partial<DynamoDBClientConfig>): DynamoDBClient;
  stop(): Promise<void>;
}

/** Client config that reads nothing from the environment. */
export function localClientConfig(endpoint: string): DynamoDBClientConfig {
  return {
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 3,
    retryMode: 'standard',
    useFipsEndpoint: false,
    useDualstackEndpoint: false,
    accountIdEndpointMode: 'disabled',
    authSchemePreference: [],
    endpointDiscoveryEnabled: false,
    userAgentAppId: 'tripline-test',
    defaultsMode: 'standard',
  };
}

export async function startDynalite(): Promise<LocalDynamo> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clients: DynamoDBClient[] = [];
  return {
    endpoint,
    client(extra = {}) {
      const c = new DynamoDBClient({ ...localClientConfig(endpoint), ...extra });
      clients.push(c);
      return c;
    },
    async stop() {
      for (const c of clients) c.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
