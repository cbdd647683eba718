/**
 * Observations 9 and 14 of issue 6: a continuing attack updates its finding; every consenting user is
 * named; findings are per principal where the title names one.
 */
import { join } from 'node:path';
import { replay } from '#shared/replay/replay';
import { readRecords } from '#shared/sources/files';
import { normalize } from '#shared/events/normalize';
import { EXAMPLE_FILES } from '../../bench/example-story';
import {
  BASE,
  DAY,
  HOUR,
  MIN,
  Findings,
  cleanup,
  consentAudit,
  detector,
  events,
  jsonlFile,
  mailItemsAccessed,
  rules,
  signIn,
  tempDir,
} from './support';

afterAll(cleanup);

const ROOT = join(__dirname, '..', '..');
const APP = '6f2d8c41-3a9e-4b7d-9c15-e0a4b2f7d381';
const consent = (upn: string, at: number) =>
  consentAudit({
    upn,
    ip: '185.220.101.47',
    at,
    appId: APP,
    appName: 'Mail Archiver Pro',
    scopes: ['Mail.ReadWrite', 'Files.Read.All'],
  });
const read = (at: number, user = 'bob@contoso.com') => mailItemsAccessed({ user, at, appId: APP });

describe('one finding per attack', () => {
  it('an app that keeps reading for 70 h after the consent is one oauth-chain finding, updated as it goes', async () => {
    const { d } = await detector({ rules: rules('oauth-chain') });
    const all = new Findings();
    all.add(await d.process(events([consent('bob@contoso.com', BASE)]), { now: BASE }));
    for (let h = 0; h < 70; h++) {
      const batch = Array.from({ length: 10 }, (_, i) => read(BASE + h * HOUR + (i + 1) * 4 * MIN));
      all.add(await d.process(events(batch), { now: BASE + (h + 1) * HOUR }));
    }
    const chains = all.of('oauth-chain');
    expect(chains).toHaveLength(1);
    const f = chains[0];
    expect(f?.count).toBe(1);
    expect(f?.lastSeen).toBe(new Date(BASE + 69 * HOUR + 40 * MIN).toISOString());
    expect(f?.evidence.slice(0, 2).map((e) => [e.step, e.action])).toEqual([
      [1, 'Consent to application'],
      [2, 'Consent to application'],
    ]);
  });

  it('a second user consenting to the same app is named in the chain, and counted', async () => {
    const { d } = await detector({ rules: rules('oauth-chain') });
    const all = new Findings();
    all.add(
      await d.process(
        events([
          consent('bob@contoso.com', BASE),
          ...Array.from({ length: 110 }, (_, i) => read(BASE + (i + 1) * MIN)),
        ]),
      ),
    );
    all.add(
      await d.process(
        events([
          consent('carol@contoso.com', BASE + 3 * HOUR),
          ...Array.from({ length: 20 }, (_, i) => read(BASE + 3 * HOUR + (i + 1) * MIN, 'carol@contoso.com')),
        ]),
      ),
    );
    const [f] = all.of('oauth-chain');
    expect(all.of('oauth-chain')).toHaveLength(1);
    expect(f?.count).toBe(2);
    expect(f?.why).toMatch(/connected by bob@contoso\.com at .*, carol@contoso\.com at /);
    expect(f?.why).toContain('count: 2 consenting users');
    expect(f?.evidence.filter((e) => e.step === 1).map((e) => e.actor)).toEqual([
      'bob@contoso.com',
      'carol@contoso.com',
    ]);
  });

  it('oauth-risky-consent gives each consenting user a finding that names them in principal and title', async () => {
    const { d } = await detector({ rules: rules('oauth-risky-consent') });
    const r = await d.process(
      events([consent('bob@contoso.com', BASE), consent('carol@contoso.com', BASE + HOUR)]),
    );
    expect(r.findings.map((f) => [f.principal, f.title.split(' ')[0]]).sort()).toEqual([
      ['bob@contoso.com', 'bob@contoso.com'],
      ['carol@contoso.com', 'carol@contoso.com'],
    ]);
  });

  it('a brute force that stops and starts again two days later is two findings; one going on all day is one', async () => {
    const { d } = await detector({ rules: rules('brute-force') });
    const all = new Findings();
    const burst = (from: number, n: number, step: number) =>
      events(
        Array.from({ length: n }, (_, i) =>
          signIn({ upn: 'finance@contoso.com', ip: '45.155.205.233', at: from + i * step, errorCode: 50126 }),
        ),
      );
    // 10 failures every 15 minutes for 20 hours: one attack.
    for (let h = 0; h < 20; h++) all.add(await d.process(burst(BASE + h * HOUR, 40, 90_000)));
    expect(all.of('brute-force')).toHaveLength(1);
    all.add(await d.process(burst(BASE + 3 * DAY, 12, MIN)));
    expect(all.of('brute-force')).toHaveLength(2);
  });

  it('the example story replayed day by day into one state file gives one oauth-chain finding, with its consent steps', async () => {
    const byDay = new Map<string, unknown[]>();
    for await (const item of readRecords(Object.values(EXAMPLE_FILES).map((p) => join(ROOT, p)))) {
      if (item.kind !== 'record') continue;
      const res = normalize(item.record);
      if (!res.ok) throw new Error(res.reason);
      const day = new Date((res.events[0] as { time: number }).time).toISOString().slice(0, 10);
      byDay.set(day, [...(byDay.get(day) ?? []), item.record]);
    }
    const dir = tempDir();
    const state = join(dir, 'state.jsonl');
    const chains = new Map<string, { created: boolean; steps: Array<number | undefined> }>();
    for (const day of [...byDay.keys()].sort()) {
      const s = await replay([jsonlFile(dir, `${day}.jsonl`, byDay.get(day) ?? [])], { state });
      expect(s.late).toBe(0);
      for (const f of s.findings.filter((x) => x.ruleId === 'oauth-chain')) {
        chains.set(f.id, { created: !chains.has(f.id), steps: f.evidence.slice(0, 2).map((e) => e.step) });
      }
    }
    expect([...chains.values()]).toEqual([{ created: true, steps: [1, 2] }]);
  });
});
