/**
 * Observation 2 of issue 6 and the clock guard: a future-dated record is quarantined with a reason and
 * never moves any item's clock; nothing crashes a batch.
 */
import { replay } from '#shared/replay/replay';
import type { TriplineEvent } from '#shared/events/types';
import {
  BASE,
  DAY,
  MIN,
  cleanup,
  detector,
  events,
  jsonlFile,
  mailItemsAccessed,
  rules,
  signIn,
  tempDir,
} from './support';

afterAll(cleanup);

const failure = (at: number, upn = 'finance@contoso.com') =>
  signIn({ upn, ip: '45.155.205.233', at, errorCode: 50126 });
const OUTLOOK = 'd3590ed6-52b3-4102-aeff-aad2292ab01c';
const EVIL = '6f2d8c41-3a9e-4b7d-9c15-e0a4b2f7d381';

describe('a future-dated record', () => {
  it("a failure dated 30 days ahead is quarantined and does not blind that account's brute force", async () => {
    const { d } = await detector({ rules: rules('brute-force') });
    const future = await d.process(events([failure(BASE + 30 * DAY)]), { now: BASE });
    expect(future.quarantined).toHaveLength(1);
    expect(future.quarantined[0]?.reason).toMatch(/30 days after the trusted now .* \(allowed skew 5 min\)/);
    const r = await d.process(events(Array.from({ length: 10 }, (_, i) => failure(BASE + i * MIN))), {
      now: BASE + 10 * MIN,
    });
    expect(r.findings.map((f) => [f.principal, f.count])).toEqual([['finance@contoso.com', 10]]);
  });

  it("another user's record dated a day ahead in the same batch does not expire an account's open window", async () => {
    const { d } = await detector({ rules: rules('brute-force') });
    await d.process(events(Array.from({ length: 9 }, (_, i) => failure(BASE + i * MIN))), {
      now: BASE + 9 * MIN,
    });
    const r = await d.process(
      events([failure(BASE + DAY, 'someone.else@contoso.com'), failure(BASE + 9 * MIN + 30_000)]),
      { now: BASE + 10 * MIN },
    );
    expect(r.quarantined.map((q) => q.time)).toEqual([BASE + DAY]);
    expect(r.findings.map((f) => [f.principal, f.count])).toEqual([['finance@contoso.com', 10]]);
  });

  it.each([
    ['a day', 1],
    ['30 days', 30],
  ])(
    "another user's record dated %s ahead does not reset a 10-day mail-client baseline",
    async (_label, ahead) => {
      const { d } = await detector({ rules: rules('mail-unusual-client') });
      const history = Array.from({ length: 10 }, (_, i) =>
        mailItemsAccessed({ user: 'bob@contoso.com', at: BASE - (10 - i) * DAY, appId: OUTLOOK }),
      );
      for (const [i, rec] of history.entries())
        await d.process(events([rec]), { now: BASE - (10 - i) * DAY });
      const r = await d.process(
        events([
          mailItemsAccessed({ user: 'carol@contoso.com', at: BASE + ahead * DAY, appId: OUTLOOK }),
          mailItemsAccessed({ user: 'bob@contoso.com', at: BASE, appId: EVIL }),
        ]),
        { now: BASE + MIN },
      );
      expect(r.findings.map((f) => [f.ruleId, f.principal])).toEqual([
        ['mail-unusual-client', 'bob@contoso.com'],
      ]);
    },
  );

  it('in replay, a record dated next month is quarantined (file and line) and the saved state keeps the baselines', async () => {
    const dir = tempDir();
    const state = `${dir}/state.jsonl`;
    const history = Array.from({ length: 14 }, (_, i) =>
      mailItemsAccessed({ user: 'bob@contoso.com', at: BASE - (14 - i) * DAY, appId: OUTLOOK }),
    );
    const stray = failure(BASE + 30 * DAY, 'someone.else@contoso.com');
    const quarantined: Array<{ line?: number | undefined; reason: string }> = [];
    const first = await replay([jsonlFile(dir, 'history.jsonl', [...history, stray])], {
      state,
      rules: rules('mail-unusual-client', 'brute-force'),
      onQuarantine: (q) => quarantined.push(q),
    });
    expect(quarantined).toEqual([
      {
        file: `${dir}/history.jsonl`,
        line: 15,
        reason: expect.stringMatching(/more than 1 day after the rest of this replay/),
        excerpt: expect.any(String),
      },
    ]);
    expect(first.clock).toBe(BASE - DAY);
    // The next replay still has bob's baseline: his mailbox read through a new client fires.
    const next = await replay(
      [
        jsonlFile(dir, 'today.jsonl', [
          mailItemsAccessed({ user: 'bob@contoso.com', at: BASE, appId: EVIL }),
        ]),
      ],
      { state, rules: rules('mail-unusual-client') },
    );
    expect(next.findings.map((f) => [f.ruleId, f.principal])).toEqual([
      ['mail-unusual-client', 'bob@contoso.com'],
    ]);
  });

  it('an event whose time cannot be a date is quarantined and the rest of the batch is still evaluated', async () => {
    const { d } = await detector({ rules: rules('brute-force') });
    const good = events(Array.from({ length: 10 }, (_, i) => failure(BASE + i * MIN)));
    const broken: TriplineEvent = { ...(good[0] as TriplineEvent), id: 'nanoseconds', time: 1.7e18 };
    const r = await d.process([broken, ...good], { now: BASE + 10 * MIN });
    expect(r.quarantined).toEqual([
      expect.objectContaining({
        eventId: 'nanoseconds',
        reason: expect.stringContaining('not a valid date'),
      }),
    ]);
    expect(r.findings.map((f) => f.count)).toEqual([10]);
  });

  it("a replay never trusts a time after the machine's clock", async () => {
    const dir = tempDir();
    const recs = Array.from({ length: 5 }, (_, i) => failure(BASE + i * MIN));
    const s = await replay([jsonlFile(dir, 'f.jsonl', recs)], {
      rules: rules('brute-force'),
      now: () => BASE - 2 * DAY,
    });
    expect(s.quarantined).toBe(5);
    expect(s.quarantineReasons[0]?.reason).toMatch(/after the machine's clock/);
  });
});
