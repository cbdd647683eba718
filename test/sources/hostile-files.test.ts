/**
 * Hostile and damaged files: the reader takes time linear in the input, keeps memory bounded by a
 * per-record limit, and reports what it cannot read with the file, the position and the reason.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { readRecords } from '#shared/sources/files';
import type { FileItem, ReadOptions } from '#shared/sources/files';
import { MAX_RECORD_CHARS } from '#shared/sources/files/limits';

async function readAll(paths: string[], opts: ReadOptions = {}): Promise<FileItem[]> {
  const out: FileItem[] = [];
  for await (const item of readRecords(paths, opts)) out.push(item);
  return out;
}

const brief = (items: FileItem[]) =>
  items.map((i) =>
    i.kind === 'record'
      ? { line: i.origin.line, record: i.record }
      : { line: i.origin.line, problem: i.reason },
  );

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tripline-hostile-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const put = (name: string, content: string | Buffer): string => {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
};

describe('linear time', () => {
  // Quadratic rescans of the leading buffer took 56 s for 16 MB, so 48 MB takes about 8 minutes;
  // linear reading takes a second or two, so the 60 s timeout only trips on the quadratic shape.
  it('reads one record after 48 MB of gzipped spaces', async () => {
    const p = put(
      'spaces.json.gz',
      gzipSync(Buffer.concat([Buffer.alloc(48 << 20, 0x20), Buffer.from('{"a":1}\n')])),
    );
    expect(brief(await readAll([p]))).toEqual([{ line: 1, record: { a: 1 } }]);
  }, 60_000);

  it('reads one CSV row after 48 MB of gzipped blank lines', async () => {
    const body = Buffer.concat([
      Buffer.from('\r\n \r\n'.repeat(8 << 20)),
      Buffer.from('RecordId,AuditData\r\n1,"{""Id"":""1""}"\r\n'),
    ]);
    const p = put('blank.csv.gz', gzipSync(body));
    const items = await readAll([p]);
    expect(items.filter((i) => i.kind === 'record').map((i) => i.record)).toEqual([{ Id: '1' }]);
  }, 60_000);
});

describe('per-record size limit', () => {
  it('quarantines a JSON line over the limit with the file, the line and the limit, and reads on', async () => {
    const p = put('big.jsonl', `{"a":1}\n{"huge":"${'x'.repeat(5000)}"}\n{"b":2}\n`);
    const items = await readAll([p], { maxRecordChars: 1000 });
    expect(brief(items)).toEqual([
      { line: 1, record: { a: 1 } },
      {
        line: 2,
        problem:
          'record at line 2 is over the per-record limit of 1,000 characters (about 1 KiB); it was skipped',
      },
      { line: 3, record: { b: 2 } },
    ]);
    expect(items[1]).toMatchObject({ origin: { file: p } });
  });

  it('quarantines an over-limit element of a top-level array by its index and reads the others', async () => {
    const p = put('arr.json', `[{"a":1},{"huge":"${'x'.repeat(5000)}"},{"b":2}]`);
    expect(brief(await readAll([p], { maxRecordChars: 1000 }))).toEqual([
      { line: 1, record: { a: 1 } },
      {
        line: 2,
        problem:
          'array element 2 (line 1) is over the per-record limit of 1,000 characters (about 1 KiB); it was skipped',
      },
      { line: 3, record: { b: 2 } },
    ]);
  });

  it('quarantines a CSV row over the limit and reads the rows after it', async () => {
    const big = `"{""x"":""${'y'.repeat(5000)}""}"`;
    const p = put('big.csv', `RecordId,AuditData\n1,"{""Id"":""1""}"\n2,${big}\n3,"{""Id"":""3""}"\n`);
    expect(brief(await readAll([p], { maxRecordChars: 1000 }))).toEqual([
      { line: 2, record: { Id: '1' } },
      {
        line: 3,
        problem:
          'CSV row at line 3 is over the per-record limit of 1,000 characters (about 1 KiB); it was skipped',
      },
      { line: 4, record: { Id: '3' } },
    ]);
  });

  it('lets a container document (CloudTrail Records) be larger than one record', async () => {
    const records = Array.from({ length: 50 }, (_, i) => ({ eventID: `e${i}`, pad: 'z'.repeat(100) }));
    const p = put('ct.json', JSON.stringify({ Records: records }));
    const items = await readAll([p], { maxRecordChars: 1000 });
    expect(items.filter((i) => i.kind === 'record')).toHaveLength(50);
  });

  it('skips a single line over the default limit (32 MiB) with a clear message, in bounded memory', async () => {
    expect(MAX_RECORD_CHARS).toBe(32 * 1024 * 1024);
    const line = Buffer.alloc(MAX_RECORD_CHARS + (4 << 20), 0x61);
    const p = put(
      'one-line.jsonl.gz',
      gzipSync(Buffer.concat([Buffer.from('{"v":"'), line, Buffer.from('"}\n{"ok":true}\n')]), { level: 1 }),
    );
    expect(brief(await readAll([p]))).toEqual([
      {
        line: 1,
        problem:
          'record at line 1 is over the per-record limit of 33,554,432 characters (about 32 MiB); it was skipped',
      },
      { line: 2, record: { ok: true } },
    ]);
  }, 60_000);
});

describe('positions in JSON arrays', () => {
  it('numbers the elements of a one-line JSON array by position, not all "line 1"', async () => {
    const p = put('one-line.json', JSON.stringify([{ a: 1 }, 'not a record', { c: 3 }]));
    expect((await readAll([p])).map((i) => i.origin.line)).toEqual([1, 2, 3]);
  });

  it('names the element and its line when an array element is not valid JSON', async () => {
    const p = put('bad-element.json', '[{"a":1},\n {"b": nope}]');
    expect(brief(await readAll([p]))).toEqual([
      { line: 1, record: { a: 1 } },
      { line: undefined, problem: "invalid JSON in array element 2 at line 2: Unexpected token 'o'" },
    ]);
  });
});

const AD = (id: string) => `"{""Id"":""${id}"",""Operation"":""Set-Mailbox""}"`;
const csvRecords = (items: FileItem[]) =>
  items.filter((i) => i.kind === 'record').map((i) => [i.origin.line, i.record]);
const csvProblems = (items: FileItem[]) =>
  items
    .filter((i) => i.kind === 'problem')
    .map((i) => [i.origin.line ?? null, i.kind === 'problem' ? i.reason : '']);

describe('CSV exports as Windows PowerShell and Purview write them', () => {
  it('reads Export-Csv output with its #TYPE first line, a BOM and CRLF line ends', async () => {
    const text =
      '\ufeff#TYPE Deserialized.Microsoft.Exchange.Management.SystemConfigurationTasks.AuditRecord\r\n' +
      '"RecordType","CreationDate","UserIds","Operations","AuditData","ResultIndex","ResultCount","Identity","IsValid","ObjectState"\r\n' +
      `"ExchangeAdmin","3/5/2026 9:12:01 AM","alice@contoso.com","Set-Mailbox",${AD('1')},"1","2","a1","True","Unchanged"\r\n` +
      `"ExchangeAdmin","3/5/2026 9:13:01 AM","alice@contoso.com","Set-Mailbox",${AD('2')},"2","2","a2","True","Unchanged"\r\n`;
    const items = await readAll([put('ual.csv', text)]);
    expect(csvProblems(items)).toEqual([]);
    expect(csvRecords(items)).toEqual([
      [3, { Id: '1', Operation: 'Set-Mailbox' }],
      [4, { Id: '2', Operation: 'Set-Mailbox' }],
    ]);
  });

  it('reads a file whose first lines are blank or whitespace only, with the right line numbers', async () => {
    const text = `\r\n   \r\n\t\r\nRecordId,AuditData\r\nr1,${AD('1')}\r\n`;
    for (const name of ['blank.csv', 'blank-no-ext']) {
      const items = await readAll([put(name, text)]);
      expect(csvProblems(items)).toEqual([]);
      expect(csvRecords(items)).toEqual([[5, { Id: '1', Operation: 'Set-Mailbox' }]]);
    }
  });
});

describe('CSV with damaged quoting', () => {
  it('quarantines a row whose AuditData lost its closing quote instead of merging the rows after it', async () => {
    const text =
      'RecordId,AuditData\r\n' +
      `r1,${AD('1')}\r\n` +
      'r2,"{""Id"":""2""}\r\n' + // closing quote lost
      `r3,${AD('3')}\r\n` +
      `r4,${AD('4')}\r\n`;
    const p = put('damaged.csv', text);
    const items = await readAll([p]);
    expect(csvRecords(items).map(([line]) => line)).toEqual([2, 4, 5]);
    expect(csvProblems(items)).toEqual([
      [3, "invalid CSV at line 3: a quoted field is closed and then followed by '{'; the row was skipped"],
    ]);
    expect(items.find((i) => i.kind === 'problem')).toMatchObject({
      origin: { file: p, line: 3 },
      excerpt: 'r2,"{""Id"":""2""}',
    });
  });

  it('quarantines text after a closing quote on the same line, and a quote left open at the end', async () => {
    const text = `RecordId,AuditData\nr1,"x"y,${AD('9')}\nr2,${AD('2')}\nr3,"{""Id"":""3""}\n`;
    const items = await readAll([put('tail.csv', text)]);
    expect(csvRecords(items)).toEqual([[3, { Id: '2', Operation: 'Set-Mailbox' }]]);
    expect(csvProblems(items)).toEqual([
      [2, "invalid CSV at line 2: a quoted field is closed and then followed by 'y'; the row was skipped"],
      [
        4,
        'invalid CSV at line 4: a quoted field is not closed (the data ends inside it); the row was skipped',
      ],
    ]);
  });

  it('reads the same rows and problems whatever the chunk size', async () => {
    const text =
      `RecordId,AuditData\r\nr1,${AD('1')}\r\nr2,"{""Id"":""2""}\r\nr3,${AD('3')}\r\n` +
      `r4,"a"b\r\nr5,"multi\r\nline",${AD('5')}\r\nr6,"open\r\n`;
    const want = brief(await readAll([put('c.csv', text)]));
    for (const chunkSize of [1, 3, 7, 64])
      expect(brief(await readAll([put(`c${chunkSize}.csv`, text)], { chunkSize }))).toEqual(want);
    expect(want.filter((w) => 'record' in w).map((w) => w.line)).toEqual([2, 4]);
  });
});

describe('invalid UTF-8', () => {
  const bytes = (...parts: Array<string | number[]>) =>
    Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));

  it('quarantines the JSON line holding invalid bytes with the byte offset and line, and reads the others', async () => {
    // Line 2 holds a lone 0xff and a truncated 3-byte sequence: what a latin-1 or cut export looks like.
    const p = put('bad.jsonl', bytes('{"a":"é"}\n{"b":"x', [0xff], 'y', [0xe2, 0x82], '"}\n{"c":"漢字"}\n'));
    expect(brief(await readAll([p]))).toEqual([
      { line: 1, record: { a: 'é' } },
      {
        line: 2,
        problem: 'invalid UTF-8 at byte 18 (line 2): not text in this encoding; the record was skipped',
      },
      { line: 3, record: { c: '漢字' } },
    ]);
  });

  it('does the same in a CSV row and inside a gzip file', async () => {
    const csv = bytes(
      'RecordId,AuditData\r\nr1,"{""Id"":""',
      [0xc3, 0x28],
      '""}"\r\nr2,"{""Id"":""2""}"\r\n',
    );
    expect(brief(await readAll([put('bad.csv.gz', gzipSync(csv))]))).toEqual([
      {
        line: 2,
        problem: 'invalid UTF-8 at byte 34 (line 2): not text in this encoding; the row was skipped',
      },
      { line: 3, record: { Id: '2' } },
    ]);
  });

  it('quarantines only the container records that hold the bad bytes', async () => {
    const doc = bytes('{"Records":[{"eventID":"1"},{"eventID":"', [0x80], '"},{"eventID":"3"}]}');
    const items = brief(await readAll([put('ct.json', doc)]));
    expect(items).toEqual([
      { line: 1, record: { eventID: '1' } },
      {
        line: 2,
        problem: 'invalid UTF-8 at byte 40 (line 1): not text in this encoding; the record was skipped',
      },
      { line: 3, record: { eventID: '3' } },
    ]);
  });

  it('is not fooled by multi-byte characters cut between read chunks, or by a real U+FFFD', async () => {
    const p = put('ok.jsonl', '{"a":"漢字🙂é"}\n{"b":"\ufffd"}\n');
    for (const chunkSize of [1, 2, 3, 5]) {
      expect(brief(await readAll([p], { chunkSize }))).toEqual([
        { line: 1, record: { a: '漢字🙂é' } },
        { line: 2, record: { b: '\ufffd' } },
      ]);
    }
  });
});
