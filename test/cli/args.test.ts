import { UsageError, closest, editDistance, orList, parseArgs } from '#shared/cli/args';
import type { FlagSpec } from '#shared/cli/args';
import { renderTable, truncate } from '#shared/cli/table';

const SPECS: FlagSpec[] = [
  { name: 'format', kind: 'value', values: ['table', 'jsonl'], help: '' },
  { name: 'state', kind: 'value', arg: 'PATH', help: '' },
  { name: 'reprocess', kind: 'switch', help: '' },
  { name: 'help', short: 'h', kind: 'switch', help: '' },
];
const HINT = 'Run `x --help`.';

function fails(argv: string[]): string {
  try {
    parseArgs(argv, SPECS, HINT);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error('expected a UsageError');
}

describe('parseArgs', () => {
  it('reads --flag value, --flag=value, switches, short aliases and positionals in any order', () => {
    const r = parseArgs(
      ['a.json', '--format', 'jsonl', '--state=s.json', 'b/', '--reprocess', '-h'],
      SPECS,
      HINT,
    );
    expect(Object.fromEntries(r.flags)).toEqual({
      format: 'jsonl',
      state: 's.json',
      reprocess: true,
      help: true,
    });
    expect(r.positionals).toEqual(['a.json', 'b/']);
  });

  it('takes everything after -- as paths, and "-" as a path', () => {
    const r = parseArgs(['--', '--format', '-'], SPECS, HINT);
    expect(r.positionals).toEqual(['--format', '-']);
    expect(parseArgs(['-'], SPECS, HINT).positionals).toEqual(['-']);
  });

  it('lets the last occurrence win, and keeps values that start with a single dash', () => {
    const r = parseArgs(['--state', 'a', '--state', '-odd-name'], SPECS, HINT);
    expect(r.flags.get('state')).toBe('-odd-name');
  });

  it('explains every mistake', () => {
    expect(fails(['--fromat', 'x'])).toBe('unknown flag --fromat. Did you mean --format? Run `x --help`.');
    expect(fails(['-format'])).toBe('unknown flag -format. Did you mean --format? Run `x --help`.');
    expect(fails(['-x'])).toBe('unknown flag -x. Run `x --help`.');
    expect(fails(['--format'])).toBe('--format needs a value (table or jsonl). Run `x --help`.');
    expect(fails(['--state', '--reprocess'])).toBe('--state needs a value (PATH). Run `x --help`.');
    expect(fails(['--state='])).toBe('--state needs a non-empty value (PATH). Run `x --help`.');
    expect(fails(['--format', 'tabel'])).toBe(
      "--format must be table or jsonl, not 'tabel'. Did you mean table? Run `x --help`.",
    );
    expect(fails(['--reprocess=1'])).toBe("--reprocess takes no value (got '1'). Run `x --help`.");
  });
});

describe('suggestions', () => {
  it('edit distance counts a transposition as one edit', () => {
    expect(editDistance('replay', 'replya')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });

  it('suggests only plausible typos', () => {
    expect(closest('fial-on', ['fail-on', 'format'])).toBe('fail-on');
    expect(closest('rep', ['reprocess', 'replay'])).toBe('reprocess');
    expect(closest('zzzz', ['format', 'state'])).toBeUndefined();
  });

  it('orList', () => {
    expect(orList(['a'])).toBe('a');
    expect(orList(['a', 'b', 'c'])).toBe('a, b or c');
  });
});

describe('renderTable', () => {
  it('pads columns to the widest cell, aligns right when asked, trims line ends', () => {
    expect(
      renderTable(
        [{ header: 'ID' }, { header: 'N', align: 'right' }],
        [
          ['alpha', '3'],
          ['b', '12'],
        ],
      ),
    ).toBe('ID      N\nalpha   3\nb      12\n');
  });

  it('cuts long cells with an ellipsis and shows newlines escaped on the one line', () => {
    expect(renderTable([{ header: 'T', max: 5 }], [['abcdefgh'], ['a\nb']])).toBe('T\nabcd…\na\\nb\n');
    expect(truncate('abc', 1)).toBe('a');
  });

  it('styles cell text without styling the padding', () => {
    const out = renderTable(
      [{ header: 'A' }, { header: 'B' }],
      [[{ text: 'x', style: (s) => `<${s}>` }, 'y']],
      { header: false },
    );
    expect(out).toBe('<x>  y\n');
  });
});
