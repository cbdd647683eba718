/**
 * A fresh clone after `npm ci`, with no build: `npm start` and `npx tripline` run the TypeScript
 * sources through tsx (bin/tripline.cjs picks them when they sit beside it), so a newcomer needs no
 * extra step and a developer never runs a stale dist/.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');

function env(): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k)) e[k] = v;
  return e;
}

describe('in a clone of the repository', () => {
  it('`npm start` replays the example story', async () => {
    const { stdout } = await run('npm', ['start', '--silent'], {
      cwd: ROOT,
      env: env(),
      maxBuffer: 16 << 20,
    });
    expect(stdout).toMatch(/^HIGH +oauth-chain +Mail Archiver Pro/m);
    expect(stdout).toMatch(/findings +9: 1 critical, 5 high, 3 medium/);
  });

  it('the launcher loads the TypeScript sources, not a compiled dist/ that may be stale', async () => {
    const probe = `
      process.argv = [process.argv[0], 'tripline', '--version'];
      process.on('exit', () => {
        const mains = Object.keys(require.cache).filter((k) => /[\\\\/]cli[\\\\/]main\\.(?:ts|js)$/.test(k));
        process.stderr.write(mains.map((k) => require('node:path').relative(${JSON.stringify(ROOT)}, k)).join(','));
      });
      require('./bin/tripline.cjs');`;
    const { stdout, stderr } = await run(process.execPath, ['-e', probe], { cwd: ROOT, env: env() });
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    expect(stderr.split(/[\\/]/).join('/')).toBe('shared/cli/main.ts');
  });
});
