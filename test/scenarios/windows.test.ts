/**
 * Observation 4 of issue 6: windows are exact, sliding and closed for every kind, and keeping state
 * bounded never changes an answer.
 */
import { replay } from '#shared/replay/replay';
import type { TriplineEvent } from '#shared/events/types';
import {
  BASE,
  HOUR,
  MIN,
  cleanup,
  detector,
  events,
  jsonlFile,
  mailItemsAccessed,
  rules,
  shuffled,
  signIn,
  tempDir,
} from './support';

afterAll(cleanup);

const failure = (at: number, upn = 'finance@contoso.com', ip = '45.155.205.233') =>
  signIn({ upn, ip, at, errorCode: 50126 });
/** The start of a 45 s slice of the epoch: the old engine's buckets for a 15 min window. */
const EDGE = Math.floor(BASE / 45_000) * 45_000;

async function bruteForce(times: number[]) {
  const { d } = await detector({ rules: rules('brute-force') });
  const r = await d.process(events(times.map((t) => failure(t))));
  return r.findings;
}

describe('a 15-minute brute-force window', () => {
  it('fires for 10 failures within 14 min 50 s that straddle the old 45 s bucket edges', async () => {
    const start = EDGE + 44_900;
    const times = Array.from({ length: 10 }, (_, i) => start + Math.round((i * (14 * MIN + 50_000)) / 9));
    expect((await bruteForce(times)).map((f) => f.count)).toEqual([10]);
  });

  it('fires when the 10th failure lands 14 min 59 s after the first', async () => {
    const times = [
      ...Array.from({ length: 9 }, (_, i) => EDGE + 30_000 + i * 1000),
      EDGE + 30_000 + 14 * MIN + 59_000,
    ];
    expect((await bruteForce(times)).map((f) => f.count)).toEqual([10]);
  });

  it('holds an event exactly at the window edge (15 min 0 s), and not one a millisecond later', async () => {
    const nine = Array.from({ length: 9 }, (_, i) => BASE + i * 1000);
    expect((await bruteForce([...nine, BASE + 15 * MIN])).map((f) => f.count)).toEqual([10]);
    expect(await bruteForce([...nine, BASE + 15 * MIN + 1])).toEqual([]);
  });

  it('password spray uses the same closed edge: 5 accounts spanning exactly 30 min fire, 30 min + 1 ms do not', async () => {
    const accounts = ['a', 'b', 'c', 'd', 'e'].map((u) => `${u}@contoso.com`);
    const spray = async (last: number) => {
      const { d } = await detector({ rules: rules('password-spray') });
      const times = [BASE, BASE + MIN, BASE + 2 * MIN, BASE + 3 * MIN, last];
      return (await d.process(events(times.map((t, i) => failure(t, accounts[i]))))).findings;
    };
    expect((await spray(BASE + 30 * MIN)).map((f) => f.count)).toEqual([5]);
    expect(await spray(BASE + 30 * MIN + 1)).toEqual([]);
  });

  it('counts 100 reads spanning 71 h 59 min into the 72 h read window of oauth-app-mass-access', async () => {
    const app = '11111111-2222-4333-8444-555555555555';
    const span = 71 * HOUR + 59 * MIN;
    const reads = Array.from({ length: 100 }, (_, i) =>
      mailItemsAccessed({
        user: 'bob@contoso.com',
        at: EDGE + 1000 + Math.round((i * span) / 99),
        appId: app,
      }),
    );
    const { d } = await detector({ rules: rules('oauth-app-mass-access') });
    let fires = 0;
    for (let i = 0; i < reads.length; i += 10) {
      const r = await d.process(events(reads.slice(i, i + 10)));
      fires += r.stats.fires['oauth-app-mass-access'] ?? 0;
    }
    expect(fires).toBe(1);
  });
});

/** What the semantics say, computed from every event at once (the oracle of the property tests). */
function oracle(times: number[], count: number, windowMs: number) {
  const t = [...times].sort((a, b) => a - b);
  // Sorted input: an event fires when the window ending at it holds `count` events.
  let fires = 0;
  for (let i = 0, lo = 0; i < t.length; i++) {
    while ((t[i] as number) - (t[lo] as number) > windowMs) lo++;
    if (i - lo + 1 >= count) fires++;
  }
  // The finding counts every event of every window that reaches the threshold.
  const counted = new Set<number>();
  for (let i = 0, j = 0; i < t.length; i++) {
    if (j < i) j = i;
    while (j + 1 < t.length && (t[j + 1] as number) - (t[i] as number) <= windowMs) j++;
    if (j - i + 1 >= count) for (let k = i; k <= j; k++) counted.add(k);
  }
  const idx = [...counted].sort((a, b) => a - b);
  return {
    fires,
    count: idx.length,
    first: idx.length ? t[idx[0] as number] : undefined,
    last: idx.length ? t[idx[idx.length - 1] as number] : undefined,
  };
}

function random(seed: number) {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

describe('bounded state never changes an answer', () => {
  it('brute force: any burst, any batch boundaries, a clock that forgets what it can: the same fires and count as computed from every event at once', async () => {
    for (let seed = 1; seed <= 25; seed++) {
      const rnd = random(seed);
      const n = 15 + Math.floor(rnd() * 50);
      const times = Array.from({ length: n }, () => BASE + Math.floor(rnd() * 90 * MIN));
      const want = oracle(times, 10, 15 * MIN);
      const evs = events([...times].sort((a, b) => a - b).map((t) => failure(t)));
      // Replay: time order, random batch sizes, the shortest lateness (state forgets all it can).
      const { d } = await detector({ rules: rules('brute-force'), lateness: '1s' });
      let fires = 0;
      let last: { count: number; firstSeen: string; lastSeen: string } | undefined;
      for (let i = 0; i < evs.length;) {
        const size = 1 + Math.floor(rnd() * 12);
        const r = await d.process(evs.slice(i, i + size));
        i += size;
        fires += r.stats.fires['brute-force'] ?? 0;
        for (const f of [...r.findings, ...r.updated]) last = f;
      }
      expect({ seed, fires, count: last?.count ?? 0 }).toEqual({
        seed,
        fires: want.fires,
        count: want.count,
      });
      if (want.count) {
        expect(last?.firstSeen).toBe(new Date(want.first as number).toISOString());
        expect(last?.lastSeen).toBe(new Date(want.last as number).toISOString());
      }
    }
  });

  it('brute force, live and out of order: every arrival order counts the same burst', async () => {
    for (let seed = 1; seed <= 15; seed++) {
      const rnd = random(seed * 31);
      const times = Array.from({ length: 30 }, () => BASE + Math.floor(rnd() * 60 * MIN));
      const want = oracle(times, 10, 15 * MIN);
      const evs = shuffled(events(times.map((t) => failure(t))), seed);
      const { d } = await detector({ rules: rules('brute-force'), lateness: '2h' });
      let last: { count: number } | undefined;
      for (let i = 0; i < evs.length; i += 4) {
        const r = await d.process(evs.slice(i, i + 4), { now: BASE + HOUR });
        for (const f of [...r.findings, ...r.updated]) last = f;
      }
      expect({ seed, count: last?.count ?? 0 }).toEqual({ seed, count: want.count });
    }
  });

  it('100-read window: signals exactly where the window ending at a read holds 100 reads, whatever the batches', async () => {
    const app = '11111111-2222-4333-8444-555555555555';
    for (let seed = 1; seed <= 6; seed++) {
      const rnd = random(seed * 7);
      const times = Array.from({ length: 260 }, () => BASE + Math.floor(rnd() * 200 * HOUR)).sort(
        (a, b) => a - b,
      );
      const want = oracle(times, 100, 72 * HOUR);
      const evs: TriplineEvent[] = events(
        times.map((t) => mailItemsAccessed({ user: 'bob@contoso.com', at: t, appId: app })),
      );
      const { d } = await detector({ rules: rules('oauth-app-mass-access'), lateness: '15m' });
      let fires = 0;
      for (let i = 0; i < evs.length;) {
        const size = 1 + Math.floor(rnd() * 40);
        fires += (await d.process(evs.slice(i, i + size))).stats.fires['oauth-app-mass-access'] ?? 0;
        i += size;
      }
      expect({ seed, fires }).toEqual({ seed, fires: want.fires });
    }
  });

  it('a replay split into files at any hour counts a long brute force the same as one replay', async () => {
    const rnd = random(99);
    const times = Array.from({ length: 60 }, () => BASE + Math.floor(rnd() * 4 * HOUR)).sort((a, b) => a - b);
    const recs = times.map((t) => failure(t));
    const dir = tempDir();
    const whole = await replay([jsonlFile(dir, 'all.jsonl', recs)], { rules: rules('brute-force') });
    for (const cut of [30 * MIN, 90 * MIN, 150 * MIN]) {
      const state = `${dir}/state-${cut}.jsonl`;
      const a = await replay(
        [
          jsonlFile(
            dir,
            `a-${cut}.jsonl`,
            recs.filter((_, i) => (times[i] as number) < BASE + cut),
          ),
        ],
        {
          state,
          rules: rules('brute-force'),
        },
      );
      const b = await replay(
        [
          jsonlFile(
            dir,
            `b-${cut}.jsonl`,
            recs.filter((_, i) => (times[i] as number) >= BASE + cut),
          ),
        ],
        {
          state,
          rules: rules('brute-force'),
        },
      );
      const union = new Map(
        [...a.findings, ...b.findings].map((f) => [f.id, [f.count, f.firstSeen, f.lastSeen]]),
      );
      expect({ cut, findings: [...union.values()] }).toEqual({
        cut,
        findings: whole.findings.map((f) => [f.count, f.firstSeen, f.lastSeen]),
      });
    }
  });
});
