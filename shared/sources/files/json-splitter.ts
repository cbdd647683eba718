/**
 * Splits a stream of JSON text into top-level values without parsing it: JSON lines, several
 * objects on one line, pretty-printed objects one after another, and the elements of a top-level
 * array (streamed one by one, so a large array export is never held whole). Each value comes out
 * as text with the line it starts on; the caller runs JSON.parse on it.
 *
 * It only tracks brackets and strings, so it is fast (string bodies are skipped with indexOf) and
 * leaves the precise syntax checking to JSON.parse.
 */

/** A complete top-level value (or top-level array element). */
export interface JsonPiece {
  kind: 'value';
  text: string;
  /** 1-based line the value starts on. */
  line: number;
}

/** The stream cannot be split further: the reason and the line it was found on. */
export interface JsonSplitError {
  kind: 'error';
  line: number;
  message: string;
}

const QUOTE = 34;
const BACKSLASH = 92;
const NL = 10;
const CR = 13;
const SPACE = 32;
const TAB = 9;
const COMMA = 44;
const LBRACE = 123;
const RBRACE = 125;
const LBRACKET = 91;
const RBRACKET = 93;

/** The parser's message for `text`, without V8's quoted copy of the input. */
export function jsonErrorMessage(text: string): { message: string; offset: number | undefined } {
  try {
    JSON.parse(text);
    return { message: 'unexpected data', offset: undefined };
  } catch (e) {
    return cleanJsonError((e as Error).message);
  }
}

const POSITION_RE = / in JSON at position (\d+)(?: \(line \d+ column \d+\))?$/;

/** Shortens a V8 JSON.parse message and extracts the character offset when it gives one. */
export function cleanJsonError(msg: string): { message: string; offset: number | undefined } {
  let m = msg;
  const quoted = m.indexOf(', "');
  if (quoted > 0 && m.endsWith('is not valid JSON')) m = m.slice(0, quoted);
  const pos = POSITION_RE.exec(m);
  let offset: number | undefined;
  if (pos) {
    offset = Number(pos[1]);
    m = m.slice(0, pos.index);
  }
  return { message: m, offset };
}

/** The line of character `offset` in `text`, where `text` starts on `firstLine`. */
export function lineOfOffset(text: string, offset: number | undefined, firstLine: number): number {
  if (offset === undefined) return firstLine;
  let line = firstLine;
  const end = Math.min(offset, text.length);
  for (let p = text.indexOf('\n'); p >= 0 && p < end; p = text.indexOf('\n', p + 1)) line++;
  return line;
}

/** Incremental splitter; feed chunks with `push`, then call `end`. */
export class JsonSplitter {
  private depth = 0;
  /** Depth at which values are emitted: 0, or 1 inside a streamed top-level array. */
  private emitDepth = 0;
  private inString = false;
  /** Backslashes seen right before the end of the previous chunk, inside a string. */
  private carryBackslashes = 0;
  private inValue = false;
  private scalar = false;
  private parts: string[] = [];
  private valueStart = -1;
  private valueLine = 0;
  private line = 1;
  private arrayLine = 0;
  /** Decided after the first top-level value: true when it began and ended on one line. */
  private linesMode: boolean | undefined;
  private failed = false;
  /** True once any non-whitespace character was seen. */
  sawContent = false;

  /** Splits `s`; returns the values completed in it (and an error, which ends the stream). */
  push(s: string): (JsonPiece | JsonSplitError)[] {
    const out: (JsonPiece | JsonSplitError)[] = [];
    if (this.failed) return out;
    const n = s.length;
    let i = 0;
    let nlPos = -2;
    this.valueStart = this.inValue ? 0 : -1;
    while (i < n) {
      if (this.inString) {
        const q = s.indexOf('"', i);
        if (nlPos < i && nlPos !== -1) nlPos = s.indexOf('\n', i);
        const stop = q < 0 ? n : q;
        if (nlPos >= 0 && nlPos < stop) return this.fail(out, s, nlPos);
        if (q < 0) {
          let k = n - 1;
          while (k >= i && s.charCodeAt(k) === BACKSLASH) k--;
          const trailing = n - 1 - k;
          this.carryBackslashes = k < i ? this.carryBackslashes + trailing : trailing;
          i = n;
          break;
        }
        let k = q - 1;
        while (k >= i && s.charCodeAt(k) === BACKSLASH) k--;
        let bs = q - 1 - k;
        if (k < i) bs += this.carryBackslashes;
        this.carryBackslashes = 0;
        i = q + 1;
        if (bs % 2 === 1) continue;
        this.inString = false;
        if (this.scalar && this.depth === this.emitDepth) this.emit(out, s, i);
        continue;
      }
      const c = s.charCodeAt(i);
      if (c === NL) {
        if (this.scalar) this.emit(out, s, i);
        else if (this.inValue && this.linesMode === true && this.emitDepth === 0) return this.fail(out, s, i);
        this.line++;
        i++;
        continue;
      }
      if (c === SPACE || c === TAB || c === CR) {
        if (this.scalar) this.emit(out, s, i);
        i++;
        continue;
      }
      this.sawContent = true;
      if (c === QUOTE) {
        if (!this.inValue) {
          this.start(i);
          this.scalar = true;
        } else if (this.scalar) {
          return this.fail(out, s, i);
        }
        this.inString = true;
        this.carryBackslashes = 0;
        i++;
        continue;
      }
      if (c === LBRACE || c === LBRACKET) {
        if (this.scalar) return this.fail(out, s, i);
        if (!this.inValue) {
          if (this.depth === 0 && c === LBRACKET) {
            this.depth = 1;
            this.emitDepth = 1;
            this.arrayLine = this.line;
            i++;
            continue;
          }
          this.start(i);
        }
        this.depth++;
        i++;
        continue;
      }
      if (c === RBRACE || c === RBRACKET) {
        if (this.scalar) this.emit(out, s, i);
        if (!this.inValue) {
          if (this.emitDepth === 1 && this.depth === 1 && c === RBRACKET) {
            this.depth = 0;
            this.emitDepth = 0;
            i++;
            continue;
          }
          return this.fail(out, s, i, `unexpected '${String.fromCharCode(c)}'`);
        }
        this.depth--;
        i++;
        if (this.depth === this.emitDepth) this.emit(out, s, i);
        continue;
      }
      if (c === COMMA) {
        if (this.scalar) this.emit(out, s, i);
        i++;
        continue;
      }
      if (!this.inValue) {
        this.start(i);
        this.scalar = true;
      }
      i++;
    }
    if (this.inValue) this.parts.push(this.valueStart <= 0 ? s : s.slice(this.valueStart));
    return out;
  }

  /** Flushes the last value; reports a value or array cut off by the end of the data. */
  end(): (JsonPiece | JsonSplitError)[] {
    const out: (JsonPiece | JsonSplitError)[] = [];
    if (this.failed) return out;
    if (this.inValue) {
      const text = this.parts.join('');
      if (this.scalar && !this.inString) {
        this.parts = [];
        this.inValue = false;
        this.scalar = false;
        out.push({ kind: 'value', text, line: this.valueLine });
        return out;
      }
      const { message } = jsonErrorMessage(text);
      out.push({
        kind: 'error',
        line: this.valueLine,
        message: `${message} (the data ends inside this record)`,
      });
      this.failed = true;
      return out;
    }
    if (this.emitDepth === 1) {
      out.push({
        kind: 'error',
        line: this.arrayLine,
        message: `the array that starts here is not closed (the data ends inside it)`,
      });
      this.failed = true;
    }
    return out;
  }

  private start(i: number): void {
    this.inValue = true;
    this.valueStart = i;
    this.valueLine = this.line;
    this.parts = [];
  }

  private emit(out: (JsonPiece | JsonSplitError)[], s: string, end: number): void {
    const tail = s.slice(this.valueStart < 0 ? 0 : this.valueStart, end);
    const text = this.parts.length === 0 ? tail : this.parts.join('') + tail;
    out.push({ kind: 'value', text, line: this.valueLine });
    if (this.linesMode === undefined && this.emitDepth === 0) this.linesMode = this.valueLine === this.line;
    this.parts = [];
    this.inValue = false;
    this.scalar = false;
    this.valueStart = -1;
  }

  private fail(
    out: (JsonPiece | JsonSplitError)[],
    s: string,
    at: number,
    message?: string,
  ): (JsonPiece | JsonSplitError)[] {
    this.failed = true;
    if (message !== undefined) {
      out.push({ kind: 'error', line: this.line, message });
      return out;
    }
    const text = this.parts.join('') + s.slice(this.valueStart < 0 ? 0 : this.valueStart, at + 1);
    const parsed = jsonErrorMessage(text);
    out.push({
      kind: 'error',
      line: lineOfOffset(text, parsed.offset, this.valueLine),
      message: parsed.message,
    });
    return out;
  }
}
