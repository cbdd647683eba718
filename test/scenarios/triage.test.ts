/**
 * Observations 12 and 13 of issue 6: evidence, firstSeen and lastSeen cover the window that fired,
 * and `count` has one unit per rule kind, the one `why` states.
 */
import { join } from 'node:path';
import { replay } from '#shared/replay/replay';
import { BASE, HOUR, MIN, detector, events, rules, signIn } from './support';

const ROOT = join(__dirname, '..', '..');
const fail = (upn: string, at: number, ip = '45.155.205.233') => signIn({ upn, ip, at, errorCode: 50126 });

describe('what a finding shows', () => {
  it('a brute force of 09:00-09:09 shows 09:00 to 09:09, though a lone failure of 10:04 is kept too', async () => {
    const { d } = await detector({ rules: rules('brute-force') });
    // The 10:04 failure arrives first (another feed), then the burst, its 10th last.
    await d.process(
      events([
        fail('finance@contoso.com', BASE + 64 * MIN),
        ...Array.from({ length: 9 }, (_, i) => fail('finance@contoso.com', BASE + i * MIN)),
      ]),
      { now: BASE + 65 * MIN },
    );
    const r = await d.process(events([fail('finance@contoso.com', BASE + 9 * MIN)]), {
      now: BASE + 65 * MIN,
    });
    const [f] = r.findings;
    expect([f?.firstSeen, f?.lastSeen, f?.count]).toEqual([
      new Date(BASE).toISOString(),
      new Date(BASE + 9 * MIN).toISOString(),
      10,
    ]);
    expect(f?.evidence.map((e) => e.time)).not.toContain(new Date(BASE + 64 * MIN).toISOString());
    expect(f?.why).toBe('10 failed sign-ins in 15 min for finance@contoso.com, threshold 10');
  });

  it("a spray's firstSeen is the first failure of the window that fired, not an account's failure 2 h before", async () => {
    const { d } = await detector({ rules: rules('password-spray') });
    const spray = ['adele', 'alex', 'diego', 'grady', 'lee'].map((u, i) =>
      fail(`${u}@contoso.com`, BASE + i * MIN, '185.220.101.47'),
    );
    const r = await d.process(
      events([fail('adele@contoso.com', BASE - 2 * HOUR, '185.220.101.47'), ...spray]),
    );
    expect(r.findings.map((f) => [f.firstSeen, f.lastSeen])).toEqual([
      [new Date(BASE).toISOString(), new Date(BASE + 4 * MIN).toISOString()],
    ]);
  });

  it('a spray of 5 accounts, 5 failures each, counts 5 accounts, as its why says', async () => {
    const { d } = await detector({ rules: rules('password-spray') });
    const recs = ['adele', 'alex', 'diego', 'grady', 'lee'].flatMap((u, i) =>
      Array.from({ length: 5 }, (_, k) =>
        fail(`${u}@contoso.com`, BASE + (i * 5 + k) * 20_000, '185.220.101.47'),
      ),
    );
    const all = [];
    for (let i = 0; i < recs.length; i += 5) {
      const r = await d.process(events(recs.slice(i, i + 5)));
      all.push(...r.findings, ...r.updated);
    }
    const last = all[all.length - 1];
    expect(last?.count).toBe(5);
    expect(last?.why).toMatch(
      /^5 distinct accounts with failed sign-ins in 30 min for 185\.220\.101\.47, threshold 5/,
    );
    expect(last?.title).toBe('Password spray from 185.220.101.47 against 5 accounts');
  });

  it('a brute force counts the failures of its burst, the number its title and why give', async () => {
    const { d } = await detector({ rules: rules('brute-force') });
    const all = [];
    for (let k = 0; k < 3; k++) {
      const r = await d.process(
        events(Array.from({ length: 8 }, (_, i) => fail('finance@contoso.com', BASE + (k * 8 + i) * 50_000))),
      );
      all.push(...r.findings, ...r.updated);
    }
    const last = all[all.length - 1];
    expect(last?.count).toBe(24);
    expect(last?.title).toBe('24 failed sign-ins for finance@contoso.com');
    expect(last?.why).toBe(
      '24 failed sign-ins for finance@contoso.com from 09:00:00 to 09:19:10, up to 19 in any 15 min, threshold 10',
    );
  });

  it('oauth-chain in the example: count 1 consenting user, and evidence and why show that reading began at 10:20', async () => {
    const s = await replay(['examples/'], { cwd: ROOT });
    const [f] = s.findings.filter((x) => x.ruleId === 'oauth-chain');
    expect(f?.count).toBe(1);
    expect(f?.why).toContain('count: 1 consenting user');
    expect(f?.why).toContain(
      'read or exported at volume (at least 100 items within 72 h) from 2026-03-02T10:20:00.000Z',
    );
    expect(f?.evidence.find((e) => e.step === 3)?.time).toBe('2026-03-02T10:20:00.000Z');
  });
});
