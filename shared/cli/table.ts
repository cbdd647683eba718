/**
 * Plain-text tables for the terminal: columns padded to their widest cell, long cells cut with an
 * ellipsis, optional per-cell styling applied after padding so colors never shift the columns.
 * Every cell and header goes through the output-safety layer (shared/text/safe.ts): one line, and
 * no control or escape sequence from data reaches the terminal.
 */
import { safeText } from '../text/safe';

/** A cell: its text, and optionally a style (e.g. a color) applied to the padded text. */
export interface Cell {
  text: string;
  style?: ((s: string) => string) | undefined;
}

/** One column: its heading, widest allowed text, and alignment. */
export interface Column {
  header: string;
  /** Cells longer than this are cut and end with '…' (default: no limit). */
  max?: number | undefined;
  align?: 'left' | 'right' | undefined;
  /** Narrowest this column may be cut to when the table must fit `width` (default: never cut). */
  min?: number | undefined;
}

/** Options of {@link renderTable}. */
export interface TableOptions {
  /** Style of the header row (e.g. bold); identity when colors are off. */
  headerStyle?: ((s: string) => string) | undefined;
  /** Spaces between columns (default 2). */
  gap?: number | undefined;
  /** false: no header row (aligned lines only). */
  header?: boolean | undefined;
  /** Prefix of every line (indentation). */
  indent?: string | undefined;
  /**
   * Total width to fit (a terminal's columns): columns with a `min` are cut, last column first,
   * down to their `min`, until the lines fit.
   */
  width?: number | undefined;
}

/** Cuts `s` to `max` characters, ending with '…' when cut; never between the halves of a surrogate pair. */
export function truncate(s: string, max: number | undefined): string {
  if (max === undefined || s.length <= max) return s;
  const cut = (n: number): string => {
    const c = s.charCodeAt(n - 1);
    return s.slice(0, c >= 0xd800 && c <= 0xdbff ? n - 1 : n);
  };
  if (max <= 1) return cut(max);
  return `${cut(max - 1)}…`;
}

/**
 * Renders rows under headers, one line each, trailing spaces trimmed; returns the lines joined with
 * '\n' and ending with '\n'.
 *
 * @example
 * renderTable([{ header: 'ID' }, { header: 'COUNT', align: 'right' }], [['bf', '12']]);
 * // "ID  COUNT\nbf     12\n"
 */
export function renderTable(
  columns: readonly Column[],
  rows: ReadonlyArray<ReadonlyArray<string | Cell>>,
  opts: TableOptions = {},
): string {
  const gap = ' '.repeat(opts.gap ?? 2);
  const cells: Cell[][] = rows.map((r) =>
    columns.map((c, i) => {
      const v = r[i] ?? '';
      const cell = typeof v === 'string' ? { text: v } : v;
      const text = truncate(safeText(cell.text), c.max);
      return { text, style: cell.style };
    }),
  );
  const widths = columns.map((c, i) => {
    let w = opts.header === false ? 0 : safeText(c.header).length;
    for (const r of cells) w = Math.max(w, (r[i] as Cell).text.length);
    return w;
  });
  if (opts.width !== undefined) {
    const gapW = opts.gap ?? 2;
    let excess =
      (opts.indent ?? '').length +
      widths.reduce((a, b) => a + b, 0) +
      gapW * (columns.length - 1) -
      opts.width;
    for (let i = columns.length - 1; i >= 0 && excess > 0; i--) {
      const min = columns[i]?.min;
      const w = widths[i] as number;
      if (min === undefined || w <= min) continue;
      const cut = Math.min(excess, w - min);
      widths[i] = w - cut;
      excess -= cut;
      for (const r of cells) {
        const cell = r[i] as Cell;
        cell.text = truncate(cell.text, widths[i]);
      }
    }
  }
  const pad = (text: string, i: number): string => {
    const w = widths[i] as number;
    return columns[i]?.align === 'right' ? text.padStart(w) : text.padEnd(w);
  };
  const hs = opts.headerStyle ?? ((s: string) => s);
  const indent = opts.indent ?? '';
  const lines: string[] = [];
  if (opts.header !== false)
    lines.push(
      indent +
        columns
          .map((c, i) => hs(pad(safeText(c.header), i)))
          .join(gap)
          .trimEnd(),
    );
  for (const r of cells) {
    const parts = r.map((cell, i) => {
      const padded = pad(cell.text, i);
      if (!cell.style) return padded;
      // Style the text only, so trailing padding stays plain.
      const body = padded.trimEnd();
      return cell.style(body) + padded.slice(body.length);
    });
    lines.push(indent + parts.join(gap).trimEnd());
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}
