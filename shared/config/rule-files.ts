/**
 * Reads rule files from disk: YAML, JSON and TypeScript / JavaScript rules (`export default
 * defineRule({...})` from `tripline/rules`, cases in `<id>.cases.ts` beside or exported as `cases`).
 * Folders are walked in name order; names starting with '.' and `node_modules` are skipped, as are
 * test, cases and declaration files.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, join, resolve } from 'node:path';
import type { RuleCases, RuleDefinition } from '../engine/rule';
import { ruleFromText } from '../rules/format/index';
import type { FormatProblem, UserRule } from '../rules/format/index';

const DATA_EXT = new Set(['.yaml', '.yml', '.json']);
const CODE_EXT = new Set(['.ts', '.js', '.cjs', '.mts', '.mjs']);

/** Whether a file in a rules folder is a rule file. */
export function isRuleFileName(name: string): boolean {
  const lower = name.toLowerCase();
  if (lower.startsWith('.')) return false;
  if (/\.(test|spec|cases)\.[cm]?[jt]s$/.test(lower) || lower.endsWith('.d.ts')) return false;
  const ext = extname(lower);
  return DATA_EXT.has(ext) || CODE_EXT.has(ext);
}

function walk(abs: string, shown: string, out: Array<{ abs: string; shown: string }>): void {
  const entries = readdirSync(abs, { withFileTypes: true }).sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
  for (const e of entries) {
    if (e.name.startsWith('.') || e.name === 'node_modules') continue;
    const childAbs = join(abs, e.name);
    const childShown = join(shown, e.name);
    if (e.isDirectory()) walk(childAbs, childShown, out);
    else if (e.isFile() && isRuleFileName(e.name)) out.push({ abs: childAbs, shown: childShown });
  }
}

/** The rule files under `paths` (files named explicitly are always taken), or a problem per bad path. */
export function listRuleFiles(
  paths: readonly string[],
  cwd: string,
): { files: Array<{ abs: string; shown: string }>; problems: FormatProblem[] } {
  const files: Array<{ abs: string; shown: string }> = [];
  const problems: FormatProblem[] = [];
  for (const p of paths) {
    const abs = isAbsolute(p) ? p : resolve(cwd, p);
    let stat;
    try {
      stat = statSync(abs);
    } catch {
      problems.push({ file: p, path: '', message: 'no such rule file or folder' });
      continue;
    }
    if (stat.isDirectory()) {
      const before = files.length;
      walk(abs, p, files);
      if (files.length === before)
        problems.push({ file: p, path: '', message: 'holds no rule files (.yaml, .yml, .json, .ts, .js)' });
    } else files.push({ abs, shown: p });
  }
  const seen = new Set<string>();
  return { files: files.filter((f) => (seen.has(f.abs) ? false : (seen.add(f.abs), true))), problems };
}

function looksLikeRule(v: unknown): v is RuleDefinition {
  return !!v && typeof v === 'object' && typeof (v as { id?: unknown }).id === 'string' && 'kind' in v;
}

/** Loads a TypeScript or JavaScript rule module (TypeScript through the tsx loader `tripline` runs under). */
/**
 * TypeScript rules need a loader: `tripline` from a clone runs under tsx already; an installed
 * package has none, so the user's own tsx (a dev dependency of their rules repository) is used.
 */
function ensureTypeScript(abs: string): string | undefined {
  if (!/\.[cm]?ts$/.test(abs) || require.extensions['.ts']) return undefined;
  let api: string;
  try {
    api = require.resolve('tsx/cjs/api', { paths: [dirname(abs), process.cwd()] });
  } catch {
    return 'is TypeScript, and no TypeScript loader is available: add tsx to your rules repository (npm install --save-dev tsx), or write the rule in JavaScript or YAML';
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  (require(api) as { register: () => void }).register();
  return undefined;
}

function loadCodeRule(abs: string, shown: string): { rule?: UserRule; problem?: FormatProblem } {
  const noLoader = ensureTypeScript(abs);
  if (noLoader) return { problem: { file: shown, path: '', message: noLoader } };
  let mod: Record<string, unknown>;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require(abs) as Record<string, unknown>;
  } catch (err) {
    return {
      problem: {
        file: shown,
        path: '',
        message: `cannot be loaded: ${(err as Error).message.split('\n')[0]}`,
      },
    };
  }
  const rule = mod['default'] ?? mod['rule'];
  if (!looksLikeRule(rule))
    return {
      problem: {
        file: shown,
        path: '',
        message:
          "exports no rule: write `export default defineRule({...})` with defineRule from 'tripline/rules'",
      },
    };
  let cases = mod['cases'] as RuleCases | undefined;
  const ext = extname(abs);
  const casesFile = join(abs, '..', `${basename(abs, ext)}.cases${ext}`);
  if (!cases && existsSync(casesFile)) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const cm = require(casesFile) as Record<string, unknown>;
      cases = (cm['default'] ?? cm['cases']) as RuleCases | undefined;
    } catch (err) {
      return {
        problem: {
          file: join(shown, '..', basename(casesFile)),
          path: '',
          message: `cannot be loaded: ${(err as Error).message.split('\n')[0]}`,
        },
      };
    }
  }
  return { rule: { rule, cases: { fires: cases?.fires ?? [], quiet: cases?.quiet ?? [] }, file: shown } };
}

/**
 * Reads every rule under `paths` (synchronously: `cdk synth` is synchronous, and rule folders are small).
 * `code: false` refuses TypeScript and JavaScript rules (the deployed functions cannot run them).
 * @example
 * const { rules, problems } = await loadRuleFiles(['detections/'], process.cwd());
 */
export function loadRuleFiles(
  paths: readonly string[],
  cwd: string,
  opts: { code?: boolean | undefined } = {},
): { rules: UserRule[]; problems: FormatProblem[]; files: number } {
  const { files, problems } = listRuleFiles(paths, cwd);
  const rules: UserRule[] = [];
  for (const f of files) {
    if (CODE_EXT.has(extname(f.abs).toLowerCase())) {
      if (opts.code === false) {
        problems.push({
          file: f.shown,
          path: '',
          message:
            'is a TypeScript or JavaScript rule: replay and test run those, the deployed functions take YAML and JSON rules only (write it in YAML, see docs/rules.md)',
        });
        continue;
      }
      const r = loadCodeRule(f.abs, f.shown);
      if (r.rule) rules.push({ ...r.rule, abs: f.abs });
      if (r.problem) problems.push(r.problem);
      continue;
    }
    let text: string;
    try {
      text = readFileSync(f.abs, 'utf8');
    } catch (err) {
      problems.push({ file: f.shown, path: '', message: `cannot be read: ${(err as Error).message}` });
      continue;
    }
    const r = ruleFromText(text, f.shown);
    if (r.ok) rules.push({ ...r.rule, abs: f.abs });
    else problems.push(...r.problems);
  }
  return { rules, problems, files: files.length };
}
