/**
 * `tripline validate [DIR...] [--config FILE]`: checks rule files and the config the way a run
 * would (schema, field names, regular expressions, sequence steps, overrides, allow entries) without
 * reading any log, and says what it found.
 */
import { safeText } from '../text/safe';
import { loadRunRules } from '../config/load';
import { expiredAllowEntries, expiringAllowEntries } from '../config/tripline-config';
import { parseArgs } from './args';
import type { FlagSpec } from './args';
import type { CommandIO } from './test-command';

export const VALIDATE_FLAGS: readonly FlagSpec[] = [
  {
    name: 'config',
    kind: 'value',
    arg: 'FILE',
    help: 'The config file to check (YAML or JSON), with the rules: it names.',
  },
  { name: 'help', short: 'h', kind: 'switch', help: 'Show this help.' },
];

export function validateHelp(flagLines: (specs: readonly FlagSpec[]) => string): string {
  return `Usage: tripline validate [DIR or FILE...] [--config FILE]

Checks rule files (YAML, JSON, TypeScript) and the config file without running anything: every
problem is listed with its file, line and path. The same checks run before \`tripline replay\` and
at \`cdk synth\`, so what passes here deploys.

Flags:
${flagLines(VALIDATE_FLAGS)}

Exit codes: 0 valid; 2 problems (listed on stderr) or bad usage.

Examples:
  tripline validate detections/
  tripline validate --config tripline.yaml
`;
}

const DAY = 86_400_000;

/** Runs the command and resolves to its exit code; problems are thrown as RuleSetError (exit 2). */
export async function validateCommand(
  argv: readonly string[],
  io: CommandIO,
  flagLines: (specs: readonly FlagSpec[]) => string,
  now: number = Date.now(),
): Promise<number> {
  const { flags, positionals } = parseArgs(argv, VALIDATE_FLAGS, 'Run `tripline validate --help`.');
  if (flags.has('help')) {
    io.out.write(validateHelp(flagLines));
    return 0;
  }
  const configArg = flags.get('config');
  const set = await loadRunRules({
    shipped: io.rules,
    rulePaths: positionals,
    configPath: typeof configArg === 'string' ? configArg : undefined,
    cwd: io.cwd,
  });
  let text = '';
  for (const u of set.user) {
    const replaces = set.replaced.some((r) => r.id === u.rule.id) ? ', replaces the shipped rule' : '';
    text += `${safeText(`ok  ${u.file}: ${u.rule.id} (${u.rule.kind}${replaces})`)}\n`;
    const missing = [u.cases.fires.length ? '' : 'firing', u.cases.quiet.length ? '' : 'quiet'].filter(
      Boolean,
    );
    if (missing.length)
      io.err.write(
        `tripline: ${safeText(u.file)}: warning: no ${missing.join(' and no ')} test case; \`tripline test\` fails until it has one\n`,
      );
  }
  if (typeof configArg === 'string') {
    const c = set.config;
    text += `ok  ${configArg}: ${Object.keys(c.overrides).length} overrides, ${c.allow.length} allow entries\n`;
    for (const a of expiredAllowEntries(c, now))
      io.err.write(
        `tripline: ${safeText(c.file)}${a.line !== undefined ? `:${a.line}` : ''}: warning: ${a.path} expired ${a.expires} and no longer applies to newer events\n`,
      );
    for (const a of expiringAllowEntries(c, now, 14 * DAY))
      io.err.write(
        `tripline: ${safeText(c.file)}${a.line !== undefined ? `:${a.line}` : ''}: warning: ${a.path} expires ${a.expires}\n`,
      );
  }
  const disabled = Object.entries(set.config.overrides).filter(([, o]) => o.enabled === false).length;
  const userNew = set.user.length - set.replaced.length;
  text += `${set.rules.length - disabled} rules enabled: ${io.rules.length} shipped${
    set.replaced.length ? ` (${set.replaced.length} replaced)` : ''
  }, ${userNew} of yours${disabled ? `, ${disabled} disabled` : ''}. No problems.\n`;
  io.out.write(text);
  return 0;
}
