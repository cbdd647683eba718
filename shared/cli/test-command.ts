/**
 * `tripline test [DIR...]`: runs the test cases of every rule (shipped and the user's), prints
 * pass or fail per case with the reason, exits 1 when any fails, and writes JUnit XML for CI.
 */
import { safeText } from '../text/safe';
import { writeFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { loadRunRules } from '../config/load';
import type { RuleCases, RuleDefinition } from '../engine/rule';
import { UsageError, parseArgs } from './args';
import type { FlagSpec } from './args';
import { casesOf, runRuleCase, shippedCases } from './case-runner';
import type { CaseResult } from './case-runner';
import { junitXml } from './junit';

/** What a command needs from the CLI around it. */
export interface CommandIO {
  out: { write(s: string): unknown };
  err: { write(s: string): unknown };
  cwd: string;
  /** The shipped rules. */
  rules: readonly RuleDefinition[];
}

export const TEST_FLAGS: readonly FlagSpec[] = [
  {
    name: 'junit',
    kind: 'value',
    arg: 'FILE',
    help: 'Also write the results as JUnit XML to FILE, for CI test reports.',
  },
  {
    name: 'config',
    kind: 'value',
    arg: 'FILE',
    help: 'Run the cases with this config applied (overrides, allow lists, tenant domains) and its rules: included.',
  },
  {
    name: 'rule',
    kind: 'value',
    arg: 'ID',
    repeatable: true,
    help: 'Only the cases of this rule; repeatable.',
  },
  { name: 'quiet', short: 'q', kind: 'switch', help: 'Print failures and the summary only.' },
  { name: 'help', short: 'h', kind: 'switch', help: 'Show this help.' },
];

export function testHelp(flagLines: (specs: readonly FlagSpec[]) => string): string {
  return `Usage: tripline test [DIR or FILE...] [flags]

Runs the test cases of every rule: the shipped rules' and those of the rule files in the given folders
(YAML, JSON or TypeScript; a rule with the id of a shipped rule replaces it, with its own cases).
Each case's records go through the real normalizers and engine, as a user's logs would. A rule needs
at least one firing and one quiet case.

Flags:
${flagLines(TEST_FLAGS)}

Exit codes: 0 every case passed; 1 a case failed (or a rule has no firing or no quiet case);
2 bad usage or a rule file or config with problems (each with file, line and path).

Examples:
  tripline test
  tripline test detections/
  tripline test detections/ --junit results.xml
  tripline test detections/ --rule admin-consent-all-users
`;
}

/**
 * Runs the command and resolves to its exit code.
 * @throws UsageError, RuleSetError (rules or config with problems: exit 2 in main).
 */
export async function testCommand(
  argv: readonly string[],
  io: CommandIO,
  flagLines: (specs: readonly FlagSpec[]) => string,
): Promise<number> {
  const hint = 'Run `tripline test --help`.';
  const { flags, positionals, lists } = parseArgs(argv, TEST_FLAGS, hint);
  if (flags.has('help')) {
    io.out.write(testHelp(flagLines));
    return 0;
  }
  const configArg = flags.get('config');
  const set = await loadRunRules({
    shipped: io.rules,
    rulePaths: positionals,
    configPath: typeof configArg === 'string' ? configArg : undefined,
    cwd: io.cwd,
  });
  const only = lists.get('rule');
  const all = new Map(set.rules.map((r) => [r.id, r]));
  if (only) {
    const unknown = only.filter((id) => !all.has(id));
    if (unknown.length)
      throw new UsageError(
        `--rule ${unknown.join(', ')}: no such rule. \`tripline rules\` lists the ids. ${hint}`,
      );
  }
  const shipped = shippedCases();
  // An installed package carries no test cases of its own (the project's CI runs them): then only
  // the user's rules are tested, and the shipped ones only as steps or companions of theirs.
  const shippedTested = shipped.size > 0;
  if (!shippedTested)
    io.err.write(
      "tripline: the shipped rules' cases are not part of the installed package (the project's CI runs them); testing your rules.\n",
    );
  const userById = new Map(set.user.map((u) => [u.rule.id, u]));
  const quiet = flags.has('quiet');
  const results: CaseResult[] = [];
  const userIds = new Set(set.user.map((u) => u.rule.id));
  const chosen = set.rules.filter(
    (r) => (!only || only.includes(r.id)) && (shippedTested || userIds.has(r.id)),
  );
  const width = Math.min(40, Math.max(0, ...chosen.map((r) => r.id.length)));
  let text = '';
  const flush = () => {
    if (text) io.out.write(text);
    text = '';
  };
  for (const rule of chosen.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    const user = userById.get(rule.id);
    const cases: RuleCases = user?.cases ?? shipped.get(rule.id) ?? { fires: [], quiet: [] };
    const missing = [cases.fires.length ? '' : 'firing', cases.quiet.length ? '' : 'quiet'].filter(Boolean);
    if (missing.length) {
      const r: CaseResult = {
        rule: rule.id,
        case: '(its cases)',
        expects: 'fires',
        passed: false,
        reason: `has no ${missing.join(' and no ')} case: add ${missing.length === 2 ? 'tests' : 'a test'} with ${missing
          .map((m) => (m === 'firing' ? 'expect: { findings: 1 }' : 'expect: { findings: 0 }'))
          .join(' and ')}`,
        ...(user ? { file: user.file } : {}),
        ms: 0,
      };
      results.push(r);
      text += `${safeText(`FAIL  ${rule.id.padEnd(width)}  ${r.reason}${user ? ` (${user.file})` : ''}`)}\n`;
    }
    for (const c of casesOf(cases)) {
      const r = await runRuleCase(rule, c, { all, overrides: set.overrides, globals: set.globals });
      if (user) r.file = user.file;
      results.push(r);
      if (!r.passed)
        text += `${safeText(`FAIL  ${rule.id.padEnd(width)}  ${c.name}: ${r.reason}${user ? ` (${user.file})` : ''}`)}\n`;
      else if (!quiet) text += `${safeText(`pass  ${rule.id.padEnd(width)}  ${c.name}`)}\n`;
    }
    flush();
  }
  const failed = results.filter((r) => !r.passed).length;
  const rules = new Set(results.map((r) => r.rule)).size;
  io.out.write(
    `\n${results.length - failed} passed, ${failed} failed (${rules} rule${rules === 1 ? '' : 's'})\n`,
  );
  const junit = flags.get('junit');
  if (typeof junit === 'string') {
    const abs = isAbsolute(junit) ? junit : resolve(io.cwd, junit);
    try {
      await writeFile(abs, junitXml(results));
    } catch (err) {
      throw new UsageError(`cannot write ${junit}: ${(err as Error).message}. Choose another --junit path.`);
    }
  }
  return failed ? 1 : 0;
}
