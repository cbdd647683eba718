/**
 * Text from logs into HTML. Everything a log record says (names, targets, user agents, raw records)
 * is attacker-controlled: it goes into text nodes only, escaped, never into a URL, an event handler
 * or a style. Characters that hide or reorder text (bidi overrides and isolates, zero-width
 * characters, controls) are shown as visible markers such as `⟦U+202E⟧`, so `gpj.exe` spelled with
 * a right-to-left override reads as what it is.
 */

/** Bidi controls, zero-width and invisible formatting characters, C0/C1 controls, line/paragraph separators, lone surrogates. */
const INVISIBLE =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** `U+202E` for a character. */
export function codePointLabel(ch: string): string {
  return `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Escapes `& < > " '` for HTML text and quoted attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] as string);
}

/** The text with every invisible or reordering character replaced by `⟦U+XXXX⟧` (plain text, for SVG titles and labels). */
export function visible(s: string): string {
  return s.replace(INVISIBLE, (c) => `⟦${codePointLabel(c)}⟧`);
}

/** Whether the text holds a character {@link visible} would mark. */
export function hasInvisible(s: string): boolean {
  INVISIBLE.lastIndex = 0;
  const found = INVISIBLE.test(s);
  INVISIBLE.lastIndex = 0;
  return found;
}

/**
 * Log text as HTML: escaped, with invisible or reordering characters shown as highlighted markers
 * (`<span class="cc">U+202E</span>`).
 */
export function text(value: unknown): string {
  const s = value === undefined || value === null ? '' : String(value);
  let out = '';
  let last = 0;
  for (const m of s.matchAll(INVISIBLE)) {
    const at = m.index ?? 0;
    out += escapeHtml(s.slice(last, at));
    out += `<span class="cc" title="hidden character ${codePointLabel(m[0])}">${codePointLabel(m[0])}</span>`;
    last = at + m[0].length;
  }
  return out + escapeHtml(s.slice(last));
}

/** At most `max` characters (code points) of `s`, with `…` when cut. */
export function cut(s: string, max: number): string {
  const cps = Array.from(s);
  return cps.length <= max ? s : `${cps.slice(0, Math.max(1, max - 1)).join('')}…`;
}

/** Plain text for an SVG text node or title: visible markers, cut, escaped. */
export function svgText(value: unknown, max = 300): string {
  return escapeHtml(cut(visible(value === undefined || value === null ? '' : String(value)), max));
}

/**
 * A raw record as pretty JSON, escaped, with invisible characters written as JSON `\uXXXX` escapes
 * (still valid JSON) and highlighted. Records longer than `maxChars` are cut with a note.
 */
export function rawJson(raw: unknown, maxChars = 64_000): string {
  let json: string;
  try {
    json = JSON.stringify(raw, null, 2) ?? String(raw);
  } catch (err) {
    json = `(cannot show this record: ${(err as Error).message})`;
  }
  let note = '';
  if (json.length > maxChars) {
    note = `\n… ${(json.length - maxChars).toLocaleString('en-US')} more characters not shown`;
    json = json.slice(0, maxChars);
  }
  let out = '';
  let last = 0;
  for (const m of json.matchAll(INVISIBLE)) {
    const at = m.index ?? 0;
    out += escapeHtml(json.slice(last, at));
    const cp = (m[0].codePointAt(0) ?? 0).toString(16).padStart(4, '0');
    out += `<span class="cc" title="hidden character ${codePointLabel(m[0])}">\\u${cp}</span>`;
    last = at + m[0].length;
  }
  return out + escapeHtml(json.slice(last)) + escapeHtml(note);
}

/**
 * JSON for a `<script type="application/json">` block: `<`, `>`, `&` and the JavaScript line
 * separators are written as `\uXXXX`, so no `</script>` or `<!--` can end or alter the block.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`,
  );
}
