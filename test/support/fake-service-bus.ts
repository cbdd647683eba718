/**
 * A local stand-in for the Azure Service Bus REST send endpoint, over real HTTP on 127.0.0.1.
 *
 * Protocol (Service Bus REST "Send Message" and "Send Message Batch"): `POST /<queue>/messages`,
 * `Authorization: Bearer <Entra token>`. Single: the message body as the request body,
 * `BrokerProperties` as a JSON header, each application property in its own header. Batch
 * (`Content-Type: application/vnd.microsoft.servicebus.json`): a JSON array of
 * `{ Body, BrokerProperties, UserProperties }`. Answers: 201 sent; 400 bad BrokerProperties; 401 no or
 * unknown token (an expired one too); 403 message over 256 KB (body plus properties); 410 no such
 * queue; 503 ServerBusy with `Retry-After` and 500 when told to fail.
 *
 * Duplicate detection, when a queue has it: a message whose MessageId was accepted within the window is
 * answered 201 and dropped, as Service Bus does.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A message the fake enqueued. */
export interface ReceivedSbMessage {
  queue: string;
  body: string;
  /** The request's content type (the batch type for batch sends). */
  contentType: string | undefined;
  broker: Record<string, unknown>;
  /** Application properties, decoded (JSON-quoted strings unquoted). */
  properties: Record<string, unknown>;
  /** Size as Service Bus counts it: body plus property names and values, UTF-8 bytes. */
  bytes: number;
}

export type FakeSbFailure = 'busy' | 'internal';

export interface FakeServiceBus {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  /** `http://127.0.0.1:<port>/<queue>` for a queue that exists. */
  queueUrl(queue?: string): string;
  /** Messages enqueued, in order. */
  messages: ReceivedSbMessage[];
  /** Requests refused, with status. */
  rejected: Array<{ status: number; reason: string }>;
  /** Sends answered 201 but dropped as duplicates. */
  duplicatesDropped: number;
  /** Tokens the fake accepts (the fake credential hands these out). */
  acceptToken(token: string): void;
  /** Fails the next `n` sends with `failure` (503 ServerBusy with Retry-After: 0, or 500). */
  failNext(n: number, failure?: FakeSbFailure): void;
  close(): Promise<void>;
}

const MAX_BYTES = 262_144;
const BATCH_CONTENT_TYPE = 'application/vnd.microsoft.servicebus.json';
const BROKER_HEADERS = new Set([
  'host',
  'authorization',
  'content-type',
  'content-length',
  'brokerproperties',
  'connection',
  'accept',
  'accept-encoding',
  'accept-language',
  'user-agent',
  'sec-fetch-mode',
  'x-ms-retrypolicy',
]);

function decodeProperty(v: string): unknown {
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

/**
 * Starts the fake. `queues` exist; those listed in `duplicateDetection` drop repeated MessageIds.
 *
 * @example
 * ```ts
 * const sb = await startFakeServiceBus({ queues: ['findings'], duplicateDetection: ['findings'] });
 * sb.acceptToken('t1');
 * ```
 */
export async function startFakeServiceBus(
  opts: {
    queues?: string[];
    duplicateDetection?: string[];
    /** Accepts a bearer token (for example one the fake identity issued for Service Bus). */
    authorize?: (token: string) => boolean;
  } = {},
): Promise<FakeServiceBus> {
  const queues = new Set(opts.queues ?? ['findings']);
  const dedup = new Set(opts.duplicateDetection ?? []);
  const seenIds = new Map<string, Set<string>>();
  const tokens = new Set<string>();
  const messages: ReceivedSbMessage[] = [];
  const rejected: Array<{ status: number; reason: string }> = [];
  let failures: FakeSbFailure[] = [];
  let duplicatesDropped = 0;

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const refuse = (status: number, reason: string, headers: Record<string, string> = {}): void => {
        rejected.push({ status, reason });
        res.writeHead(status, { 'content-type': 'application/xml', ...headers });
        res.end(`<Error><Code>${status}</Code><Detail>${reason}</Detail></Error>`);
      };
      const m = /^\/([^/?]+)\/messages(\?.*)?$/.exec(req.url ?? '');
      if (req.method !== 'POST' || !m) return refuse(400, `unsupported request ${req.method} ${req.url}`);
      const auth = req.headers['authorization'] ?? '';
      const token = auth.startsWith('Bearer ') ? auth.slice(7) : '';
      if (!tokens.has(token) && !(opts.authorize?.(token) ?? false))
        return refuse(401, 'ExpiredToken or InvalidSignature: the token is not valid');
      const failure = failures.shift();
      if (failure === 'busy') return refuse(503, 'ServerBusy', { 'retry-after': '0' });
      if (failure === 'internal') return refuse(500, 'InternalServerError');
      const queue = decodeURIComponent(m[1] ?? '');
      if (!queues.has(queue)) return refuse(410, `the messaging entity ${queue} does not exist`);
      const raw = Buffer.concat(chunks).toString('utf8');
      const contentType = req.headers['content-type'];
      const incoming: Array<{
        body: string;
        broker: Record<string, unknown>;
        properties: Record<string, unknown>;
      }> = [];
      if (contentType === BATCH_CONTENT_TYPE) {
        let list: unknown;
        try {
          list = JSON.parse(raw);
        } catch {
          return refuse(400, 'the batch body is not JSON');
        }
        if (!Array.isArray(list) || list.length === 0)
          return refuse(400, 'the batch body is not a non-empty array');
        for (const entry of list as Array<Record<string, unknown>>) {
          if (typeof entry['Body'] !== 'string') return refuse(400, 'a batch entry has no string Body');
          incoming.push({
            body: entry['Body'],
            broker: (entry['BrokerProperties'] as Record<string, unknown> | undefined) ?? {},
            properties: (entry['UserProperties'] as Record<string, unknown> | undefined) ?? {},
          });
        }
      } else {
        let broker: Record<string, unknown> = {};
        const bp = req.headers['brokerproperties'];
        if (typeof bp === 'string') {
          try {
            broker = JSON.parse(bp) as Record<string, unknown>;
          } catch {
            return refuse(400, 'BrokerProperties is not valid JSON');
          }
        }
        const properties: Record<string, unknown> = {};
        for (const [name, value] of Object.entries(req.headers)) {
          if (BROKER_HEADERS.has(name) || typeof value !== 'string') continue;
          properties[name] = decodeProperty(value);
        }
        incoming.push({ body: raw, broker, properties });
      }
      const sized = incoming.map((m) => {
        let bytes = Buffer.byteLength(m.body, 'utf8') + Buffer.byteLength(JSON.stringify(m.broker));
        for (const [k, v] of Object.entries(m.properties))
          bytes += Buffer.byteLength(k) + Buffer.byteLength(String(v));
        return { ...m, bytes };
      });
      const total = sized.reduce((n, m) => n + m.bytes, 0);
      if (total > MAX_BYTES) return refuse(403, `message of ${total} bytes exceeds the 256 KB quota`);
      const seen = seenIds.get(queue) ?? new Set<string>();
      seenIds.set(queue, seen);
      for (const m of sized) {
        const id = typeof m.broker['MessageId'] === 'string' ? m.broker['MessageId'] : randomUUID();
        if (dedup.has(queue) && seen.has(id)) {
          duplicatesDropped++;
          continue;
        }
        seen.add(id);
        messages.push({
          queue,
          body: m.body,
          contentType,
          broker: { ...m.broker, MessageId: id },
          properties: m.properties,
          bytes: m.bytes,
        });
      }
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const fake: FakeServiceBus = {
    endpoint,
    queueUrl: (queue = [...queues][0] ?? 'findings') => `${endpoint}/${queue}`,
    messages,
    rejected,
    get duplicatesDropped() {
      return duplicatesDropped;
    },
    acceptToken: (t) => void tokens.add(t),
    failNext: (n, failure = 'busy') => {
      failures = Array.from({ length: n }, () => failure);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return fake;
}
