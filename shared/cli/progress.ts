/**
 * The replay progress display on stderr (never stdout): on a terminal, one bar redrawn in place with
 * '\r'; otherwise a line at each 10%. Messages printed while a bar is shown clear it first, so the
 * two never mix on one line.
 */
import type { ReplayProgress } from '../replay/replay';
import { safeText } from '../text/safe';
import { bytes, num } from './render';

/** Input below this size replays too fast for a progress display to help. */
export const PROGRESS_MIN_BYTES = 4 * 1024 * 1024;
const REDRAW_MS = 100;
const BAR_WIDTH = 24;

/** Where progress goes. */
export interface ProgressOptions {
  write(s: string): void;
  /** Redraw in place (a terminal) or print a line every 10%. */
  tty: boolean;
  /** Off: only `log` prints. */
  enabled: boolean;
  /** Clock for throttling (ms). */
  now?: (() => number) | undefined;
}

const LABEL: Record<ReplayProgress['phase'], string> = { read: 'reading  ', detect: 'detecting' };

/** Progress display plus a `log` that keeps messages and the bar apart. */
export class ProgressDisplay {
  private shown = false;
  /** Decided on the first read report: large input only. */
  private active: boolean | undefined;
  private phase: ReplayProgress['phase'] | undefined;
  private lastDraw = -Infinity;
  private lastDecile = -1;
  private readonly now: () => number;

  constructor(private readonly opts: ProgressOptions) {
    this.now = opts.now ?? (() => performance.now());
  }

  /**
   * Prints one message line (without newline) on stderr, clearing the bar first. The line goes
   * through the output-safety layer: text from data (file names, record keys) can neither move the
   * cursor nor start a line of its own.
   */
  log(line: string): void {
    this.clear();
    this.opts.write(`${safeText(line)}\n`);
  }

  /** Takes a progress report from replay. */
  update(p: ReplayProgress): void {
    if (!this.opts.enabled) return;
    if (this.active === undefined) {
      if (p.phase !== 'read') return;
      this.active = p.total >= PROGRESS_MIN_BYTES;
    }
    if (!this.active || p.total <= 0) return;
    if (p.phase !== this.phase) {
      this.finishLine();
      this.phase = p.phase;
      this.lastDecile = -1;
      this.lastDraw = -Infinity;
    }
    const ratio = Math.min(1, p.done / p.total);
    if (this.opts.tty) {
      const t = this.now();
      if (ratio < 1 && t - this.lastDraw < REDRAW_MS) return;
      this.lastDraw = t;
      const filled = Math.round(ratio * BAR_WIDTH);
      const bar = `${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}`;
      this.opts.write(`\r\u001b[Ktripline: ${LABEL[p.phase]} [${bar}] ${pct(ratio)} ${amount(p)}`);
      this.shown = true;
    } else {
      const decile = Math.floor(ratio * 10);
      if (decile <= this.lastDecile) return;
      this.lastDecile = decile;
      this.opts.write(`tripline: ${LABEL[p.phase].trim()} ${pct(decile / 10)} ${amount(p)}\n`);
    }
  }

  /** Ends the bar line (call before printing results). */
  done(): void {
    this.finishLine();
  }

  private finishLine(): void {
    if (this.shown) {
      this.opts.write('\n');
      this.shown = false;
    }
  }

  private clear(): void {
    if (this.shown) {
      this.opts.write('\r\u001b[K');
      this.shown = false;
      this.lastDraw = -Infinity;
    }
  }
}

function pct(r: number): string {
  return `${Math.floor(r * 100)}%`.padStart(4);
}

function amount(p: ReplayProgress): string {
  return p.phase === 'read'
    ? `(${bytes(p.done)} of ${bytes(p.total)})`
    : `(${num(p.done)} of ${num(p.total)} events)`;
}
