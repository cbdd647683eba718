/**
 * The one config file (`tripline.yaml` or `.json`) that tunes `tripline replay` and the deployed
 * functions alike: user rule files, per-rule overrides, tenant domains, sensitive-scope weights and
 * allow lists with a reason and an expiry date. Validated with zod; every problem is reported with
 * its file, line and path. The JSON Schema in schemas/config.schema.json is generated from here.
 *
 * ```yaml
 * rules: [detections/]
 * tenantDomains: [contoso.com, contoso.onmicrosoft.com]
 * overrides:
 *   brute-force: { count: 20, window: 10m }
 * allow:
 *   - rule: brute-force
 *     principal: scanner@contoso.com
 *     reason: the weekly password audit
 *     expires: 2026-12-31
 * ```
 *
 * Pure: text in, data out (reading files is {@link loadConfigFile}'s, in ./config-file.ts).
 */
import { z } from 'zod';
import type { RuleOverride } from '../engine/compile';
import { SEVERITIES } from '../engine/findings';
import type { RuleDefinition, RuleParams } from '../engine/rule';
import { ALWAYS, allowFields, expiryOf, refineAllow } from '../rules/format/allow';
import type { AllowEntry } from '../rules/format/allow';
import { parseText, validateParsed } from '../rules/format/parse';
import type { FormatProblem, ParsedText } from '../rules/format/parse';
import { durationSchema } from '../rules/format/schema';

const overrideSchema = z.strictObject({
  enabled: z.boolean().optional().describe('false turns the rule off'),
  severity: z
    .enum(SEVERITIES as unknown as [string, ...string[]], {
      message: `must be one of ${SEVERITIES.join(', ')}`,
    })
    .optional(),
  count: z
    .number()
    .int({ message: 'must be a whole number' })
    .positive({ message: 'must be at least 1' })
    .optional()
    .describe('threshold and distinct rules: how many events or values fire it'),
  window: durationSchema.optional().describe('threshold, distinct and sequence rules'),
  history: durationSchema.optional().describe('new_terms rules: how long a term stays known'),
  learning: durationSchema.optional().describe('new_terms rules: baseline age before a new term fires'),
  dedupWindow: durationSchema.optional().describe('One finding per principal per this window (24h)'),
  allow: z
    .array(z.string())
    .optional()
    .describe('new_terms rules: terms that never fire (known client ids); see also the top-level allow list'),
  allowApps: z
    .array(z.string().min(1, { message: 'must not be empty' }))
    .optional()
    .describe('every rule: app or client ids never counted or remembered'),
  allowPrincipals: z
    .array(z.string().min(1, { message: 'must not be empty' }))
    .optional()
    .describe("every rule: account ids or names, or the rule's group (an IP for password-spray)"),
  allowIps: z
    .array(z.string().min(1, { message: 'must not be empty' }))
    .optional()
    .describe("every rule: the actor's IP addresses or CIDR ranges"),
  params: z.record(z.string(), z.unknown()).optional().describe("The rule's tunables (docs/rules.md)"),
});

const configAllowSchema = z
  .strictObject({
    rule: z.string().optional().describe('The rule it applies to; omit rule and rules for every rule'),
    rules: z.array(z.string()).min(1).optional().describe('The rules it applies to'),
    ...allowFields,
  })
  .superRefine((e, ctx) => {
    if (e.rule !== undefined && e.rules !== undefined)
      ctx.addIssue({ code: 'custom', message: 'has both rule and rules; use one' });
    refineAllow(e, ctx);
  }, ALWAYS);

/** Keys of the top level, for "unknown key" messages. */
export const CONFIG_KEYS = [
  '$schema',
  'rules',
  'tenantDomains',
  'scopeWeights',
  'overrides',
  'allow',
  'globals',
];

export const configSchema = z.strictObject({
  $schema: z.string().optional(),
  rules: z
    .array(z.string().min(1))
    .optional()
    .describe('Rule files or folders (YAML, JSON, TypeScript), relative to this file'),
  tenantDomains: z
    .array(z.string().min(1, { message: 'must not be empty' }))
    .optional()
    .describe("The organisation's own mail domains (forwarding there is not outside)"),
  scopeWeights: z
    .record(
      z.string(),
      z.number().int().min(0, { message: 'must be 0 to 3' }).max(3, { message: 'must be 0 to 3' }),
    )
    .optional()
    .describe(
      'Sensitivity of OAuth scopes, 0 (harmless) to 3 (tenant takeover), added to or replacing the shipped weights',
    ),
  overrides: z.record(z.string(), overrideSchema).optional().describe('Per-rule tuning, by rule id'),
  allow: z.array(configAllowSchema).optional().describe('Exceptions, each with a reason and an expiry'),
  globals: z
    .looseObject({
      tenantDomains: z.array(z.string().min(1, { message: 'must not be empty' })).optional(),
    })
    .optional()
    .describe('Params every rule sees under its own'),
});

/** An allow entry of the config, with where it was written. */
export interface ConfigAllowEntry extends AllowEntry {
  /** `allow[2]`. */
  path: string;
  line?: number | undefined;
}

/** A valid config. */
export interface TriplineConfig {
  /** The file it came from (as the user named it), or `<bundled>`. */
  file: string;
  /** Rule files and folders as written (relative to the config file's folder). */
  rules: string[];
  tenantDomains: string[] | undefined;
  scopeWeights: Record<string, number> | undefined;
  overrides: Record<string, RuleOverride>;
  allow: ConfigAllowEntry[];
  globals: RuleParams;
  /** Line of a path in the file, for problems found once the rules are known. */
  locate: ParsedText['locate'];
  /** The document as read (what a deployment bundles for its functions). */
  document: unknown;
}

/** A config file that cannot be used: every problem, each with file, line and path. */
export class TriplineConfigError extends Error {
  override readonly name = 'TriplineConfigError';
  constructor(
    readonly file: string,
    readonly problems: FormatProblem[],
  ) {
    super(`${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'}`);
  }
}

/**
 * Parses and validates config text (YAML or JSON).
 * @example
 * const r = parseConfig('overrides:\n  brute-force: { count: 0 }\n', 'tripline.yaml');
 * // { ok: false, problems: [{ line: 2, path: 'overrides.brute-force.count', message: 'must be at least 1' }] }
 */
export function parseConfig(
  text: string,
  file: string,
): { ok: true; config: TriplineConfig } | { ok: false; problems: FormatProblem[] } {
  return configFromParsed(parseText(text, file), file);
}

/** Validates an already parsed config document (the bundled copy in a deployed function). */
export function configFromValue(
  value: unknown,
  file: string,
): { ok: true; config: TriplineConfig } | { ok: false; problems: FormatProblem[] } {
  return configFromParsed({ value, problems: [], locate: () => undefined }, file);
}

function configFromParsed(
  parsed: ParsedText,
  file: string,
): { ok: true; config: TriplineConfig } | { ok: false; problems: FormatProblem[] } {
  if (
    parsed.problems.length === 0 &&
    (parsed.value === null || typeof parsed.value !== 'object' || Array.isArray(parsed.value))
  )
    return {
      ok: false,
      problems: [
        {
          file,
          line: 1,
          path: '(top level)',
          message: `must be a mapping with keys ${CONFIG_KEYS.slice(1).join(', ')}`,
        },
      ],
    };
  // `__proto__` as a key would set an object's prototype rather than add an entry, so validation
  // would never see it: name it here, like any other key that is not a rule id, scope or parameter.
  const reserved: FormatProblem[] = [];
  const top = parsed.value as Record<string, unknown> | null | undefined;
  for (const [section, what] of [
    ['overrides', 'no rule has this id (a reserved name)'],
    ['scopeWeights', 'a reserved name, not a scope'],
    ['globals', 'a reserved name, not a parameter'],
  ] as const) {
    const o = top?.[section];
    if (typeof o === 'object' && o !== null && Object.prototype.hasOwnProperty.call(o, '__proto__'))
      reserved.push({
        file,
        ...parsed.locate([section], '__proto__'),
        path: `${section}.__proto__`,
        message: what,
      });
  }
  const r = validateParsed(parsed, configSchema, file, (path) =>
    path.length === 0 ? CONFIG_KEYS.slice(1) : undefined,
  );
  if (!r.ok) return { ok: false, problems: [...reserved, ...r.problems] };
  if (reserved.length) return { ok: false, problems: reserved };
  const d = r.data;
  // Keys come from the file: without a prototype, `constructor` or `toString` is an ordinary key
  // (reported as an unknown rule id) instead of shadowing what objects inherit.
  const overrides = Object.create(null) as Record<string, RuleOverride>;
  for (const [id, o] of Object.entries(d.overrides ?? {})) {
    const out: RuleOverride = {};
    for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
    overrides[id] = out;
  }
  const globals = Object.create(null) as RuleParams;
  for (const [k, v] of Object.entries(d.globals ?? {})) if (v !== undefined) globals[k] = v;
  const allow: ConfigAllowEntry[] = (d.allow ?? []).map((a, i) => ({
    ...(a.rule !== undefined || a.rules !== undefined ? { rules: a.rules ?? [a.rule as string] } : {}),
    ...(a.principal !== undefined ? { principal: a.principal } : {}),
    ...(a.app !== undefined ? { app: a.app } : {}),
    ...(a.cidr !== undefined ? { cidr: a.cidr } : {}),
    reason: a.reason,
    expires: a.expires,
    path: `allow[${i}]`,
    line: parsed.locate(['allow', i])?.line,
  }));
  return {
    ok: true,
    config: {
      file,
      rules: d.rules ?? [],
      tenantDomains: d.tenantDomains,
      scopeWeights: d.scopeWeights,
      overrides,
      allow,
      globals,
      locate: parsed.locate,
      document: parsed.value,
    },
  };
}

/** The config of a run without a config file. */
export function emptyConfig(file = '(no config)'): TriplineConfig {
  return {
    file,
    rules: [],
    tenantDomains: undefined,
    scopeWeights: undefined,
    overrides: {},
    allow: [],
    globals: {},
    locate: () => undefined,
    document: {},
  };
}

const KIND_OVERRIDES: Record<string, ReadonlyArray<RuleDefinition['kind']>> = {
  count: ['threshold', 'distinct'],
  window: ['threshold', 'distinct', 'sequence'],
  history: ['new_terms'],
  learning: ['new_terms'],
  allow: ['new_terms'],
};

/**
 * Checks the config against the rules it tunes: overrides and allow entries name existing rules and
 * settings that apply to their kind, and no enabled sequence loses a step.
 */
export function checkConfigAgainstRules(
  config: TriplineConfig,
  rules: readonly RuleDefinition[],
): FormatProblem[] {
  const problems: FormatProblem[] = [];
  const byId = new Map(rules.map((r) => [r.id, r]));
  const known = () => `known ids: ${[...byId.keys()].sort().join(', ')}`;
  const at = (path: PropertyKey[], key?: string) => config.locate(path, key);
  const add = (path: PropertyKey[], pathShown: string, message: string, key?: string) =>
    problems.push({ file: config.file, ...at(path, key), path: pathShown, message });

  for (const [id, o] of Object.entries(config.overrides)) {
    const rule = byId.get(id);
    if (!rule) {
      add(['overrides'], `overrides.${id}`, `no rule has this id; ${known()}`, id);
      continue;
    }
    for (const [k, kinds] of Object.entries(KIND_OVERRIDES)) {
      if ((o as Record<string, unknown>)[k] !== undefined && !kinds.includes(rule.kind))
        add(
          ['overrides', id, k],
          `overrides.${id}.${k}`,
          `does not apply to ${id}, a ${rule.kind} rule (${k} tunes ${kinds.join(' and ')} rules)`,
        );
    }
  }
  const disabled = (id: string) => config.overrides[id]?.enabled === false;
  for (const seq of rules) {
    if (seq.kind !== 'sequence' || disabled(seq.id)) continue;
    seq.steps.forEach((step, i) => {
      for (const sid of step.rules) {
        if (!disabled(sid)) continue;
        add(
          ['overrides', sid, 'enabled'],
          `overrides.${sid}.enabled`,
          `'${sid}' is step ${i + 1} of the sequence '${seq.id}', which stays enabled and would never complete. ` +
            `Disable '${seq.id}' too (overrides.${seq.id}.enabled: false), or keep '${sid}' enabled and tune it ` +
            `(severity, count, params) or allow-list what it should not see.`,
        );
      }
    });
  }
  config.allow.forEach((a, i) => {
    for (const [j, rid] of (a.rules ?? []).entries()) {
      const rule = byId.get(rid);
      const path = a.rules && a.rules.length > 1 ? ['allow', i, 'rules', j] : ['allow', i];
      if (!rule) add(path, `${a.path}.rule`, `no rule has the id '${rid}'; ${known()}`);
      else if (rule.kind === 'sequence')
        add(
          path,
          `${a.path}.rule`,
          `'${rid}' is a sequence, which has no events of its own; allow-list its step rules (${rule.steps
            .flatMap((s) => s.rules)
            .join(', ')}) instead`,
        );
    }
  });
  return problems;
}

/** Allow entries whose expiry has passed at `now` (wall clock): they no longer apply to new events. */
export function expiredAllowEntries(config: TriplineConfig, now: number): ConfigAllowEntry[] {
  return config.allow.filter((a) => (expiryOf(a.expires) ?? 0) <= now);
}

/** Allow entries that expire within `withinMs` of `now`, still in force. */
export function expiringAllowEntries(
  config: TriplineConfig,
  now: number,
  withinMs: number,
): ConfigAllowEntry[] {
  return config.allow.filter((a) => {
    const t = expiryOf(a.expires) ?? 0;
    return t > now && t <= now + withinMs;
  });
}
