/**
 * The local file reader: turns exported log files and folders into records for `normalize`,
 * for laptop replay of audit logs. All file I/O of local replay lives here.
 *
 * Formats: a JSON document (object or array), JSON lines, concatenated JSON objects (several on a
 * line or pretty-printed one after another), UTF-8 with or without BOM (UTF-16 with BOM too, as
 * Windows PowerShell writes it), gzip (by `.gz` or by magic bytes), container documents
 * (CloudTrail S3 `{"Records": [...]}`, Azure Monitor `{"records": [...]}`, Graph pages
 * `{"value": [...]}`, Workspace `{"kind": "admin#reports#activities", "items": [...]}`), and
 * Purview / Search-UnifiedAuditLog CSV exports, whose `AuditData` column holds the record.
 *
 * A file that cannot be read gives one `problem` item that names it and says why, and reading
 * goes on with the next file. JSON lines and CSV are streamed, so files of hundreds of megabytes
 * are read in bounded memory (a single JSON document is held whole; a top-level array is
 * streamed element by element).
 */
import { expandPaths } from './walk';
import { createReadStream, promises as fsp } from 'node:fs';
import { Readable } from 'node:stream';
import { TextDecoder } from 'node:util';
import { createGunzip } from 'node:zlib';
import { containerItems } from '../../events/containers';
import type { RecordOrigin } from '../../events/types';
import { CsvParser } from './csv';
import type { CsvRow } from './csv';
import { JsonSplitter, cleanJsonError, parseError } from './json-splitter';
import type { JsonPiece, JsonSplitError } from './json-splitter';
import { MAX_DOCUMENT_CHARS, MAX_RECORD_CHARS, overLimitReason } from './limits';
import { Utf8Checker } from './utf8';
import type { Utf8Problem } from './utf8';

export { MAX_DOCUMENT_CHARS, MAX_RECORD_CHARS } from './limits';

/**
 * One item from {@link readRecords}: a parsed record, or a problem. A problem whose origin has no
 * `line` concerns the whole file (nothing more is read from it; its reason names the line where
 * the trouble is, if any); a problem with a `line` concerns one CSV row, and reading goes on.
 */
export type FileItem =
  | { kind: 'record'; record: unknown; origin: RecordOrigin }
  | {
      kind: 'problem';
      origin: RecordOrigin;
      reason: string;
      /** The first characters of the unreadable row, for a person to look at. */
      excerpt?: string | undefined;
    };

/** Options of {@link readRecords}. */
export interface ReadOptions {
  /** Called as bytes of the files (as stored, before decompression) are consumed. */
  onProgress?: ((bytesDone: number, bytesTotal: number) => void) | undefined;
  /** Read size in bytes. @default 1 MiB */
  chunkSize?: number | undefined;
  /**
   * Longest record kept, in characters; a longer one is skipped and quarantined with its position
   * and this limit. Container documents may be up to {@link MAX_DOCUMENT_CHARS}.
   * @default MAX_RECORD_CHARS (32 MiB)
   */
  maxRecordChars?: number | undefined;
}

const CHUNK = 1 << 20;
const SNIFF = 4096;

function errnoReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return 'no such file or folder';
    case 'EACCES':
    case 'EPERM':
      return 'cannot read: permission denied';
    case 'EISDIR':
      return 'is a folder';
    default:
      return `cannot read: ${code ?? (e as Error).message}`;
  }
}

interface FileEntry {
  path: string;
  size: number;
}

/** Files under `paths` (the shared walk of walk.ts), with their sizes for progress. */
async function collect(
  paths: string[],
  problems: Map<number, FileItem[]>,
  files: FileEntry[],
): Promise<void> {
  const walked = await expandPaths(paths, process.cwd(), []);
  for (const pr of walked.problems) {
    const item: FileItem = { kind: 'problem', origin: { file: pr.shown }, reason: pr.reason };
    const list = problems.get(pr.at);
    if (list) list.push(item);
    else problems.set(pr.at, [item]);
  }
  for (const f of walked.files) {
    try {
      files.push({ path: f.shown, size: (await fsp.stat(f.abs)).size });
    } catch (e) {
      const list = problems.get(files.length) ?? [];
      list.push({ kind: 'problem', origin: { file: f.shown }, reason: errnoReason(e) });
      problems.set(files.length, list);
    }
  }
}

export { isDocumentation } from './documentation';
export { expandPaths } from './walk';

/**
 * Reads records from files and folders, in order, one item at a time. Walking a folder skips
 * dotfiles and documentation (README, LICENSE, *.md, pictures, scripts); files named explicitly
 * are always read.
 *
 * @example
 * for await (const item of readRecords(['exports/'], { onProgress: (d, t) => bar.update(d / t) })) {
 *   if (item.kind === 'problem') console.warn(`${item.origin.file}: ${item.reason}`);
 *   else handle(normalize(item.record), item.origin);
 * }
 */
export async function* readRecords(paths: string[], opts: ReadOptions = {}): AsyncGenerator<FileItem> {
  const files: FileEntry[] = [];
  const problems = new Map<number, FileItem[]>();
  await collect(paths, problems, files);
  let total = 0;
  for (const f of files) total += f.size;
  const progress = { done: 0, total, cb: opts.onProgress };
  const chunkSize = opts.chunkSize ?? CHUNK;
  const maxRecord = opts.maxRecordChars ?? MAX_RECORD_CHARS;
  for (let i = 0; i <= files.length; i++) {
    const before = problems.get(i);
    if (before) yield* before;
    const f = files[i];
    if (f === undefined) break;
    const start = progress.done;
    yield* readFile(f.path, chunkSize, progress, maxRecord);
    if (progress.done < start + f.size) {
      progress.done = start + f.size;
      progress.cb?.(progress.done, progress.total);
    }
  }
}

interface Progress {
  done: number;
  total: number;
  cb: ((bytesDone: number, bytesTotal: number) => void) | undefined;
}

async function* countedChunks(path: string, chunkSize: number, progress: Progress): AsyncGenerator<Buffer> {
  const stream = createReadStream(path, { highWaterMark: chunkSize });
  try {
    for await (const chunk of stream) {
      const b = chunk as Buffer;
      progress.done += b.length;
      progress.cb?.(progress.done, progress.total);
      yield b;
    }
  } finally {
    stream.destroy();
  }
}

class FileProblem extends Error {
  constructor(
    readonly reason: string,
    readonly line?: number,
  ) {
    super(reason);
    this.name = 'FileProblem';
  }
}

/** Bytes of the file, gunzipped when it starts with the gzip magic bytes. */
async function* fileBytes(path: string, chunkSize: number, progress: Progress): AsyncGenerator<Buffer> {
  const raw = countedChunks(path, chunkSize, progress);
  const first = await raw.next();
  if (first.done) return;
  const head = first.value;
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) {
    const rest = async function* (): AsyncGenerator<Buffer> {
      yield head;
      yield* raw;
    };
    const gunzip = createGunzip();
    const source = Readable.from(rest());
    source.on('error', (e) => gunzip.destroy(e));
    source.pipe(gunzip);
    try {
      for await (const chunk of gunzip) yield chunk as Buffer;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (typeof code === 'string' && code.startsWith('Z_')) {
        throw new FileProblem(`invalid gzip data: ${(e as Error).message}`);
      }
      throw e;
    } finally {
      source.destroy();
      gunzip.destroy();
    }
    return;
  }
  yield head;
  yield* raw;
}

type Encoding = 'utf-8' | 'utf-16le' | 'utf-16be';

function sniff(b: Buffer): Encoding | 'binary' {
  if (b.length >= 2 && b[0] === 0xff && b[1] === 0xfe) return 'utf-16le';
  if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff) return 'utf-16be';
  const n = Math.min(b.length, SNIFF);
  let control = 0;
  for (let i = 0; i < n; i++) {
    const c = b[i] as number;
    if (c === 0) return 'binary';
    if (c < 9 || (c > 13 && c < 32 && c !== 27)) control++;
  }
  return control * 20 > n ? 'binary' : 'utf-8';
}

/** Text chunks of the file; BOM removed; binary data rejected. */
/**
 * Text chunks of the file; BOM removed; binary data rejected. Invalid UTF-8 is pushed to `bad` (in
 * order) before the text holding it is yielded, so readers can quarantine the records it is in.
 */
async function* fileText(
  path: string,
  chunkSize: number,
  progress: Progress,
  bad: Utf8Problem[],
): AsyncGenerator<string> {
  let decoder: TextDecoder | undefined;
  let checker: Utf8Checker | undefined;
  let sawBytes = false;
  for await (const b of fileBytes(path, chunkSize, progress)) {
    if (b.length === 0) continue;
    if (decoder === undefined) {
      const enc = sniff(b);
      if (enc === 'binary') throw new FileProblem('binary data, not a text log export');
      decoder = new TextDecoder(enc);
      if (enc === 'utf-8') checker = new Utf8Checker((p) => bad.push(p));
    }
    sawBytes = true;
    checker?.push(b);
    const s = decoder.decode(b, { stream: true });
    if (s !== '') yield s;
  }
  if (!sawBytes) throw new FileProblem('empty file');
  checker?.end();
  const tail = decoder?.decode() ?? '';
  if (tail !== '') yield tail;
}

function utf8Reason(p: Utf8Problem, what?: string): string {
  const at = `invalid UTF-8 at byte ${p.byte} (line ${p.line})`;
  return what === undefined
    ? `${at}, outside any record`
    : `${at}: not text in this encoding; ${what} was skipped`;
}

/**
 * The first invalid-UTF-8 report on lines `from` to `to`; drops the reports before `to` (they are
 * either this one's or in text already judged).
 */
function takeBad(bad: Utf8Problem[], from: number, to: number): Utf8Problem | undefined {
  let hit: Utf8Problem | undefined;
  while (bad.length && (bad[0] as Utf8Problem).line <= to) {
    const p = bad.shift() as Utf8Problem;
    if (hit === undefined && p.line >= from) hit = p;
  }
  return hit;
}

const CSV_EXT_RE = /\.csv(?:\.gz)?$/i;
const JSON_EXT_RE = /\.(?:json|jsonl|ndjson)(?:\.gz)?$/i;

/**
 * CSV when the name says so; JSON when the name or the first character says so; else a comma in
 * the first line that is not blank (`text` starts with it).
 */
function isCsv(file: string, text: string): boolean {
  if (CSV_EXT_RE.test(file)) return true;
  const firstChar = text[0];
  if (JSON_EXT_RE.test(file) || firstChar === '{' || firstChar === '[') return false;
  const nl = text.indexOf('\n');
  return (nl < 0 ? text : text.slice(0, nl)).indexOf(',') >= 0;
}
const WS_RE = /\S/;

function record(value: unknown, file: string, line: number): FileItem {
  return { kind: 'record', record: value, origin: { file, line } };
}

/**
 * Records of one parsed JSON value: a container's items (line = index in it) or the value (line =
 * the line it starts on, or its index in a top-level array).
 */
function* unwrap(value: unknown, file: string, line: number): Generator<FileItem> {
  const c = containerItems(value);
  if (c === undefined) {
    yield record(value, file, line);
    return;
  }
  for (let i = 0; i < c.items.length; i++) yield record(c.items[i], file, i + 1);
}

function parsePiece(p: JsonPiece, file: string): { value: unknown } | FileItem {
  try {
    return { value: JSON.parse(p.text) as unknown };
  } catch {
    const e = parseError(p.text, p.line);
    const at = p.index === undefined ? '' : ` in array element ${p.index}`;
    return { kind: 'problem', origin: { file }, reason: `invalid JSON${at} at line ${e.line}: ${e.message}` };
  }
}

/** 'record at line 3', 'array element 2 (line 1)': where a piece is, for reasons. */
function where(p: { line: number; index?: number | undefined }): string {
  return p.index === undefined ? `record at line ${p.line}` : `array element ${p.index} (line ${p.line})`;
}

async function* readJson(
  first: string,
  text: AsyncGenerator<string>,
  file: string,
  maxRecord: number,
  bad: Utf8Problem[],
): AsyncGenerator<FileItem> {
  const splitter = new JsonSplitter({
    maxRecordChars: maxRecord,
    maxDocumentChars: Math.max(maxRecord, MAX_DOCUMENT_CHARS),
  });
  // Only a file that has already given good records is treated as JSON lines worth resyncing.
  let good = 0;
  const handle = function* (pieces: (JsonPiece | JsonSplitError)[]): Generator<FileItem, boolean> {
    for (const p of pieces) {
      // Elements of a top-level array are numbered by their position (a one-line array has one line).
      const pos = p.index ?? p.line;
      if (p.kind === 'error' && p.overLimit !== undefined) {
        const reason = overLimitReason(where(p), p.overLimit);
        if (p.recovered) {
          yield { kind: 'problem', origin: { file, line: pos }, reason };
          continue;
        }
        yield { kind: 'problem', origin: { file }, reason };
        return false;
      }
      if (p.kind === 'error') {
        const reason =
          p.index === undefined
            ? `invalid JSON at line ${p.line}: ${p.message}`
            : `invalid JSON in array element ${p.index} at line ${p.line}: ${p.message}`;
        // In JSON lines a bad line is one quarantined record; the lines after it are still read.
        if (p.recovered && good > 0) {
          yield { kind: 'problem', origin: { file, line: p.line }, reason };
          continue;
        }
        yield { kind: 'problem', origin: { file }, reason };
        return false;
      }
      const parsed = parsePiece(p, file);
      if ('kind' in parsed) {
        if (splitter.isJsonLines && good > 0) {
          yield { ...parsed, origin: { file, line: p.line } };
          continue;
        }
        yield parsed;
        return false;
      }
      good++;
      const badHere = bad.length ? takeBad(bad, p.line, p.line + countNewlines(p.text)) : undefined;
      if (badHere === undefined) {
        yield* unwrap(parsed.value, file, pos);
        continue;
      }
      // Records holding replaced bytes are quarantined; the others of a container are kept.
      let hit = false;
      for (const item of unwrap(parsed.value, file, pos)) {
        if (item.kind === 'record' && JSON.stringify(item.record)?.includes('\ufffd')) {
          hit = true;
          yield { kind: 'problem', origin: item.origin, reason: utf8Reason(badHere, 'the record') };
        } else yield item;
      }
      if (!hit) {
        yield {
          kind: 'problem',
          origin: { file, line: badHere.line },
          reason: utf8Reason(badHere),
        };
      }
    }
    return true;
  };
  if (!(yield* handle(splitter.push(first)))) return;
  for await (const s of text) if (!(yield* handle(splitter.push(s)))) return;
  if (!(yield* handle(splitter.end()))) return;
  if (!splitter.sawContent) yield { kind: 'problem', origin: { file }, reason: 'empty file' };
}

const AUDIT_DATA = 'auditdata';
const EXCERPT = 200;

async function* readCsv(
  first: string,
  text: AsyncGenerator<string>,
  file: string,
  maxRecord: number,
  bad: Utf8Problem[],
): AsyncGenerator<FileItem> {
  const parser = new CsvParser(maxRecord);
  let col = -1;
  let header: string[] | undefined;
  const handle = function* (rows: CsvRow[]): Generator<FileItem, boolean> {
    for (const row of rows) {
      if (row.damaged !== undefined) {
        // Damaged quoting: this row is skipped, the rows after it are read (never merged into it).
        const reason = `invalid CSV at line ${row.line}: ${row.damaged}; the row was skipped`;
        if (header === undefined) {
          yield { kind: 'problem', origin: { file }, reason: `the header is not readable: ${reason}` };
          return false;
        }
        yield { kind: 'problem', origin: { file, line: row.line }, reason, excerpt: row.excerpt };
        continue;
      }
      if (row.overLimit !== undefined) {
        const reason = overLimitReason(`CSV row at line ${row.line}`, row.overLimit);
        if (header === undefined) {
          yield { kind: 'problem', origin: { file }, reason: `the header is not readable: ${reason}` };
          return false;
        }
        yield { kind: 'problem', origin: { file, line: row.line }, reason };
        continue;
      }
      if (header === undefined) {
        // Before the header: blank or whitespace-only lines, and the `#TYPE ...` line Windows
        // PowerShell's Export-Csv writes first unless given -NoTypeInformation.
        if (row.fields.every((f) => f.trim() === '')) continue;
        if (row.fields.length === 1 && /^#TYPE\b/.test((row.fields[0] as string).trimStart())) continue;
        header = row.fields.map((f) => f.trim());
        col = header.findIndex((h) => h.toLowerCase() === AUDIT_DATA);
        if (col < 0) {
          yield {
            kind: 'problem',
            origin: { file },
            reason:
              `CSV has no AuditData column (found: ${header.join(', ')}); ` +
              'export with Search-UnifiedAuditLog or Purview audit search',
          };
          return false;
        }
        continue;
      }
      const ad = row.fields[col];
      const origin = { file, line: row.line };
      if (bad.length) {
        let last = row.line;
        for (const f of row.fields) last += countNewlines(f);
        const badHere = takeBad(bad, row.line, last);
        if (badHere) {
          yield { kind: 'problem', origin, reason: utf8Reason(badHere, 'the row') };
          continue;
        }
      }
      if (ad === undefined || ad.trim() === '') {
        yield { kind: 'problem', origin, reason: `CSV row at line ${row.line} has no AuditData value` };
        continue;
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(ad);
      } catch (e) {
        const { message } = cleanJsonError((e as Error).message);
        yield {
          kind: 'problem',
          origin,
          reason: `AuditData at line ${row.line} is not valid JSON: ${message}`,
          excerpt: ad.length > EXCERPT ? ad.slice(0, EXCERPT) + '…' : ad,
        };
        continue;
      }
      yield { kind: 'record', record: parsed, origin };
    }
    return true;
  };
  if (!(yield* handle(parser.push(first)))) return;
  for await (const s of text) if (!(yield* handle(parser.push(s)))) return;
  const end = parser.end();
  if (!(yield* handle(end.rows))) return;
  if (header === undefined) {
    yield { kind: 'problem', origin: { file }, reason: 'empty file' };
  }
}

function countNewlines(s: string): number {
  let n = 0;
  for (let p = s.indexOf('\n'); p >= 0; p = s.indexOf('\n', p + 1)) n++;
  return n;
}

async function* readFile(
  file: string,
  chunkSize: number,
  progress: Progress,
  maxRecord: number,
): AsyncGenerator<FileItem> {
  const bad: Utf8Problem[] = [];
  const text = fileText(file, chunkSize, progress, bad);
  try {
    // Decide the format from the first text that is not whitespace. Leading whitespace is looked at
    // once and only its line breaks are kept (for line numbers): no rescans, no growing buffer.
    let blankLines = 0;
    let first: string | undefined;
    let at = 0;
    for (;;) {
      const r = await text.next();
      if (r.done) break;
      const m = WS_RE.exec(r.value);
      if (m !== null) {
        first = r.value;
        at = m.index;
        break;
      }
      blankLines += countNewlines(r.value);
    }
    if (first === undefined) {
      yield { kind: 'problem', origin: { file }, reason: 'empty file' };
      return;
    }
    // The first non-blank line decides; what comes before it is replaced by its line breaks.
    const lineStart = first.lastIndexOf('\n', at) + 1;
    const start = '\n'.repeat(blankLines + countNewlines(first.slice(0, lineStart))) + first.slice(lineStart);
    if (isCsv(file, first.slice(at))) yield* readCsv(start, text, file, maxRecord, bad);
    else yield* readJson(start, text, file, maxRecord, bad);
  } catch (e) {
    if (e instanceof FileProblem) {
      yield { kind: 'problem', origin: { file }, reason: e.reason };
    } else {
      yield { kind: 'problem', origin: { file }, reason: errnoReason(e) };
    }
  } finally {
    await text.return(undefined);
  }
}
