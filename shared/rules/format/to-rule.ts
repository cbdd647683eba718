/**
 * Turns a validated rule document into the engine's `RuleDefinition` (compiled by the engine's own
 * compile step like every shipped rule) and its test cases into `RuleCases`.
 */
import type { Severity } from '../../engine/findings';
import type { FireContext, RuleCase, RuleCases, RuleDefinition, SequenceStep } from '../../engine/rule';
import type { TriplineEvent } from '../../events/types';
import { withAllowList } from './allow';
import { compileCondition, compileValues } from './condition';
import type { Predicate } from './condition';
import { TEMPLATE_NAMES, UNAVAILABLE_KINDS } from './schema';
import type { RuleDoc, TestCaseDoc } from './schema';

const PLACEHOLDER_RE = /\{([^{}]*)\}/g;

/**
 * A title or explanation template: `{actor.name}` and other event fields, `{group}`, `{observed}`,
 * `{term}`, `{rule}`. A field with no value reads `unknown`; several values are joined with ", ".
 */
export function compileTemplate(t: string, ruleId: string): (ctx: FireContext) => string {
  const parts: Array<string | ((ctx: FireContext) => string)> = [];
  let last = 0;
  for (const m of t.matchAll(PLACEHOLDER_RE)) {
    parts.push(t.slice(last, m.index));
    last = (m.index ?? 0) + m[0].length;
    const name = (m[1] as string).trim();
    if ((TEMPLATE_NAMES as readonly string[]).includes(name)) {
      parts.push((ctx) => {
        const v = name === 'rule' ? ruleId : (ctx as unknown as Record<string, unknown>)[name];
        return v === undefined || v === null || v === '' ? 'unknown' : String(v);
      });
    } else {
      const values = compileValues(name);
      parts.push((ctx) => {
        const vs = values(ctx.event).filter((v) => typeof v !== 'object');
        return vs.length ? [...new Set(vs.map(String))].join(', ') : 'unknown';
      });
    }
  }
  parts.push(t.slice(last));
  if (parts.length === 1) return () => t;
  return (ctx) => parts.map((p) => (typeof p === 'string' ? p : p(ctx))).join('');
}

/** A rule kind this version cannot run. */
export class UnavailableKindError extends Error {
  override readonly name = 'UnavailableKindError';
}

/**
 * Builds the engine rule from a validated document.
 * @throws UnavailableKindError for a kind listed in the format but not in this engine (geo_velocity).
 */
export function toRuleDefinition(doc: RuleDoc): RuleDefinition {
  const unavailable = UNAVAILABLE_KINDS[doc.kind];
  if (unavailable) throw new UnavailableKindError(unavailable);
  const when: Predicate | undefined = doc.when !== undefined ? compileCondition(doc.when) : undefined;
  const escalations = (doc.escalate ?? []).map((x) => ({
    severity: x.severity as Severity,
    observedAtLeast: x.observedAtLeast,
    when: x.when !== undefined ? compileCondition(x.when) : undefined,
  }));
  const base = {
    id: doc.id,
    title: compileTemplate(doc.title, doc.id),
    description: doc.description,
    severity: doc.severity as Severity,
    attack: doc.attack,
    sources: doc.sources as RuleDefinition['sources'],
    ...(doc.actions ? { actions: doc.actions } : {}),
    ...(when ? { when: (e: TriplineEvent) => when(e) } : {}),
    ...(doc.principal ? { principal: doc.principal } : {}),
    ...(doc.emit !== undefined ? { emit: doc.emit } : {}),
    ...(doc.dedup
      ? {
          dedup: {
            ...(doc.dedup.key ? { key: doc.dedup.key } : {}),
            ...(doc.dedup.window !== undefined ? { window: doc.dedup.window } : {}),
          },
        }
      : {}),
    ...(doc.why ? { why: compileTemplate(doc.why, doc.id) } : {}),
    ...(escalations.length
      ? {
          escalate: (ctx: FireContext): Severity | undefined => {
            for (const x of escalations) {
              if (x.observedAtLeast !== undefined && (ctx.observed ?? 0) < x.observedAtLeast) continue;
              if (x.when && !x.when(ctx.event)) continue;
              return x.severity;
            }
            return undefined;
          },
        }
      : {}),
    runbook: doc.runbook,
    falsePositives: doc.falsePositives,
    ...(doc.references ? { references: doc.references } : {}),
  };
  let rule: RuleDefinition;
  switch (doc.kind) {
    case 'match':
      rule = { ...base, kind: 'match' };
      break;
    case 'threshold':
      rule = {
        ...base,
        kind: 'threshold',
        groupBy: doc.groupBy,
        count: doc.count,
        window: doc.window,
        ...(doc.unit ? { unit: doc.unit } : {}),
      };
      break;
    case 'distinct':
      rule = {
        ...base,
        kind: 'distinct',
        groupBy: doc.groupBy,
        field: doc.field,
        count: doc.count,
        window: doc.window,
        ...(doc.unit ? { unit: doc.unit } : {}),
      };
      break;
    case 'new_terms':
      rule = {
        ...base,
        kind: 'new_terms',
        groupBy: doc.groupBy,
        term: doc.term,
        history: doc.history,
        ...(doc.learning !== undefined ? { learning: doc.learning } : {}),
        ...(doc.termLabel ? { termLabel: doc.termLabel } : {}),
      };
      break;
    case 'sequence':
      rule = {
        ...base,
        kind: 'sequence',
        by: doc.by,
        window: doc.window,
        steps: doc.steps.map((s): SequenceStep =>
          typeof s === 'string' ? { rules: [s] } : { rules: s.rules, ...(s.label ? { label: s.label } : {}) },
        ),
      };
      break;
    default:
      throw new UnavailableKindError(`kind ${String((doc as { kind: string }).kind)} is not available`);
  }
  return withAllowList(rule, doc.allow ?? []);
}

function toCase(t: TestCaseDoc): RuleCase {
  return {
    name: t.name,
    records: t.records,
    ...(t.withRules ? { withRules: t.withRules } : {}),
    ...(t.tenant ? { tenant: t.tenant } : {}),
    expect: {
      findings: t.expect.findings,
      ...(t.expect.severity ? { severity: t.expect.severity as Severity } : {}),
      ...(t.expect.principal ? { principal: t.expect.principal } : {}),
      ...(t.expect.signals !== undefined ? { signals: t.expect.signals } : {}),
    },
  };
}

/** The document's tests as firing cases (a finding or a signal expected) and quiet cases. */
export function toRuleCases(doc: RuleDoc): RuleCases {
  const fires: RuleCase[] = [];
  const quiet: RuleCase[] = [];
  for (const t of doc.tests ?? []) {
    const c = toCase(t);
    if (c.expect.findings > 0 || (c.expect.signals ?? 0) > 0) fires.push(c);
    else quiet.push(c);
  }
  return { fires, quiet };
}
