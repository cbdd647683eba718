/**
 * Secrets Manager over real HTTP on 127.0.0.1, speaking the AWS JSON 1.1 protocol the SDK uses
 * (`POST /` with `X-Amz-Target: secretsmanager.GetSecretValue`): secrets are set by the test, an unknown
 * one answers `ResourceNotFoundException` as the service does, and every request is counted.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

export interface FakeSecretsManager {
  endpoint: string;
  /** Secret values by id (ARN or name). */
  secrets: Map<string, string>;
  /** GetSecretValue calls, by secret id. */
  reads: string[];
  /** A client pointed at this server with static test credentials. */
  client(): SecretsManagerClient;
  close(): Promise<void>;
}

export async function startFakeSecretsManager(): Promise<FakeSecretsManager> {
  const secrets = new Map<string, string>();
  const reads: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const send = (status: number, payload: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(payload));
      };
      if (target !== 'secretsmanager.GetSecretValue') {
        send(400, { __type: 'UnknownOperationException', message: `not faked: ${target}` });
        return;
      }
      const { SecretId } = JSON.parse(body) as { SecretId: string };
      reads.push(SecretId);
      const value = secrets.get(SecretId);
      if (value === undefined) {
        send(400, {
          __type: 'ResourceNotFoundException',
          message: "Secrets Manager can't find the specified secret.",
        });
        return;
      }
      send(200, { ARN: SecretId, Name: SecretId, SecretString: value, VersionId: 'v1', CreatedDate: 1.7e9 });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    secrets,
    reads,
    client: () =>
      new SecretsManagerClient({
        endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' },
        maxAttempts: 1,
      }),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
