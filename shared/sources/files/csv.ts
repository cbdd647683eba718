/**
 * Incremental RFC 4180 CSV parser: comma-separated fields, fields in double quotes that may hold
 * commas, line breaks and doubled quotes (`""`), CRLF or LF row ends. Purview and
 * Search-UnifiedAuditLog exports put a whole JSON record into one quoted field, so quoted field
 * bodies are copied with indexOf rather than character by character.
 *
 * Damaged quoting does not merge rows silently: a quoted field whose closing quote is followed by
 * anything but a comma or a line end (`"abc"def`), or that is still open when the data ends, makes
 * its row come out as `damaged` (with the line it starts on). When the broken field ran past the
 * end of its first line, which is how a missing closing quote swallows the rows after it, parsing
 * starts again on the row's second line, so only the damaged row is lost. A quote inside an unquoted
 * field (`ab"c`) is an ordinary character, as spreadsheet programs read it.
 */

/** One parsed row and the 1-based line it starts on. */
export interface CsvRow {
  fields: string[];
  line: number;
  /** The row was longer than this limit (characters): its fields were dropped (empty). */
  overLimit?: number | undefined;
  /** Why the row's quoting is broken; its fields were dropped (empty). */
  damaged?: string | undefined;
  /** The first characters of a damaged row's first line, for a person to look at. */
  excerpt?: string | undefined;
}

const QUOTE = 34;
const COMMA = 44;
const NL = 10;
const CR = 13;
const EXCERPT = 200;

function excerptOf(raw: string): string {
  const nl = raw.indexOf('\n');
  const line = (nl < 0 ? raw : raw.slice(0, nl)).replace(/\r$/, '');
  return line.length > EXCERPT ? `${line.slice(0, EXCERPT)}…` : line;
}

function describe(c: number): string {
  return c === QUOTE ? 'a quote' : `'${String.fromCharCode(c)}'`;
}

/** Incremental CSV parser; feed chunks with `push`, then call `end`. */
export class CsvParser {
  private fields: string[] = [];
  private field: string[] = [];
  private inQuotes = false;
  /** A quote closed the quoted part; a following quote means a literal quote. */
  private quoteSeen = false;
  /** The current field has content (so a quote is no longer its opening quote). */
  private fieldStarted = false;
  private line = 1;
  private rowLine = 1;
  private rowHasData = false;
  /** Characters of the current row kept so far. */
  private rowChars = 0;
  private rowOversize = false;
  /** Raw text of the current row from earlier chunks, to parse again after damage. */
  private rowRaw: string[] = [];
  /** Skipping the rest of a line whose row was damaged on that line. */
  private skipLine = false;

  /** @param maxRowChars - longest row kept; a longer one comes out with `overLimit` and no fields. */
  constructor(private readonly maxRowChars = Number.POSITIVE_INFINITY) {}

  private add(seg: string): void {
    this.fieldStarted = true;
    if (this.rowOversize) return;
    this.rowChars += seg.length;
    if (this.rowChars > this.maxRowChars) {
      this.rowOversize = true;
      this.field = [];
      this.fields = [];
      this.rowRaw = [];
      return;
    }
    this.field.push(seg);
  }

  /** Parses `chunk`; returns the rows completed in it. */
  push(chunk: string): CsvRow[] {
    const rows: CsvRow[] = [];
    let s = chunk;
    let n = s.length;
    let i = 0;
    /** Where the current row starts in `s` (0 when it started in an earlier chunk). */
    let rowStart = 0;
    /**
     * Reports the current row as damaged at `at`; returns where to go on: parsing again from the
     * row's second line (when the broken field swallowed line ends), else after the row's own line.
     */
    const damage = (reason: string, at: number): void => {
      const raw = this.rowRaw.join('') + s.slice(rowStart, at);
      rows.push({ fields: [], line: this.rowLine, damaged: reason, excerpt: excerptOf(raw) });
      const nl = this.rowOversize ? -1 : raw.indexOf('\n');
      const line = this.rowLine;
      this.resetRow();
      if (nl >= 0) {
        s = raw.slice(nl + 1) + s.slice(at);
        n = s.length;
        i = 0;
        this.line = line + 1;
      } else {
        this.skipLine = true;
        i = at;
      }
      this.rowLine = this.line;
      rowStart = i;
    };
    while (i < n) {
      if (this.skipLine) {
        const e = s.indexOf('\n', i);
        if (e < 0) {
          i = n;
          break;
        }
        this.skipLine = false;
        this.line++;
        this.rowLine = this.line;
        i = e + 1;
        rowStart = i;
        continue;
      }
      if (this.inQuotes) {
        const q = s.indexOf('"', i);
        const end = q < 0 ? n : q;
        if (end > i) {
          const seg = s.slice(i, end);
          this.add(seg);
          this.rowHasData = true;
          for (let p = seg.indexOf('\n'); p >= 0; p = seg.indexOf('\n', p + 1)) this.line++;
        }
        if (q < 0) break;
        this.inQuotes = false;
        this.quoteSeen = true;
        i = q + 1;
        continue;
      }
      const c = s.charCodeAt(i);
      if (this.quoteSeen) {
        this.quoteSeen = false;
        if (c === QUOTE) {
          this.add('"');
          this.inQuotes = true;
          i++;
          continue;
        }
        if (c !== COMMA && c !== NL && c !== CR) {
          damage(`a quoted field is closed and then followed by ${describe(c)}`, i);
          continue;
        }
      }
      if (c === COMMA) {
        this.endField();
        i++;
      } else if (c === NL) {
        this.endField();
        this.endRow(rows);
        this.line++;
        this.rowLine = this.line;
        i++;
        rowStart = i;
      } else if (c === CR) {
        i++;
      } else if (c === QUOTE && !this.fieldStarted) {
        this.inQuotes = true;
        this.fieldStarted = true;
        this.rowHasData = true;
        i++;
      } else {
        // Unquoted run up to the next special character (a quote inside it is an ordinary one).
        let j = i + 1;
        while (j < n) {
          const d = s.charCodeAt(j);
          if (d === COMMA || d === NL || d === CR) break;
          j++;
        }
        this.add(s.slice(i, j));
        this.rowHasData = true;
        i = j;
      }
    }
    if (!this.rowOversize && !this.skipLine && rowStart < n) this.rowRaw.push(s.slice(rowStart));
    return rows;
  }

  /**
   * Flushes the last row. A quoted field still open at the end makes its row damaged, and what
   * follows the row's first line is parsed again.
   */
  end(): { rows: CsvRow[]; line: number } {
    const rows: CsvRow[] = [];
    while (this.inQuotes) {
      const raw = this.rowRaw.join('');
      rows.push({
        fields: [],
        line: this.rowLine,
        damaged: 'a quoted field is not closed (the data ends inside it)',
        excerpt: excerptOf(raw),
      });
      const nl = this.rowOversize ? -1 : raw.indexOf('\n');
      const line = this.rowLine;
      this.resetRow();
      this.skipLine = false;
      if (nl < 0) return { rows, line };
      this.line = line + 1;
      this.rowLine = this.line;
      for (const r of this.push(raw.slice(nl + 1))) rows.push(r);
    }
    this.quoteSeen = false;
    if (!this.skipLine) {
      this.endField();
      this.endRow(rows);
    }
    return { rows, line: this.line };
  }

  private resetRow(): void {
    this.fields = [];
    this.field = [];
    this.inQuotes = false;
    this.quoteSeen = false;
    this.fieldStarted = false;
    this.rowHasData = false;
    this.rowChars = 0;
    this.rowOversize = false;
    this.rowRaw = [];
  }

  private endField(): void {
    this.fieldStarted = false;
    if (this.rowOversize) return;
    const f = this.field;
    this.fields.push(f.length === 0 ? '' : f.length === 1 ? (f[0] as string) : f.join(''));
    this.field = [];
    if (f.length > 0) this.rowHasData = true;
  }

  private endRow(rows: CsvRow[]): void {
    if (this.rowOversize) rows.push({ fields: [], line: this.rowLine, overLimit: this.maxRowChars });
    else if (this.rowHasData || this.fields.length > 1)
      rows.push({ fields: this.fields, line: this.rowLine });
    this.fields = [];
    this.rowHasData = false;
    this.rowChars = 0;
    this.rowOversize = false;
    this.rowRaw = [];
  }
}
