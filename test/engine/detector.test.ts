import { Detector, RuleValidationError, defineRule } from '#shared/engine/index';
import type { RuleDefinition } from '#shared/engine/index';
import { EmbeddedStateStore } from '#shared/state/embedded';
import { DAY, HOUR, MIN, T0, ev } from '../support/events';

const meta = {
  description: 'test rule',
  severity: 'medium' as const,
  attack: ['T1110.001'],
  runbook: ['Look at it'],
  falsePositives: [],
};

const bruteForce = defineRule({
  ...meta,
  id: 'bf',
  title: 'Many failures',
  kind: 'threshold',
  sources: ['entra.signin'],
  actions: ['UserLoginFailed'],
  groupBy: 'actor.id',
  count: 10,
  window: '15m',
  unit: 'failed sign-ins',
});

async function detector(rules: RuleDefinition[], store?: EmbeddedStateStore, lateness = '2h') {
  const s = store ?? (await EmbeddedStateStore.open(':memory:'));
  return { d: new Detector({ rules, store: s, lateness }), store: s };
}

/** CloudTrail StopLogging: the simplest match rule, and its event. */
const stopLogging = defineRule({
  ...meta,
  id: 'stop',
  title: (c) => `${c.event.actor.name} stopped logging`,
  kind: 'match',
  sources: ['aws.cloudtrail'],
  actions: ['StopLogging'],
  falsePositives: ['planned migrations'],
});
const stopEv = (at = 0, name = 'm') =>
  ev({ source: 'aws.cloudtrail', action: 'StopLogging', actor: { name }, at });

/** Mailbox reads through a client per user, allow-listing Exchange Online itself. */
const mailClients = defineRule({
  ...meta,
  id: 'client',
  title: 'new client',
  kind: 'new_terms',
  sources: ['m365.audit'],
  actions: ['MailItemsAccessed'],
  groupBy: 'actor.id',
  term: 'actor.appId',
  history: '14d',
  learning: '1d',
  allow: ['00000002-0000-0ff1-ce00-000000000000'],
  termLabel: 'ClientAppId',
});
const mailRead = (app: string, at: number, user = 'alice@contoso.com') =>
  ev({
    source: 'm365.audit',
    action: 'MailItemsAccessed',
    outcome: 'success',
    at,
    actor: { id: user, appId: app },
  });

/** The OAuth chain in miniature: consent, a Mail.ReadWrite grant (the same event), then 3 reads by the app. */
const consentRule = defineRule({
  ...meta,
  id: 'consent',
  title: 'c',
  kind: 'match',
  emit: false,
  sources: ['entra.audit'],
  actions: ['Consent to application'],
});
const grantRule = defineRule({
  ...meta,
  id: 'grant',
  title: 'g',
  kind: 'match',
  emit: false,
  sources: ['entra.audit'],
  actions: ['Consent to application', 'Add delegated permission grant'],
  when: (e) => (e.app?.scopes ?? []).includes('Mail.ReadWrite'),
});
const massRule = defineRule({
  ...meta,
  id: 'mass',
  title: 'm',
  kind: 'threshold',
  emit: false,
  sources: ['m365.audit'],
  actions: ['MailItemsAccessed'],
  groupBy: 'app.id',
  count: 3,
  window: '72h',
});
const chainRule = defineRule({
  ...meta,
  id: 'chain',
  title: (c) => `chain for ${c.group}`,
  kind: 'sequence',
  sources: ['entra.audit', 'm365.audit'],
  by: 'app.id',
  steps: [
    { rules: ['consent'], label: 'consent' },
    { rules: ['grant'], label: 'grant' },
    { rules: ['mass'], label: 'mass read' },
  ],
  window: '72h',
});
const chainRules = [consentRule, grantRule, massRule, chainRule];
const consentEv = (at: number, app = 'app-1') =>
  ev({
    source: 'entra.audit',
    action: 'Consent to application',
    outcome: 'success',
    at,
    app: { id: app, name: 'Evil Sync', scopes: ['Mail.ReadWrite'] },
  });
const appReadEv = (at: number, app = 'app-1') =>
  ev({ source: 'm365.audit', action: 'MailItemsAccessed', outcome: 'success', at, app: { id: app } });

describe('match', () => {
  it('fires on the named action and stays quiet on others', async () => {
    const { d } = await detector([stopLogging]);
    const r = await d.process([
      stopEv(0, 'mallory'),
      ev({ source: 'aws.cloudtrail', action: 'StartLogging', actor: { name: 'mallory' } }),
    ]);
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]?.title).toBe('mallory stopped logging');
    expect(r.findings[0]?.evidence).toHaveLength(1);
  });

  it('suppresses repeats within the dedup window: one finding, count and evidence grow', async () => {
    const { d } = await detector([stopLogging]);
    const first = await d.process([stopEv()]);
    const again = await d.process([stopEv(HOUR)]);
    expect(first.findings).toHaveLength(1);
    expect(again.findings).toHaveLength(0);
    expect(again.updated).toHaveLength(1);
    expect(again.updated[0]?.id).toBe(first.findings[0]?.id);
    expect(again.updated[0]?.count).toBe(2);
    expect(again.updated[0]?.evidence).toHaveLength(2);
    const later = await d.process([stopEv(2 * DAY)]);
    expect(later.findings).toHaveLength(1);
    expect(later.findings[0]?.id).not.toBe(first.findings[0]?.id);
  });
});

describe('threshold', () => {
  it('fires once when the 10th failure lands inside 15 minutes', async () => {
    const { d } = await detector([bruteForce]);
    const nine = Array.from({ length: 9 }, (_, i) => ev({ at: i * MIN }));
    expect((await d.process(nine)).findings).toHaveLength(0);
    const r = await d.process([ev({ at: 10 * MIN })]);
    expect(r.findings).toHaveLength(1);
    const f = r.findings[0];
    expect(f?.count).toBe(10);
    expect(f?.why).toBe('10 failed sign-ins in 15 min for alice@contoso.com, threshold 10');
    expect(f?.principal).toBe('alice@contoso.com');
    expect(f?.evidence.map((e) => e.time)).toEqual([...(f?.evidence.map((e) => e.time) ?? [])].sort());
  });

  it('stays quiet when the same failures are spread over more than the window', async () => {
    const { d } = await detector([bruteForce]);
    const r = await d.process(Array.from({ length: 12 }, (_, i) => ev({ at: i * 4 * MIN })));
    expect(r.findings).toHaveLength(0);
  });

  it('counts an event that arrives late, within the lateness, into its own window', async () => {
    const { d } = await detector([bruteForce]);
    await d.process(Array.from({ length: 9 }, (_, i) => ev({ at: i * 10_000 })));
    await d.process([ev({ at: 90 * MIN, actor: { id: 'bob@contoso.com' } })]); // the clock moves on
    const late = await d.process([ev({ at: 2 * MIN })]);
    expect(late.findings).toHaveLength(1);
  });

  it('does not count the same event twice when a batch is redelivered', async () => {
    const { d } = await detector([bruteForce]);
    const batch = Array.from({ length: 6 }, (_, i) => ev({ at: i * MIN }));
    await d.process(batch);
    expect((await d.process(batch)).findings).toHaveLength(0);
  });

  it('keeps separate counts per group and per tenant', async () => {
    const { d } = await detector([bruteForce]);
    const r = await d.process([
      ...Array.from({ length: 5 }, (_, i) => ev({ at: i * MIN })),
      ...Array.from({ length: 5 }, (_, i) => ev({ at: i * MIN, tenant: 'tenant-2' })),
      ...Array.from({ length: 5 }, (_, i) => ev({ at: i * MIN, actor: { id: 'bob@contoso.com' } })),
    ]);
    expect(r.findings).toHaveLength(0);
  });

  it('loses no count and makes exactly one finding when 8 invocations race on one principal', async () => {
    const store = await EmbeddedStateStore.open(':memory:');
    const workers = Array.from({ length: 8 }, () => new Detector({ rules: [bruteForce], store }));
    const results = await Promise.all(
      workers.map((w, i) => w.process([ev({ at: i * 1000 }), ev({ at: i * 1000 + 500 })])),
    );
    const created = results.flatMap((r) => r.findings);
    expect(created).toHaveLength(1);
    const after = await new Detector({ rules: [bruteForce], store }).process([ev({ at: 20_000 })]);
    expect(after.updated[0]?.count).toBe(17);
  });
});

describe('distinct', () => {
  const spray = defineRule({
    ...meta,
    id: 'spray',
    title: 'spray',
    kind: 'distinct',
    sources: ['entra.signin'],
    actions: ['UserLoginFailed'],
    groupBy: 'actor.ip',
    field: 'actor.id',
    count: 5,
    window: '30m',
    unit: 'accounts',
  });
  const user = (n: number, at: number) => ev({ at, actor: { id: `u${n}@contoso.com`, ip: '198.51.100.9' } });

  it('fires when one address fails against 5 accounts in 30 minutes, naming them', async () => {
    const { d } = await detector([spray]);
    const r = await d.process([1, 2, 3, 4, 5].map((n) => user(n, n * MIN)));
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]?.principal).toBe('198.51.100.9');
    expect(r.findings[0]?.why).toContain('5 distinct accounts in 30 min for 198.51.100.9, threshold 5');
    expect(r.findings[0]?.why).toContain('u1@contoso.com');
  });

  it('stays quiet when the same account fails many times', async () => {
    const { d } = await detector([spray]);
    const r = await d.process(Array.from({ length: 20 }, (_, i) => user(1, i * MIN)));
    expect(r.findings).toHaveLength(0);
  });

  it('stays quiet when the accounts are spread over more than the window', async () => {
    const { d } = await detector([spray]);
    const r = await d.process([1, 2, 3, 4, 5, 6].map((n) => user(n, n * 20 * MIN)));
    expect(r.findings).toHaveLength(0);
  });
});

describe('new_terms', () => {
  const unusual = mailClients;
  const read = (app: string, at: number) => mailRead(app, at);

  it('fires on a client absent from the 14-day history and says which ones were known', async () => {
    const { d } = await detector([unusual]);
    await d.process([read('A', 0), read('B', 2 * DAY), read('A', 3 * DAY)]);
    const r = await d.process([read('C', 4 * DAY)]);
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]?.why).toBe(
      "ClientAppId C absent from alice@contoso.com's 14 days history of {A, B} besides allow-listed ones",
    );
  });

  it('stays quiet while the baseline is still learning, for known clients and for allow-listed ones', async () => {
    const { d } = await detector([unusual]);
    const r = await d.process([
      read('A', 0),
      read('B', HOUR),
      read('A', 3 * DAY),
      read('00000002-0000-0ff1-ce00-000000000000', 3 * DAY),
    ]);
    expect(r.findings).toHaveLength(0);
  });

  it('learns the baseline from allow-listed clients too, then fires on a new client', async () => {
    const { d } = await detector([unusual]);
    const first = '00000002-0000-0ff1-ce00-000000000000';
    await d.process([read(first, 0), read(first, 5 * DAY)]);
    const r = await d.process([read(first, 6 * DAY), read('C', 6 * DAY + HOUR)]);
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]?.why).toBe(
      "ClientAppId C absent from alice@contoso.com's 14 days history of no other value besides allow-listed ones",
    );
  });

  it('fires again for a client last seen longer ago than the history while the baseline lives on', async () => {
    const { d } = await detector([unusual]);
    await d.process([read('A', 0), read('B', 2 * DAY), read('B', 8 * DAY), read('B', 14 * DAY)]);
    const r = await d.process([read('B', 19 * DAY), read('A', 20 * DAY)]);
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]?.why).toBe(
      "ClientAppId A absent from alice@contoso.com's 14 days history of {B} besides allow-listed ones",
    );
  });
});

describe('sequence', () => {
  const rules = chainRules;
  const readEv = appReadEv;

  it('fires when consent, grant (the same event) and mass reads happen in order for one app', async () => {
    const { d } = await detector(rules);
    const r = await d.process([consentEv(0), readEv(HOUR), readEv(2 * HOUR), readEv(3 * HOUR)]);
    expect(r.findings.map((f) => f.ruleId)).toEqual(['chain']);
    const f = r.findings[0];
    expect(f?.principal).toBe('Evil Sync (app-1)');
    expect(f?.evidence.map((e) => e.step)).toEqual([1, 2, 3, 3, 3].slice(0, f?.evidence.length));
    expect(f?.why).toMatch(
      /^3 steps in order for app-1 within 3 h \(window 3 days\): consent at .* -> grant at .* -> mass read at /,
    );
  });

  it('stays quiet when the reads came before the consent', async () => {
    const { d } = await detector(rules);
    const r = await d.process([readEv(0), readEv(MIN), readEv(2 * MIN), consentEv(HOUR)]);
    expect(r.findings).toHaveLength(0);
  });

  it('stays quiet when the steps span more than the window, or belong to different apps', async () => {
    const { d } = await detector(rules);
    const r = await d.process([consentEv(0), readEv(80 * HOUR), readEv(81 * HOUR), readEv(82 * HOUR)]);
    expect(r.findings).toHaveLength(0);
    const r2 = await d.process([
      consentEv(100 * HOUR, 'app-2'),
      readEv(101 * HOUR),
      readEv(101 * HOUR),
      readEv(102 * HOUR),
    ]);
    expect(r2.findings).toHaveLength(0);
  });

  it('correlates across batches and when the consent record arrives late', async () => {
    const { d } = await detector(rules);
    await d.process([readEv(HOUR), readEv(HOUR + MIN)]);
    await d.process([readEv(HOUR + 2 * MIN)]);
    const late = await d.process([consentEv(0)]);
    expect(late.findings.map((f) => f.ruleId)).toEqual(['chain']);
  });

  it('keeps one finding while the reads go on: one chain, lastSeen and evidence follow the reads', async () => {
    const { d } = await detector(rules);
    await d.process([consentEv(0), readEv(HOUR), readEv(2 * HOUR), readEv(3 * HOUR)]);
    const more = await d.process([readEv(4 * HOUR), readEv(5 * HOUR)]);
    expect(more.findings).toHaveLength(0);
    expect(more.updated).toHaveLength(1);
    // The unit of a sequence is the chain (one consent): more reads do not multiply it.
    expect(more.updated[0]?.count).toBe(1);
    expect(more.updated[0]?.lastSeen).toBe(new Date(T0 + 5 * HOUR).toISOString());
    // Consent, grant, the first read (where reading began), the read that crossed the threshold, then the rest.
    expect(more.updated[0]?.evidence.map((e) => [e.step, Date.parse(e.time) - T0])).toEqual([
      [1, 0],
      [2, 0],
      [3, HOUR],
      [3, 3 * HOUR],
      [3, 4 * HOUR],
      [3, 5 * HOUR],
    ]);
  });
});

describe('isolation and validation', () => {
  it('reports a rule that throws and still runs the others', async () => {
    const broken = defineRule({
      ...meta,
      id: 'broken',
      title: 'b',
      kind: 'match',
      sources: ['entra.signin'],
      when: () => {
        throw new Error('boom');
      },
    });
    const { d } = await detector([broken, bruteForce]);
    const r = await d.process(Array.from({ length: 10 }, (_, i) => ev({ at: i * MIN })));
    expect(r.findings.map((f) => f.ruleId)).toEqual(['bf']);
    expect(r.ruleErrors).toEqual([
      { ruleId: 'broken', eventId: expect.any(String), message: 'boom', count: 10 },
    ]);
  });

  it('lists every problem of every rule at once', async () => {
    const bad = { ...bruteForce, id: 'Bad_Id', count: 0, window: 'soon', attack: ['X1'] } as RuleDefinition;
    const seqBad = defineRule({
      ...meta,
      id: 'seq',
      title: 's',
      kind: 'sequence',
      sources: ['entra.audit'],
      by: 'app.id',
      steps: [{ rules: ['nope'] }, { rules: ['bf'] }],
      window: '1h',
    });
    let err: unknown;
    try {
      new Detector({ rules: [bad, bruteForce, seqBad], store: await EmbeddedStateStore.open(':memory:') });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RuleValidationError);
    const msgs = (err as RuleValidationError).issues.map((i) => `${i.ruleId} ${i.path}`);
    expect(msgs).toEqual(
      expect.arrayContaining(['Bad_Id id', 'Bad_Id count', 'Bad_Id window', 'Bad_Id attack', 'seq steps[0]']),
    );
  });

  it('applies per-rule overrides from config and rejects overrides for unknown rules', async () => {
    const store = await EmbeddedStateStore.open(':memory:');
    const d = new Detector({ rules: [bruteForce], store, overrides: { bf: { count: 3 } } });
    expect((await d.process([ev({}), ev({ at: MIN }), ev({ at: 2 * MIN })])).findings).toHaveLength(1);
    expect(() => new Detector({ rules: [bruteForce], store, overrides: { nope: { count: 3 } } })).toThrow(
      /nope.*no rule has this id/,
    );
  });
});

describe('long replays', () => {
  it('evaluates old events correctly when one batch spans years', async () => {
    const { d } = await detector([bruteForce]);
    const old = Array.from({ length: 10 }, (_, i) => ev({ at: -400 * DAY + i * MIN }));
    const r = await d.process([...old, ev({ at: 0, actor: { id: 'bob@contoso.com' } })]);
    expect(r.findings.map((f) => f.principal)).toEqual(['alice@contoso.com']);
  });

  it('reports every finding a key opens in one batch, one per suppression window', async () => {
    const { d } = await detector([stopLogging]);
    const r = await d.process([0, 3 * DAY, 6 * DAY].map((at) => stopEv(at)));
    expect(r.findings).toHaveLength(3);
  });
});

describe('state cost', () => {
  const read = (user: string, at: number) => mailRead('A', at, user);

  it('reads one item per mailbox and writes nothing for a steady stream of known clients', async () => {
    const { d } = await detector([mailClients]);
    await d.process([read('a@c.com', 0), read('b@c.com', 0)]);
    const r = await d.process(
      Array.from({ length: 100 }, (_, i) => read(i % 2 ? 'a@c.com' : 'b@c.com', HOUR / 2 + i * 1000)),
    );
    expect(r.stats.stateReads).toBe(2);
    expect(r.stats.stateWrites).toBe(0);
  });
});

describe('state cost of long-running chains and findings', () => {
  it('updates the finding of a completed chain without rewriting the sequence item for every batch', async () => {
    const { d, store } = await detector(chainRules);
    await d.process([consentEv(0), appReadEv(MIN), appReadEv(2 * MIN), appReadEv(3 * MIN)]);
    const key = 's|chain|tenant-1|app-1';
    const before = await store.get([key], 10 * MIN);
    const more = await d.process([appReadEv(4 * MIN), appReadEv(5 * MIN)]);
    expect(more.updated[0]?.count).toBe(1);
    expect(more.updated[0]?.lastSeen).toBe(new Date(T0 + 5 * MIN).toISOString());
    const after = await store.get([key], 10 * MIN);
    expect(after.get(key)?.version).toBe(before.get(key)?.version);
  });

  it("stores findings without the rule's static text, and still returns it", async () => {
    const { d, store } = await detector([stopLogging]);
    const first = await d.process([stopEv()]);
    const again = await d.process([stopEv(MIN)]);
    const stored = (await store.get(['f|stop|tenant-1|m'], HOUR)).get('f|stop|tenant-1|m')?.value as {
      f: Record<string, unknown>;
    };
    expect(stored.f.runbook).toEqual([]);
    expect(stored.f.description).toBeUndefined();
    for (const f of [first.findings[0], again.updated[0]]) {
      expect(f?.runbook).toEqual(['Look at it']);
      expect(f?.falsePositives).toEqual(['planned migrations']);
      expect(f?.description).toBe('test rule');
    }
  });
});

describe('counts that stay true under retries and races', () => {
  it('does not raise the count when a batch with an already-matched event is redelivered', async () => {
    const { d } = await detector([stopLogging]);
    const e1 = stopEv();
    const e2 = stopEv(MIN);
    await d.process([e1]);
    expect((await d.process([e2])).updated[0]?.count).toBe(2);
    const redelivered = await d.process([e1, e2]);
    expect(redelivered.updated).toEqual([]);
    expect(redelivered.stats.stateWrites).toBe(0);
  });

  it("counts each event once when one invocation's finding write lands after another's", async () => {
    const store = await EmbeddedStateStore.open(':memory:');
    // Holds back B's finding writes until A has created the finding.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow: typeof store = Object.create(store);
    slow.write = async (writes, now) => {
      if (writes.some((w) => w.key.startsWith('f|'))) await gate;
      return store.write(writes, now);
    };
    const a = new Detector({ rules: [bruteForce], store });
    const b = new Detector({ rules: [bruteForce], store: slow });
    await a.process(Array.from({ length: 9 }, (_, i) => ev({ at: i * 1000 })));
    const bRun = b.process([ev({ at: 9_000 })]); // the 10th: B fires, its finding write waits
    await new Promise((r) => setTimeout(r, 20));
    const aRun = await a.process([ev({ at: 10_000 }), ev({ at: 11_000 })]); // 11th and 12th: A creates the finding
    expect(aRun.findings[0]?.count).toBe(12);
    release();
    const late = await bRun;
    expect(late.findings).toEqual([]);
    const after = await a.process([ev({ at: 12_000 })]);
    expect(after.updated[0]?.count).toBe(13);
  });
});
