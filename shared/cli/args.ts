/**
 * A small command-line flag parser: declared flags only, `--flag value` and `--flag=value`,
 * boolean switches, enumerated values, `--` to end flags. Every mistake becomes a
 * {@link UsageError} whose message says what to type instead.
 */

/** A mistake in how the command was called; the CLI prints the message and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** One flag a command accepts. */
export interface FlagSpec {
  /** Long name without dashes: 'format', 'no-progress'. */
  readonly name: string;
  /** 'switch' takes no value; 'value' takes exactly one. */
  readonly kind: 'switch' | 'value';
  /** One-letter alias without the dash: 'h'. */
  readonly short?: string | undefined;
  /** The allowed values, when the set is closed. */
  readonly values?: readonly string[] | undefined;
  /** Placeholder for the value in help text: 'PATH'. */
  readonly arg?: string | undefined;
  /** One line for the help text. */
  readonly help: string;
  /** May be given several times; every value is kept in `lists` (and the last in `flags`). */
  readonly repeatable?: boolean | undefined;
}

/** What {@link parseArgs} found. */
export interface ParsedArgs {
  /** Flag values by long name; switches are `true`. The last occurrence wins. */
  readonly flags: ReadonlyMap<string, string | true>;
  readonly positionals: readonly string[];
  /** Every value of each value flag, in order (for repeatable flags such as `--rules`). */
  readonly lists: ReadonlyMap<string, readonly string[]>;
}

/**
 * Parses `argv` against `specs`. `helpHint` ends every error message ("Run `tripline replay --help`.").
 *
 * @throws UsageError for an unknown flag (with a suggestion when one is close), a missing value,
 * a value given to a switch, or a value outside `values`.
 * @example
 * const { flags, positionals } = parseArgs(['--format=jsonl', 'logs/'], specs, 'Run `tripline replay --help`.');
 */
export function parseArgs(argv: readonly string[], specs: readonly FlagSpec[], helpHint: string): ParsedArgs {
  const byName = new Map<string, FlagSpec>();
  const byShort = new Map<string, FlagSpec>();
  for (const s of specs) {
    byName.set(s.name, s);
    if (s.short) byShort.set(s.short, s);
  }
  const flags = new Map<string, string | true>();
  const positionals: string[] = [];
  const lists = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--') {
      for (let j = i + 1; j < argv.length; j++) positionals.push(argv[j] as string);
      break;
    }
    if (a === '-' || !a.startsWith('-')) {
      positionals.push(a);
      continue;
    }
    let spec: FlagSpec | undefined;
    let inline: string | undefined;
    let shown: string;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      if (eq >= 0) inline = a.slice(eq + 1);
      shown = `--${name}`;
      spec = byName.get(name);
      if (!spec) throw new UsageError(`unknown flag ${shown}.${suggest(name, specs)} ${helpHint}`);
    } else {
      shown = a;
      spec = a.length === 2 ? byShort.get(a.slice(1)) : undefined;
      if (!spec) {
        const asLong = byName.get(a.slice(1)) ? ` Did you mean --${a.slice(1)}?` : suggest(a.slice(1), specs);
        throw new UsageError(`unknown flag ${a}.${asLong} ${helpHint}`);
      }
    }
    if (spec.kind === 'switch') {
      if (inline !== undefined)
        throw new UsageError(`${shown} takes no value (got '${inline}'). ${helpHint}`);
      flags.set(spec.name, true);
      continue;
    }
    let value = inline;
    if (value === undefined) {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2)) {
        throw new UsageError(`${shown} needs a value${expected(spec)}. ${helpHint}`);
      }
      value = next;
      i++;
    }
    if (value === '') throw new UsageError(`${shown} needs a non-empty value${expected(spec)}. ${helpHint}`);
    if (spec.values && !spec.values.includes(value)) {
      const close = closest(value, spec.values);
      throw new UsageError(
        `${shown} must be ${orList(spec.values)}, not '${value}'.${close ? ` Did you mean ${close}?` : ''} ${helpHint}`,
      );
    }
    flags.set(spec.name, value);
    lists.set(spec.name, [...(lists.get(spec.name) ?? []), value]);
  }
  return { flags, positionals, lists };
}

function expected(spec: FlagSpec): string {
  if (spec.values) return ` (${orList(spec.values)})`;
  return spec.arg ? ` (${spec.arg})` : '';
}

/** 'a, b or c'. */
export function orList(values: readonly string[]): string {
  if (values.length <= 1) return values.join('');
  return `${values.slice(0, -1).join(', ')} or ${values[values.length - 1] as string}`;
}

function suggest(name: string, specs: readonly FlagSpec[]): string {
  const close = closest(
    name,
    specs.map((s) => s.name),
  );
  return close ? ` Did you mean --${close}?` : '';
}

/** The candidate nearest to `input` by edit distance, when it is plausibly a typo of it. */
export function closest(input: string, candidates: readonly string[]): string | undefined {
  const low = input.toLowerCase();
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = c.startsWith(low) && low.length >= 3 ? 0.5 : editDistance(low, c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  const limit = Math.max(1, Math.min(3, Math.ceil(low.length / 2) - (low.length > 4 ? 1 : 0)));
  return bestD <= limit ? best : undefined;
}

/** Damerau-Levenshtein (optimal string alignment) distance. */
export function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  const d: number[][] = Array.from({ length: m + 1 }, (_, i) => {
    const row = new Array<number>(n + 1).fill(0);
    row[0] = i;
    return row;
  });
  const row0 = d[0] as number[];
  for (let j = 0; j <= n; j++) row0[j] = j;
  for (let i = 1; i <= m; i++) {
    const row = d[i] as number[];
    const prev = d[i - 1] as number[];
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        v = Math.min(v, ((d[i - 2] as number[])[j - 2] as number) + 1);
      }
      row[j] = v;
    }
  }
  return (d[m] as number[])[n] as number;
}
