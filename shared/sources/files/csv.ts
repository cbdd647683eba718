/**
 * Incremental RFC 4180 CSV parser: comma-separated fields, fields in double quotes that may hold
 * commas, line breaks and doubled quotes (`""`), CRLF or LF row ends. Purview and
 * Search-UnifiedAuditLog exports put a whole JSON record into one quoted field, so quoted field
 * bodies are copied with indexOf rather than character by character.
 */

/** One parsed row and the 1-based line it starts on. */
export interface CsvRow {
  fields: string[];
  line: number;
  /** The row was longer than this limit (characters): its fields were dropped (empty). */
  overLimit?: number | undefined;
}

const QUOTE = 34;
const COMMA = 44;
const NL = 10;
const CR = 13;

/** Incremental CSV parser; feed chunks with `push`, then call `end`. */
export class CsvParser {
  private fields: string[] = [];
  private field: string[] = [];
  private inQuotes = false;
  /** A quote closed the quoted part; a following quote means a literal quote. */
  private quoteSeen = false;
  private line = 1;
  private rowLine = 1;
  private rowHasData = false;
  /** Characters of the current row kept so far. */
  private rowChars = 0;
  private rowOversize = false;

  /** @param maxRowChars - longest row kept; a longer one comes out with `overLimit` and no fields. */
  constructor(private readonly maxRowChars = Number.POSITIVE_INFINITY) {}

  private add(seg: string): void {
    if (this.rowOversize) return;
    this.rowChars += seg.length;
    if (this.rowChars > this.maxRowChars) {
      this.rowOversize = true;
      this.field = [];
      this.fields = [];
      return;
    }
    this.field.push(seg);
  }

  /** Parses `s`; returns the rows completed in it. */
  push(s: string): CsvRow[] {
    const rows: CsvRow[] = [];
    const n = s.length;
    let i = 0;
    while (i < n) {
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
      } else if (c === CR) {
        i++;
      } else if (c === QUOTE) {
        this.inQuotes = true;
        this.rowHasData = true;
        i++;
      } else {
        // Unquoted run up to the next special character.
        let j = i + 1;
        while (j < n) {
          const d = s.charCodeAt(j);
          if (d === COMMA || d === NL || d === CR || d === QUOTE) break;
          j++;
        }
        this.add(s.slice(i, j));
        this.rowHasData = true;
        i = j;
      }
    }
    return rows;
  }

  /** Flushes the last row; `unclosedQuote` is true when the data ended inside a quoted field. */
  end(): { rows: CsvRow[]; unclosedQuote: boolean; line: number } {
    const rows: CsvRow[] = [];
    if (this.inQuotes) return { rows, unclosedQuote: true, line: this.rowLine };
    this.quoteSeen = false;
    this.endField();
    this.endRow(rows);
    return { rows, unclosedQuote: false, line: this.line };
  }

  private endField(): void {
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
  }
}
