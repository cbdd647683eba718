/**
 * The rules a run uses: the shipped ones, user rules added or replacing shipped ones by id, and the
 * config applied (overrides, allow lists, tenant domains, scope weights). Shared by `tripline
 * replay`, `tripline test`, `tripline validate`, `cdk synth` and the deployed functions, so all of
 * them judge a rule set the same way. Pure: rules and config in, rules and compile options out.
 */
import { compileRules } from '../engine/compile';
import type { RuleOverride } from '../engine/compile';
import { RuleValidationError } from '../engine/errors';
import type { RuleDefinition, RuleParams } from '../engine/rule';
import { withAllowList } from '../rules/format/allow';
import type { UserRule } from '../rules/format/index';
import type { FormatProblem } from '../rules/format/parse';
import { checkConfigAgainstRules } from './tripline-config';
import type { TriplineConfig } from './tripline-config';

/** What a run hands the Detector. */
export interface ResolvedRules {
  rules: RuleDefinition[];
  overrides: Record<string, RuleOverride>;
  globals: RuleParams;
  /** User rules that replaced a shipped rule of the same id. */
  replaced: Array<{ id: string; file: string }>;
  /** Every problem, with its file and line; the run must not go on when there is one. */
  problems: FormatProblem[];
  /** Problems of shipped rules no user file or setting caused: a bug in Tripline. */
  internal?: RuleValidationError | undefined;
}

/**
 * Merges and checks. User rules replace shipped rules with the same id; two user files with one id
 * are a problem. The result compiles (every problem the engine finds is mapped to a file and line).
 */
export function resolveRules(
  shipped: readonly RuleDefinition[],
  user: readonly UserRule[],
  config: TriplineConfig,
): ResolvedRules {
  const problems: FormatProblem[] = [];
  const shippedIds = new Set(shipped.map((r) => r.id));
  const userById = new Map<string, UserRule>();
  for (const u of user) {
    const first = userById.get(u.rule.id);
    if (first) {
      problems.push({
        file: u.file,
        line: u.lineOf?.('id'),
        path: 'id',
        message: `rule id '${u.rule.id}' is also used by ${first.file}; ids must be unique`,
      });
      continue;
    }
    userById.set(u.rule.id, u);
  }
  const replaced: ResolvedRules['replaced'] = [];
  const merged: RuleDefinition[] = shipped.map((r) => {
    const u = userById.get(r.id);
    if (!u) return r;
    replaced.push({ id: r.id, file: u.file });
    return u.rule;
  });
  for (const u of userById.values()) if (!shippedIds.has(u.rule.id)) merged.push(u.rule);

  problems.push(...checkConfigAgainstRules(config, merged));

  const globals: RuleParams = { ...config.globals };
  const tenantDomains = config.tenantDomains ?? (config.globals['tenantDomains'] as string[] | undefined);
  if (tenantDomains) globals['tenantDomains'] = tenantDomains;
  if (config.scopeWeights) globals['scopeWeights'] = config.scopeWeights;

  const overrides: Record<string, RuleOverride> = {};
  for (const [id, o] of Object.entries(config.overrides)) overrides[id] = { ...o };
  // A rule's own defaults win over globals in the engine; a deployment-wide setting must reach the
  // rules that declare it, so it goes in as an override unless that rule's override sets it already.
  for (const r of merged) {
    const declared = r.params ?? {};
    for (const [name, value] of [
      ['tenantDomains', tenantDomains],
      ['scopeWeights', config.scopeWeights],
    ] as const) {
      if (value === undefined || !(name in declared)) continue;
      const o = (overrides[r.id] ??= {});
      if (o.params?.[name] === undefined) o.params = { ...(o.params ?? {}), [name]: value };
    }
  }
  for (const id of Object.keys(overrides)) if (!merged.some((r) => r.id === id)) delete overrides[id];

  const rules = merged.map((r) =>
    withAllowList(
      r,
      config.allow.filter((a) => !a.rules || a.rules.includes(r.id)),
    ),
  );

  let internal: RuleValidationError | undefined;
  if (problems.length === 0) {
    try {
      compileRules(rules, { overrides, globals });
    } catch (err) {
      if (!(err instanceof RuleValidationError)) throw err;
      const shippedOnly: typeof err.issues = [];
      for (const i of err.issues) {
        const u = userById.get(i.ruleId);
        if (u) {
          const top = i.path.replace(/[.[].*$/, '');
          problems.push({ file: u.file, line: u.lineOf?.(top), path: i.path, message: i.message });
        } else if (config.overrides[i.ruleId]) {
          problems.push({
            file: config.file,
            ...config.locate(['overrides', i.ruleId]),
            path: `overrides.${i.ruleId}${i.path && i.path !== 'overrides' ? `.${i.path}` : ''}`,
            message: i.message,
          });
        } else shippedOnly.push(i);
      }
      if (shippedOnly.length) internal = new RuleValidationError(shippedOnly);
    }
  }
  return { rules, overrides, globals, replaced, problems, internal };
}
