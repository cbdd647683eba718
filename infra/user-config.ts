/**
 * The user's config file and rule files in the deployed stack: `npx cdk deploy -c config=tripline.yaml`
 * reads the config at synth, loads the YAML / JSON rule files its `rules:` names, checks everything
 * together with the shipped rules (a bad rule fails synth with its file, line and problem), and
 * copies the result into every function's code bundle as `tripline-config.json` (read by
 * shared/config/deployed.ts). The asset hash follows the bundled files, so a changed rule or config
 * redeploys the functions, and only then.
 *
 * The hooks elsewhere are small on purpose: TriplineStack calls {@link attachUserConfig} and
 * HandlerFunction spreads {@link userConfigBundling} into its bundling options.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import type { ICommandHooks } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Construct, Node } from 'constructs';
import { BUNDLED_CONFIG_FILE } from '#shared/config/deployed';
import type { UserConfigBundle } from '#shared/config/deployed';
import { RuleSetError, loadRunRulesSync } from '#shared/config/load';
import type { RuleDefinition } from '#shared/engine/rule';
import { formatProblem } from '#shared/rules/format/parse';
import { ALL_RULES } from '#shared/rules/index';
import { InvalidPropsError } from './errors';

/** The context key naming the config file: `-c config=tripline.yaml`. */
export const CONFIG_CONTEXT_KEY = 'config';

/** A config checked at synth, ready to bundle. */
export interface LoadedUserConfig {
  /** The config file as given. */
  readonly configFile: string;
  readonly bundle: UserConfigBundle;
  /** Ids of the user rules (added or replacing shipped ones). */
  readonly ruleIds: readonly string[];
  /** Allow entries in the config, for the operations report. */
  readonly allowEntries: number;
}

/**
 * Loads and checks the config and its rules.
 * @throws InvalidPropsError with one problem per line: `config: tripline.yaml:12:5: overrides.x.count: ...`.
 */
export function loadUserConfig(
  configPath: string,
  cwd: string = process.cwd(),
  shipped: readonly RuleDefinition[] = ALL_RULES,
): LoadedUserConfig {
  let set;
  try {
    set = loadRunRulesSync({ shipped, configPath, cwd, code: false });
  } catch (err) {
    if (err instanceof RuleSetError)
      throw new InvalidPropsError(
        err.problems.map((p) => ({ setting: CONFIG_CONTEXT_KEY, message: formatProblem(p) })),
        { cause: err },
      );
    throw err;
  }
  return {
    configFile: configPath,
    bundle: {
      version: 1,
      configFile: configPath,
      config: set.config.document,
      // Test records stay behind: the functions need the rules, not their cases.
      rules: set.user.map((u) => {
        const { tests: _tests, ...doc } = (u.doc ?? {}) as Record<string, unknown>;
        return { file: u.file, doc };
      }),
    },
    ruleIds: set.user.map((u) => u.rule.id),
    allowEntries: set.config.allow.length,
  };
}

/** The config named by the `config` context key, loaded and checked; undefined when none is named. */
export function userConfigFromContext(node: Node, cwd: string = process.cwd()): LoadedUserConfig | undefined {
  const value: unknown = node.tryGetContext(CONFIG_CONTEXT_KEY);
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === ''))
    return undefined;
  if (typeof value !== 'string')
    throw new InvalidPropsError([
      {
        setting: CONFIG_CONTEXT_KEY,
        message: `must be the path of a config file, got ${JSON.stringify(value)}`,
      },
    ]);
  return loadUserConfig(value.trim(), cwd);
}

const attached = new WeakMap<Stack, LoadedUserConfig>();

/** Makes `config` the user config of every function created in `stack` from now on. */
export function attachUserConfig(stack: Stack, config: LoadedUserConfig | undefined): void {
  if (config) attached.set(stack, config);
}

/** The user config of the stack `scope` is in, if any. */
export function userConfigOf(scope: Construct): LoadedUserConfig | undefined {
  return attached.get(Stack.of(scope));
}

/**
 * Bundling options that copy the stack's user config into a function's bundle (none without one).
 * The file is written once per content under the system temp folder, named by its hash.
 */
export function userConfigBundling(scope: Construct): { commandHooks?: ICommandHooks } {
  const config = userConfigOf(scope);
  if (!config) return {};
  const text = `${JSON.stringify(config.bundle)}\n`;
  const dir = join(tmpdir(), 'tripline-config', createHash('sha256').update(text).digest('hex').slice(0, 32));
  mkdirSync(dir, { recursive: true });
  const file = join(dir, BUNDLED_CONFIG_FILE);
  writeFileSync(file, text);
  return {
    commandHooks: {
      beforeBundling: () => [],
      beforeInstall: () => [],
      afterBundling: (_inputDir: string, outputDir: string) => [
        `cp "${file}" "${join(outputDir, BUNDLED_CONFIG_FILE)}"`,
      ],
    },
  };
}
