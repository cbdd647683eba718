/**
 * The user configuration of a deployed function: the config file and the YAML / JSON rule files
 * named at `cdk deploy -c config=tripline.yaml`, validated at synth and copied into the function's
 * code bundle (`tripline-config.json` beside index.js), so the running function reads them from its
 * own package with no network call, and a bad rule can never reach it. A change takes effect on the
 * next deploy.
 *
 * Why not a parameter read at run time (SSM, AppConfig)? The synth-time check is what guarantees
 * that every rule compiles and every override names a rule; a parameter edited in the console
 * would skip it, and the functions would need a network call and IAM rights on each cold start.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RuleDefinition } from '../engine/rule';
import { ruleFromValue } from '../rules/format/index';
import type { FormatProblem, UserRule } from '../rules/format/index';
import type { RuleDoc } from '../rules/format/schema';
import { resolveRules } from './rule-set';
import type { ResolvedRules } from './rule-set';
import { configFromValue, emptyConfig } from './tripline-config';
import type { TriplineConfig } from './tripline-config';

/** The file beside the bundled handler that holds the user config (see infra/user-config.ts). */
export const BUNDLED_CONFIG_FILE = 'tripline-config.json';

/** What is bundled: the config document and each rule document, with the file it came from. */
export interface UserConfigBundle {
  version: 1;
  /** The config file as the deployer named it. */
  configFile: string;
  config: unknown;
  rules: Array<{ file: string; doc: RuleDoc | unknown }>;
}

/**
 * The bundle text from the function's package (`dir` is where the bundled index.js runs: esbuild
 * keeps `__dirname`), or undefined when the stack was deployed without a config.
 */
export function bundledConfigText(dir: string = __dirname): string | undefined {
  try {
    return readFileSync(join(dir, BUNDLED_CONFIG_FILE), 'utf8');
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** A bundle that does not validate: impossible after a clean synth, reported loudly if it happens. */
export class BundledConfigError extends Error {
  override readonly name = 'BundledConfigError';
  constructor(readonly problems: FormatProblem[]) {
    super(
      `The bundled Tripline config is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}); deploy again from a config that passes \`tripline validate\`:\n` +
        problems.map((p) => `  - ${p.file}: ${p.path}: ${p.message}`).join('\n'),
    );
  }
}

/** The rule set of a deployed function, with the config it came from. */
export interface DeployedRules extends ResolvedRules {
  config: TriplineConfig;
  user: UserRule[];
}

/**
 * Builds the function's rule set from the bundle (none: the shipped rules as they are).
 * @throws BundledConfigError when the bundle does not validate.
 */
export function deployedRules(
  shipped: readonly RuleDefinition[],
  text: string | undefined = bundledConfigText(),
): DeployedRules {
  if (!text) {
    const config = emptyConfig();
    return { ...resolveRules(shipped, [], config), config, user: [] };
  }
  let bundle: UserConfigBundle;
  try {
    bundle = JSON.parse(text) as UserConfigBundle;
  } catch (err) {
    throw new BundledConfigError([
      { file: '(bundle)', path: '', message: `not JSON: ${(err as Error).message}` },
    ]);
  }
  const problems: FormatProblem[] = [];
  const c = configFromValue(bundle.config ?? {}, bundle.configFile ?? 'tripline.yaml');
  if (!c.ok) problems.push(...c.problems);
  const user: UserRule[] = [];
  for (const r of bundle.rules ?? []) {
    const u = ruleFromValue(r.doc, r.file);
    if (u.ok) user.push(u.rule);
    else problems.push(...u.problems);
  }
  if (!c.ok || problems.length) throw new BundledConfigError(problems);
  const resolved = resolveRules(shipped, user, c.config);
  if (resolved.problems.length) throw new BundledConfigError(resolved.problems);
  if (resolved.internal) throw resolved.internal;
  return { ...resolved, config: c.config, user };
}
