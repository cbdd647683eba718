/**
 * Runs a rule's test cases (raw source records) through the real normalizers, the real engine and
 * the embedded state store, the way a user's logs would go.
 */
import { Detector } from '#shared/engine/detector';
import type { Finding } from '#shared/engine/findings';
import type { RuleCase, RuleCases, RuleDefinition } from '#shared/engine/rule';
import { normalize } from '#shared/events/normalize';
import type { TriplineEvent } from '#shared/events/types';
import { ALL_RULES } from '#shared/rules/index';
import { EmbeddedStateStore } from '#shared/state/embedded';
import { TENANT } from '#shared/rules/testing/records';

export interface CaseRun {
  findings: Finding[];
  /** Fires of the rule under test (signals for emit:false rules). */
  fires: number;
}

function rulesFor(rule: RuleDefinition, extra: readonly string[] = []): RuleDefinition[] {
  const byId = new Map(ALL_RULES.map((r) => [r.id, r]));
  const ids = new Set<string>([rule.id, ...extra]);
  if (rule.kind === 'sequence') for (const s of rule.steps) for (const id of s.rules) ids.add(id);
  return [...ids].map((id) => (id === rule.id ? rule : byId.get(id))).filter((r): r is RuleDefinition => !!r);
}

export async function runCase(rule: RuleDefinition, c: RuleCase): Promise<CaseRun> {
  const events: TriplineEvent[] = [];
  c.records.forEach((rec, i) => {
    // Graph exports carry no tenant id; the poller (or `replay --tenant`) supplies it, as here.
    const res = normalize(rec, { tenant: c.tenant ?? TENANT });
    if (!res.ok) throw new Error(`case "${c.name}": record ${i} was quarantined: ${res.reason}`);
    events.push(...res.events);
  });
  const store = await EmbeddedStateStore.open(':memory:');
  const d = new Detector({
    rules: rulesFor(rule, c.withRules),
    store,
    ...(c.params ? { overrides: { [rule.id]: { params: c.params } } } : {}),
  });
  const all = new Map<string, Finding>();
  let fires = 0;
  // Two batches, so state round-trips through the store as it does between invocations.
  const half = Math.ceil(events.length / 2);
  for (const batch of [events.slice(0, half), events.slice(half)]) {
    const r = await d.process(batch);
    fires += r.stats.fires[rule.id] ?? 0;
    for (const f of [...r.findings, ...r.updated]) all.set(f.id, f);
    if (r.ruleErrors.length) throw new Error(`case "${c.name}": rule errors ${JSON.stringify(r.ruleErrors)}`);
  }
  await store.close();
  return { findings: [...all.values()].filter((f) => f.ruleId === rule.id), fires };
}

/** One jest `describe` per rule: every firing and every quiet case, by name. */
export function describeRuleCases(rule: RuleDefinition, cases: RuleCases): void {
  describe(rule.id, () => {
    for (const c of [...cases.fires, ...cases.quiet]) {
      it(c.name, async () => {
        const run = await runCase(rule, c);
        if (c.expect.signals !== undefined) expect(run.fires).toBe(c.expect.signals);
        expect(run.findings).toHaveLength(c.expect.findings);
        const f = run.findings[0];
        if (f && c.expect.severity) expect(f.severity).toBe(c.expect.severity);
        if (f && c.expect.principal) expect(f.principal).toBe(c.expect.principal);
      });
    }
  });
}
