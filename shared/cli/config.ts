/**
 * The `--config FILE` of `tripline replay`: per-rule overrides and global rule params, as JSON,
 * validated with zod so every problem is reported at once with its path.
 *
 * ```json
 * {
 *   "overrides": { "brute-force": { "count": 20, "window": "10m" }, "impossible-travel": { "enabled": false } },
 *   "globals": { "tenantDomains": ["contoso.com", "contoso.onmicrosoft.com"] }
 * }
 * ```
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { RuleOverride } from '../engine/compile';
import { parseDuration } from '../engine/duration';
import { SEVERITIES } from '../engine/findings';
import type { RuleParams } from '../engine/rule';

/** A config file that cannot be used; `problems` are one line each, `path: message`. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(
      `${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map((p) => `  ${p}`).join('\n')}`,
    );
  }
}

/** What a valid config file gives the detector. */
export interface ReplayConfig {
  overrides: Record<string, RuleOverride>;
  globals: RuleParams;
}

const duration = z.union([
  z.string().refine((s) => parseDuration(s) !== undefined, {
    message: 'must be a duration like "15m", "2h" or "14d"',
  }),
  z.number().positive({ message: 'must be a positive number of milliseconds' }),
]);

const override = z.strictObject({
  enabled: z.boolean().optional(),
  severity: z
    .enum(SEVERITIES as unknown as [string, ...string[]], {
      message: `must be one of ${SEVERITIES.join(', ')}`,
    })
    .optional(),
  count: z
    .number()
    .int({ message: 'must be a whole number' })
    .positive({ message: 'must be at least 1' })
    .optional(),
  window: duration.optional(),
  history: duration.optional(),
  learning: duration.optional(),
  dedupWindow: duration.optional(),
  allow: z.array(z.string()).optional(),
  params: z.record(z.string(), z.unknown()).optional(),
});

const schema = z.strictObject({
  overrides: z.record(z.string(), override).optional(),
  globals: z
    .looseObject({
      tenantDomains: z.array(z.string().min(1, { message: 'must not be empty' })).optional(),
    })
    .optional(),
});

function pathOf(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out || '(top level)';
}

/**
 * Validates a parsed config document. Returns the config or every problem as `path: message`.
 * @example
 * const r = validateConfig({ overrides: { 'brute-force': { count: 0 } } });
 * // { ok: false, problems: ['overrides.brute-force.count: must be at least 1'] }
 */
export function validateConfig(
  doc: unknown,
): { ok: true; config: ReplayConfig } | { ok: false; problems: string[] } {
  // `__proto__` as a key would set an object's prototype rather than add an entry, so validation
  // would never see it: name it here, like any other key that is not a rule id or parameter.
  const reserved: string[] = [];
  const own = (o: unknown, k: string) =>
    typeof o === 'object' && o !== null && Object.prototype.hasOwnProperty.call(o, k);
  const top = doc as Record<string, unknown> | null;
  if (own(top?.['overrides'], '__proto__'))
    reserved.push('overrides.__proto__: no rule has this id (a reserved name)');
  if (own(top?.['globals'], '__proto__'))
    reserved.push('globals.__proto__: a reserved name, not a parameter');
  const r = schema.safeParse(doc);
  if (!r.success) {
    const problems = r.error.issues.map((i) => {
      if (i.code === 'unrecognized_keys') {
        const allowed = pathOf(i.path) === '(top level)' ? 'overrides, globals' : undefined;
        return `${pathOf(i.path)}: unknown key${i.keys.length === 1 ? '' : 's'} ${i.keys.map((k) => `"${k}"`).join(', ')}${
          allowed ? ` (allowed: ${allowed})` : ''
        }`;
      }
      return `${pathOf(i.path)}: ${i.message}`;
    });
    return { ok: false, problems: [...reserved, ...problems] };
  }
  if (reserved.length) return { ok: false, problems: reserved };
  // Keys come from the file: without a prototype, `__proto__` or `constructor` is an ordinary key
  // (reported as an unknown rule id) instead of replacing or shadowing what objects inherit.
  const overrides = Object.create(null) as Record<string, RuleOverride>;
  for (const [id, o] of Object.entries(r.data.overrides ?? {})) {
    const out: RuleOverride = {};
    for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
    overrides[id] = out;
  }
  const globals = Object.create(null) as RuleParams;
  for (const [k, v] of Object.entries(r.data.globals ?? {})) if (v !== undefined) globals[k] = v;
  return { ok: true, config: { overrides, globals } };
}

/**
 * Reads and validates a config file.
 * @throws ConfigError naming the file, for an unreadable file, invalid JSON or invalid content.
 */
export async function loadConfig(file: string, shown: string = file): Promise<ReplayConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new ConfigError(shown, [
      code === 'ENOENT' ? 'no such file' : `cannot read it: ${(err as Error).message}`,
    ]);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new ConfigError(shown, [`not valid JSON: ${(err as Error).message}`]);
  }
  const r = validateConfig(doc);
  if (!r.ok) throw new ConfigError(shown, r.problems);
  return r.config;
}
