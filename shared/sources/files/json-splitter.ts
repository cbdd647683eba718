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
  /** 1-based position in the top-level array, for array elements. */
  index?: number | undefined;
}

/** The stream cannot be split further: the reason and the line it was found on. */
export interface JsonSplitError {
  kind: 'error';
  line: number;
  message: string;
  /**
   * JSON lines only: the bad line was skipped and splitting goes on with the next line, so the
   * error concerns one record, not the rest of the file.
   */
  recovered?: boolean;
  /**
   * The value was longer than the limit (given here, in characters): it was skipped whole and
   * splitting goes on after it. Always about one record.
   */
  overLimit?: number | undefined;
  /** 1-based position in the top-level array, for array elements. */
  index?: number | undefined;
}

/** Limits of {@link JsonSplitter}, in characters. */
export interface SplitterLimits {
  /** Longest value (record). */
  maxRecordChars: number;
  /** Longest top-level value that starts like a container document ({"Records": ...}). */
  maxDocumentChars: number;
}

/** A top-level object that starts like a container document may be larger than a record. */
const CONTAINER_START_RE = /^\{\s*"(?:Records|records|value|items|kind|@odata\.[A-Za-z]+)"\s*:/;

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

const LINE_CUT = 'the line ends inside the record';
const DATA_CUT = 'the data ends inside the record';

const POSITION_RE = / in JSON at position (\d+)(?: \(line \d+ column \d+\))?$/;
const SNIPPET_RE = /^(.*?), (\.\.\.)?"([\s\S]*)"(?:\.\.\.)? is not valid JSON$/;
/** V8's JSON.parse messages are under 100 characters (their snippet of the input is short). */
const V8_MESSAGE_MAX = 200;
/** Characters of context V8 shows before the error in its `..."snippet"...` messages. */
const V8_CONTEXT = 10;

/**
 * Shortens a V8 JSON.parse message and finds the character offset of the error: from
 * "in JSON at position N", or by locating V8's quoted snippet of the input in `text`.
 */
export function cleanJsonError(msg: string, text?: string): { message: string; offset: number | undefined } {
  // V8's messages are short; anything long is not one of them and is not scanned by the patterns.
  if (msg.length > V8_MESSAGE_MAX) return { message: `${msg.slice(0, V8_MESSAGE_MAX)}…`, offset: undefined };
  const pos = POSITION_RE.exec(msg);
  if (pos) return { message: msg.slice(0, pos.index), offset: Number(pos[1]) };
  const snip = SNIPPET_RE.exec(msg);
  if (!snip) return { message: msg, offset: undefined };
  const message = snip[1] as string;
  if (text === undefined) return { message, offset: undefined };
  if (snip[2] === undefined) return { message, offset: 0 };
  const at = text.indexOf(snip[3] as string);
  return { message, offset: at < 0 ? undefined : at + V8_CONTEXT };
}

/** The line of character `offset` in `text`, where `text` starts on `firstLine`. */
export function lineOfOffset(text: string, offset: number | undefined, firstLine: number): number {
  if (offset === undefined) return firstLine;
  let line = firstLine;
  const end = Math.min(offset, text.length);
  for (let p = text.indexOf('\n'); p >= 0 && p < end; p = text.indexOf('\n', p + 1)) line++;
  return line;
}

/** The error JSON.parse finds in `text` (which starts on `firstLine`), with the line it is on. */
export function parseError(text: string, firstLine: number): JsonSplitError {
  try {
    JSON.parse(text);
    return { kind: 'error', line: firstLine, message: 'Unexpected data' };
  } catch (e) {
    const { message, offset } = cleanJsonError((e as Error).message, text);
    return { kind: 'error', line: lineOfOffset(text, offset, firstLine), message };
  }
}

/**
 * The error for a record cut off by the end of a line or of the data: the parser's own message
 * when it finds a mistake before the cut, else "Unexpected end of JSON input (<why>)".
 */
function cutError(text: string, firstLine: number, why: string): JsonSplitError {
  let offset: number | undefined;
  let message = 'Unexpected end of JSON input';
  try {
    JSON.parse(text);
  } catch (e) {
    const c = cleanJsonError((e as Error).message, text);
    offset = c.offset;
    message = c.message;
  }
  if (message.startsWith('Unterminated string'))
    return { kind: 'error', line: firstLine, message: `Unterminated string (${why})` };
  if (offset !== undefined && offset < text.trimEnd().length - 1) {
    return { kind: 'error', line: lineOfOffset(text, offset, firstLine), message };
  }
  return { kind: 'error', line: firstLine, message: `Unexpected end of JSON input (${why})` };
}

/**
 * Incremental splitter; feed chunks with `push`, then call `end`. Each character is looked at once
 * and a value's text is kept only up to the limit, so time is linear and memory bounded whatever
 * the input.
 */
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
  /**
   * Decided by the first top-level value: true when it began and ended on one line (JSON lines).
   * Then a compact value that runs past the end of its line is reported as cut, at its line,
   * instead of swallowing the lines after it.
   */
  private linesMode: boolean | undefined;
  /** The current value has content on its first line after the opening bracket. */
  private compact = false;
  private failed = false;
  /** Characters of the current value kept in `parts`. */
  private valueChars = 0;
  /** The current value passed its limit: its text is dropped and it is reported when it ends. */
  private oversize = false;
  /** Elements started in the current top-level array. */
  private elements = 0;
  /** Position of the current value in the top-level array, if it is an element. */
  private valueIndex: number | undefined;
  private readonly limits: SplitterLimits;
  /** True once any non-whitespace character was seen. */
  sawContent = false;

  constructor(limits: Partial<SplitterLimits> = {}) {
    this.limits = {
      maxRecordChars: limits.maxRecordChars ?? Number.POSITIVE_INFINITY,
      maxDocumentChars: limits.maxDocumentChars ?? limits.maxRecordChars ?? Number.POSITIVE_INFINITY,
    };
  }

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
        // A raw line break cannot be inside a JSON string: the record was cut at this line.
        if (nlPos >= 0 && nlPos < stop) {
          if (!this.linesRecoverable()) return this.fail(out, s, nlPos, LINE_CUT);
          this.skipLine(out, s, nlPos);
          i = nlPos;
          continue;
        }
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
        else if (this.inValue && this.compact && this.linesRecoverable()) this.skipLine(out, s, i);
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
      if (this.inValue && !this.compact && i !== this.valueStart && this.line === this.valueLine)
        this.compact = true;
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
            this.elements = 0;
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
          return this.fail(out, s, i);
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
    if (this.inValue && !this.oversize) {
      const part = this.valueStart <= 0 ? s : s.slice(this.valueStart);
      this.parts.push(part);
      this.valueChars += part.length;
      if (this.valueChars > this.limitFor(this.parts[0] as string)) this.dropValueText();
    }
    return out;
  }

  /** The limit for the value whose text starts with `head`. */
  private limitFor(head: string): number {
    const { maxRecordChars, maxDocumentChars } = this.limits;
    if (this.emitDepth !== 0 || maxDocumentChars <= maxRecordChars) return maxRecordChars;
    return CONTAINER_START_RE.test(head.slice(0, 512)) ? maxDocumentChars : maxRecordChars;
  }

  private dropValueText(): void {
    this.oversize = true;
    this.parts = [];
    this.valueChars = 0;
  }

  private overLimitError(): JsonSplitError {
    const head = this.limits.maxRecordChars;
    return {
      kind: 'error',
      line: this.valueLine,
      message: 'value over the size limit',
      recovered: true,
      overLimit: head,
      index: this.valueIndex,
    };
  }

  /** Flushes the last value; reports a value or array cut off by the end of the data. */
  end(): (JsonPiece | JsonSplitError)[] {
    const out: (JsonPiece | JsonSplitError)[] = [];
    if (this.failed) return out;
    this.failed = true;
    if (this.inValue) {
      if (this.oversize) {
        out.push(this.overLimitError());
        return out;
      }
      const text = this.parts.join('');
      this.parts = [];
      if (this.scalar && !this.inString)
        out.push({ kind: 'value', text, line: this.valueLine, index: this.valueIndex });
      else out.push({ ...cutError(text, this.valueLine, DATA_CUT), index: this.valueIndex });
      return out;
    }
    if (this.emitDepth === 1) {
      out.push({
        kind: 'error',
        line: this.arrayLine,
        message: 'Unexpected end of JSON input (the data ends inside the array that starts here)',
      });
    }
    return out;
  }

  /** In JSON lines (decided by the first value), one bad line need not end the file. */
  private linesRecoverable(): boolean {
    return this.linesMode === true && this.emitDepth === 0;
  }

  /** Reports the value cut at the line break at `at` and forgets it, so the next line starts afresh. */
  private skipLine(out: (JsonPiece | JsonSplitError)[], s: string, at: number): void {
    if (this.oversize) out.push(this.overLimitError());
    else {
      const from = this.valueStart < 0 ? 0 : this.valueStart;
      const text = this.parts.join('') + s.slice(from, at);
      out.push({ ...cutError(text, this.valueLine, LINE_CUT), recovered: true });
    }
    this.parts = [];
    this.valueChars = 0;
    this.oversize = false;
    this.inValue = false;
    this.scalar = false;
    this.inString = false;
    this.carryBackslashes = 0;
    this.depth = 0;
    this.valueStart = -1;
  }

  /** True once the first value showed the text is JSON lines (one value per line). */
  get isJsonLines(): boolean {
    return this.linesMode === true;
  }

  private start(i: number): void {
    this.inValue = true;
    this.compact = false;
    this.valueStart = i;
    this.valueLine = this.line;
    this.parts = [];
    this.valueChars = 0;
    this.oversize = false;
    this.valueIndex = this.emitDepth === 1 ? ++this.elements : undefined;
  }

  private emit(out: (JsonPiece | JsonSplitError)[], s: string, end: number): void {
    const from = this.valueStart < 0 ? 0 : this.valueStart;
    if (
      !this.oversize &&
      this.valueChars + (end - from) > this.limitFor(this.parts[0] ?? s.slice(from, from + 512))
    )
      this.dropValueText();
    if (this.oversize) out.push(this.overLimitError());
    else {
      const tail = s.slice(from, end);
      const text = this.parts.length === 0 ? tail : this.parts.join('') + tail;
      out.push({ kind: 'value', text, line: this.valueLine, index: this.valueIndex });
    }
    if (this.linesMode === undefined && this.emitDepth === 0) this.linesMode = this.valueLine === this.line;
    this.parts = [];
    this.valueChars = 0;
    this.oversize = false;
    this.inValue = false;
    this.scalar = false;
    this.valueStart = -1;
  }

  private fail(
    out: (JsonPiece | JsonSplitError)[],
    s: string,
    at: number,
    cut?: string,
  ): (JsonPiece | JsonSplitError)[] {
    this.failed = true;
    if (!this.inValue) {
      out.push({ kind: 'error', line: this.line, message: `Unexpected '${s[at] ?? ''}'` });
      return out;
    }
    if (this.oversize) {
      out.push({ ...this.overLimitError(), recovered: false });
      return out;
    }
    const from = this.valueStart < 0 ? 0 : this.valueStart;
    const text = this.parts.join('') + s.slice(from, cut === undefined ? at + 1 : at);
    out.push(cut === undefined ? parseError(text, this.valueLine) : cutError(text, this.valueLine, cut));
    return out;
  }
}
