/**
 * Reads the fenced code blocks of Markdown files and turns `sh` blocks into commands, for the test
 * that runs every example of README.md and docs/ as written.
 */

/** One fenced block. */
export interface Block {
  /** The Markdown file, relative to the repository. */
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** The info string's first word: sh, yaml, json, text, ts... */
  lang: string;
  text: string;
}

/** A shell command of an `sh` block (continuation lines joined), with where it is written. */
export interface Command {
  file: string;
  line: number;
  text: string;
}

/** Every fenced block of `markdown`. */
export function fencedBlocks(markdown: string, file: string): Block[] {
  const out: Block[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)/.exec(lines[i] as string);
    if (!open) continue;
    const fence = open[2] as string;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      if ((lines[j] as string).trim().startsWith(fence)) break;
      body.push(lines[j] as string);
    }
    out.push({ file, line: i + 1, lang: (open[3] ?? '').toLowerCase(), text: body.join('\n') });
    i = j;
  }
  return out;
}

const SHELL_LANGS = new Set(['sh', 'bash', 'shell', 'console']);

/** The commands of the shell blocks: comment lines dropped, `\` continuations joined. */
export function shellCommands(blocks: readonly Block[]): Command[] {
  const out: Command[] = [];
  for (const b of blocks) {
    if (!SHELL_LANGS.has(b.lang)) continue;
    const lines = b.text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      let text = (lines[i] as string).trim();
      const line = b.line + 1 + i;
      if (text === '' || text.startsWith('#')) continue;
      while (text.endsWith('\\') && i + 1 < lines.length) {
        text = `${text.slice(0, -1).trimEnd()} ${(lines[++i] as string).trim()}`;
      }
      out.push({ file: b.file, line, text: text.replace(/^\$ /, '') });
    }
  }
  return out;
}

/** A `# file: path` first line marks a block whose content the reader is meant to save as that file. */
export function savedAs(b: Block): string | undefined {
  const first = b.text.split('\n')[0] ?? '';
  const m = /^(?:#|\/\/)\s*file:\s*(\S+)\s*$/.exec(first.trim());
  return m ? m[1] : undefined;
}

/** Shell words of a command (quotes removed), split into the simple commands of `&&`, `;`, `|`. */
export function simpleCommands(text: string): string[][] {
  const out: string[][] = [];
  let cur: string[] = [];
  let word = '';
  let inWord = false;
  let quote: string | undefined;
  const endWord = () => {
    if (inWord) cur.push(word);
    word = '';
    inWord = false;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quote) {
      if (c === quote) quote = undefined;
      else word += c;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '#' && !inWord) break;
    else if (/\s/.test(c)) endWord();
    else if (c === '|' || c === ';' || c === '&' || c === '>' || c === '<') {
      endWord();
      if (c === '>' || c === '<') {
        // A redirection: the next word is its target, not an argument.
        while (text[i + 1] === '>' || text[i + 1] === '&') i++;
        while (/\s/.test(text[i + 1] ?? '')) i++;
        while (i + 1 < text.length && !/[\s|;&]/.test(text[i + 1] as string)) i++;
        continue;
      }
      if (cur.length) out.push(cur);
      cur = [];
      while (text[i + 1] === c) i++;
    } else {
      word += c;
      inWord = true;
    }
  }
  endWord();
  if (cur.length) out.push(cur);
  return out;
}
