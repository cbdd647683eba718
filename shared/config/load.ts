/**
 * Everything a local run needs from disk before it starts: the config file, the user rule files it
 * and `--rules` name, merged with the shipped rules and checked together. Every problem is collected
 * (file, line, path, message) and thrown at once as a {@link RuleSetError}.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { RuleDefinition } from '../engine/rule';
import type { FormatProblem, UserRule } from '../rules/format/index';
import { loadRuleFiles } from './rule-files';
import { resolveRules } from './rule-set';
import type { ResolvedRules } from './rule-set';
import { emptyConfig, parseConfig } from './tripline-config';
import type { TriplineConfig } from './tripline-config';

/** Rules or config that cannot be used; `problems` lists every one. */
export class RuleSetError extends Error {
  override readonly name = 'RuleSetError';
  constructor(readonly problems: FormatProblem[]) {
    super(`${problems.length} problem${problems.length === 1 ? '' : 's'} in rules or config`);
  }
}

/**
 * Reads and validates a config file (YAML or JSON).
 * @throws RuleSetError naming the file for a missing or unreadable file, bad syntax or content.
 */
export function loadConfigFile(abs: string, shown: string = abs): TriplineConfig {
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new RuleSetError([
      {
        file: shown,
        path: '',
        message: code === 'ENOENT' ? 'no such file' : `cannot read it: ${(err as Error).message}`,
      },
    ]);
  }
  const r = parseConfig(text, shown);
  if (!r.ok) throw new RuleSetError(r.problems);
  return r.config;
}

/** What {@link loadRunRules} reads. */
export interface RunRulesOptions {
  /** The shipped rules (ALL_RULES). */
  shipped: readonly RuleDefinition[];
  /** `--rules` paths, relative to `cwd`. */
  rulePaths?: readonly string[] | undefined;
  /** `--config` path, relative to `cwd`. */
  configPath?: string | undefined;
  cwd: string;
  /** false: refuse TypeScript and JavaScript rule files (for the deployed functions). */
  code?: boolean | undefined;
}

/** The loaded rule set, the config and the user rules (with their cases). */
export interface RunRules extends ResolvedRules {
  config: TriplineConfig;
  user: UserRule[];
  /** Rule files read. */
  files: number;
}

/**
 * Loads the config and every user rule, and resolves them with the shipped rules.
 * @throws RuleSetError listing every problem.
 */
export async function loadRunRules(opts: RunRulesOptions): Promise<RunRules> {
  return loadRunRulesSync(opts);
}

/** {@link loadRunRules}, synchronously (for `cdk synth`). */
export function loadRunRulesSync(opts: RunRulesOptions): RunRules {
  const abs = (p: string, base: string) => (isAbsolute(p) ? p : resolve(base, p));
  const config =
    opts.configPath !== undefined
      ? loadConfigFile(abs(opts.configPath, opts.cwd), opts.configPath)
      : emptyConfig();
  const problems: FormatProblem[] = [];
  const user: UserRule[] = [];
  let files = 0;
  if (config.rules.length && opts.configPath !== undefined) {
    // Paths in the config are relative to the config file, so it works from any folder.
    const base = dirname(abs(opts.configPath, opts.cwd));
    const shownBase = dirname(opts.configPath);
    const r = loadRuleFiles(
      config.rules.map((p) => (isAbsolute(p) ? p : join(shownBase, p))),
      isAbsolute(shownBase) ? base : opts.cwd,
      { code: opts.code },
    );
    user.push(...r.rules);
    problems.push(...r.problems);
    files += r.files;
  }
  if (opts.rulePaths?.length) {
    const r = loadRuleFiles(opts.rulePaths, opts.cwd, { code: opts.code });
    user.push(...r.rules);
    problems.push(...r.problems);
    files += r.files;
  }
  if (problems.length) throw new RuleSetError(problems);
  // The config's rules: and --rules may name the same folder: each file counts once.
  const seen = new Set<string>();
  const unique = user.filter((u) =>
    u.abs === undefined ? true : seen.has(u.abs) ? false : (seen.add(u.abs), true),
  );
  user.splice(0, user.length, ...unique);
  const resolved = resolveRules(opts.shipped, user, config);
  if (resolved.problems.length) throw new RuleSetError(resolved.problems);
  if (resolved.internal) throw resolved.internal;
  return { ...resolved, config, user, files };
}
