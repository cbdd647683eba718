/**
 * One small HTTP helper for every source API (Graph, Office 365 Management Activity, Google Reports):
 * JSON requests with retries on throttling and server errors, honouring `Retry-After`, and an immediate,
 * descriptive error for anything a retry cannot fix.
 *
 * Retry policy (p-retry style):
 * - 429 and 5xx answers, network errors and per-attempt timeouts are retried with exponential backoff
 *   and full jitter (`baseDelayMs * 2^(attempt-1)`, capped at `maxDelayMs`);
 * - a `Retry-After` header (seconds or an HTTP date) on a 429/503 replaces the backoff for that wait;
 *   a wait longer than `maxRetryAfterMs`, or one that would run past `deadline`, is not waited for:
 *   the call fails with a retryable {@link HttpError} so the poller stops and resumes on its next run;
 * - any other 4xx aborts at once with an {@link HttpError} naming the method, URL and status.
 *
 * URLs in errors have sensitive query parameters (tokens, keys, signatures) redacted.
 */

/** A failed HTTP call: the final answer (or the network failure) after any retries. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    message: string,
    /** HTTP status, or 0 for a network failure or timeout. */
    readonly status: number,
    /** The URL, with sensitive query parameters redacted. */
    readonly url: string,
    /** Whether a later retry may succeed (429, 5xx, network) or not (other 4xx). */
    readonly retryable: boolean,
    /** Attempts made. */
    readonly attempts: number,
    /** The first characters of the response body, when there was one. */
    readonly bodyExcerpt?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Options of {@link fetchJson}. */
export interface FetchJsonOptions {
  /** @default 'GET' */
  method?: string;
  headers?: Record<string, string>;
  /** Request body; an object is sent as JSON. */
  body?: string | object;
  /** Attempts in total, the first included. @default 5 */
  maxAttempts?: number;
  /** First backoff, in ms. @default 500 */
  baseDelayMs?: number;
  /** Longest backoff, in ms. @default 20000 */
  maxDelayMs?: number;
  /** Longest `Retry-After` worth waiting for, in ms. @default 60000 */
  maxRetryAfterMs?: number;
  /** Per-attempt timeout, in ms. @default 30000 */
  timeoutMs?: number;
  /** Epoch ms after which no retry wait may end (the caller's remaining-time budget). */
  deadline?: number;
  /** Clock for `deadline` and HTTP-date `Retry-After`. @default Date.now */
  now?: () => number;
  /** Sleep between attempts (tests pass a fast one). */
  sleep?: (ms: number) => Promise<void>;
  /** Called before each retry wait, for logs. */
  onRetry?: (info: { attempt: number; status: number; waitMs: number; url: string; reason: string }) => void;
  /** The fetch implementation. @default globalThis.fetch */
  fetch?: typeof fetch;
}

/** A successful JSON answer. */
export interface JsonResponse<T> {
  status: number;
  headers: Headers;
  body: T;
  /** Attempts it took. */
  attempts: number;
}

const SENSITIVE_PARAM = /token|key|secret|sig|password|code|assertion|credential/i;
const BODY_EXCERPT_CHARS = 300;

/** The URL with the values of sensitive query parameters replaced by `REDACTED`. */
export function redactUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    const q = url.indexOf('?');
    return q < 0 ? url : `${url.slice(0, q)}?…`;
  }
  for (const k of [...u.searchParams.keys()]) {
    if (SENSITIVE_PARAM.test(k) && !/^\$?skiptoken$/i.test(k) && !/^pageToken$/i.test(k))
      u.searchParams.set(k, 'REDACTED');
  }
  u.username = '';
  u.password = '';
  return u.toString();
}

/**
 * Parses `Retry-After`: delay-seconds or an HTTP date. Returns milliseconds from `now`, or undefined
 * when the header is absent or unreadable.
 */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The final answer of {@link requestWithRetry}: any status, the body read as text. */
export interface HttpAnswer {
  status: number;
  statusText: string;
  headers: Headers;
  /** The body, read whole. */
  text: string;
  /** Attempts it took. */
  attempts: number;
  /** The URL as shown in errors (sensitive query parameters redacted). */
  shownUrl: string;
}

/** Options of {@link requestWithRetry}: {@link FetchJsonOptions} plus a hook before each attempt. */
export interface RequestOptions extends FetchJsonOptions {
  /**
   * Awaited before every attempt, retries included: a {@link RateLimiter}'s `take`, so a retry also
   * counts against the API quota.
   */
  beforeAttempt?: () => Promise<void>;
}

/**
 * Sends one request with the retry policy of this module and resolves with the final answer,
 * whatever its status: a 2xx, a 4xx that retrying cannot fix, or the last 429/5xx once the attempts,
 * the deadline or the `Retry-After` bound are used up (check `status`). For clients that read the
 * answer themselves (the Graph client middleware, a vendor error code in a 4xx body).
 *
 * @throws {@link HttpError} (status 0, retryable) only when no answer came at all: every attempt
 *   failed on the network or timed out.
 */
export async function requestWithRetry(url: string, opts: RequestOptions = {}): Promise<HttpAnswer> {
  const method = opts.method ?? 'GET';
  const maxAttempts = Math.max(1, opts.maxAttempts ?? 5);
  const baseDelayMs = opts.baseDelayMs ?? 500;
  const maxDelayMs = opts.maxDelayMs ?? 20_000;
  const maxRetryAfterMs = opts.maxRetryAfterMs ?? 60_000;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? defaultSleep;
  const doFetch = opts.fetch ?? globalThis.fetch;
  const shown = redactUrl(url);
  const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
  let body: string | undefined;
  if (typeof opts.body === 'string') body = opts.body;
  else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
      headers['content-type'] = 'application/json';
  }

  for (let attempt = 1; ; attempt++) {
    await opts.beforeAttempt?.();
    let res: Response | undefined;
    let cause: unknown;
    try {
      const init: RequestInit = { method, headers, signal: AbortSignal.timeout(timeoutMs) };
      if (body !== undefined) init.body = body;
      res = await doFetch(url, init);
    } catch (e) {
      cause = e;
    }
    let answer: HttpAnswer | undefined;
    let failure: string;
    let retryAfterMs: number | undefined;
    if (res) {
      const text = await res.text().catch(() => '');
      answer = {
        status: res.status,
        statusText: res.statusText,
        headers: res.headers,
        text,
        attempts: attempt,
        shownUrl: shown,
      };
      if (res.status !== 429 && res.status < 500) return answer;
      failure = `HTTP ${res.status}`;
      retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), now());
    } else {
      failure = isTimeout(cause) ? `no answer within ${timeoutMs} ms` : `network error: ${causeText(cause)}`;
    }

    const giveUp = (why: string): HttpAnswer => {
      if (answer) return answer;
      throw new HttpError(
        `${method} ${shown} failed: ${failure} (${why}, ${attempt} attempt${attempt === 1 ? '' : 's'})`,
        0,
        shown,
        true,
        attempt,
        undefined,
        cause !== undefined ? { cause } : undefined,
      );
    };
    if (attempt >= maxAttempts) return giveUp('no attempts left');
    let waitMs: number;
    if (retryAfterMs !== undefined) {
      if (retryAfterMs > maxRetryAfterMs)
        return giveUp(`Retry-After asks for ${Math.ceil(retryAfterMs / 1000)} s`);
      waitMs = retryAfterMs;
    } else {
      waitMs = Math.random() * Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
    }
    if (opts.deadline !== undefined && now() + waitMs >= opts.deadline)
      return giveUp('the time budget does not allow another wait');
    opts.onRetry?.({ attempt, status: answer?.status ?? 0, waitMs, url: shown, reason: failure });
    await sleep(waitMs);
  }
}

/** Why a retryable answer was given up on, for the error message. */
function retryVerdict(a: HttpAnswer, opts: FetchJsonOptions): string {
  const maxAttempts = Math.max(1, opts.maxAttempts ?? 5);
  if (a.attempts >= maxAttempts) return 'no attempts left';
  const ra = parseRetryAfter(a.headers.get('retry-after'), (opts.now ?? Date.now)());
  if (ra !== undefined && ra > (opts.maxRetryAfterMs ?? 60_000))
    return `Retry-After asks for ${Math.ceil(ra / 1000)} s`;
  return 'the time budget does not allow another wait';
}

/**
 * The {@link HttpError} for a final answer that is not a 2xx: retryable for 429 and 5xx (the
 * attempts or the budget ran out), not retryable for other 4xx.
 */
export function answerError(a: HttpAnswer, opts: FetchJsonOptions = {}): HttpError {
  const method = opts.method ?? 'GET';
  const excerpt = a.text.slice(0, BODY_EXCERPT_CHARS);
  if (a.status !== 429 && a.status < 500) {
    return new HttpError(
      `${method} ${a.shownUrl} failed with HTTP ${a.status}${a.statusText ? ` ${a.statusText}` : ''}: ${excerpt.slice(0, 160) || '(empty body)'}`,
      a.status,
      a.shownUrl,
      false,
      a.attempts,
      excerpt,
    );
  }
  return new HttpError(
    `${method} ${a.shownUrl} failed: HTTP ${a.status} (${retryVerdict(a, opts)}, ${a.attempts} attempt${a.attempts === 1 ? '' : 's'})`,
    a.status,
    a.shownUrl,
    true,
    a.attempts,
    excerpt,
  );
}

/**
 * Sends one JSON request with retries; resolves with the parsed body of the first 2xx answer
 * (`undefined` for an empty body, e.g. 204).
 *
 * @throws {@link HttpError} for other 4xx answers (at once), for 429/5xx/network failures once the
 *   attempts, the deadline or the `Retry-After` bound are exhausted, and for a 2xx body that is not JSON.
 *
 * @example
 * ```ts
 * const { body } = await fetchJson<{ value: unknown[]; '@odata.nextLink'?: string }>(url, {
 *   headers: { authorization: `Bearer ${token}` },
 *   deadline: Date.now() + context.getRemainingTimeInMillis() - 10_000,
 * });
 * ```
 */
export async function fetchJson<T = unknown>(
  url: string,
  opts: RequestOptions = {},
): Promise<JsonResponse<T>> {
  const a = await requestWithRetry(url, opts);
  if (a.status < 200 || a.status >= 300) throw answerError(a, opts);
  return { status: a.status, headers: a.headers, body: parseJsonAnswer<T>(a, opts), attempts: a.attempts };
}

/**
 * The JSON body of a 2xx answer (`undefined` when empty).
 *
 * @throws {@link HttpError} (not retryable) when the body is not JSON.
 */
export function parseJsonAnswer<T>(a: HttpAnswer, opts: FetchJsonOptions = {}): T {
  if (a.text.trim() === '') return undefined as T;
  try {
    return JSON.parse(a.text) as T;
  } catch (e) {
    throw new HttpError(
      `${opts.method ?? 'GET'} ${a.shownUrl} answered ${a.status} with a body that is not JSON: ${a.text.slice(0, 80)}`,
      a.status,
      a.shownUrl,
      false,
      a.attempts,
      a.text.slice(0, BODY_EXCERPT_CHARS),
      { cause: e },
    );
  }
}

function isTimeout(e: unknown): boolean {
  return e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError');
}

function causeText(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const inner = (e as { cause?: unknown }).cause;
  const code = inner instanceof Error ? ((inner as { code?: string }).code ?? inner.message) : undefined;
  return code ? `${e.message} (${code})` : e.message;
}
