/**
 * What the incident report draws, computed from a replay's result: lanes (one per principal or app
 * a finding is about), the facts of each finding (users, addresses, apps, targets), the steps of
 * each chain, and the links between findings that share an actor, an app or a source address.
 * Pure: data in, data out.
 */
import type { EvidenceItem, Finding } from '../engine/findings';
import { severityRank } from '../engine/findings';
import type { RuleDefinition } from '../engine/rule';
import type { TriplineEvent } from '../events/types';

/** What links two findings. */
export type LinkKind = 'ip' | 'actor' | 'app';

/** An app a finding's evidence names. */
export interface AppRef {
  id?: string | undefined;
  name?: string | undefined;
}

/** The ids a responder needs for a finding, gathered from its evidence (and the events behind it). */
export interface FindingFacts {
  /** Evidence actors that are people (or, without the events, that look like accounts). */
  users: string[];
  /** Every distinct evidence actor. */
  actors: string[];
  ips: string[];
  apps: AppRef[];
  targets: string[];
  /** Actors of the first step of a chain (who consented, for oauth-chain). */
  firstStepActors: string[];
  /** What logging was stopped on (CloudTrail trail name or ARN), when the evidence says. */
  trails: string[];
}

/** One evidence item with the event it came from, when this replay read it. */
export interface EvidenceRow {
  item: EvidenceItem;
  time: number;
  event?: TriplineEvent | undefined;
  /** The label of the sequence step this event satisfied. */
  stepLabel?: string | undefined;
}

/** A finding as the report shows it. */
export interface ReportFinding {
  /** 1-based position in the report (anchors: `#finding-N`). */
  n: number;
  finding: Finding;
  rule?: RuleDefinition | undefined;
  first: number;
  last: number;
  rows: EvidenceRow[];
  facts: FindingFacts;
  /** For a sequence: the earliest evidence of each step, in step order. */
  chain: Array<{ step: number; label?: string | undefined; time: number }>;
  /** Lane index. */
  lane: number;
  /** Row within the lane (findings of one lane get one row each). */
  row: number;
  /** Other findings sharing an actor, app or address with this one. */
  related: Array<{ n: number; kind: LinkKind; value: string }>;
}

/** One lane: a principal or app that findings are about. */
export interface Lane {
  label: string;
  kind: 'app' | 'ip' | 'principal';
  findings: number[];
}

/** Two findings sharing one actor, app or address, at the first evidence of each that carries it. */
export interface Link {
  kind: LinkKind;
  value: string;
  from: { n: number; time: number };
  to: { n: number; time: number };
}

/** An actor, app or address shared by several findings. */
export interface Connection {
  kind: LinkKind;
  value: string;
  label: string;
  findings: number[];
}

export interface ReportModel {
  findings: ReportFinding[];
  lanes: Lane[];
  links: Link[];
  connections: Connection[];
}

const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;
const IPV6 = /^[0-9a-f:]+:[0-9a-f:.]*$/i;
/** Values that name nobody in particular and would link unrelated findings. */
const NOBODY = new Set(['', '-', 'unknown', 'n/a', 'null', 'undefined', 'none', 'anonymous']);

function isIp(s: string): boolean {
  return IPV4.test(s) || IPV6.test(s);
}

function uniq<T>(xs: Iterable<T>): T[] {
  return [...new Set(xs)];
}

function evKey(source: string, id: string): string {
  return `${source}\u0000${id}`;
}

function timeOf(iso: string): number {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? 0 : t;
}

function stepLabelOf(rule: RuleDefinition | undefined, step: number | undefined): string | undefined {
  if (step === undefined || !rule || rule.kind !== 'sequence') return undefined;
  return rule.steps[step - 1]?.label;
}

function appsOf(events: readonly TriplineEvent[]): AppRef[] {
  const byId = new Map<string, AppRef>();
  const nameless: AppRef[] = [];
  for (const e of events) {
    const cands: AppRef[] = [];
    if (e.app && (e.app.id || e.app.name)) cands.push({ id: e.app.id, name: e.app.name });
    if (e.actor.appId) cands.push({ id: e.actor.appId });
    for (const c of cands) {
      if (!c.id) {
        if (c.name && !nameless.some((x) => x.name === c.name)) nameless.push(c);
        continue;
      }
      const key = c.id.toLowerCase();
      const prev = byId.get(key);
      if (!prev) byId.set(key, { id: c.id, name: c.name });
      else if (!prev.name && c.name) prev.name = c.name;
    }
  }
  return [...byId.values(), ...nameless.filter((x) => ![...byId.values()].some((a) => a.name === x.name))];
}

function trailsOf(rows: readonly EvidenceRow[]): string[] {
  const out: string[] = [];
  for (const r of rows) {
    const e = r.event;
    if (!e || e.source !== 'aws.cloudtrail') continue;
    const name = e.params['name'];
    if (typeof name === 'string' && name) out.push(name);
    else if (e.target?.name) out.push(e.target.name);
  }
  return uniq(out);
}

function factsOf(rows: readonly EvidenceRow[]): FindingFacts {
  const events = rows.map((r) => r.event).filter((e): e is TriplineEvent => e !== undefined);
  const actors = uniq(rows.map((r) => r.item.actor).filter((a) => !NOBODY.has(a.toLowerCase())));
  const users = uniq(
    rows
      .filter((r) =>
        r.event
          ? r.event.actor.type === 'user' || r.event.actor.type === undefined
          : r.item.actor.includes('@'),
      )
      .map((r) => r.item.actor)
      .filter((a) => !NOBODY.has(a.toLowerCase())),
  );
  const firstStep =
    rows.length && rows.some((r) => r.item.step !== undefined) ? rows.filter((r) => r.item.step === 1) : [];
  return {
    users,
    actors,
    ips: uniq(rows.map((r) => r.item.ip ?? '').filter((ip) => ip && !NOBODY.has(ip.toLowerCase()))),
    apps: appsOf(events),
    targets: uniq(rows.map((r) => r.item.target ?? '').filter((t) => t && !NOBODY.has(t.toLowerCase()))),
    firstStepActors: uniq(firstStep.map((r) => r.item.actor).filter((a) => !NOBODY.has(a.toLowerCase()))),
    trails: trailsOf(rows),
  };
}

/** The entities of one evidence row that may link findings: `kind|value` → value shown. */
function entitiesOf(row: EvidenceRow): Array<{ kind: LinkKind; key: string; value: string }> {
  const out: Array<{ kind: LinkKind; key: string; value: string }> = [];
  const actor = row.item.actor;
  if (actor && !NOBODY.has(actor.toLowerCase()))
    out.push({ kind: 'actor', key: actor.toLowerCase(), value: actor });
  const ip = row.item.ip;
  if (ip && !NOBODY.has(ip.toLowerCase())) out.push({ kind: 'ip', key: ip.toLowerCase(), value: ip });
  if (row.event) {
    for (const a of appsOf([row.event])) {
      if (a.id && !NOBODY.has(a.id.toLowerCase()))
        out.push({ kind: 'app', key: a.id.toLowerCase(), value: a.id });
    }
  }
  return out;
}

function laneKind(f: ReportFinding): Lane['kind'] {
  const p = f.finding.principal;
  if (isIp(p)) return 'ip';
  if (f.facts.apps.some((a) => (a.id && p.includes(a.id)) || (a.name && p === a.name))) return 'app';
  return 'principal';
}

/**
 * Builds the report model. `evidenceEvents` are the events behind the evidence (replay's
 * `keepEvidence`); evidence without its event (read by an earlier replay into the same state) is
 * still drawn, from the finding alone.
 */
export function buildModel(
  findings: readonly Finding[],
  evidenceEvents: readonly TriplineEvent[] = [],
  rules: readonly RuleDefinition[] = [],
): ReportModel {
  const byEvent = new Map<string, TriplineEvent>();
  for (const e of evidenceEvents)
    if (!byEvent.has(evKey(e.source, e.id))) byEvent.set(evKey(e.source, e.id), e);
  const ruleById = new Map(rules.map((r) => [r.id, r]));

  // Findings in story order: by first evidence, then most severe first.
  const ordered = [...findings].sort((a, b) => {
    const t = timeOf(a.firstSeen) - timeOf(b.firstSeen);
    if (t) return t;
    const s = severityRank(b.severity) - severityRank(a.severity);
    return s || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  });

  const out: ReportFinding[] = ordered.map((finding, i) => {
    const rule = ruleById.get(finding.ruleId);
    const rows: EvidenceRow[] = finding.evidence
      .map((item) => ({
        item,
        time: timeOf(item.time),
        event: byEvent.get(evKey(item.source, item.id)),
        stepLabel: stepLabelOf(rule, item.step),
      }))
      .sort((a, b) => a.time - b.time || (a.item.step ?? 0) - (b.item.step ?? 0));
    const times = rows.map((r) => r.time).filter((t) => t > 0);
    const first = Math.min(timeOf(finding.firstSeen) || Infinity, ...times);
    const last = Math.max(timeOf(finding.lastSeen), ...times);
    const chain: ReportFinding['chain'] = [];
    for (const r of rows) {
      const step = r.item.step;
      if (step === undefined || chain.some((c) => c.step === step)) continue;
      chain.push({ step, label: r.stepLabel ?? r.item.stepRule, time: r.time });
    }
    chain.sort((a, b) => a.step - b.step);
    return {
      n: i + 1,
      finding,
      rule,
      first: Number.isFinite(first) ? first : last,
      last,
      rows,
      facts: factsOf(rows),
      chain,
      lane: 0,
      row: 0,
      related: [],
    };
  });

  // Lanes: one per principal (an app, an address, a user), in order of their first finding.
  const lanes: Lane[] = [];
  const laneOf = new Map<string, number>();
  for (const f of out) {
    const key = f.finding.principal.toLowerCase();
    let idx = laneOf.get(key);
    if (idx === undefined) {
      idx = lanes.length;
      laneOf.set(key, idx);
      lanes.push({ label: f.finding.principal, kind: laneKind(f), findings: [] });
    }
    const lane = lanes[idx] as Lane;
    f.lane = idx;
    f.row = lane.findings.length;
    lane.findings.push(f.n);
  }

  // Links: findings sharing an actor, an app or a source address.
  const firstWith = new Map<string, { kind: LinkKind; value: string; at: Map<number, number> }>();
  for (const f of out) {
    for (const r of f.rows) {
      for (const ent of entitiesOf(r)) {
        const k = `${ent.kind}|${ent.key}`;
        let e = firstWith.get(k);
        if (!e) firstWith.set(k, (e = { kind: ent.kind, value: ent.value, at: new Map() }));
        const prev = e.at.get(f.n);
        if (prev === undefined || r.time < prev) e.at.set(f.n, r.time);
      }
    }
  }
  const links: Link[] = [];
  const connections: Connection[] = [];
  const kindOrder: Record<LinkKind, number> = { ip: 0, app: 1, actor: 2 };
  for (const e of firstWith.values()) {
    if (e.at.size < 2) continue;
    const members = [...e.at].sort((a, b) => a[1] - b[1] || a[0] - b[0]);
    for (let i = 1; i < members.length; i++) {
      const [fromN, fromT] = members[i - 1] as [number, number];
      const [toN, toT] = members[i] as [number, number];
      links.push({
        kind: e.kind,
        value: e.value,
        from: { n: fromN, time: fromT },
        to: { n: toN, time: toT },
      });
    }
    const ns = members.map(([n]) => n);
    let label = e.value;
    if (e.kind === 'app') {
      const name = out
        .flatMap((f) => f.facts.apps)
        .find((a) => a.id?.toLowerCase() === e.value.toLowerCase() && a.name)?.name;
      if (name) label = `${name} (${e.value})`;
    }
    connections.push({ kind: e.kind, value: e.value, label, findings: ns });
    for (const n of ns) {
      const f = out[n - 1] as ReportFinding;
      for (const m of ns) if (m !== n) f.related.push({ n: m, kind: e.kind, value: label });
    }
  }
  connections.sort(
    (a, b) =>
      b.findings.length - a.findings.length ||
      kindOrder[a.kind] - kindOrder[b.kind] ||
      (a.value < b.value ? -1 : 1),
  );
  return { findings: out, lanes, links, connections };
}
