/**
 * The shapes of the state items the engine reads as structures rather than decodes field by field:
 * finding items (`f|...`). Rule state (threshold, distinct, new_terms, sequence, alias items) is
 * decoded defensively in kinds.ts (a field of the wrong type reads as empty). The embedded store
 * checks finding items when it loads a state file, so a damaged file is reported as corrupt instead
 * of crashing a replay; the detector treats a finding item of the wrong shape as absent.
 */
import { z } from 'zod';

const evidenceItem = z.object({
  id: z.string(),
  time: z.string(),
  source: z.string(),
  action: z.string(),
  actor: z.string(),
  ip: z.string().optional(),
  target: z.string().optional(),
  step: z.number().optional(),
  stepRule: z.string().optional(),
});

const finding = z.object({
  schemaVersion: z.literal(1),
  id: z.string(),
  ruleId: z.string(),
  title: z.string(),
  severity: z.enum(['info', 'low', 'medium', 'high', 'critical']),
  attack: z.array(z.string()),
  tenant: z.string(),
  principal: z.string(),
  firstSeen: z.string().refine((s) => Number.isFinite(Date.parse(s)), { message: 'is not a date' }),
  lastSeen: z.string().refine((s) => Number.isFinite(Date.parse(s)), { message: 'is not a date' }),
  count: z.number().int().nonnegative(),
  evidence: z.array(evidenceItem),
  evidenceNote: z.string().optional(),
  why: z.string(),
  runbook: z.array(z.string()),
  dedupKey: z.string(),
  description: z.string().optional(),
  falsePositives: z.array(z.string()).optional(),
});

const findingValue = z.object({
  f: finding,
  extra: z.number().int().nonnegative(),
  u: z.array(z.string()).optional(),
  p: z.array(z.string()).optional(),
  start: z.number().optional(),
  end: z.number().optional(),
});

/** The state key prefix of finding items. */
export const FINDING_KEY_PREFIX = 'f|';

/**
 * What is wrong with a state item's value for its key (`path: problem`), or undefined when it has
 * the shape the engine reads. Only finding items are checked; other keys are always accepted.
 */
export function stateValueProblem(key: string, value: unknown): string | undefined {
  return key.startsWith(FINDING_KEY_PREFIX) ? findingValueProblem(value) : undefined;
}

/** What is wrong with a finding item's value (`path: problem`), or undefined. */
export function findingValueProblem(value: unknown): string | undefined {
  const r = findingValue.safeParse(value);
  if (r.success) return undefined;
  const i = r.error.issues[0];
  if (!i) return 'is not a finding item';
  const path = i.path.map(String).join('.') || '(value)';
  return `${path}: ${i.message}`;
}
