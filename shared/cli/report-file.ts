/**
 * `--report FILE`: the file is opened before the replay starts (a path that cannot be written fails
 * at once, not after an hour of reading) and written once the replay is done. The page itself comes
 * from shared/report, which only returns a string.
 */
import { mkdir, open, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { FileHandle } from 'node:fs/promises';
import { UsageError } from './args';

export class ReportFile {
  private constructor(
    private readonly fh: FileHandle,
    private readonly abs: string,
    /** The path as the user gave it. */
    readonly shown: string,
  ) {}

  /** @throws UsageError naming the path and what to do when it cannot be created. */
  static async open(abs: string, shown: string): Promise<ReportFile> {
    try {
      await mkdir(dirname(abs), { recursive: true });
      return new ReportFile(await open(abs, 'w'), abs, shown);
    } catch (err) {
      throw new UsageError(
        `cannot write the report to ${shown}: ${(err as Error).message}. Choose another --report path.`,
      );
    }
  }

  /** Writes the page and closes the file; resolves to the bytes written. */
  async write(html: string): Promise<number> {
    try {
      await this.fh.writeFile(html, 'utf8');
      await this.fh.close();
    } catch (err) {
      await this.fh.close().catch(() => undefined);
      throw new UsageError(
        `cannot write the report to ${this.shown}: ${(err as Error).message}. Choose another --report path.`,
      );
    }
    return Buffer.byteLength(html, 'utf8');
  }

  /** Closes and removes the (empty) file, when the replay failed before there was anything to report. */
  async discard(): Promise<void> {
    await this.fh.close().catch(() => undefined);
    await unlink(this.abs).catch(() => undefined);
  }
}
