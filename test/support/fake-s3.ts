/**
 * S3 `GetObject` over real HTTP on 127.0.0.1, path-style (`GET /<bucket>/<key>[?versionId=]`), as the
 * SDK calls it with `forcePathStyle`: the object's bytes with its `ETag`, `x-amz-version-id` when it
 * has one, `NoSuchKey` / `NoSuchVersion` / `AccessDenied` XML errors with their statuses, and scripted
 * answers (503 SlowDown, 500) or a connection cut after half the body, for the next requests.
 */
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { S3Client } from '@aws-sdk/client-s3';

export interface FakeS3 {
  endpoint: string;
  /** `bucket/key` -> versions (last is current). */
  objects: Map<string, { body: Buffer; versionId?: string; etag: string }[]>;
  put(
    bucket: string,
    key: string,
    body: Buffer,
    opts?: { versioned?: boolean },
  ): { etag: string; versionId?: string };
  denied: Set<string>;
  script: ({ status: number; code: string } | 'cut')[];
  /** Every GET, as `bucket/key`. */
  gets: string[];
  client(): S3Client;
  close(): Promise<void>;
}

const xmlError = (code: string, message: string): string =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>${randomBytes(8).toString('hex')}</RequestId></Error>`;

export async function startFakeS3(): Promise<FakeS3> {
  const state = {
    objects: new Map<string, { body: Buffer; versionId?: string; etag: string }[]>(),
    denied: new Set<string>(),
    script: [] as FakeS3['script'],
    gets: [] as string[],
  };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const [, bucket, ...rest] = url.pathname.split('/');
    const key = decodeURIComponent(rest.join('/'));
    const id = `${bucket}/${key}`;
    const fail = (status: number, code: string, message: string): void => {
      res.writeHead(status, { 'content-type': 'application/xml' });
      res.end(xmlError(code, message));
    };
    if (req.method !== 'GET') return fail(405, 'MethodNotAllowed', 'not faked');
    state.gets.push(id);
    const scripted = state.script.shift();
    const versions = state.objects.get(id);
    if (scripted && scripted !== 'cut') return fail(scripted.status, scripted.code, 'scripted');
    if (state.denied.has(bucket ?? '')) return fail(403, 'AccessDenied', 'Access Denied');
    if (!versions || versions.length === 0)
      return fail(404, 'NoSuchKey', 'The specified key does not exist.');
    const wanted = url.searchParams.get('versionId');
    const obj =
      wanted === null ? versions[versions.length - 1] : versions.find((v) => v.versionId === wanted);
    if (!obj) return fail(404, 'NoSuchVersion', 'The specified version does not exist.');
    const headers: Record<string, string> = {
      'content-type': 'application/x-gzip',
      'content-length': String(obj.body.length),
      etag: `"${obj.etag}"`,
      'last-modified': new Date().toUTCString(),
    };
    if (obj.versionId) headers['x-amz-version-id'] = obj.versionId;
    res.writeHead(200, headers);
    if (scripted === 'cut') {
      res.write(obj.body.subarray(0, Math.floor(obj.body.length / 2)));
      res.destroy();
      return;
    }
    res.end(obj.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(state, {
    endpoint,
    put(bucket: string, key: string, body: Buffer, opts: { versioned?: boolean } = {}) {
      const list = state.objects.get(`${bucket}/${key}`) ?? [];
      const etag = createHash('md5').update(body).digest('hex');
      const v = opts.versioned
        ? { body, etag, versionId: randomBytes(16).toString('base64url') }
        : { body, etag };
      list.push(v);
      state.objects.set(`${bucket}/${key}`, list);
      return v.versionId !== undefined ? { etag, versionId: v.versionId } : { etag };
    },
    client: () =>
      new S3Client({
        endpoint,
        forcePathStyle: true,
        region: 'us-east-1',
        credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' },
        maxAttempts: 2,
      }),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  });
}
