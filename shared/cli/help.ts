/** Flag declarations and help text of every `tripline` command. */
import { SOURCE_IDS } from '../events/types';
import { SEVERITIES } from '../engine/findings';
import type { FlagSpec } from './args';

const HELP: FlagSpec = { name: 'help', short: 'h', kind: 'switch', help: 'Show this help.' };

/** Flags of `tripline replay`. */
export const REPLAY_FLAGS: readonly FlagSpec[] = [
  {
    name: 'format',
    kind: 'value',
    values: ['table', 'jsonl'],
    arg: 'table|jsonl',
    help: 'table (default): findings table, details and summary. jsonl: one finding JSON per line on stdout, nothing else.',
  },
  {
    name: 'state',
    kind: 'value',
    arg: 'PATH',
    help: "State file kept between replays (default .tripline/state.json; ':memory:' keeps nothing).",
  },
  {
    name: 'reprocess',
    kind: 'switch',
    help: 'Replay files even if this state file has already taken them in.',
  },
  {
    name: 'source',
    kind: 'value',
    values: SOURCE_IDS,
    arg: 'SOURCE',
    help: `Read every record as this source instead of detecting it: ${SOURCE_IDS.join(', ')}.`,
  },
  { name: 'tenant', kind: 'value', arg: 'ID', help: 'Tenant for records that carry none (Graph exports).' },
  {
    name: 'lateness',
    kind: 'value',
    arg: 'DURATION',
    help: 'How late an event may be and still correlate (default 2h).',
  },
  {
    name: 'fail-on',
    kind: 'value',
    values: SEVERITIES,
    arg: 'SEVERITY',
    help: `Exit 1 when a finding at or above this severity appears (${SEVERITIES.join(', ')}).`,
  },
  {
    name: 'quarantine',
    kind: 'value',
    arg: 'FILE',
    help: 'Write every record that could not be used to FILE, as JSON lines.',
  },
  {
    name: 'details',
    kind: 'value',
    values: ['none', 'high', 'all'],
    arg: 'none|high|all',
    help: 'Detail blocks below the table: for high and critical findings (default), all, or none.',
  },
  {
    name: 'report',
    kind: 'value',
    arg: 'FILE',
    help: 'Also write an HTML incident report to FILE: summary, timeline, every finding with its evidence and raw records. One file, works offline.',
  },
  { name: 'no-progress', kind: 'switch', help: 'Never show the progress display (stderr).' },
  {
    name: 'config',
    kind: 'value',
    arg: 'FILE',
    help: 'Config file (YAML or JSON): rule files, overrides, tenant domains, scope weights, allow lists. See docs/cli.md.',
  },
  {
    name: 'rules',
    kind: 'value',
    arg: 'DIR',
    repeatable: true,
    help: 'Also run the rule files (YAML, JSON, TypeScript) in this folder or file; repeatable. A rule with the id of a shipped rule replaces it.',
  },
  HELP,
];

/** Flags of `tripline rules`. */
export const RULES_FLAGS: readonly FlagSpec[] = [
  {
    name: 'format',
    kind: 'value',
    values: ['table', 'jsonl'],
    arg: 'table|jsonl',
    help: 'table (default) or one JSON object per rule.',
  },
  HELP,
];

const WIDTH = 100;

/** Words of `text` in lines of at most `width` characters. */
function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out;
}

/** The flag table of a help text. */
export function flagLines(specs: readonly FlagSpec[]): string {
  const left = specs.map(
    (s) =>
      `${s.short ? `-${s.short}, ` : '    '}--${s.name}${s.kind === 'value' ? ` ${s.arg ?? 'VALUE'}` : ''}`,
  );
  const w = Math.max(...left.map((l) => l.length)) + 2;
  const pad = ' '.repeat(w + 2);
  return specs
    .map((s, i) => {
      const [first, ...rest] = wrap(s.help, WIDTH - w - 2);
      return [`  ${(left[i] as string).padEnd(w)}${first ?? ''}`, ...rest.map((r) => pad + r)].join('\n');
    })
    .join('\n');
}

/** `tripline --help`. */
export function mainHelp(version: string): string {
  return `tripline ${version}: detects attacks on SaaS and cloud tenants from their audit logs
(Entra ID, Microsoft 365, AWS CloudTrail, Google Workspace).

Usage:
  tripline replay <files or folders...> [flags]   Run every detection over exported audit logs.
  tripline rules [--format table|jsonl]           List the detections.
  tripline pull <source> --out DIR [flags]        Read audit logs from a vendor API into DIR.
  tripline test [DIR...] [--junit FILE]           Run every rule's test cases (shipped and yours).
  tripline validate [DIR...] [--config FILE]      Check rule files and the config without running.
  tripline rules new <id> [--kind KIND]           Write a rule file with a firing and a quiet case.
  tripline sigma <files or folders...>            Convert Sigma rules into Tripline rule files.
  tripline respond <findings.jsonl> [--dry-run]   Print (or, with --apply, carry out) the responder's plan.
  tripline undo <action-id>                       Put back what a responder action removed.
  tripline --help                                 Show this help.
  tripline --version                              Print the version.

Examples:
  tripline replay ./logs
  tripline replay signins.json ual.csv --tenant contoso.onmicrosoft.com --fail-on high
  tripline replay ./logs --format jsonl > findings.jsonl
  tripline replay ./logs --report incident.html
  tripline rules
  tripline test detections/ --junit results.xml
  tripline replay ./logs --rules detections/ --config tripline.yaml
  tripline respond findings.jsonl --dry-run

Run \`tripline <command> --help\` for its flags. Docs: docs/cli.md, docs/rules.md.
`;
}

/** `tripline replay --help`. */
export function replayHelp(): string {
  return `Usage: tripline replay <files or folders...> [flags]

Reads exported audit logs, normalizes every record (the source is detected per record), runs the
detections in event-time order and prints the findings. Folders are read recursively (names starting
with '.' are skipped). Reads JSON lines, JSON documents and arrays (CloudTrail {"Records": [...]},
Graph {"value": [...]}, Azure Monitor {"records": [...]}, Workspace {"items": [...]}), CSV exports
with an AuditData column (Purview / Search-UnifiedAuditLog), and gzip-compressed files.

State: baselines, windows and open sequences are kept in the state file, so replaying Monday's logs
and then Tuesday's correlates across both. Files already replayed into the state file are skipped
(matched by content), so nothing is counted twice; --reprocess reads them again.

Flags:
${flagLines(REPLAY_FLAGS)}

Output: with --format table, stdout holds the findings table, the details blocks and a summary;
problems go to stderr as "tripline: <file>:<line>: <reason>". With --format jsonl, stdout holds one
finding per line and nothing else.

Exit codes: 0 done; 1 a finding at or above --fail-on; 2 bad usage, unusable config or state file,
or nothing readable in the given paths.

Examples:
  tripline replay ./exports
  tripline replay monday/ && tripline replay tuesday/          # Tuesday correlates with Monday
  tripline replay signins.json --tenant 4f1e7a2c-9b3d-4c5e-8f6a-1b2c3d4e5f60
  tripline replay ual.csv --source m365.audit --quarantine bad-records.jsonl
  tripline replay ./logs --format jsonl --fail-on high > findings.jsonl
  tripline replay ./logs --state :memory: --details all
  tripline replay ./logs --config tripline.yaml --lateness 3h
  tripline replay ./logs --rules detections/ --rules more-detections/
  tripline replay ./logs --report incident.html
`;
}

/** `tripline rules --help`. */
export function rulesHelp(): string {
  return `Usage: tripline rules [flags]

Lists the detections Tripline runs: id, severity, kind, MITRE ATT&CK techniques and title, then
the catalogue entries no event rule covers, with their ATT&CK techniques and the reason.

Flags:
${flagLines(RULES_FLAGS)}

Examples:
  tripline rules
  tripline rules --format jsonl | jq -r .id
`;
}
