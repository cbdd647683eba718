/**
 * Input files of a replay: the shared folder walk (shared/sources/files/walk.ts), and each file
 * hashed so a state file can remember what it has already seen.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { describeFsError } from '../sources/files/walk';

export { expandPaths } from '../sources/files/walk';
export type { InputFile, PathProblem } from '../sources/files/walk';

/** Size and SHA-256 (hex) of a file's content. */
export function hashFile(abs: string): Promise<{ sha256: string; bytes: number }> {
  return new Promise((resolvePromise, reject) => {
    const h = createHash('sha256');
    let bytes = 0;
    const s = createReadStream(abs, { highWaterMark: 1 << 20 });
    s.on('data', (chunk: Buffer | string) => {
      bytes += chunk.length;
      h.update(chunk);
    });
    s.on('error', (err) => reject(new Error(describeFsError(err))));
    s.on('end', () => resolvePromise({ sha256: h.digest('hex'), bytes }));
  });
}
