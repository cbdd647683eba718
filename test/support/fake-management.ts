/**
 * The Office 365 Management Activity API over HTTPS (test CA), behaving as its reference describes:
 *
 * - `GET|POST /api/v1.0/<tenant>/activity/feed/subscriptions/{list,start,content}` and
 *   `GET …/activity/feed/audit/<contentId>`; `/api/v1/…` too (the NextPageUri form of the docs);
 * - bearer tokens from the fake Entra for this API's origin (401 otherwise), issued in the URL's tenant
 *   (AF20010 otherwise);
 * - `subscriptions/start`: AF20024 when already enabled; a repeat start within 15 minutes of the
 *   previous one of the same content type is throttled (429 AF429);
 * - `subscriptions/content`: AF20022 without a subscription, AF20023 when disabled by an admin,
 *   AF20030 unless `startTime` and `endTime` are both given, at most 24 h apart, start at most 7 days
 *   back; blobs with `startTime <= contentCreated < endTime` that are listed by now (late listing is
 *   `listedAt`), in the order they became available, `listPageSize` per page with a `NextPageUri`
 *   header;
 * - blobs: AF20051 once past `contentExpiration`, AF20050 for an unknown id; records served as given
 *   (duplicates included);
 * - queued failures (429 AF429, 500 AF50000, anything); every request logged with its status and
 *   whether it carried `PublisherIdentifier`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FakeEntra } from './fake-entra';
import { startHttpsServer } from './https-server';

export interface FakeBlob {
  contentType: string;
  contentId: string;
  /** Epoch ms. */
  contentCreated: number;
  /** Epoch ms. @default contentCreated + 7 days */
  contentExpiration?: number;
  /** Listed from this time on (late listing). @default contentCreated */
  listedAt?: number;
  records: unknown[];
}

export interface FakeManagementFailure {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Only requests whose path contains this are failed. @default any request */
  match?: string;
}

export interface FakeManagement {
  base: string;
  tenantId: string;
  /** Subscription status by content type (absent: none). */
  subscriptions: Map<string, 'enabled' | 'disabled'>;
  blobs: FakeBlob[];
  /** Listing entries per page. @default 200 */
  listPageSize: number;
  requests: Array<{ method: string; path: string; status: number; publisher: string | null }>;
  /** Blob downloads by content id. */
  downloads: string[];
  failNext(...f: FakeManagementFailure[]): void;
  close(): Promise<void>;
}

const DAY = 86_400_000;
const TIME_RE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?)?$/;

export async function startFakeManagement(
  entra: FakeEntra,
  tenantId: string,
  now: () => number = Date.now,
): Promise<FakeManagement> {
  const subscriptions = new Map<string, 'enabled' | 'disabled'>();
  const lastStart = new Map<string, number>();
  const blobs: FakeBlob[] = [];
  const requests: FakeManagement['requests'] = [];
  const downloads: string[] = [];
  const failures: FakeManagementFailure[] = [];
  const state = { listPageSize: 200 };
  let base = '';

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', base);
    const method = req.method ?? 'GET';
    const send = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      requests.push({
        method,
        path: `${url.pathname}${url.search}`,
        status,
        publisher: url.searchParams.get('PublisherIdentifier'),
      });
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(body === undefined ? '' : JSON.stringify(body));
    };
    const af = (status: number, code: string, message: string): void =>
      send(status, { error: { code, message } });

    const auth = entra.check(req.headers.authorization, base);
    if (!auth.ok) return send(401, { Message: 'Authorization has been denied for this request.' });
    const m = /^\/api\/v1(?:\.0)?\/([^/]+)\/activity\/feed\/(.+)$/.exec(url.pathname);
    if (!m) return send(404, { Message: 'No HTTP resource was found that matches the request URI.' });
    const tenant = decodeURIComponent(m[1] as string);
    if (tenant !== auth.tenantId)
      return af(
        403,
        'AF20010',
        `The tenant ID passed in the URL (${tenant}) does not match the tenant ID passed in the access token (${auth.tenantId}).`,
      );
    const op = m[2] as string;
    const i = failures.findIndex(
      (f) => f.match === undefined || url.pathname.includes(f.match) || url.search.includes(f.match),
    );
    if (i >= 0) {
      const f = failures.splice(i, 1)[0] as FakeManagementFailure;
      return send(
        f.status,
        f.body ?? {
          error: { code: 'AF50000', message: 'An internal server error occurred. Retry the request.' },
        },
        f.headers,
      );
    }
    const contentType = url.searchParams.get('contentType') ?? '';

    if (method === 'GET' && op === 'subscriptions/list') {
      return send(
        200,
        [...subscriptions].map(([contentType, status]) => ({ contentType, status, webhook: null })),
      );
    }
    if (method === 'POST' && op === 'subscriptions/start') {
      if (!/^(Audit\.(AzureActiveDirectory|Exchange|SharePoint|General)|DLP\.All)$/.test(contentType))
        return af(400, 'AF20020', 'The specified content type is not valid.');
      const last = lastStart.get(contentType);
      if (last !== undefined && now() - last < 15 * 60_000)
        return af(
          429,
          'AF429',
          `Too many requests. Method=StartSubscription, PublisherId=${url.searchParams.get('PublisherIdentifier') ?? ''}`,
        );
      lastStart.set(contentType, now());
      if (subscriptions.get(contentType) === 'enabled')
        return af(400, 'AF20024', 'The subscription is already enabled. No property change.');
      subscriptions.set(contentType, 'enabled');
      return send(200, { contentType, status: 'enabled', webhook: null });
    }
    if (method === 'GET' && op === 'subscriptions/content') {
      const sub = subscriptions.get(contentType);
      if (sub === undefined)
        return af(400, 'AF20022', 'No subscription found for the specified content type.');
      if (sub === 'disabled') return af(400, 'AF20023', 'The subscription was disabled by a tenant admin.');
      const st = url.searchParams.get('startTime');
      const et = url.searchParams.get('endTime');
      const badWindow = (): void =>
        af(
          400,
          'AF20030',
          'Start time and end time must both be specified (or both omitted) and must be less than or equal to 24 hours apart, with the start time no more than 7 days in the past.',
        );
      if (!st || !et || !TIME_RE.test(st) || !TIME_RE.test(et)) return badWindow();
      const from = Date.parse(`${st}Z`);
      const to = Date.parse(`${et}Z`);
      if (!(to > from) || to - from > DAY || from < now() - 7 * DAY) return badWindow();
      const offset = Number(url.searchParams.get('nextPage') ?? '0');
      const listed = blobs
        .filter((b) => b.contentType === contentType && b.contentCreated >= from && b.contentCreated < to)
        .filter((b) => (b.listedAt ?? b.contentCreated) <= now())
        .sort((a, b) => a.contentCreated - b.contentCreated);
      const page = listed.slice(offset, offset + state.listPageSize).map((b) => ({
        contentType: b.contentType,
        contentId: b.contentId,
        contentUri: `${base}/api/v1.0/${tenant}/activity/feed/audit/${b.contentId}`,
        contentCreated: new Date(b.contentCreated).toISOString(),
        contentExpiration: new Date(b.contentExpiration ?? b.contentCreated + 7 * DAY).toISOString(),
      }));
      const headers: Record<string, string> = {};
      if (offset + state.listPageSize < listed.length)
        headers['NextPageUri'] =
          `${base}/api/v1/${tenant}/activity/feed/subscriptions/content?contentType=${contentType}&startTime=${st}&endTime=${et}&nextPage=${offset + state.listPageSize}`;
      return send(200, page, headers);
    }
    const blobId = /^audit\/(.+)$/.exec(op)?.[1];
    if (method === 'GET' && blobId) {
      const id = decodeURIComponent(blobId);
      const b = blobs.find((x) => x.contentId === id);
      if (!b) return af(400, 'AF20050', `The specified content (${id}) does not exist.`);
      if (now() >= (b.contentExpiration ?? b.contentCreated + 7 * DAY))
        return af(
          400,
          'AF20051',
          `Content requested with the key ${id} has already expired. Content older than 7 days cannot be retrieved.`,
        );
      downloads.push(id);
      return send(200, b.records);
    }
    return send(404, { Message: 'No HTTP resource was found that matches the request URI.' });
  };

  const server = await startHttpsServer(handler);
  base = server.base;
  return {
    base,
    tenantId,
    subscriptions,
    blobs,
    get listPageSize() {
      return state.listPageSize;
    },
    set listPageSize(v: number) {
      state.listPageSize = v;
    },
    requests,
    downloads,
    failNext: (...f) => void failures.push(...f),
    close: () => server.close(),
  };
}

let seq = 0;

/** A content id shaped like the API's (`<created>$<expires>$audit_exchange$Audit_Exchange$emea0024`). */
export function contentId(contentType: string, created: number): string {
  const stamp = new Date(created).toISOString().replace(/\D/g, '').slice(0, 17);
  const kind = contentType.toLowerCase().replace('.', '_');
  return `${stamp}${String(++seq).padStart(6, '0')}$${stamp}999999$${kind}$${contentType.replace('.', '_')}$emea0024`;
}

/** A unified audit log record as the API writes it (CreationTime without a zone, PascalCase keys). */
export function ualRecord(
  at: number,
  opts: {
    id?: string;
    op?: string;
    user?: string;
    workload?: string;
    recordType?: number;
    tenant?: string;
    extra?: Record<string, unknown>;
  } = {},
): Record<string, unknown> {
  return {
    CreationTime: new Date(at).toISOString().slice(0, 19),
    Id: opts.id ?? `7c0d1e2f-${(++seq).toString(16).padStart(4, '0')}-4a5b-8c9d-0e1f2a3b4c5d`,
    Operation: opts.op ?? 'MailItemsAccessed',
    OrganizationId: opts.tenant ?? '2f4a9c1e-7b3d-4e5f-a6b7-c8d9e0f1a2b3',
    RecordType: opts.recordType ?? 50,
    ResultStatus: 'Succeeded',
    UserKey: '10037FFE91510806',
    UserType: 0,
    Version: 1,
    Workload: opts.workload ?? 'Exchange',
    ClientIP: '203.0.113.7',
    UserId: opts.user ?? 'grace@contoso.com',
    AppId: '00000002-0000-0ff1-ce00-000000000000',
    ClientAppId: 'd3590ed6-52b3-4102-aeff-aad2292ab01c',
    MailboxOwnerUPN: opts.user ?? 'grace@contoso.com',
    OperationCount: 1,
    ...opts.extra,
  };
}
