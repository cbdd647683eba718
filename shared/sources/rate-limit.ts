/**
 * A client-side limit on request rate, shared by every collector: at most `requests` calls start in
 * any sliding window of `perMs` (Graph identity reports: 5 per 10 s per app and tenant, used at half;
 * CloudTrail LookupEvents: 2 per second per account and region, used at 1). A caller awaits
 * {@link RateLimiter.take} before each request; it resolves when starting one keeps the limit.
 *
 * The limit holds within one process. Pollers run with reserved concurrency 1 per source, so one
 * process is what talks to a vendor API for a tenant at a time.
 */

/** Options of {@link RateLimiter}. */
export interface RateLimiterOptions {
  /** Requests allowed in any window of `perMs`. */
  requests: number;
  /** The window, in ms. */
  perMs: number;
  /** Clock, epoch ms. @default Date.now */
  now?: () => number;
  /** Sleep (tests pass a virtual one). */
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * A sliding-window request limiter.
 *
 * @example
 * ```ts
 * const graphReports = new RateLimiter({ requests: 2, perMs: 10_000 }); // half of 5 per 10 s
 * await graphReports.take();
 * const page = await fetchJson(url, { headers });
 * ```
 */
export class RateLimiter {
  private readonly requests: number;
  private readonly perMs: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  /** Start times of the requests inside the current window, oldest first. */
  private readonly starts: number[] = [];
  /** Serializes waiters so they are served in call order. */
  private queue: Promise<void> = Promise.resolve();

  constructor(opts: RateLimiterOptions) {
    if (!Number.isInteger(opts.requests) || opts.requests < 1)
      throw new RangeError(`RateLimiter: requests must be a positive integer, got ${opts.requests}`);
    if (!(opts.perMs > 0)) throw new RangeError(`RateLimiter: perMs must be positive, got ${opts.perMs}`);
    this.requests = opts.requests;
    this.perMs = opts.perMs;
    this.now = opts.now ?? Date.now;
    this.sleep = opts.sleep ?? defaultSleep;
  }

  /** Resolves when one more request may start; records it as started. */
  take(): Promise<void> {
    const turn = this.queue.then(() => this.waitForSlot());
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  /** How long a request starting now would have to wait, in ms (0 when it may start at once). */
  waitMs(): number {
    this.forget(this.now());
    if (this.starts.length < this.requests) return 0;
    return Math.max(0, (this.starts[0] ?? 0) + this.perMs - this.now());
  }

  private async waitForSlot(): Promise<void> {
    for (;;) {
      const wait = this.waitMs();
      if (wait === 0) break;
      await this.sleep(wait);
    }
    this.starts.push(this.now());
  }

  private forget(now: number): void {
    while (this.starts.length > 0 && (this.starts[0] ?? 0) + this.perMs <= now) this.starts.shift();
  }
}
