import { mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { normalize } from '#shared/events/normalize';
import { readRecords } from '#shared/sources/files';
import type { FileItem } from '#shared/sources/files';
import { CsvParser } from '#shared/sources/files/csv';
import { JsonSplitter } from '#shared/sources/files/json-splitter';
import { fixturePath } from '../events/helpers';

async function readAll(paths: string[], chunkSize?: number): Promise<FileItem[]> {
  const out: FileItem[] = [];
  for await (const item of readRecords(paths, { chunkSize })) out.push(item);
  return out;
}

const short = (items: FileItem[], dir: string) =>
  items.map((i) =>
    i.kind === 'record'
      ? { file: i.origin.file?.slice(dir.length + 1), line: i.origin.line }
      : { file: i.origin.file?.slice(dir.length + 1), line: i.origin.line, problem: i.reason },
  );

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tripline-files-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const put = (name: string, content: string | Buffer): string => {
  const p = join(dir, name);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, content);
  return p;
};

const signIn = (i: number) => ({
  id: `s-${i}`,
  createdDateTime: `2024-03-05T10:00:${String(i % 60).padStart(2, '0')}Z`,
  userPrincipalName: `user${i}@contoso.com`,
  appId: '1b730954-1685-4b74-9bfd-dac224a7b894',
  ipAddress: '203.0.113.5',
  status: { errorCode: i % 2 === 0 ? 0 : 50126 },
});
const jsonl = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => JSON.stringify(signIn(from + i))).join('\n') + '\n';

describe('readRecords: the fixture exports', () => {
  it('walks folders in sorted order and reads every format, every record normalizing', async () => {
    const root = fixturePath('');
    const items = await readAll([root]);
    const perFile = new Map<string, number>();
    for (const i of items)
      if (i.kind === 'record') {
        const f = i.origin.file!.slice(root.length).replace(/^\//, '');
        perFile.set(f, (perFile.get(f) ?? 0) + 1);
      }
    expect([...perFile]).toEqual([
      ['cloudtrail/eventbridge-console-signin.json', 1],
      ['cloudtrail/s3-delivery.json', 4],
      ['entra/directory-audits-page.json', 4],
      ['entra/signins-eventhub.json', 3],
      ['m365/convertto-json.json', 2],
      ['m365/management-activity.jsonl', 4],
      ['m365/purview-export.csv', 2],
      ['workspace/reports-activities-page.json', 4],
    ]);
    for (const i of items) if (i.kind === 'record') expect(normalize(i.record).ok).toBe(true);
    // The export's last row was cut (as Excel does to cells over 32,767 characters): one row problem.
    const problems = items.filter((i) => i.kind === 'problem');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({
      origin: { file: join(root, 'm365/purview-export.csv'), line: 37 },
      reason: 'AuditData at line 37 is not valid JSON: Expected double-quoted property name',
    });
  });

  it('reads Purview CSV rows whose AuditData holds doubled quotes and line breaks', async () => {
    const items = await readAll([fixturePath('m365/purview-export.csv')]);
    const records = items.filter((i): i is Extract<FileItem, { kind: 'record' }> => i.kind === 'record');
    expect(records.map((r) => r.origin.line)).toEqual([2, 3]);
    const first = records[0]!.record as { Parameters: { Name: string; Value: string }[] };
    expect(first.Parameters.find((p) => p.Name === 'Name')?.Value).toBe('"." (keep "quiet")');
    const second = records[1]!.record as { Operation: string; ClientIP: string };
    expect(second).toMatchObject({ Operation: 'Set-Mailbox', ClientIP: '[2a09:bac5:110:105::1a:98]:52629' });
  });

  it('streams the elements of a top-level array, numbered by their position like container records', async () => {
    const items = await readAll([fixturePath('m365/convertto-json.json')], 64);
    expect(items.map((i) => i.origin.line)).toEqual([1, 2]);
    expect(items.every((i) => i.kind === 'record')).toBe(true);
  });

  it('gives container records their index within the document', async () => {
    const items = await readAll([fixturePath('cloudtrail/s3-delivery.json')]);
    expect(items.map((i) => i.origin.line)).toEqual([1, 2, 3, 4]);
  });
});

describe('readRecords: formats', () => {
  it('reads JSON lines with a BOM and CRLF line ends', async () => {
    const p = put('a.jsonl', '\ufeff' + jsonl(3).replace(/\n/g, '\r\n'));
    const items = await readAll([p]);
    expect(items.map((i) => [i.kind, i.origin.line])).toEqual([
      ['record', 1],
      ['record', 2],
      ['record', 3],
    ]);
  });

  it('reads concatenated objects: several on a line, and pretty-printed one after another', async () => {
    const a = JSON.stringify(signIn(1));
    const b = JSON.stringify(signIn(2), null, 2);
    const p = put('concat.json', `${a}${a} ${a}\n${b}\n${b}{"x":1}`);
    const items = await readAll([p], 7);
    expect(items.map((i) => i.origin.line)).toEqual([1, 1, 1, 2, 12, 21]);
    expect(items.every((i) => i.kind === 'record')).toBe(true);
  });

  it('reads gzip by extension and by magic bytes, JSON and CSV alike', async () => {
    const csv = readFileSync(fixturePath('m365/purview-export.csv'));
    put('1.jsonl.gz', gzipSync(jsonl(5)));
    put('2.log', gzipSync(jsonl(2)));
    put('3.csv.gz', gzipSync(csv));
    const items = await readAll([dir], 100);
    const counts = short(items, dir).reduce<Record<string, number>>(
      (m, i) => ({ ...m, [i.file!]: (m[i.file!] ?? 0) + 1 }),
      {},
    );
    expect(counts).toEqual({ '1.jsonl.gz': 5, '2.log': 2, '3.csv.gz': 3 });
  });

  it('reads UTF-16 with a BOM, as Windows PowerShell Out-File writes it', async () => {
    const text = JSON.stringify([signIn(1), signIn(2)], null, 2);
    const p = put('ps.json', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
    const items = await readAll([p]);
    expect(items.map((i) => i.kind)).toEqual(['record', 'record']);
  });

  it('unwraps Graph pages and Workspace pages, and passes Azure Monitor batches record by record', async () => {
    put(
      'graph.json',
      JSON.stringify({ '@odata.context': 'x', '@odata.nextLink': 'y', value: [signIn(1), signIn(2)] }),
    );
    put('ws.json', JSON.stringify({ kind: 'admin#reports#activities', etag: 'e' }));
    put('eh.json', JSON.stringify({ records: [{ category: 'SignInLogs', properties: signIn(3) }] }));
    const items = await readAll([dir]);
    expect(short(items, dir)).toEqual([
      { file: 'eh.json', line: 1 },
      { file: 'graph.json', line: 1 },
      { file: 'graph.json', line: 2 },
    ]);
  });

  it('skips dotfiles, dot-folders and documentation when walking, and reads nested folders in sorted order', async () => {
    put('.hidden.jsonl', jsonl(1));
    put('README.md', '# Exports from the incident\n');
    put('LICENSE', 'Apache License 2.0\n');
    put('notes/diagram.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0]));
    put('.git/x.jsonl', jsonl(1));
    put('b/2.jsonl', jsonl(1));
    put('a/c/1.jsonl', jsonl(1));
    put('a/0.jsonl', jsonl(1));
    const items = await readAll([dir]);
    expect(short(items, dir).map((i) => i.file)).toEqual(['a/0.jsonl', 'a/c/1.jsonl', 'b/2.jsonl']);
    // Named explicitly, a README is read (and is not a log).
    expect(await readAll([join(dir, 'README.md')])).toEqual([
      {
        kind: 'problem',
        origin: { file: join(dir, 'README.md') },
        reason: "invalid JSON at line 1: Unexpected token '#'",
      },
    ]);
  });

  it('passes over READMEs, licences and notes in a folder, but reads one named explicitly', async () => {
    put('README.md', '# Exported from the tenant on Monday');
    put('LICENSE', 'Apache-2.0');
    put('notes.yaml', 'case: 42');
    put('logs.jsonl', jsonl(1));
    expect(short(await readAll([dir]), dir)).toEqual([{ file: 'logs.jsonl', line: 1 }]);
    const named = await readAll([join(dir, 'README.md')]);
    expect(named).toHaveLength(1);
    expect(named[0]?.kind).toBe('problem');
  });

  it('does not loop on a symbolic link back up the tree', async () => {
    put('logs/a.jsonl', jsonl(1));
    symlinkSync(join(dir, 'logs'), join(dir, 'logs', 'again'));
    const items = await readAll([dir]);
    expect(short(items, dir)).toEqual([{ file: 'logs/a.jsonl', line: 1 }]);
  });

  it('keeps values intact across chunk boundaries: escapes, backslashes, braces inside strings', async () => {
    const tricky = [
      { s: 'a \\" b', t: '}{][', u: '\\\\', v: 'line\nbreak', w: 'é漢字🙂', x: [1, { y: '"' }] },
      { s: '\\', t: '"}"' },
    ];
    const text = tricky.map((o) => JSON.stringify(o)).join('\n');
    const p = put('tricky.jsonl', text);
    for (const size of [1, 2, 3, 5, 8, 13]) {
      const items = await readAll([p], size);
      expect(items.map((i) => (i.kind === 'record' ? i.record : i.reason))).toEqual(tricky);
    }
  });

  it('reads a large JSON lines file in bounded chunks with the right line numbers', async () => {
    const p = put('big.jsonl', jsonl(20000));
    let n = 0;
    let last: FileItem | undefined;
    for await (const item of readRecords([p], { chunkSize: 4096 })) {
      n++;
      last = item;
    }
    expect(n).toBe(20000);
    expect(last).toMatchObject({ kind: 'record', origin: { line: 20000 }, record: { id: 's-19999' } });
  });
});

describe('readRecords: bad files give one problem each and reading goes on', () => {
  const cases: [string, string | Buffer, string][] = [
    ['empty.json', '', 'empty file'],
    ['blank.jsonl', '\n  \r\n\t\n', 'empty file'],
    [
      'image.json',
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]),
      'binary data, not a text log export',
    ],
    [
      'zip.json',
      Buffer.from('PK\u0003\u0004\u0014\u0000\u0000\u0000\u0008\u0000abc', 'latin1'),
      'binary data, not a text log export',
    ],
    [
      'pretty-cut.json',
      '{\n  "Records": [\n    {"eventName": "x",\n',
      'invalid JSON at line 1: Unexpected end of JSON input (the data ends inside the record)',
    ],
    ['garbage.json', 'hello world', "invalid JSON at line 1: Unexpected token 'h'"],
    [
      'array-cut.json',
      '[\n{"a":1},\n{"a":2},\n',
      'invalid JSON at line 1: Unexpected end of JSON input (the data ends inside the array that starts here)',
    ],
    ['bad-token.json', '{\n  "a": 1,\n  "b": nope\n}', "invalid JSON at line 3: Unexpected token 'o'"],
    [
      'no-auditdata.csv',
      '"CreationDate","UserIds","Operations"\r\n"3/5/2024","a@b.c","Set-Mailbox"\r\n',
      'CSV has no AuditData column (found: CreationDate, UserIds, Operations); export with Search-UnifiedAuditLog or Purview audit search',
    ],
  ];

  it.each(cases)('%s', async (name, content, reason) => {
    const bad = put(`1-${name}`, content);
    const next = put('2-next.jsonl', jsonl(2));
    const items = await readAll([bad, next]);
    const problems = items.filter((i) => i.kind === 'problem');
    expect(problems).toEqual([{ kind: 'problem', origin: { file: bad }, reason }]);
    expect(items.filter((i) => i.kind === 'record' && i.origin.file === next)).toHaveLength(2);
  });

  it('quarantines a broken JSON line with its line number and reads the lines after it', async () => {
    const p = put(
      'cut.jsonl',
      jsonl(2) + '{"id":"s-2","createdDateTime":"2024-03-05T10:00:02Z","userPrin\n' + jsonl(2, 3),
    );
    const items = await readAll([p, put('z.jsonl', jsonl(1))]);
    expect(short(items, dir)).toEqual([
      { file: 'cut.jsonl', line: 1 },
      { file: 'cut.jsonl', line: 2 },
      {
        file: 'cut.jsonl',
        line: 3,
        problem: 'invalid JSON at line 3: Unterminated string (the line ends inside the record)',
      },
      { file: 'cut.jsonl', line: 4 },
      { file: 'cut.jsonl', line: 5 },
      { file: 'z.jsonl', line: 1 },
    ]);
  });

  it('names the line of a JSON line cut outside a string, or holding a bad token', async () => {
    const cut = put('cut2.jsonl', jsonl(2) + '{"id":"s-9","status":{"errorCode":\n' + jsonl(1));
    const bad = put('cut3.jsonl', jsonl(1) + '{"id":"s-9","status":{"errorCode":zero}}\n' + jsonl(1));
    const items = await readAll([cut, bad]);
    expect(
      items.filter((i) => i.kind === 'problem').map((i) => (i.kind === 'problem' ? i.reason : '')),
    ).toEqual([
      'invalid JSON at line 3: Unexpected end of JSON input (the line ends inside the record)',
      "invalid JSON at line 2: Unexpected token 'z'",
    ]);
    // Every good line is read, before and after the bad ones.
    expect(items.filter((i) => i.kind === 'record')).toHaveLength(5);
    expect(items.filter((i) => i.kind === 'problem').map((i) => i.origin.line)).toEqual([3, 2]);
  });

  it('reports a cut gzip stream after the records it could read', async () => {
    const gz = gzipSync(jsonl(2000));
    const p = put('cut.jsonl.gz', gz.subarray(0, Math.floor(gz.length / 2)));
    const items = await readAll([p, put('z.jsonl', jsonl(1))], 1024);
    const problems = items.filter((i) => i.kind === 'problem');
    expect(problems).toEqual([
      { kind: 'problem', origin: { file: p }, reason: 'invalid gzip data: unexpected end of file' },
    ]);
    expect(items.filter((i) => i.kind === 'record' && i.origin.file === p).length).toBeGreaterThan(0);
    expect(items[items.length - 1]).toMatchObject({ kind: 'record', origin: { file: join(dir, 'z.jsonl') } });
  });

  it('names a path that does not exist and reads the others', async () => {
    const missing = join(dir, 'nope', 'exports.json');
    const items = await readAll([missing, put('z.jsonl', jsonl(1))]);
    expect(items[0]).toEqual({
      kind: 'problem',
      origin: { file: missing },
      reason: 'no such file or folder',
    });
    expect(items[1]).toMatchObject({ kind: 'record' });
  });

  it('reports a bad CSV row with its line and an excerpt, and keeps reading the file', async () => {
    const p = put(
      'rows.csv',
      '"RecordType","AuditData"\r\n"A","{""Id"":""1""}"\r\n"B","{""Id"":"\r\n"C",""\r\n"D","{""Id"":""4""}"\r\n',
    );
    const items = await readAll([p]);
    expect(items).toEqual([
      { kind: 'record', record: { Id: '1' }, origin: { file: p, line: 2 } },
      {
        kind: 'problem',
        origin: { file: p, line: 3 },
        reason: 'AuditData at line 3 is not valid JSON: Unexpected end of JSON input',
        excerpt: '{"Id":',
      },
      { kind: 'problem', origin: { file: p, line: 4 }, reason: 'CSV row at line 4 has no AuditData value' },
      { kind: 'record', record: { Id: '4' }, origin: { file: p, line: 5 } },
    ]);
  });
});

describe('readRecords: progress', () => {
  it('reports bytes as they are consumed, ending at the total of all files', async () => {
    const a = put('a.jsonl', jsonl(50));
    const b = put('b.jsonl.gz', gzipSync(jsonl(50)));
    const c = put('c.json', '');
    const total = [a, b, c].reduce((s, p) => s + readFileSync(p).length, 0);
    const calls: [number, number][] = [];
    for await (const _ of readRecords([dir], { chunkSize: 256, onProgress: (d, t) => calls.push([d, t]) })) {
      // consume
    }
    expect(calls.length).toBeGreaterThan(10);
    expect(calls.every(([, t]) => t === total)).toBe(true);
    for (let i = 1; i < calls.length; i++) expect(calls[i]![0]).toBeGreaterThanOrEqual(calls[i - 1]![0]);
    expect(calls[calls.length - 1]).toEqual([total, total]);
  });
});

describe('JsonSplitter and CsvParser', () => {
  const chunks = (s: string, size: number) =>
    Array.from({ length: Math.ceil(s.length / size) }, (_, i) => s.slice(i * size, (i + 1) * size));

  it('split the same way whatever the chunking', () => {
    const text =
      readFileSync(fixturePath('m365/convertto-json.json'), 'utf8') +
      '\n' +
      readFileSync(fixturePath('m365/management-activity.jsonl'), 'utf8');
    const whole = new JsonSplitter();
    const expected = [...whole.push(text), ...whole.end()];
    expect(expected.map((p) => p.kind)).toEqual(Array(6).fill('value'));
    for (const size of [1, 3, 17, 4096]) {
      const s = new JsonSplitter();
      const got = [...chunks(text, size).flatMap((c) => s.push(c)), ...s.end()];
      expect(got).toEqual(expected);
    }
  });

  it('parses RFC 4180 fields whatever the chunking', () => {
    const text = 'a,"b ""q"" c","multi\r\nline",,"x,y"\r\n\r\nlast,row\n';
    for (const size of [1, 2, 5, 100]) {
      const p = new CsvParser();
      const rows = [...chunks(text, size).flatMap((c) => p.push(c)), ...p.end().rows];
      expect(rows).toEqual([
        { fields: ['a', 'b "q" c', 'multi\r\nline', '', 'x,y'], line: 1 },
        { fields: ['last', 'row'], line: 4 },
      ]);
    }
  });
});
