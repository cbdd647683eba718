/**
 * The rule registry: every shipped detection, in catalogue order. Each rule lives in its own file
 * (shared/rules/<domain>/<rule-id>.ts) with its test events (<rule-id>.cases.ts) and tests beside it.
 */
import type { RuleDefinition } from '../engine/rule';

export const ALL_RULES: readonly RuleDefinition[] = [];
