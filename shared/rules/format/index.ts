/**
 * Rule files for users: YAML or JSON text in, the engine's `RuleDefinition` and its test cases out,
 * or every problem with file, line and path. Pure (the file system is read by shared/config).
 *
 * @example
 * const r = ruleFromText(readFileSync('detections/admin-consent.yaml', 'utf8'), 'detections/admin-consent.yaml');
 * if (r.ok) compileRules([...ALL_RULES, r.rule.rule]);
 */
import type { RuleCases, RuleDefinition } from '../../engine/rule';
import { parseText, validateParsed } from './parse';
import type { FormatProblem } from './parse';
import { UNAVAILABLE_KINDS, ruleDocSchema } from './schema';
import type { RuleDoc } from './schema';
import { UnavailableKindError, toRuleCases, toRuleDefinition } from './to-rule';

export { formatProblem, parseText, pathText, validateParsed } from './parse';
export type { FormatProblem, ParsedText } from './parse';
export { ruleDocSchema, RULE_KINDS, UNAVAILABLE_KINDS, durationSchema, fieldPathSchema } from './schema';
export type { RuleDoc } from './schema';
export { compileCondition, conditionSchema, checkFieldPath } from './condition';
export type { Condition } from './condition';
export { compileAllow, expiredEntries, expiryOf, withAllowList } from './allow';
export type { AllowEntry } from './allow';

/** A rule read from a file, with its cases and where it came from. */
export interface UserRule {
  rule: RuleDefinition;
  cases: RuleCases;
  /** The file as the user named it. */
  file: string;
  /** The absolute path, when read from disk (the same file named twice is read once). */
  abs?: string | undefined;
  /** The validated document (YAML and JSON rules), as bundled for the deployed functions. */
  doc?: RuleDoc | undefined;
  /** Line of each top-level key, for problems found later (a sequence step that does not exist). */
  lineOf?: ((key: string) => number | undefined) | undefined;
}

const COMMON_KEYS = [
  '$schema',
  'id',
  'title',
  'description',
  'kind',
  'severity',
  'attack',
  'sources',
  'actions',
  'when',
  'principal',
  'emit',
  'dedup',
  'why',
  'escalate',
  'allow',
  'runbook',
  'falsePositives',
  'references',
  'tags',
  'tests',
];
const KIND_KEYS: Record<string, string[]> = {
  match: [],
  threshold: ['groupBy', 'count', 'window', 'unit'],
  distinct: ['groupBy', 'field', 'count', 'window', 'unit'],
  new_terms: ['groupBy', 'term', 'history', 'learning', 'termLabel'],
  sequence: ['by', 'steps', 'window'],
  geo_velocity: ['groupBy', 'maxSpeedKmh', 'window'],
};

/**
 * Reads one rule from YAML or JSON text.
 * @returns the rule and its cases, or every problem found (file, line, column, path, message).
 */
export function ruleFromText(
  text: string,
  file: string,
): { ok: true; rule: UserRule } | { ok: false; problems: FormatProblem[] } {
  const parsed = parseText(text, file);
  return ruleFromParsed(parsed, file);
}

/** Like {@link ruleFromText}, from an already parsed document (a bundled one has no text). */
export function ruleFromParsed(
  parsed: ReturnType<typeof parseText>,
  file: string,
): { ok: true; rule: UserRule } | { ok: false; problems: FormatProblem[] } {
  const v = parsed.value;
  if (parsed.problems.length === 0 && (!v || typeof v !== 'object' || Array.isArray(v))) {
    return {
      ok: false,
      problems: [
        { file, line: 1, path: '(top level)', message: 'is not a rule: expected keys id, kind, title, ...' },
      ],
    };
  }
  const kind = (v as { kind?: unknown } | undefined)?.kind;
  const unavailable = typeof kind === 'string' ? UNAVAILABLE_KINDS[kind] : undefined;
  if (unavailable)
    return {
      ok: false,
      problems: [{ file, ...parsed.locate(['kind']), path: 'kind', message: unavailable }],
    };
  const r = validateParsed(parsed, ruleDocSchema, file, (path) =>
    path.length === 0 && typeof kind === 'string' && KIND_KEYS[kind]
      ? [...COMMON_KEYS, ...(KIND_KEYS[kind] as string[])]
      : undefined,
  );
  if (!r.ok) return r;
  try {
    const doc = r.data;
    return {
      ok: true,
      rule: {
        rule: toRuleDefinition(doc),
        cases: toRuleCases(doc),
        file,
        doc,
        lineOf: (key) => parsed.locate([key])?.line,
      },
    };
  } catch (err) {
    if (err instanceof UnavailableKindError)
      return {
        ok: false,
        problems: [{ file, ...parsed.locate(['kind']), path: 'kind', message: err.message }],
      };
    throw err;
  }
}

/** Reads a rule from a document that has no text any more (bundled JSON in a deployed function). */
export function ruleFromValue(
  value: unknown,
  file: string,
): { ok: true; rule: UserRule } | { ok: false; problems: FormatProblem[] } {
  return ruleFromParsed({ value, problems: [], locate: () => undefined }, file);
}
