/**
 * Observation 1 of issue 6: state is judged at each event's own time, never relative to the batch's
 * newest event or another principal's events.
 */
import { replay } from '#shared/replay/replay';
import {
  BASE,
  HOUR,
  MIN,
  cleanup,
  detector,
  events,
  jsonlFile,
  rules,
  signIn,
  tempDir,
  ualLoginFailed,
  ualRecord,
} from './support';

afterAll(cleanup);

const failure = (at: number, upn = 'finance@contoso.com') =>
  signIn({ upn, ip: '45.155.205.233', at, errorCode: 50126 });
const nine = () => Array.from({ length: 9 }, (_, i) => failure(BASE + i * MIN));

describe('a failed sign-in that arrives late', () => {
  it('with the lateness covering it, a 10th failure arriving 3 h late fires alone in its batch and beside a current record alike', async () => {
    for (const withCurrent of [false, true]) {
      const { d } = await detector({ rules: rules('brute-force'), lateness: '4h' });
      await d.process(events(nine()), { now: BASE + 9 * MIN });
      const late = failure(BASE + 9 * MIN + 30_000);
      const current = failure(BASE + 3 * HOUR, 'someone.else@contoso.com');
      const r = await d.process(events(withCurrent ? [current, late] : [late]), { now: BASE + 3 * HOUR });
      expect({ withCurrent, found: r.findings.map((f) => [f.principal, f.count]) }).toEqual({
        withCurrent,
        found: [['finance@contoso.com', 10]],
      });
    }
  });

  it('beyond the 2 h lateness, the same failure is reported too late alone or beside a current record, and counted in neither', async () => {
    for (const withCurrent of [false, true]) {
      const { d } = await detector({ rules: rules('brute-force') });
      await d.process(events(nine()), { now: BASE + 9 * MIN });
      const late = events([failure(BASE + 9 * MIN + 30_000)]);
      const current = events([failure(BASE + 3 * HOUR, 'someone.else@contoso.com')]);
      const r = await d.process(withCurrent ? [...current, ...late] : late, { now: BASE + 3 * HOUR });
      expect({ withCurrent, findings: r.findings.length, late: r.late.map((x) => x.eventId) }).toEqual({
        withCurrent,
        findings: 0,
        late: [late[0]?.id],
      });
      expect(r.late[0]?.reason).toMatch(/more than 2 h .* too late for stateful rules/);
    }
  });

  it("a lagging source's batches, given their own 4 h lateness, admit the 3 h late failure the detector's 2 h would refuse", async () => {
    const { d } = await detector({ rules: rules('brute-force') });
    await d.process(events(nine()), { now: BASE + 9 * MIN, lateness: '4h' });
    const late = events([failure(BASE + 9 * MIN + 30_000)]);
    const r = await d.process(late, { now: BASE + 3 * HOUR, lateness: '4h' });
    expect(r.late).toEqual([]);
    expect(r.findings.map((f) => [f.principal, f.count])).toEqual([['finance@contoso.com', 10]]);
  });

  it('a batch lateness that is not a duration is refused with the value named', async () => {
    const { d } = await detector({ rules: rules('brute-force') });
    await expect(d.process(events(nine()), { now: BASE + 9 * MIN, lateness: 'soon' })).rejects.toThrow(
      /lateness 'soon' is not a duration/,
    );
  });

  // Each day's file ends with a long quiet stretch, so a batch that holds the burst's end also holds
  // records hours newer: the shape that made a batch's newest event expire the burst.
  const midnight = Date.parse('2026-03-03T00:00:00Z');
  const burst = Array.from({ length: 10 }, (_, i) => failure(midnight - 5 * MIN + i * MIN));
  const day1 = [failure(midnight - 9 * HOUR, 'alice@contoso.com'), ...burst.slice(0, 5)];
  const day2 = [
    ...burst.slice(5),
    signIn({ upn: 'alice@contoso.com', ip: '203.0.113.24', at: midnight + 8 * HOUR }),
    signIn({ upn: 'bob@contoso.com', ip: '203.0.113.24', at: midnight + 8 * HOUR + MIN }),
  ];

  it('a brute force across midnight, replayed as two daily files into one state file, is found', async () => {
    const dir = tempDir();
    const state = `${dir}/state.jsonl`;
    const first = await replay([jsonlFile(dir, 'day1.jsonl', day1)], { state, rules: rules('brute-force') });
    expect(first.findings).toEqual([]);
    const second = await replay([jsonlFile(dir, 'day2.jsonl', day2)], { state, rules: rules('brute-force') });
    expect(second.findings.map((f) => [f.ruleId, f.principal, f.count])).toEqual([
      ['brute-force', 'finance@contoso.com', 10],
    ]);
    expect(second.late).toBe(0);
  });

  it('the same brute force is found in one replay whatever the batch size', async () => {
    const dir = tempDir();
    const file = jsonlFile(dir, 'both.jsonl', [...day1, ...day2]);
    for (const batchSize of [1, 3, 7, 5000]) {
      const s = await replay([file], { rules: rules('brute-force'), batchSize });
      expect({ batchSize, found: s.findings.map((f) => [f.principal, f.count, f.firstSeen]) }).toEqual({
        batchSize,
        found: [['finance@contoso.com', 10, new Date(midnight - 5 * MIN).toISOString()]],
      });
    }
  });

  it('a UAL-only brute force split over two content blobs, the second also holding records 2.5 h newer, is found', async () => {
    const ual = (at: number) => ualLoginFailed({ user: 'finance@contoso.com', ip: '45.155.205.233', at });
    const blob1 = [
      ualRecord({ op: 'MailItemsAccessed', user: 'alice@contoso.com', at: BASE - HOUR }),
      ...Array.from({ length: 5 }, (_, i) => ual(BASE + i * MIN)),
    ];
    const blob2 = [
      ...Array.from({ length: 5 }, (_, i) => ual(BASE + (5 + i) * MIN)),
      ualRecord({ op: 'MailItemsAccessed', user: 'alice@contoso.com', at: BASE + 9 * MIN + 150 * MIN }),
      ualRecord({ op: 'MailItemsAccessed', user: 'bob@contoso.com', at: BASE + 9 * MIN + 151 * MIN }),
    ];
    const dir = tempDir();
    const state = `${dir}/state.jsonl`;
    await replay([jsonlFile(dir, 'blob1.json', blob1)], { state, rules: rules('brute-force') });
    const s = await replay([jsonlFile(dir, 'blob2.json', blob2)], { state, rules: rules('brute-force') });
    expect(s.findings.map((f) => [f.ruleId, f.principal, f.count])).toEqual([
      ['brute-force', 'finance@contoso.com', 10],
    ]);
  });
});
