/**
 * The one folder walk of Tripline's inputs, used by the file reader and by `tripline replay`:
 * folders expanded in name order, hidden entries and documentation skipped, symbolic links back up
 * the tree not followed again, duplicates dropped.
 */
import { promises as fs } from 'node:fs';
import type { Dirent, Stats } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { isDocumentation } from './documentation';

/** One input file. */
export interface InputFile {
  /** Absolute path, what is read. */
  abs: string;
  /** The path as the user would write it (their argument joined with the path inside a folder). */
  shown: string;
}

/** A path that gave no file: missing, unreadable, or a folder with nothing in it. */
export interface PathProblem {
  shown: string;
  reason: string;
  /** How many files came before it: where it stands in the order of the inputs. */
  at: number;
}

function errCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : undefined;
}

export function describeFsError(err: unknown): string {
  switch (errCode(err)) {
    case 'ENOENT':
      return 'no such file or folder';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOTDIR':
      return 'not a folder';
    case 'ELOOP':
      return 'too many symbolic links';
    default:
      return err instanceof Error ? err.message : String(err);
  }
}

/**
 * Expands the given paths into files, in the given order; folders are walked recursively in name
 * order, skipping entries whose name starts with '.' (.git, .tripline, .DS_Store) and documentation
 * (README, LICENSE, *.md, pictures, scripts); a file named explicitly is always taken. Paths in `exclude`
 * (absolute: the state file, the quarantine output) are left out wherever they appear.
 *
 * @example
 * const { files, problems } = await expandPaths(['logs/', 'extra.json'], process.cwd(), []);
 */
export async function expandPaths(
  paths: readonly string[],
  cwd: string,
  exclude: readonly string[],
): Promise<{ files: InputFile[]; problems: PathProblem[] }> {
  const files: InputFile[] = [];
  const problems: PathProblem[] = [];
  const seen = new Set<string>(exclude);
  const add = (abs: string, shown: string) => {
    if (seen.has(abs)) return;
    seen.add(abs);
    files.push({ abs, shown });
  };
  // Real paths of the folders being walked: a symbolic link back up the tree is not followed again.
  const open = new Set<string>();
  const walk = async (dirAbs: string, dirShown: string): Promise<number> => {
    const real = await fs.realpath(dirAbs).catch(() => dirAbs);
    if (open.has(real)) return 0;
    open.add(real);
    try {
      return await walkDir(dirAbs, dirShown);
    } finally {
      open.delete(real);
    }
  };
  const walkDir = async (dirAbs: string, dirShown: string): Promise<number> => {
    let entries: Dirent[];
    try {
      entries = await fs.readdir(dirAbs, { withFileTypes: true });
    } catch (err) {
      problems.push({
        shown: dirShown,
        reason: `cannot list folder: ${describeFsError(err)}`,
        at: files.length,
      });
      return 0;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    let n = 0;
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const abs = join(dirAbs, e.name);
      if (e.isFile() && isDocumentation(e.name)) continue;
      const shown = join(dirShown, e.name);
      let isDir = e.isDirectory();
      let isFile = e.isFile();
      if (e.isSymbolicLink()) {
        const st = await fs.stat(abs).catch(() => undefined);
        isDir = st?.isDirectory() ?? false;
        isFile = st?.isFile() ?? false;
      }
      if (isDir) n += await walk(abs, shown);
      else if (isFile) {
        add(abs, shown);
        n++;
      }
    }
    return n;
  };
  for (const p of paths) {
    const abs = isAbsolute(p) ? resolve(p) : resolve(cwd, p);
    let st: Stats;
    try {
      st = await fs.stat(abs);
    } catch (err) {
      problems.push({ shown: p, reason: describeFsError(err), at: files.length });
      continue;
    }
    if (st.isDirectory()) {
      const n = await walk(abs, p);
      if (n === 0)
        problems.push({
          shown: p,
          reason: 'folder holds no files (hidden files and documentation are skipped)',
          at: files.length,
        });
    } else if (st.isFile()) {
      if (exclude.includes(abs))
        problems.push({
          shown: p,
          reason: 'not read: it is an output of this run (state or quarantine file)',
          at: files.length,
        });
      else add(abs, p);
    } else problems.push({ shown: p, reason: 'not a regular file or folder', at: files.length });
  }
  return { files, problems };
}
