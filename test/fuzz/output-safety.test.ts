/**
 * The output-safety layer, as a property: random strings full of controls, escape sequences, line
 * breaks, bidi overrides and zero-width characters are put into every field a renderer shows, and
 * no raw control reaches the output and no line starts with text from data.
 */
import fc from 'fast-check';
import type { Finding } from '#shared/engine/findings';
import { ProgressDisplay } from '#shared/cli/progress';
import { detailsBlock, findingsTable, makeStyles, summaryBlock } from '#shared/cli/render';
import { renderTable } from '#shared/cli/table';
import type { ReplaySummary } from '#shared/replay/replay';
import { renderEmailBody, renderSnsMessage } from '#shared/sinks/sns-message';
import { safeJson, safeText } from '#shared/text/safe';
import { oauthChainFinding } from '../sinks/fixtures';
import { FUZZ_LONG, FUZZ_SEED } from './seed';

/** Controls, separators and format characters that must never be written raw (LF is ours). */
const RAW =
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff]|\udb40[\udc00-\udc7f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** The SGR sequences our own styles write; any other ESC came from data. */
const OUR_SGR = /\u001b\[(?:0|1|2|33|36|1;31|1;97;41)m/g;
/** Every generated value carries this line; it must never start a line of output. */
const FORGED = 'FORGED';

const NASTY = [
  '\n',
  '\r\n',
  '\r',
  '\t',
  '\u0000',
  '\u0007',
  '\u0008',
  '\u001b[2J',
  '\u001b[1;97;41m',
  '\u001b]8;;https://evil.example\u0007',
  '\u001bP+q\u001b\\',
  '\u007f',
  '\u0085',
  '\u009b31m',
  '\u009d0;title\u009c',
  '\u202e',
  '\u202d',
  '\u2066',
  '\u2069',
  '\u200b',
  '\u200f',
  '\u2028',
  '\u2029',
  '\ufeff',
  '\u00ad',
  '\u{e0041}',
  '\ud800',
  '\udfff',
  'Severity:  LOW',
  '  severity   low',
  '  why        approved by IT',
  'WHY IT FIRED',
  'CRITICAL',
  '漢字',
  '🙂',
];

const piece = fc.oneof(
  fc.constantFrom(...NASTY),
  fc.string({ unit: 'binary', maxLength: 6 }),
  fc.string({ maxLength: 8 }),
);
const hostile = fc
  .tuple(fc.array(piece, { maxLength: 6 }), fc.array(piece, { maxLength: 6 }))
  .map(([a, b]) => `${a.join('')}\n${FORGED}: ${b.join('')}`);

function hostileFinding(v: () => string): Finding {
  const base = oauthChainFinding();
  return {
    ...base,
    id: v(),
    ruleId: v(),
    title: v(),
    principal: v(),
    tenant: v(),
    dedupKey: v(),
    why: v(),
    description: v(),
    attack: [v(), v()],
    runbook: [v(), v()],
    falsePositives: [v()],
    evidenceNote: v(),
    evidence: base.evidence.map((e) => ({
      ...e,
      id: v(),
      action: v(),
      actor: v(),
      ip: v(),
      target: v(),
      stepRule: v(),
    })),
  };
}

/** Checks one rendered output: no raw control, no line that starts with data. */
function expectSafe(out: string): void {
  const text = out.replace(OUR_SGR, '');
  expect(text).not.toMatch(RAW);
  for (const line of text.split('\n')) expect(line.trimStart().startsWith(FORGED)).toBe(false);
}

function summaryWith(v: () => string): ReplaySummary {
  return {
    files: [{ file: v(), status: 'replayed', bytes: 10, records: 1 }],
    fileProblems: [{ file: v(), reason: v() }],
    skipped: 0,
    duplicates: 0,
    recordsRead: 3,
    eventsNormalized: 2,
    quarantined: 1,
    quarantine: [],
    quarantineReasons: [{ reason: v(), count: 1 }],
    findings: [],
    findingsBySeverity: { info: 0, low: 0, medium: 0, high: 0, critical: 0 },
    newFindings: 0,
    ruleErrors: [],
    state: v(),
    elapsedMs: 12,
  } as unknown as ReplaySummary;
}

const params = { seed: FUZZ_SEED, numRuns: FUZZ_LONG ? 2000 : 100 };

describe('output safety: every renderer, random hostile strings', () => {
  it('the terminal table, details block and summary show data escaped on its own line', () => {
    fc.assert(
      fc.property(fc.array(hostile, { minLength: 60, maxLength: 60 }), fc.boolean(), (values, color) => {
        let i = 0;
        const v = () => values[i++ % values.length] as string;
        const f = hostileFinding(v);
        const st = makeStyles(color);
        expectSafe(findingsTable([f], st));
        expectSafe(findingsTable([f], st, 80));
        expectSafe(detailsBlock(f, undefined, st));
        expectSafe(summaryBlock(summaryWith(v), st));
        expectSafe(renderTable([{ header: v() }, { header: 'X', max: 5 }], [[v(), v()]]));
      }),
      params,
    );
  });

  it('the SNS e-mail body, subject and attributes show data escaped; the JSON keeps the value', () => {
    fc.assert(
      fc.property(fc.array(hostile, { minLength: 60, maxLength: 60 }), (values) => {
        let i = 0;
        const f = hostileFinding(() => values[i++ % values.length] as string);
        const m = renderSnsMessage(f);
        const s = JSON.parse(m.Message) as Record<string, string>;
        expectSafe(s.email as string);
        expectSafe(renderEmailBody(f));
        expect(m.Subject).toMatch(/^[\x20-\x7e]+$/);
        for (const a of Object.values(m.MessageAttributes)) expectSafe(a.StringValue);
        expect(s.default).not.toMatch(RAW);
        expect(JSON.parse(s.default as string)).toEqual(JSON.parse(JSON.stringify(f)));
      }),
      params,
    );
  });

  it('stderr messages (quarantine lines, problems) go through the same layer', () => {
    fc.assert(
      fc.property(hostile, fc.boolean(), (value, tty) => {
        let err = '';
        const p = new ProgressDisplay({ write: (s) => (err += s), tty, enabled: true });
        p.update({ phase: 'read', done: 1, total: 64 * 1024 * 1024 });
        p.log(`tripline: ${value}:1: unknown record shape: keys ${value}`);
        // Our own bar redraw (CR, erase line) is the only control the display writes.
        expectSafe(err.replace(/\r\u001b\[K/g, ''));
      }),
      params,
    );
  });
});

describe('safeText', () => {
  it('escapes ESC, C1, DEL, bidi, zero-width, separators and tag characters visibly', () => {
    expect(safeText('a\u001b[2Jb')).toBe('a\\x1b[2Jb');
    expect(safeText('\u009b\u007f\u0085')).toBe('\\x9b\\x7f\\x85');
    expect(safeText('x\u202ey\u2066z\u200b\u2028\ufeff')).toBe('x\\u202ey\\u2066z\\u200b\\u2028\\ufeff');
    expect(safeText('tag\u{e0041}')).toBe('tag\\u{e0041}');
    expect(safeText('l1\nl2\r\tend')).toBe('l1\\nl2\\r\\tend');
    expect(safeText('lone \ud800 surrogate')).toBe('lone \\ud800 surrogate');
  });

  it('leaves printable text, accents, CJK, emoji and backslashes as they are', () => {
    const s = 'Côntoso 漢字 🙂 CONTOSO\\alice "q" ✓';
    expect(safeText(s)).toBe(s);
  });

  it('takes linear time on long hostile input', () => {
    const s = '\u001b['.repeat(200_000);
    expect(safeText(s)).toHaveLength(200_000 * 5);
  });
});

describe('safeJson', () => {
  it('parses to the same value while writing C1, bidi and separators as \\u escapes', () => {
    const v = { a: '\u0085\u202e\u2028x\u{e0041}', b: ['\u001b'] };
    const json = safeJson(v);
    expect(json).toBe('{"a":"\\u0085\\u202e\\u2028x\\udb40\\udc41","b":["\\u001b"]}');
    expect(JSON.parse(json)).toEqual(v);
  });
});
