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
  // Quadratic rescans of the leading buffer took 56 s for 16 MB and minutes for 48 MB; linear reading
  // takes well under a second, so the timeout below only trips on the quadratic shape.
  it('reads one record after 48 MB of gzipped spaces', async () => {
    const p = put(
      'spaces.json.gz',
      gzipSync(Buffer.concat([Buffer.alloc(48 << 20, 0x20), Buffer.from('{"a":1}\n')])),
    );
    expect(brief(await readAll([p]))).toEqual([{ line: 1, record: { a: 1 } }]);
  }, 20_000);

  it('reads one CSV row after 48 MB of gzipped blank lines', async () => {
    const body = Buffer.concat([
      Buffer.from('\r\n \r\n'.repeat(8 << 20)),
      Buffer.from('RecordId,AuditData\r\n1,"{""Id"":""1""}"\r\n'),
    ]);
    const p = put('blank.csv.gz', gzipSync(body));
    const items = await readAll([p]);
    expect(items.filter((i) => i.kind === 'record').map((i) => i.record)).toEqual([{ Id: '1' }]);
  }, 20_000);
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
  }, 30_000);
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
