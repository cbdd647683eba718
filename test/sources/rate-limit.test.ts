import { RateLimiter } from '../../shared/sources/rate-limit';

/** A virtual clock whose sleep advances time instead of waiting. */
function virtualClock(): { now: () => number; sleep: (ms: number) => Promise<void>; slept: number[] } {
  let t = 1_000_000;
  const slept: number[] = [];
  return {
    now: () => t,
    sleep: (ms) => {
      slept.push(ms);
      t += ms;
      return Promise.resolve();
    },
    slept,
  };
}

describe('RateLimiter', () => {
  it('lets the first requests of a window start at once', async () => {
    const clock = virtualClock();
    const limiter = new RateLimiter({ requests: 2, perMs: 10_000, ...clock });
    await limiter.take();
    await limiter.take();
    expect(clock.slept).toEqual([]);
  });

  it('never starts more than `requests` calls in any sliding window (Graph reports used at half of 5 per 10 s)', async () => {
    const clock = virtualClock();
    const limiter = new RateLimiter({ requests: 2, perMs: 10_000, ...clock });
    const starts: number[] = [];
    for (let i = 0; i < 9; i++) {
      await limiter.take();
      starts.push(clock.now());
    }
    for (let i = 2; i < starts.length; i++)
      expect((starts[i] ?? 0) - (starts[i - 2] ?? 0)).toBeGreaterThanOrEqual(10_000);
    expect((starts[8] ?? 0) - (starts[0] ?? 0)).toBe(40_000);
  });

  it('serves concurrent callers in call order, each within the limit', async () => {
    const clock = virtualClock();
    const limiter = new RateLimiter({ requests: 1, perMs: 1_000, ...clock });
    const order: Array<[number, number]> = [];
    await Promise.all([0, 1, 2, 3].map((i) => limiter.take().then(() => order.push([i, clock.now()]))));
    expect(order.map(([i]) => i)).toEqual([0, 1, 2, 3]);
    expect(order.map(([, t]) => t - 1_000_000)).toEqual([0, 1_000, 2_000, 3_000]);
  });

  it('refuses a limit that allows nothing', () => {
    expect(() => new RateLimiter({ requests: 0, perMs: 1000 })).toThrow(
      /requests must be a positive integer/,
    );
    expect(() => new RateLimiter({ requests: 1, perMs: 0 })).toThrow(/perMs must be positive/);
  });
});
