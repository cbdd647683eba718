/** Reading Sigma rule files from disk: files named, and folders walked for .yml / .yaml in name order. */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';

/** The Sigma files under `paths`, with their text; problems for paths that give none. */
export function readSigmaFiles(
  paths: readonly string[],
  cwd: string,
): { files: Array<{ file: string; text: string }>; problems: Array<{ file: string; reason: string }> } {
  const files: Array<{ file: string; text: string }> = [];
  const problems: Array<{ file: string; reason: string }> = [];
  const walk = (abs: string, shown: string) => {
    const entries = readdirSync(abs, { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      if (e.isDirectory()) walk(join(abs, e.name), join(shown, e.name));
      else if (/\.ya?ml$/i.test(e.name))
        files.push({ file: join(shown, e.name), text: readFileSync(join(abs, e.name), 'utf8') });
    }
  };
  for (const p of paths) {
    const abs = isAbsolute(p) ? p : resolve(cwd, p);
    try {
      if (statSync(abs).isDirectory()) {
        const before = files.length;
        walk(abs, p);
        if (files.length === before) problems.push({ file: p, reason: 'holds no .yml or .yaml files' });
      } else files.push({ file: p, text: readFileSync(abs, 'utf8') });
    } catch (err) {
      const code = (err as { code?: string }).code;
      problems.push({
        file: p,
        reason: code === 'ENOENT' ? 'no such file or folder' : (err as Error).message,
      });
    }
  }
  return { files, problems };
}
