/**
 * UTF-8 checking for the file reader: TextDecoder silently turns invalid bytes into U+FFFD, which
 * would let a damaged record through looking almost right. The checker finds where the invalid
 * bytes are (byte offset in the text and line), so the records holding them are quarantined.
 * Streaming: a multi-byte character cut between two chunks is not an error.
 */
import { isUtf8 } from 'node:buffer';

/** Where invalid UTF-8 was found. */
export interface Utf8Problem {
  /** 0-based offset in the file's text bytes (after gunzip, counting a BOM). */
  byte: number;
  /** 1-based line. */
  line: number;
}

/** Length of the multi-byte sequence a lead byte starts (0: not a lead byte). */
function seqLength(c: number): number {
  if (c < 0x80) return 1;
  if (c >= 0xc2 && c <= 0xdf) return 2;
  if (c >= 0xe0 && c <= 0xef) return 3;
  if (c >= 0xf0 && c <= 0xf4) return 4;
  return 0;
}

/** Bytes at the end of `b` that start a sequence the chunk does not finish (0 to 3). */
function incompleteTail(b: Uint8Array): number {
  const n = b.length;
  for (let k = 1; k <= Math.min(3, n); k++) {
    const c = b[n - k] as number;
    if ((c & 0xc0) === 0x80) continue;
    const need = seqLength(c);
    return need > k ? k : 0;
  }
  return 0;
}

/** Offsets of the invalid sequences in `b` (only called when `b` is known to be invalid). */
function invalidOffsets(b: Uint8Array): number[] {
  const out: number[] = [];
  const n = b.length;
  let i = 0;
  while (i < n) {
    const c = b[i] as number;
    const len = seqLength(c);
    let ok = len > 0 && i + len <= n;
    if (ok && len > 1) {
      const c1 = b[i + 1] as number;
      const lo = c === 0xe0 ? 0xa0 : c === 0xf0 ? 0x90 : 0x80;
      const hi = c === 0xed ? 0x9f : c === 0xf4 ? 0x8f : 0xbf;
      ok = c1 >= lo && c1 <= hi;
      for (let k = 2; ok && k < len; k++) ok = ((b[i + k] as number) & 0xc0) === 0x80;
    }
    if (ok) i += len;
    else {
      out.push(i);
      i++;
    }
  }
  return out;
}

function countNewlines(b: Buffer, from: number, to: number): number {
  let n = 0;
  for (let p = b.indexOf(10, from); p >= 0 && p < to; p = b.indexOf(10, p + 1)) n++;
  return n;
}

/** Streaming checker: feed every chunk of bytes in order, then call `end`. */
export class Utf8Checker {
  private carry: Buffer = Buffer.alloc(0);
  private offset = 0;
  private newlines = 0;
  /** Last line reported: one report per line is enough. */
  private lastLine = 0;

  constructor(private readonly report: (p: Utf8Problem) => void) {}

  push(chunk: Buffer): void {
    const buf = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    const body = buf.subarray(0, buf.length - incompleteTail(buf));
    if (!isUtf8(body)) {
      for (const off of invalidOffsets(body)) this.found(body, off);
    }
    this.newlines += countNewlines(body, 0, body.length);
    this.offset += body.length;
    this.carry = Buffer.from(buf.subarray(body.length));
  }

  /** A sequence cut by the end of the data is invalid too. */
  end(): void {
    if (this.carry.length) this.found(this.carry, 0);
    this.carry = Buffer.alloc(0);
  }

  private found(b: Buffer, off: number): void {
    const line = this.newlines + countNewlines(b, 0, off) + 1;
    if (line === this.lastLine) return;
    this.lastLine = line;
    this.report({ byte: this.offset + off, line });
  }
}
