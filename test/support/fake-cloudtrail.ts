/**
 * CloudTrail `LookupEvents` over real HTTP on 127.0.0.1, speaking the AWS JSON 1.1 protocol the SDK
 * uses (`POST /`, `X-Amz-Target: CloudTrail_20131101.LookupEvents`), as documented:
 * - events with `StartTime <= eventTime <= EndTime` (both inclusive), newest first, at most
 *   `MaxResults` (1..50, else `InvalidParameterException`) per page, an opaque `NextToken` while more
 *   remain; a token from another query or one the test expired answers `InvalidNextTokenException`;
 * - each event with `EventId`, `EventName`, `EventTime` (epoch seconds), `EventSource`, `Username`,
 *   `ReadOnly` and the whole record as a JSON string in `CloudTrailEvent`;
 * - more than 2 requests in any second answers `ThrottlingException` (HTTP 400), counted;
 * - `script` queues raw error answers for the next requests (500 InternalFailure, throttles).
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';

export interface FakeCloudTrail {
  endpoint: string;
  /** CloudTrail records (the `detail` of an EventBridge event); `raw` replaces CloudTrailEvent text. */
  records: { record: Record<string, unknown>; raw?: string }[];
  add(...records: Record<string, unknown>[]): void;
  script: { status: number; type: string; message: string }[];
  /** Start times (ms) of every request. */
  requests: { at: number; body: Record<string, unknown> }[];
  throttled: number;
  /** Requests allowed in any second before ThrottlingException. @default 2 (the documented limit) */
  perSecond: number;
  /** Makes every NextToken issued so far invalid. */
  expireTokens(): void;
  /** A client pointed at this server with static credentials; retries as given. */
  client(maxAttempts?: number): CloudTrailClient;
  close(): Promise<void>;
}

export async function startFakeCloudTrail(): Promise<FakeCloudTrail> {
  const tokens = new Map<string, { offset: number; query: string }>();
  const state = {
    records: [] as FakeCloudTrail['records'],
    script: [] as FakeCloudTrail['script'],
    requests: [] as FakeCloudTrail['requests'],
    throttled: 0,
    perSecond: 2,
  };
  const server = http.createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString('utf8')));
    req.on('end', () => {
      const send = (status: number, payload: unknown): void => {
        res.writeHead(status, {
          'content-type': 'application/x-amz-json-1.1',
          'x-amzn-requestid': randomBytes(8).toString('hex'),
        });
        res.end(JSON.stringify(payload));
      };
      const fail = (status: number, type: string, message: string): void =>
        send(status, { __type: type, message });
      const target = String(req.headers['x-amz-target'] ?? '');
      if (!target.endsWith('.LookupEvents')) {
        fail(400, 'UnknownOperationException', `not faked: ${target}`);
        return;
      }
      const now = Date.now();
      const body = JSON.parse(text || '{}') as Record<string, unknown>;
      state.requests.push({ at: now, body });
      if (state.requests.filter((r) => r.at > now - 1000).length > state.perSecond) {
        state.throttled++;
        fail(400, 'ThrottlingException', 'Rate exceeded');
        return;
      }
      const scripted = state.script.shift();
      if (scripted) {
        fail(scripted.status, scripted.type, scripted.message);
        return;
      }
      const max = body['MaxResults'] === undefined ? 50 : Number(body['MaxResults']);
      if (!Number.isInteger(max) || max < 1 || max > 50) {
        fail(400, 'InvalidParameterException', 'MaxResults must be between 1 and 50');
        return;
      }
      const start = typeof body['StartTime'] === 'number' ? body['StartTime'] * 1000 : -Infinity;
      const end = typeof body['EndTime'] === 'number' ? body['EndTime'] * 1000 : Infinity;
      if (start > end) {
        fail(400, 'InvalidTimeRangeException', 'Start time must be before end time');
        return;
      }
      const query = `${start}|${end}|${max}`;
      let offset = 0;
      if (typeof body['NextToken'] === 'string') {
        const t = tokens.get(body['NextToken']);
        if (!t || t.query !== query) {
          fail(400, 'InvalidNextTokenException', 'Invalid NextToken');
          return;
        }
        offset = t.offset;
      }
      const matching = state.records
        .map((r) => ({ ...r, t: Date.parse(String(r.record['eventTime'])) }))
        .filter((r) => r.t >= start && r.t <= end)
        .sort((a, b) => b.t - a.t);
      const page = matching.slice(offset, offset + max);
      const out: Record<string, unknown> = {
        Events: page.map(({ record, raw, t }) => ({
          EventId: record['eventID'],
          EventName: record['eventName'],
          ReadOnly: String(record['readOnly'] ?? false),
          EventTime: t / 1000,
          EventSource: record['eventSource'],
          Username: (record['userIdentity'] as { userName?: string } | undefined)?.userName,
          Resources: [],
          CloudTrailEvent: raw ?? JSON.stringify(record),
        })),
      };
      if (offset + max < matching.length) {
        const token = randomBytes(24).toString('base64');
        tokens.set(token, { offset: offset + max, query });
        out['NextToken'] = token;
      }
      send(200, out);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(state, {
    endpoint,
    add(...records: Record<string, unknown>[]) {
      state.records.push(...records.map((record) => ({ record })));
    },
    expireTokens() {
      tokens.clear();
    },
    client: (maxAttempts = 3) =>
      new CloudTrailClient({
        endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' },
        maxAttempts,
        retryMode: 'standard',
      }),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  });
}
