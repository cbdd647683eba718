/**
 * Observations 7 and 8 of issue 6: an account is in a spray's window only when one of its failures
 * is; the same failed sign-in seen through two sources counts once.
 */
import { BASE, HOUR, MIN, detector, events, rules, signIn, ualLoginFailed } from './support';

const SPRAY_IP = '185.220.101.47';
const fail = (upn: string, at: number, ip = SPRAY_IP) => signIn({ upn, ip, at, errorCode: 50126 });

describe('password spray', () => {
  it('a late failure does not make accounts present between their first and last failure count in its window', async () => {
    const { d } = await detector({ rules: rules('password-spray') });
    // Three accounts failed from the address at 08:50 and again at 10:30; one at 09:30.
    const early = ['adele', 'alex', 'diego'].flatMap((u) => [
      fail(`${u}@contoso.com`, BASE - 10 * MIN),
      fail(`${u}@contoso.com`, BASE + 90 * MIN),
    ]);
    await d.process(events([...early, fail('grady@contoso.com', BASE + 30 * MIN)]), { now: BASE + 2 * HOUR });
    // A late failure of a fifth account at 09:40: no 30-minute window ever held 5 accounts.
    const r = await d.process(events([fail('henrietta@contoso.com', BASE + 40 * MIN)]), {
      now: BASE + 2 * HOUR + MIN,
    });
    expect(r.findings).toEqual([]);
  });

  it('the same late failure does fire when the accounts really failed inside its window', async () => {
    const { d } = await detector({ rules: rules('password-spray') });
    const inWindow = ['adele', 'alex', 'diego', 'grady'].map((u, i) =>
      fail(`${u}@contoso.com`, BASE + 30 * MIN + i * MIN),
    );
    await d.process(events(inWindow), { now: BASE + 2 * HOUR });
    const r = await d.process(events([fail('henrietta@contoso.com', BASE + 40 * MIN)]), {
      now: BASE + 2 * HOUR + MIN,
    });
    expect(r.findings.map((f) => [f.principal, f.count])).toEqual([[SPRAY_IP, 5]]);
  });
});

describe('the same failed sign-in through Entra sign-ins and the unified audit log', () => {
  /** Six failures as Graph signIns, and the same six as UAL UserLoginFailed (IntraSystemId = the request id). */
  function bothSources() {
    const graph = Array.from({ length: 6 }, (_, i) =>
      signIn({ upn: 'finance@contoso.com', ip: '45.155.205.233', at: BASE + i * MIN, errorCode: 50126 }),
    );
    const ual = graph.map((g, i) => ({
      ...ualLoginFailed({ user: 'finance@contoso.com', ip: '45.155.205.233', at: BASE + i * MIN }),
      IntraSystemId: g.id,
      InterSystemsId: g.correlationId,
    }));
    return { graph, ual };
  }

  it('six failures seen twice are six, not a brute force of twelve', async () => {
    const { graph, ual } = bothSources();
    const { d } = await detector({ rules: rules('brute-force') });
    const a = await d.process(events(graph), { now: BASE + 10 * MIN });
    const b = await d.process(events(ual), { now: BASE + 70 * MIN }); // the UAL copy comes an hour later
    expect([...a.findings, ...b.findings]).toEqual([]);
    expect(b.stats.duplicates).toBe(6);
  });

  it('counted once in the count of a finding too (threshold 5)', async () => {
    const { graph, ual } = bothSources();
    const { d } = await detector({ rules: rules('brute-force'), overrides: { 'brute-force': { count: 5 } } });
    const r = await d.process(events([...graph, ...ual]), { now: BASE + 10 * MIN });
    expect(r.findings.map((f) => f.count)).toEqual([6]);
  });
});
