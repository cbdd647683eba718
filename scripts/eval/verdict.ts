/**
 * Verdicts of Tripline rules on single test events and on small files of records: replay through
 * the real Detector (in memory), or "does the event count toward the rule".
 */
import { compileRules } from '../../shared/engine/compile';
import type { CompiledRule } from '../../shared/engine/compile';
import { Detector } from '../../shared/engine/detector';
import { parseDuration } from '../../shared/engine/duration';
import type { RuleDefinition } from '../../shared/engine/rule';
import type { TriplineEvent } from '../../shared/events/types';
import { ALL_RULES } from '../../shared/rules/index';
import { EmbeddedStateStore } from '../../shared/state/embedded';

export const BY_ID: ReadonlyMap<string, RuleDefinition> = new Map(ALL_RULES.map((r) => [r.id, r]));

export function rule(id: string): RuleDefinition {
  const r = BY_ID.get(id);
  if (!r) throw new Error(`no shipped rule '${id}' (check the mapping table)`);
  return r;
}

/** The rule and, for sequences, its step rules. */
export function withSteps(ids: readonly string[]): RuleDefinition[] {
  const out = new Map<string, RuleDefinition>();
  for (const id of ids) {
    const r = rule(id);
    out.set(id, r);
    if (r.kind === 'sequence') for (const s of r.steps) for (const sid of s.rules) out.set(sid, rule(sid));
  }
  return [...out.values()];
}

const compiledOne = new Map<string, CompiledRule>();
function compiled(id: string): CompiledRule {
  let c = compiledOne.get(id);
  if (!c) {
    c = compileRules([rule(id)]).rules.get(id) as CompiledRule;
    compiledOne.set(id, c);
  }
  return c;
}

/** Whether `e` counts toward rule `id`: a candidate whose predicate holds, with its group and value. */
export function qualifies(id: string, e: TriplineEvent): boolean {
  const r = rule(id);
  if (r.kind === 'sequence') return r.steps.some((s) => s.rules.some((sid) => qualifies(sid, e)));
  const c = compiled(id);
  const set = compileRules([r]);
  if (!set.candidates(e).includes(set.rules.get(id) as CompiledRule)) return false;
  try {
    if (c.when && c.when(e, c.params) !== true) return false;
    if (c.kind === 'match') return true;
    if (c.groupBy?.(e) === undefined) return false;
    return c.kind === 'threshold' || c.field?.(e) !== undefined;
  } catch {
    return false;
  }
}

/** How many copies of an event push rule `id` over its count (1 for match rules). */
export function copiesFor(id: string, pantherThreshold: number): number {
  const r = rule(id);
  const own = r.kind === 'threshold' || r.kind === 'distinct' ? r.count : 1;
  return Math.max(own, pantherThreshold, 1);
}

function windowMs(id: string): number {
  const r = rule(id);
  return 'window' in r ? (parseDuration(r.window) ?? 3_600_000) : 3_600_000;
}

/**
 * Replays `events` (or `copies` of each, spread over half the rule's window, each with its own id)
 * through the rules and their steps; returns the ids among `ids` that published a finding or, for
 * signal rules, signalled.
 */
export async function fired(
  ids: readonly string[],
  events: readonly TriplineEvent[],
  copies = 1,
): Promise<Set<string>> {
  const rules = withSteps(ids);
  const store = await EmbeddedStateStore.open(':memory:');
  const d = new Detector({ rules, store });
  const batch: TriplineEvent[] = [];
  const step = copies > 1 ? Math.max(1000, Math.floor(Math.min(...ids.map(windowMs)) / (2 * copies))) : 0;
  for (const e of events)
    for (let k = 0; k < copies; k++)
      batch.push(k === 0 ? e : { ...e, id: `${e.id}#${k}`, time: e.time + k * step });
  const out = new Set<string>();
  const r = await d.process(batch);
  for (const f of [...r.findings, ...r.updated]) if (ids.includes(f.ruleId)) out.add(f.ruleId);
  for (const id of ids) if (BY_ID.get(id)?.emit === false && (r.stats.fires[id] ?? 0) > 0) out.add(id);
  await store.close();
  return out;
}
