/**
 * A paged audit API over real HTTP on 127.0.0.1, shaped like Microsoft Graph `GET /auditLogs/signIns`:
 * `$filter=createdDateTime ge <iso> and createdDateTime lt <iso>`, `$top`, results oldest first in
 * `value`, and `@odata.nextLink` (an absolute URL with a `$skiptoken`) while more pages remain.
 * Failures can be queued (a 429 with Retry-After, a 503, a 403) and every request is logged.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A Graph signIn object, trimmed to what the normalizer and the rules read. */
export interface SignIn {
  id: string;
  createdDateTime: string;
  userPrincipalName: string;
  userId: string;
  appId: string;
  appDisplayName: string;
  ipAddress: string;
  clientAppUsed: string;
  isInteractive: boolean;
  status: { errorCode: number; failureReason?: string };
}

/** An answer to force instead of the data. */
export interface InjectedFailure {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export interface FakeAuditApi {
  /** `http://127.0.0.1:<port>` */
  base: string;
  /** Records the API holds (add to it at any time: late-indexed events). */
  records: unknown[];
  /** Every request path+query, in order, with the status answered. */
  requests: Array<{ url: string; status: number }>;
  /** The answer to the next requests, in order, before any data is served. */
  failNext(...failures: InjectedFailure[]): void;
  close(): Promise<void>;
}

const FILTER_RE = /createdDateTime ge (\S+) and createdDateTime lt (\S+)/;

export async function startFakeAuditApi(pageSize = 10): Promise<FakeAuditApi> {
  const records: unknown[] = [];
  const requests: Array<{ url: string; status: number }> = [];
  const failures: InjectedFailure[] = [];
  let base = '';

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', base);
    const answer = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      requests.push({ url: `${url.pathname}${url.search}`, status });
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(text);
    };
    const injected = failures.shift();
    if (injected)
      return answer(
        injected.status,
        injected.body ?? { error: { code: 'Injected', message: 'injected failure' } },
        injected.headers,
      );
    if (url.pathname !== '/v1.0/auditLogs/signIns') return answer(404, { error: { code: 'NotFound' } });

    let from: number;
    let to: number;
    let offset: number;
    const token = url.searchParams.get('$skiptoken');
    if (token) {
      const t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
        from: number;
        to: number;
        offset: number;
      };
      ({ from, to, offset } = t);
    } else {
      const m = FILTER_RE.exec(url.searchParams.get('$filter') ?? '');
      if (!m) return answer(400, { error: { code: 'BadRequest', message: 'Invalid filter clause' } });
      from = Date.parse(m[1] ?? '');
      to = Date.parse(m[2] ?? '');
      offset = 0;
    }
    const inWindow = records
      .filter((r) => {
        const t = Date.parse(String((r as { createdDateTime?: unknown }).createdDateTime ?? ''));
        // Records without a readable time are served on every first page (a broken record).
        return Number.isNaN(t) ? true : t >= from && t < to;
      })
      .sort((a, b) =>
        String((a as { createdDateTime?: unknown }).createdDateTime).localeCompare(
          String((b as { createdDateTime?: unknown }).createdDateTime),
        ),
      );
    const page = inWindow.slice(offset, offset + pageSize);
    const body: Record<string, unknown> = {
      '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#auditLogs/signIns',
      value: page,
    };
    if (offset + pageSize < inWindow.length) {
      const next = Buffer.from(JSON.stringify({ from, to, offset: offset + pageSize })).toString('base64url');
      body['@odata.nextLink'] = `${base}/v1.0/auditLogs/signIns?$skiptoken=${next}`;
    }
    return answer(200, body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    records,
    requests,
    failNext: (...f) => void failures.push(...f),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

let seq = 0;

/** A failed (default) or successful sign-in at `at`. */
export function signIn(
  at: number,
  opts: { upn?: string; ok?: boolean; ip?: string; id?: string } = {},
): SignIn {
  seq++;
  const upn = opts.upn ?? 'grace@contoso.com';
  return {
    id: opts.id ?? `b7d3e0c1-${seq.toString(16).padStart(4, '0')}-4a1b-9c2d-3e4f5a6b7c8d`,
    createdDateTime: new Date(at).toISOString(),
    userPrincipalName: upn,
    userId: '0c6d4b2a-1f3e-4d5c-9b8a-7f6e5d4c3b2a',
    appId: '00000002-0000-0ff1-ce00-000000000000',
    appDisplayName: 'Office 365 Exchange Online',
    ipAddress: opts.ip ?? '45.155.205.233',
    clientAppUsed: 'Browser',
    isInteractive: true,
    status: opts.ok
      ? { errorCode: 0 }
      : {
          errorCode: 50126,
          failureReason: 'Error validating credentials due to invalid username or password.',
        },
  };
}
