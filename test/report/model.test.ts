/**
 * The report model: lanes per principal or app, chains, links between findings that share an
 * address, an app or an actor, the time axis, and runbooks with the finding's ids filled in.
 */
import type { EvidenceItem, Finding } from '#shared/engine/findings';
import type { TriplineEvent } from '#shared/events/types';
import { buildModel } from '#shared/report/model';
import { runbookStep } from '#shared/report/runbook';
import { timeScale } from '#shared/report/timeline';

const T0 = Date.parse('2026-03-02T09:00:00Z');
const MIN = 60_000;
const HOUR = 60 * MIN;
const at = (m: number) => new Date(T0 + m * MIN).toISOString();

function ev(id: string, minute: number, actor: string, extra: Partial<EvidenceItem> = {}): EvidenceItem {
  return { id, time: at(minute), source: 'entra.audit', action: 'Act', actor, ...extra };
}

function finding(
  ruleId: string,
  principal: string,
  evidence: EvidenceItem[],
  over: Partial<Finding> = {},
): Finding {
  const times = evidence.map((e) => e.time).sort();
  return {
    schemaVersion: 1,
    id: `${ruleId}-${principal}`,
    ruleId,
    title: `${ruleId} for ${principal}`,
    severity: 'high',
    attack: [],
    tenant: 't1',
    principal,
    firstSeen: times[0] as string,
    lastSeen: times[times.length - 1] as string,
    count: evidence.length,
    evidence,
    why: 'because',
    runbook: [],
    dedupKey: `t1|${principal}`,
    ...over,
  };
}

function event(id: string, minute: number, appId?: string, appName?: string): TriplineEvent {
  return {
    id,
    source: 'entra.audit',
    time: T0 + minute * MIN,
    tenant: 't1',
    action: 'Act',
    outcome: 'success',
    actor: { id: 'bob@contoso.com', name: 'bob@contoso.com', type: 'user' },
    app: appId ? { id: appId, name: appName } : undefined,
    params: {},
    raw: { id },
  };
}

const APP = '6f2d8c41-3a9e-4b7d-9c15-e0a4b2f7d381';
const spray = finding('password-spray', '185.220.101.47', [
  ev('s1', 0, 'alice@contoso.com', { ip: '185.220.101.47' }),
  ev('s2', 5, 'dave@contoso.com', { ip: '185.220.101.47' }),
]);
const chain = finding('oauth-chain', `Mail Archiver Pro (${APP})`, [
  ev('c1', 60, 'bob@contoso.com', { ip: '185.220.101.47', step: 1, stepRule: 'oauth-app-consent' }),
  ev('c1', 60, 'bob@contoso.com', { ip: '185.220.101.47', step: 2, stepRule: 'oauth-scope-grant' }),
  ev('r1', 180, 'bob@contoso.com', { ip: '20.42.128.17', step: 3, stepRule: 'oauth-app-mass-access' }),
]);
const forward = finding('inbox-forwarding', 'bob@contoso.com', [
  ev('f1', 90, 'bob@contoso.com', { ip: '185.220.101.47' }),
]);
const risky = finding('oauth-risky-consent', 'bob@contoso.com', [
  ev('c1', 60, 'bob@contoso.com', { ip: '185.220.101.47' }),
]);
const carol = finding('oauth-risky-consent', 'carol@contoso-labs.com', [
  ev('g1', 1400, 'carol@contoso-labs.com', { ip: '198.51.100.134' }),
]);
const events = [event('c1', 60, APP, 'Mail Archiver Pro'), event('r1', 180, APP)];

describe('lanes', () => {
  it('gives each principal one lane, its findings one row each, in the order the story happened', () => {
    const m = buildModel([carol, forward, chain, risky, spray], events);
    expect(m.lanes.map((l) => [l.label, l.kind, l.findings.length])).toEqual([
      ['185.220.101.47', 'ip', 1],
      [`Mail Archiver Pro (${APP})`, 'app', 1],
      ['bob@contoso.com', 'principal', 2],
      ['carol@contoso-labs.com', 'principal', 1],
    ]);
    const bob = m.findings.filter((f) => f.finding.principal === 'bob@contoso.com');
    expect(bob.map((f) => [f.finding.ruleId, f.row])).toEqual([
      ['oauth-risky-consent', 0],
      ['inbox-forwarding', 1],
    ]);
  });
});

describe('chains', () => {
  it('keeps the earliest evidence of every step, in step order, with one event serving two steps', () => {
    const m = buildModel([chain], events);
    expect(m.findings[0]?.chain.map((c) => [c.step, c.time - T0])).toEqual([
      [1, 60 * MIN],
      [2, 60 * MIN],
      [3, 180 * MIN],
    ]);
  });
});

describe('links between findings', () => {
  it('joins findings that share a source address, in time order, one link per consecutive pair', () => {
    const m = buildModel([spray, chain, forward, risky, carol], events);
    const ip = m.links.filter((l) => l.kind === 'ip' && l.value === '185.220.101.47');
    const rule = (n: number) => m.findings[n - 1]?.finding.ruleId;
    expect(ip.map((l) => `${rule(l.from.n)}>${rule(l.to.n)}`)).toEqual([
      'password-spray>oauth-chain',
      'oauth-chain>oauth-risky-consent',
      'oauth-risky-consent>inbox-forwarding',
    ]);
    const conn = m.connections.find((c) => c.kind === 'ip' && c.value === '185.220.101.47');
    expect(conn?.findings.map(rule)).toEqual([
      'password-spray',
      'oauth-chain',
      'oauth-risky-consent',
      'inbox-forwarding',
    ]);
  });

  it('joins findings through the app id of the events behind them, named after the app', () => {
    const m = buildModel([chain, risky], events);
    const app = m.connections.find((c) => c.kind === 'app');
    expect(app?.label).toBe(`Mail Archiver Pro (${APP})`);
    expect(app?.findings).toHaveLength(2);
  });

  it('leaves a finding that shares nothing with the others unlinked', () => {
    const m = buildModel([spray, chain, carol], events);
    const carolN = m.findings.find((f) => f.finding.principal.startsWith('carol'))?.n;
    expect(m.links.filter((l) => l.from.n === carolN || l.to.n === carolN)).toEqual([]);
  });

  it('never links through placeholder values such as "unknown"', () => {
    const a = finding('r1', 'x', [ev('a', 0, 'unknown', { ip: '-' })]);
    const b = finding('r2', 'y', [ev('b', 5, 'Unknown', { ip: '-' })]);
    expect(buildModel([a, b]).links).toEqual([]);
  });

  it('still draws evidence whose event an earlier replay read (no raw record, no app id)', () => {
    const m = buildModel([chain]);
    expect(m.findings[0]?.rows.every((r) => r.event === undefined)).toBe(true);
    expect(m.findings[0]?.rows).toHaveLength(3);
  });
});

describe('time axis', () => {
  it('cuts a quiet night out of the axis, so two bursts a day apart both get room', () => {
    const times = [T0, T0 + 30 * MIN, T0 + 20 * HOUR, T0 + 20 * HOUR + 5 * MIN];
    const s = timeScale(times, 0, 1000);
    expect(s.segments).toHaveLength(2);
    // The first 30 minutes get far more than 30 min / 20 h of the width.
    expect(s.x(T0 + 30 * MIN) - s.x(T0)).toBeGreaterThan(300);
    // Order is kept everywhere, also inside the cut gap.
    const xs = [T0, T0 + 30 * MIN, T0 + 10 * HOUR, T0 + 20 * HOUR, T0 + 20 * HOUR + 5 * MIN].map(s.x);
    expect([...xs].sort((a, b) => a - b)).toEqual(xs);
  });

  it('keeps a steady stream on one linear axis', () => {
    const times = Array.from({ length: 50 }, (_, i) => T0 + i * 30 * MIN);
    const s = timeScale(times, 0, 1000);
    expect(s.segments).toHaveLength(1);
  });

  it('handles a single moment', () => {
    const s = timeScale([T0], 100, 900);
    expect(s.x(T0)).toBeGreaterThan(100);
    expect(s.x(T0)).toBeLessThan(900);
  });
});

describe('runbook with the ids filled in', () => {
  const facts = buildModel([chain], events).findings[0]?.facts;
  if (!facts) throw new Error('no facts');

  it('names the app and its id where the step says "the app" and "this AppId"', () => {
    const html = runbookStep(
      'Revoke the app now. Search MailItemsAccessed with this AppId since the consent.',
      facts,
      chain.principal,
    );
    expect(html).toContain(`the app <mark class="fill">&quot;Mail Archiver Pro&quot; (${APP})</mark>`);
    expect(html).toContain(`this AppId <mark class="fill">${APP}</mark>`);
  });

  it('names who consented, and fills placeholders inside commands', () => {
    const html = runbookStep(
      'Revoke the sessions of every user who consented (`Revoke-MgUserSignInSession -UserId <user>`).',
      facts,
      chain.principal,
    );
    expect(html).toContain('every user who consented <mark class="fill">bob@contoso.com</mark>');
    expect(html).toContain(
      '<code>Revoke-MgUserSignInSession -UserId <mark class="fill">bob@contoso.com</mark></code>',
    );
  });

  it('leaves a step that names nothing the evidence knows as written', () => {
    expect(runbookStep('Confirm smart lockout is on.', facts, chain.principal)).toBe(
      'Confirm smart lockout is on.',
    );
  });

  it('does not cut a word: "mailboxes" is not "the mailbox"', () => {
    expect(runbookStep('list the mailboxes it touched', facts, chain.principal)).toBe(
      'list the mailboxes it touched',
    );
  });
});
