/**
 * Output safety for every channel a person reads: the terminal table and details block, stderr
 * messages, the SNS e-mail body and subject. Audit logs carry attacker-controlled text (app display
 * names, inbox rule names, user agents, file names, CSV cells); without this layer an app could name
 * itself so that its CRITICAL row reads LOW on the analyst's terminal, or a rule name could add a
 * "why: approved by IT" line to the on-call e-mail.
 *
 * One rule for all of them: a value taken from data is shown on one line, and every character that
 * could move the cursor, change colours, reorder or hide text is replaced by a visible escape:
 *
 * - C0 controls (ESC, BEL, backspace, CR, LF, TAB...) and DEL: `\x1b`, `\x07`, `\n`, `\r`, `\t`;
 * - C1 controls (U+0080 to U+009F, including the 8-bit CSI U+009B and OSC U+009D): `\x9b`;
 * - format characters (Unicode category Cf): bidi overrides and isolates (U+202A-U+202E,
 *   U+2066-U+2069, LRM, RLM, ALM), zero-width space and joiners, word joiner, BOM, soft hyphen,
 *   invisible tag characters (U+E0000 block): `\u202e`, `\u{e0041}`;
 * - line and paragraph separators (U+2028, U+2029) and lone surrogates.
 *
 * Backslashes are left as they are (Windows paths and `DOMAIN\user` stay readable); what matters is
 * that no escape sequence and no line break reaches the output raw. Structure (labels, headings,
 * row starts) is written by the renderers themselves, so with single-line values no line can start
 * with text from data.
 *
 * Pure, linear in the input length.
 */

/** Characters never written raw: controls, format characters (bidi, zero-width), separators, lone surrogates. */
const UNSAFE_RE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;

const NAMED: Readonly<Record<number, string>> = { 9: '\\t', 10: '\\n', 13: '\\r' };

function escapeOne(ch: string): string {
  const code = ch.codePointAt(0) ?? 0;
  const named = NAMED[code];
  if (named !== undefined) return named;
  if (code < 0x100) return `\\x${code.toString(16).padStart(2, '0')}`;
  if (code <= 0xffff) return `\\u${code.toString(16).padStart(4, '0')}`;
  return `\\u{${code.toString(16)}}`;
}

/**
 * `s` on one line with every control, format and separator character shown as a visible escape.
 *
 * @example
 * safeText('Contoso\u001b[2K\rLOW'); // 'Contoso\\x1b[2K\\rLOW'
 * safeText('rule\nseverity low');    // 'rule\\nseverity low'
 */
export function safeText(s: string): string {
  UNSAFE_RE.lastIndex = 0;
  return UNSAFE_RE.test(s) ? s.replace(UNSAFE_RE, escapeOne) : s;
}

/** {@link safeText} of any value: strings as they are, other values through `String`. */
export function safeValue(v: unknown): string {
  return safeText(typeof v === 'string' ? v : String(v));
}

/** True when `s` holds a character {@link safeText} would escape. */
export function hasUnsafe(s: string): boolean {
  UNSAFE_RE.lastIndex = 0;
  return UNSAFE_RE.test(s);
}

/** Characters JSON.stringify leaves raw that a terminal or mail client may act on. */
const JSON_UNSAFE_RE =
  /[\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]|\udb40[\udc00-\udc7f]/g;

/**
 * JSON text with the characters that JSON.stringify leaves raw but a terminal or mail client may act
 * on (DEL, C1 controls, bidi and zero-width characters, U+2028/U+2029, invisible tag characters) written as `\uXXXX` escapes.
 * It parses to the same value; only the bytes on the wire change, so `cat findings.jsonl` cannot
 * reorder or recolour a terminal. (C0 controls are already escaped by JSON.stringify.)
 */
export function safeJson(value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) return 'null';
  return json.replace(JSON_UNSAFE_RE, (m) => {
    let out = '';
    for (let i = 0; i < m.length; i++) out += `\\u${m.charCodeAt(i).toString(16).padStart(4, '0')}`;
    return out;
  });
}
