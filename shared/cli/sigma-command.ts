/**
 * `tripline sigma <files or folders...>`: converts Sigma rules (detection and correlation rules of
 * the cloud logsources Tripline reads) into Tripline rule files, and lists every rule it could not
 * convert with the reason.
 */
import { safeText } from '../text/safe';
import { mkdirSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { stringify } from 'yaml';
import { convertSigmaFiles } from '../sigma/index';
import { readSigmaFiles } from '../sigma/files';
import { UsageError, parseArgs } from './args';
import type { FlagSpec } from './args';
import type { CommandIO } from './test-command';

export const SIGMA_FLAGS: readonly FlagSpec[] = [
  {
    name: 'out',
    kind: 'value',
    arg: 'DIR',
    help: 'Write one <id>.yaml per converted rule into DIR (created if needed); without it, print them on stdout.',
  },
  { name: 'help', short: 'h', kind: 'switch', help: 'Show this help.' },
];

export function sigmaHelp(flagLines: (specs: readonly FlagSpec[]) => string): string {
  return `Usage: tripline sigma <files or folders...> [--out DIR]

Converts Sigma rules into Tripline rule files. Logsources: aws/cloudtrail, azure/auditlogs and
signinlogs, m365/audit and exchange, gcp/google_workspace.*. Correlation rules (event_count,
value_count, temporal_ordered, in one file with their base rules) become threshold, distinct and
sequence rules. A rule that cannot be converted faithfully is listed with the reason on stderr.
Field names follow one table (shared/sigma/mapping.ts). Converted rules carry the Sigma authors
(Detection Rule License 1.1) and have no test cases yet: add some, then \`tripline test\`.

Flags:
${flagLines(SIGMA_FLAGS)}

Exit codes: 0 every rule converted; 1 some were refused (the others are written); 2 bad usage or
nothing readable.

Examples:
  tripline sigma sigma/rules/cloud/aws/ --out detections/sigma
  tripline sigma my-rule.yml
`;
}

const ORDER = [
  'id',
  'title',
  'kind',
  'severity',
  'description',
  'attack',
  'sources',
  'actions',
  'when',
  'emit',
  'groupBy',
  'field',
  'by',
  'steps',
  'count',
  'window',
  'why',
  'runbook',
  'falsePositives',
  'references',
  'tags',
];

/** A rule document with its keys in reading order (what, where, when, then the prose). */
function ordered(doc: Record<string, unknown>): Record<string, unknown> {
  const keys = Object.keys(doc).sort((a, b) => {
    const ia = ORDER.indexOf(a);
    const ib = ORDER.indexOf(b);
    return (ia < 0 ? ORDER.length : ia) - (ib < 0 ? ORDER.length : ib);
  });
  return Object.fromEntries(keys.map((k) => [k, doc[k]]));
}

/** Runs the command and resolves to its exit code. */
export function sigmaCommand(
  argv: readonly string[],
  io: CommandIO,
  flagLines: (specs: readonly FlagSpec[]) => string,
): number {
  const hint = 'Run `tripline sigma --help`.';
  const { flags, positionals } = parseArgs(argv, SIGMA_FLAGS, hint);
  if (flags.has('help')) {
    io.out.write(sigmaHelp(flagLines));
    return 0;
  }
  if (!positionals.length)
    throw new UsageError(
      `sigma needs Sigma rule files or folders, e.g. \`tripline sigma rules/cloud/aws/\`. ${hint}`,
    );
  const { files, problems } = readSigmaFiles(positionals, io.cwd);
  for (const p of problems) io.err.write(`tripline: ${safeText(`${p.file}: ${p.reason}`)}\n`);
  if (!files.length) throw new UsageError(`nothing to convert in ${positionals.join(', ')}. ${hint}`);
  const r = convertSigmaFiles(files);
  const outArg = flags.get('out');
  const outDir =
    typeof outArg === 'string' ? (isAbsolute(outArg) ? outArg : resolve(io.cwd, outArg)) : undefined;
  const schemaRef = (dir: string) =>
    relative(dir, join(__dirname, '..', '..', 'schemas', 'rule.schema.json'));
  const header = (file: string, dir: string) =>
    `# yaml-language-server: $schema=${schemaRef(dir)}\n# Converted by \`tripline sigma\` from ${file} (Sigma, Detection Rule License 1.1).\n# Add test cases (tests:) before relying on it: \`tripline test\` runs them.\n`;
  if (outDir) {
    try {
      mkdirSync(outDir, { recursive: true });
      for (const c of r.converted)
        writeFileSync(
          join(outDir, `${String(c.doc['id'])}.yaml`),
          `${header(c.file, outDir)}${stringify(ordered(c.doc), { lineWidth: 110 })}`,
        );
    } catch (err) {
      throw new UsageError(
        `cannot write to ${String(outArg)}: ${(err as Error).message}. Choose another --out folder.`,
      );
    }
  } else {
    io.out.write(
      r.converted
        .map((c) => `${header(c.file, io.cwd)}${stringify(ordered(c.doc), { lineWidth: 110 })}`)
        .join('---\n'),
    );
  }
  for (const x of r.refused)
    io.err.write(`tripline: ${safeText(`${x.file}: not converted: ${x.rule}: ${x.reason}`)}\n`);
  const counts = new Map<string, number>();
  for (const x of r.refused) counts.set(x.code, (counts.get(x.code) ?? 0) + 1);
  const byCode = [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([c, n]) => `${n} ${c}`);
  io.err.write(
    `tripline: converted ${r.converted.length} of ${r.rules} Sigma rules from ${files.length} file${files.length === 1 ? '' : 's'}` +
      `${outDir ? ` into ${String(outArg)}` : ''}${r.refused.length ? `; ${r.refused.length} not converted (${byCode.join(', ')})` : ''}\n`,
  );
  return r.refused.length ? 1 : 0;
}
