/**
 * Reads YAML or JSON text (rule files, the config file) into a document and validates it with a
 * zod schema, reporting every problem with its file, line, column and path. JSON is read by the same
 * YAML 1.2 parser (JSON is a subset), so both get line numbers. Pure: text in, data out.
 */
import { LineCounter, isMap, isPair, isScalar, parseAllDocuments } from 'yaml';
import type { Document, Node } from 'yaml';
import type { z } from 'zod';

/** One problem in a file. */
export interface FormatProblem {
  file: string;
  /** 1-based, when known. */
  line?: number | undefined;
  column?: number | undefined;
  /** Where in the document: `tests[0].expect.findings`, `(top level)` for the whole of it. */
  path: string;
  message: string;
}

/** `file:line:col: path: message`, the way compilers print it (editors jump to it). */
export function formatProblem(p: FormatProblem): string {
  const where =
    p.line !== undefined ? `${p.file}:${p.line}${p.column !== undefined ? `:${p.column}` : ''}` : p.file;
  return `${where}: ${p.path === '' ? '' : `${p.path}: `}${p.message}`;
}

/** `a.b[0].c` from a zod path. */
export function pathText(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out || '(top level)';
}

/** A parsed document and a way to find where a path is in the text. */
export interface ParsedText {
  /** The document as plain data; undefined when the text could not be parsed. */
  value: unknown;
  problems: FormatProblem[];
  /** Line and column of the node at `path` (or of its nearest existing parent). */
  locate(path: ReadonlyArray<PropertyKey>, key?: string): { line: number; column: number } | undefined;
}

/**
 * Parses one YAML or JSON document. More than one document (`---`) is a problem: one rule per file.
 * @example
 * const { value, problems } = parseText('id: x\nkind: match\n', 'rules/x.yaml');
 */
export function parseText(text: string, file: string): ParsedText {
  const lc = new LineCounter();
  const src = text.replace(/^\uFEFF/, '');
  const docs = parseAllDocuments(src, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const pos = (offset: number) => {
    const p = lc.linePos(offset);
    return { line: p.line, column: p.col };
  };
  const problems: FormatProblem[] = [];
  const list: Document.Parsed[] = Array.isArray(docs) ? docs : [];
  if (list.length === 0) {
    problems.push({ file, path: '', message: 'is empty' });
    return { value: undefined, problems, locate: () => undefined };
  }
  for (const d of list) {
    for (const e of d.errors) {
      const at = pos(e.pos[0]);
      problems.push({
        file,
        ...at,
        path: '',
        message: `${isJson(file) ? 'invalid JSON' : 'invalid YAML'}: ${firstLine(e.message)}`,
      });
    }
  }
  if (list.length > 1) {
    const at = list[1]?.range ? pos(list[1].range[0]) : undefined;
    problems.push({
      file,
      ...at,
      path: '',
      message: 'holds more than one document; put one rule in each file',
    });
  }
  const doc = list[0] as Document.Parsed;
  if (problems.length) return { value: undefined, problems, locate: () => undefined };
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    problems.push({ file, path: '', message: `cannot be read: ${(err as Error).message}` });
    return { value: undefined, problems, locate: () => undefined };
  }
  const locate = (path: ReadonlyArray<PropertyKey>, key?: string) => {
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n) as unknown[], true) as Node | undefined;
      if (node === undefined && n > 0) continue;
      const target = node ?? doc.contents;
      if (key !== undefined && n === path.length && isMap(target)) {
        const pair = target.items.find((it) => isPair(it) && isScalar(it.key) && it.key.value === key);
        const k = pair && isScalar(pair.key) ? pair.key : undefined;
        if (k?.range) return pos(k.range[0]);
      }
      if (target && (target as Node).range)
        return pos(((target as Node).range as [number, number, number])[0]);
      return undefined;
    }
    return undefined;
  };
  return { value, problems, locate };
}

function isJson(file: string): boolean {
  return file.toLowerCase().endsWith('.json');
}

function firstLine(s: string): string {
  return (s.split('\n')[0] ?? s).replace(/ at line \d+, column \d+:?$/, '');
}

/**
 * Validates a parsed document against a schema; every zod issue becomes a problem at its line.
 * Unknown keys point at the key itself and name it.
 */
export function validateParsed<T extends z.ZodType>(
  parsed: ParsedText,
  schema: T,
  file: string,
  allowedKeys?: (path: ReadonlyArray<PropertyKey>) => readonly string[] | undefined,
): { ok: true; data: z.output<T> } | { ok: false; problems: FormatProblem[] } {
  if (parsed.problems.length) return { ok: false, problems: parsed.problems };
  const r = schema.safeParse(parsed.value);
  if (r.success) return { ok: true, data: r.data };
  const problems: FormatProblem[] = [];
  for (const issue of r.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const k of issue.keys) {
        const allowed = allowedKeys?.(issue.path);
        problems.push({
          file,
          ...parsed.locate(issue.path, k),
          path: pathText(issue.path),
          message: `unknown key "${k}"${allowed ? ` (allowed: ${allowed.join(', ')})` : ''}`,
        });
      }
      continue;
    }
    const missing = issue.code === 'invalid_type' && /received undefined$/.test(issue.message);
    problems.push({
      file,
      ...parsed.locate(issue.path),
      path: pathText(issue.path),
      message: missing ? 'is required' : issue.message,
    });
  }
  return { ok: false, problems };
}
