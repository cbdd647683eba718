import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpError, fetchJson, parseRetryAfter, redactUrl, requestWithRetry } from '#shared/sources/http';

type Reply = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;

let server: http.Server;
let base: string;
let replies: Reply[];
let seen: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders; body: string }>;
let sleeps: number[];
const sleep = async (ms: number): Promise<void> => {
  sleeps.push(ms);
};

beforeEach(async () => {
  replies = [];
  seen = [];
  sleeps = [];
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const reply =
        replies.shift() ??
        ((_q, s) => s.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
      reply(req, res, body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

const status =
  (code: number, headers: Record<string, string> = {}, body = ''): Reply =>
  (_q, s) =>
    s.writeHead(code, headers).end(body);

describe('fetchJson', () => {
  it('returns the parsed body of a 2xx answer and the attempts it took', async () => {
    replies.push(status(500), status(200, { 'content-type': 'application/json' }, '{"value":[1,2]}'));
    const res = await fetchJson<{ value: number[] }>(`${base}/x`, { sleep });
    expect(res).toMatchObject({ status: 200, body: { value: [1, 2] }, attempts: 2 });
  });

  it('sends an object body as JSON with a content type', async () => {
    await fetchJson(`${base}/subscriptions/start`, {
      method: 'POST',
      body: { contentType: 'Audit.General' },
      sleep,
    });
    expect(seen[0]).toMatchObject({ method: 'POST', body: '{"contentType":"Audit.General"}' });
    expect(seen[0]?.headers['content-type']).toBe('application/json');
  });

  it('gives up on a Retry-After longer than it is willing to wait, without waiting, as retryable', async () => {
    replies.push(status(429, { 'retry-after': '600' }));
    const err = (await fetchJson(`${base}/slow`, { sleep, maxRetryAfterMs: 60_000 }).catch(
      (e: unknown) => e,
    )) as HttpError;
    expect(err).toBeInstanceOf(HttpError);
    expect(err).toMatchObject({ status: 429, retryable: true, attempts: 1 });
    expect(err.message).toMatch(/Retry-After asks for 600 s/);
    expect(sleeps).toEqual([]);
  });

  it('gives up when the deadline leaves no time for the wait', async () => {
    replies.push(status(503, { 'retry-after': '5' }));
    const now = 1_000_000;
    const err = (await fetchJson(`${base}/x`, { sleep, now: () => now, deadline: now + 3_000 }).catch(
      (e: unknown) => e,
    )) as HttpError;
    expect(err.message).toMatch(/time budget/);
    expect(sleeps).toEqual([]);
  });

  it('stops after maxAttempts on repeated 5xx, saying how many attempts it made', async () => {
    replies.push(status(502), status(502), status(502));
    const err = (await fetchJson(`${base}/x`, { sleep, maxAttempts: 3 }).catch(
      (e: unknown) => e,
    )) as HttpError;
    expect(err).toMatchObject({ status: 502, retryable: true, attempts: 3 });
    expect(err.message).toMatch(/HTTP 502 \(no attempts left, 3 attempts\)/);
    expect(sleeps).toHaveLength(2);
  });

  it('retries a connection dropped without an answer', async () => {
    replies.push((req) => req.socket.destroy());
    const res = await fetchJson(`${base}/x`, { sleep });
    expect(res.attempts).toBe(2);
  });

  it('does not retry a 401 and names method, URL and status', async () => {
    replies.push(status(401, {}, '{"error":"invalid_token"}'));
    const err = (await fetchJson(`${base}/reports?access_token=abc123`, { sleep }).catch(
      (e: unknown) => e,
    )) as HttpError;
    expect(err).toMatchObject({ status: 401, retryable: false, attempts: 1 });
    expect(err.message).toBe(
      `GET ${base}/reports?access_token=REDACTED failed with HTTP 401 Unauthorized: {"error":"invalid_token"}`,
    );
  });

  it('rejects a 2xx body that is not JSON', async () => {
    replies.push(status(200, {}, '<html>login</html>'));
    const err = (await fetchJson(`${base}/x`, { sleep }).catch((e: unknown) => e)) as HttpError;
    expect(err).toMatchObject({ status: 200, retryable: false });
    expect(err.message).toMatch(/not JSON: <html>login<\/html>/);
  });
});

describe('requestWithRetry', () => {
  it('hands back a 4xx answer with its body instead of throwing, for clients that read vendor error codes', async () => {
    replies.push(
      status(400, {}, '{"error":{"code":"AF20024","message":"The subscription is already enabled."}}'),
    );
    const a = await requestWithRetry(`${base}/subscriptions/start`, { method: 'POST', sleep });
    expect(a).toMatchObject({ status: 400, attempts: 1 });
    expect(JSON.parse(a.text)).toMatchObject({ error: { code: 'AF20024' } });
  });

  it('asks the rate limiter before every attempt, retries included', async () => {
    replies.push(status(429), status(503));
    let takes = 0;
    const a = await requestWithRetry(`${base}/x`, { sleep, beforeAttempt: async () => void takes++ });
    expect(a.status).toBe(200);
    expect(takes).toBe(3);
  });

  it('hands back the last 429 once the attempts are used up', async () => {
    replies.push(
      status(429, {}, '{"error":{"code":"AF429"}}'),
      status(429, {}, '{"error":{"code":"AF429"}}'),
    );
    const a = await requestWithRetry(`${base}/x`, { sleep, maxAttempts: 2 });
    expect(a).toMatchObject({ status: 429, attempts: 2 });
  });
});

describe('parseRetryAfter and redactUrl', () => {
  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-03-04T10:00:00Z');
    expect(parseRetryAfter('2', now)).toBe(2000);
    expect(parseRetryAfter('Wed, 04 Mar 2026 10:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });

  it('redacts credentials in query strings but keeps paging tokens', () => {
    expect(redactUrl('https://u:p@example.com/a?key=AIza123&$skiptoken=abc&sig=xyz&pageToken=p2')).toBe(
      'https://example.com/a?key=REDACTED&%24skiptoken=abc&sig=REDACTED&pageToken=p2',
    );
  });
});
