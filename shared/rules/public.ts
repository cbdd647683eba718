/**
 * The public entry point for rules written in TypeScript: `import { defineRule } from 'tripline/rules'`.
 *
 * ```ts
 * // detections/root-console-login.ts
 * import { defineRule, defineCases } from 'tripline/rules';
 *
 * export default defineRule({
 *   id: 'root-console-login',
 *   kind: 'match',
 *   title: 'Root user signed in to the console',
 *   description: 'The account root user signed in to the AWS console; root should be locked away.',
 *   severity: 'high',
 *   attack: ['T1078.004'],
 *   sources: ['aws.cloudtrail'],
 *   actions: ['ConsoleLogin'],
 *   when: (e) => e.outcome === 'success' && e.actor.type === 'user' && /:root$/.test(e.actor.id ?? ''),
 *   runbook: ['Ask the account owner whether it was them; if not, reset the root password and MFA.'],
 *   falsePositives: ['Break-glass use that was announced.'],
 * });
 *
 * export const cases = defineCases({ fires: [...], quiet: [...] });
 * ```
 *
 * `tripline replay --rules detections/`, `tripline test detections/` and the config's `rules:` load
 * such files like YAML rules. See docs/rules.md.
 */
import type { RuleCases } from '../engine/rule';

export { defineRule } from '../engine/rule';
export type {
  ChainLink,
  DistinctRule,
  Duration,
  FieldRef,
  FireContext,
  MatchRule,
  NewTermsRule,
  RuleCase,
  RuleCases,
  RuleDefinition,
  RuleKind,
  RuleParams,
  SequenceRule,
  SequenceStep,
  ThresholdRule,
} from '../engine/rule';
export type { Severity } from '../engine/findings';
export type { ActorType, AppContext, Outcome, SourceId, Target, TriplineEvent } from '../events/types';
export { compileCondition } from './format/condition';
export type { Condition } from './format/condition';

/** Identity helper that types a rule's test cases: raw vendor records and the expected result. */
export function defineCases(cases: RuleCases): RuleCases {
  return cases;
}
