/**
 * The Microsoft 365 unified audit log of one tenant through the Office 365 Management Activity API,
 * as poll sources: one per content type (Audit.AzureActiveDirectory, Audit.Exchange,
 * Audit.SharePoint, Audit.General), each with its own checkpoint, watermark and lag.
 *
 * How the API works, and what this client does about it:
 *
 * - **Subscriptions.** Nothing is listed before a subscription to the content type is started, and
 *   the first content can take up to 12 h. Once per process and tenant the client reads
 *   `subscriptions/list` and starts (`POST subscriptions/start`) the content types that are not
 *   enabled; "already enabled" (AF20024) is success; a start is not repeated within 15 minutes (a
 *   repeat is throttled). A listing that answers AF20022 (no subscription) starts it and reads as an
 *   empty window: there is no content from before a subscription. A subscription found disabled
 *   (by an admin: listed so, or AF20023 from a listing) is started again and reported; a listing
 *   that met AF20023 also fails that run, so the gap shows in PollFailures.
 * - **Listing.** `GET subscriptions/content?contentType=…&startTime=…&endTime=…` over the template's
 *   window of `contentCreated` times (`startTime <= contentCreated < endTime`, UTC, `YYYY-MM-DDTHH:MM:SS`,
 *   at most 24 h apart, start no more than 7 days back: the registration's timing keeps to that),
 *   following the `NextPageUri` header as given.
 * - **Blobs.** One template page is one content blob: fetched once, its records normalized as
 *   `m365.audit`. The cursor saved after each blob is the listing page and the ids of the blobs
 *   already taken from it, so a poll stopped anywhere resumes at the next blob. Blobs listed again by a
 *   later window's overlap (late listing) are skipped through the template's unit memory
 *   (`PollPage.taken`, by content id). A blob past its `contentExpiration`, or answered AF20051
 *   (expired) or AF20050 (does not exist), is reported as lost, not retried.
 * - **Records.** The API repeats records across blobs by design: the registration gives the poller a
 *   record ledger (by `Id`, for the 7 days the API serves content). The lag is measured from each
 *   blob's `contentCreated` to its records' `CreationTime`, so the watermark follows the records.
 * - **Every call** carries `PublisherIdentifier` (default: the tenant id; the API uses it for quota).
 *   `AF429` (HTTP 429) and 5xx are retried with backoff; the tenant's limiter keeps to 1,000 requests
 *   a minute, half the 2,000 a tenant is allocated. A 401 gets one new token.
 * - The bearer token is only ever sent to the configured Management API origin: a content or next
 *   page URI on another host is refused.
 */
import { createHash } from 'node:crypto';
import { answerError, parseJsonAnswer, requestWithRetry } from '../http';
import type { HttpAnswer } from '../http';
import type { PollContext, PollPage, PollSource, PollWindow } from '../poller';
import { RateLimiter } from '../rate-limit';
import type { EntraTokenSource } from './auth';
import { defaultScope } from './endpoints';

/** The audit content types collected. */
export const M365_CONTENT_TYPES = [
  'Audit.AzureActiveDirectory',
  'Audit.Exchange',
  'Audit.SharePoint',
  'Audit.General',
] as const;
/** One of {@link M365_CONTENT_TYPES}. */
export type M365ContentType = (typeof M365_CONTENT_TYPES)[number];

/** The checkpoint name of a content type's feed (`m365-audit-exchange`). */
export function m365FeedName(contentType: M365ContentType): string {
  return `m365-${contentType.toLowerCase().replace('.', '-')}`;
}

/**
 * Poll timing for the Management Activity API: windows of `contentCreated` time of at most 6 h (the
 * API allows 24 h), never more than 7 days back (less 15 minutes of margin), a 60-minute overlap so
 * blobs listed late are still found (blobs already taken are skipped by id, so the overlap costs one
 * listing request, not a download), and windows ending 1 minute before now.
 */
export const M365_POLL_TIMING = {
  overlapMs: 60 * 60_000,
  maxWindowMs: 6 * 60 * 60_000,
  initialLookbackMs: 24 * 60 * 60_000,
  delayMs: 60_000,
  maxLookbackMs: 7 * 24 * 60 * 60_000 - 15 * 60_000,
} as const;

/** How long record ids are remembered to drop the API's duplicates: the 7 days it serves content, plus a day. */
export const M365_LEDGER_RETENTION_MS = 8 * 24 * 60 * 60_000;

/** A repeat subscription start within this time is throttled by the API. */
const START_SPACING_MS = 15 * 60_000;
const HASH_CHARS = 11;

/** Options of {@link createManagementSources}. */
export interface ManagementSourcesOptions {
  /** The tenant polled. */
  tenantId: string;
  tokens: EntraTokenSource;
  /** The API's origin: `https://manage.office.com`, `https://manage.office365.us`, a test host. */
  managementBase: string;
  /** `PublisherIdentifier` on every call. @default tenantId */
  publisherIdentifier?: string | undefined;
  /** @default all of {@link M365_CONTENT_TYPES} */
  contentTypes?: readonly M365ContentType[] | undefined;
  /** The tenant's request limiter. @default 1,000 requests per minute */
  limiter?: RateLimiter | undefined;
  fetch?: typeof fetch | undefined;
  now?: (() => number) | undefined;
  sleep?: ((ms: number) => Promise<void>) | undefined;
  /** Retry attempts per request (429/AF429/5xx). @default 5 */
  maxAttempts?: number | undefined;
  onRetry?:
    | ((info: { attempt: number; status: number; waitMs: number; url: string; reason: string }) => void)
    | undefined;
  /**
   * Called when a subscription is started, for logs: `previously` is `disabled` when an admin had
   * disabled it (Tripline enables it again, and says so), `none` otherwise.
   */
  onSubscriptionStarted?:
    ((contentType: M365ContentType, previously: 'none' | 'disabled') => void) | undefined;
}

/** One entry of a content listing. */
interface ContentEntry {
  contentType: string;
  contentId: string;
  contentUri: string;
  contentCreated: string;
  contentExpiration: string;
}

interface Listing {
  items: ContentEntry[];
  next: string | undefined;
}

/** A Management Activity API error code from an answer body (`AF20022`), if any. */
function afCode(a: HttpAnswer): { code: string; message: string } | undefined {
  try {
    const e = (JSON.parse(a.text) as { error?: { code?: unknown; message?: unknown } }).error;
    if (e && typeof e.code === 'string') return { code: e.code, message: String(e.message ?? '') };
  } catch {
    // not JSON
  }
  return undefined;
}

/** `YYYY-MM-DDTHH:MM:SS` in UTC, the format the listing accepts. */
function apiTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}

function shortHash(s: string): string {
  return createHash('sha256').update(s).digest('base64url').slice(0, HASH_CHARS);
}

/** The requests of one tenant, shared by its content types. */
class ManagementClient {
  readonly root: string;
  deadline: number | undefined;
  private subscribed: Promise<Set<string>> | undefined;
  private readonly startedAt = new Map<string, number>();
  /** Content types listed with a subscription that is not enabled. */
  private readonly disabled = new Set<string>();
  private readonly origin: string;

  constructor(readonly opts: ManagementSourcesOptions & { limiter: RateLimiter }) {
    this.origin = new URL(opts.managementBase).origin;
    this.root = `${this.origin}/api/v1.0/${encodeURIComponent(opts.tenantId)}/activity/feed`;
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  /** Sends one call with PublisherIdentifier, auth, retries and the limiter; one new token on a 401. */
  async call(method: 'GET' | 'POST', url: string): Promise<HttpAnswer> {
    const origin = new URL(url).origin;
    if (origin !== this.origin)
      throw new Error(
        `the Management Activity API pointed at ${origin}, not at the configured ${this.origin}: refused (the token is only sent to the configured API)`,
      );
    // Appended, not re-serialized: a NextPageUri is followed exactly as the API wrote it.
    const target = /[?&]PublisherIdentifier=/i.test(url)
      ? url
      : `${url}${url.includes('?') ? '&' : '?'}PublisherIdentifier=${encodeURIComponent(this.opts.publisherIdentifier ?? this.opts.tenantId)}`;
    const scope = defaultScope(this.origin);
    let refreshed = false;
    for (;;) {
      const token = await this.opts.tokens.getToken(scope);
      const a = await requestWithRetry(target, {
        method,
        headers: {
          authorization: `Bearer ${token.token}`,
          ...(method === 'POST' ? { 'content-type': 'application/json; utf-8' } : {}),
        },
        ...(method === 'POST' ? { body: '' } : {}),
        ...(this.opts.fetch ? { fetch: this.opts.fetch } : {}),
        beforeAttempt: () => this.opts.limiter.take(),
        ...(this.deadline !== undefined ? { deadline: this.deadline } : {}),
        ...(this.opts.now ? { now: this.opts.now } : {}),
        ...(this.opts.sleep ? { sleep: this.opts.sleep } : {}),
        ...(this.opts.maxAttempts !== undefined ? { maxAttempts: this.opts.maxAttempts } : {}),
        ...(this.opts.onRetry ? { onRetry: this.opts.onRetry } : {}),
      });
      if (a.status === 401 && !refreshed) {
        refreshed = true;
        this.opts.tokens.invalidate();
        continue;
      }
      return a;
    }
  }

  /** Throws the error of a failed call, with what to do for the usual causes. */
  fail(a: HttpAnswer, method: 'GET' | 'POST', what: string): never {
    const af = afCode(a);
    const base = answerError(a, { method });
    let hint = '';
    if (a.status === 401 || a.status === 403 || af?.code === 'AF10001')
      hint = ` Grant the app registration the Office 365 Management APIs application permission ActivityFeed.Read in tenant ${this.opts.tenantId}, with admin consent.`;
    else if (af?.code === 'AF20023')
      hint =
        ' The subscription was disabled by an admin: start it again (Tripline does so only when it finds none).';
    else if (af?.code === 'AF20010' || af?.code === 'AF20011' || af?.code === 'AF20013')
      hint = ' Check tenantId in the secret.';
    throw new Error(`${what}: ${af ? `${af.code} ${af.message}` : base.message}.${hint}`, { cause: base });
  }

  /** Content types with an enabled subscription (read once per process), starting the missing ones. */
  async ensureSubscribed(contentType: M365ContentType): Promise<void> {
    this.subscribed ??= (async () => {
      const a = await this.call('GET', `${this.root}/subscriptions/list`);
      if (a.status !== 200) this.fail(a, 'GET', 'cannot list the Management Activity API subscriptions');
      const list = parseJsonAnswer<unknown>(a, { method: 'GET' });
      const enabled = new Set<string>();
      if (Array.isArray(list))
        for (const s of list as Array<{ contentType?: unknown; status?: unknown }>) {
          if (typeof s.contentType !== 'string') continue;
          if (s.status === 'enabled') enabled.add(s.contentType);
          else this.disabled.add(s.contentType);
        }
      return enabled;
    })().catch((e: unknown) => {
      this.subscribed = undefined;
      throw e;
    });
    const enabled = await this.subscribed;
    if (!enabled.has(contentType)) await this.start(contentType, enabled);
  }

  /** Starts a subscription (idempotent; not repeated within 15 minutes). */
  async start(contentType: M365ContentType, enabled?: Set<string>): Promise<void> {
    const last = this.startedAt.get(contentType);
    if (last !== undefined && this.now() - last < START_SPACING_MS) return;
    this.startedAt.set(contentType, this.now());
    const a = await this.call(
      'POST',
      `${this.root}/subscriptions/start?contentType=${encodeURIComponent(contentType)}`,
    );
    const af = afCode(a);
    if (a.status !== 200 && af?.code !== 'AF20024')
      this.fail(a, 'POST', `cannot start the ${contentType} subscription`);
    if (a.status === 200)
      this.opts.onSubscriptionStarted?.(contentType, this.disabled.delete(contentType) ? 'disabled' : 'none');
    enabled?.add(contentType);
  }

  /** One listing page: the first of a window, or the one a NextPageUri names. */
  async list(contentType: M365ContentType, window: PollWindow, pageUri: string | null): Promise<Listing> {
    const url =
      pageUri ??
      `${this.root}/subscriptions/content?contentType=${encodeURIComponent(contentType)}&startTime=${apiTime(Math.floor(window.from / 1000) * 1000)}&endTime=${apiTime(Math.ceil(window.to / 1000) * 1000)}`;
    const a = await this.call('GET', url);
    if (a.status !== 200) {
      const af = afCode(a);
      if (af?.code === 'AF20022') {
        // Not subscribed (never, or stopped): start it; nothing from before it can be listed.
        await this.start(contentType);
        return { items: [], next: undefined };
      }
      if (af?.code === 'AF20023') {
        // Disabled under a running poller: enable it again, and fail this run so it is seen.
        this.disabled.add(contentType);
        await this.start(contentType);
        throw new Error(
          `cannot list ${contentType} content: ${af.code} ${af.message} Tripline started the subscription again; content from while it was disabled cannot be read.`,
        );
      }
      this.fail(a, 'GET', `cannot list ${contentType} content`);
    }
    const body = parseJsonAnswer<unknown>(a, { method: 'GET' });
    if (!Array.isArray(body))
      throw new Error(`the ${contentType} content listing is not a JSON array: ${a.text.slice(0, 80)}`);
    const items = (body as Array<Partial<ContentEntry>>).filter(
      (i): i is ContentEntry => typeof i.contentId === 'string' && typeof i.contentUri === 'string',
    );
    const next = a.headers.get('NextPageUri') ?? undefined;
    return { items, next: next && next.trim() !== '' ? next.trim() : undefined };
  }

  /** A blob's records, or why it is gone. */
  async blob(uri: string): Promise<{ records: unknown[] } | { gone: string }> {
    const a = await this.call('GET', uri);
    if (a.status !== 200) {
      const af = afCode(a);
      if (af?.code === 'AF20051' || af?.code === 'AF20050') return { gone: `${af.code} ${af.message}` };
      this.fail(a, 'GET', 'cannot fetch a content blob');
    }
    const body = parseJsonAnswer<unknown>(a, { method: 'GET' });
    if (!Array.isArray(body)) throw new Error(`a content blob is not a JSON array: ${a.text.slice(0, 80)}`);
    return { records: body };
  }
}

/** The cursor saved in the checkpoint: the listing page and the blobs taken from it. */
interface Cursor {
  /** NextPageUri of the listing page, or null for the window's first page. */
  l: string | null;
  /** Short hashes of the content ids taken from that page, concatenated. */
  t: string;
}

function readCursor(cursor: string | undefined): Cursor {
  if (cursor === undefined) return { l: null, t: '' };
  const c = JSON.parse(cursor) as Partial<Cursor>;
  return { l: typeof c.l === 'string' ? c.l : null, t: typeof c.t === 'string' ? c.t : '' };
}

class ContentTypeSource implements PollSource {
  readonly name: string;
  readonly sourceId = 'm365.audit' as const;
  /** The listing page read last (the next blobs usually come from it). */
  private last: { key: string; listing: Listing } | undefined;

  constructor(
    private readonly contentType: M365ContentType,
    private readonly client: ManagementClient,
  ) {
    this.name = m365FeedName(contentType);
  }

  async fetchPage(window: PollWindow, cursor?: string, ctx?: PollContext): Promise<PollPage> {
    this.client.deadline = ctx?.deadline;
    await this.client.ensureSubscribed(this.contentType);
    const c = readCursor(cursor);
    const key = `${c.l ?? 'first'}|${window.from}|${window.to}`;
    const listing =
      this.last?.key === key ? this.last.listing : await this.client.list(this.contentType, window, c.l);
    this.last = { key, listing };

    const taken = new Set<string>();
    for (let i = 0; i + HASH_CHARS <= c.t.length; i += HASH_CHARS) taken.add(c.t.slice(i, i + HASH_CHARS));
    const pending = listing.items.filter(
      (i) => !taken.has(shortHash(i.contentId)) && !ctx?.taken(i.contentId),
    );
    const nextListing = listing.next ? JSON.stringify({ l: listing.next, t: '' }) : undefined;
    const blob = pending[0];
    if (!blob) return { records: [], next: nextListing };

    const next =
      pending.length > 1 ? JSON.stringify({ l: c.l, t: c.t + shortHash(blob.contentId) }) : nextListing;
    const created = Date.parse(blob.contentCreated);
    const unit = [{ id: blob.contentId, time: Number.isFinite(created) ? created : window.from }];
    const expires = Date.parse(blob.contentExpiration);
    const now = (this.client.opts.now ?? Date.now)();
    if (Number.isFinite(expires) && expires <= now) {
      return {
        records: [],
        next,
        taken: unit,
        lost: [
          {
            what: `${this.contentType} content ${blob.contentId}`,
            reason: `expired at ${blob.contentExpiration}`,
          },
        ],
      };
    }
    const got = await this.client.blob(blob.contentUri);
    if ('gone' in got) {
      return {
        records: [],
        next,
        taken: unit,
        lost: [{ what: `${this.contentType} content ${blob.contentId}`, reason: got.gone }],
      };
    }
    return {
      records: got.records,
      next,
      taken: unit,
      ...(Number.isFinite(created) ? { availableAt: created } : {}),
    };
  }
}

/**
 * The poll sources of one tenant's unified audit log, one per content type, sharing one client
 * (token, limiter, subscription state).
 *
 * @example
 * ```ts
 * const sources = createManagementSources({ tenantId, tokens, managementBase: 'https://manage.office.com' });
 * ```
 */
export function createManagementSources(opts: ManagementSourcesOptions): PollSource[] {
  const limiter =
    opts.limiter ??
    new RateLimiter({
      requests: 1000,
      perMs: 60_000,
      ...(opts.now ? { now: opts.now } : {}),
      ...(opts.sleep ? { sleep: opts.sleep } : {}),
    });
  const client = new ManagementClient({ ...opts, limiter });
  return (opts.contentTypes ?? M365_CONTENT_TYPES).map((t) => new ContentTypeSource(t, client));
}
