/**
 * The published package, as a user outside the repository gets it: `npm pack` (which builds the
 * JavaScript through prepack), the tarball installed into an empty folder from the npm cache alone
 * (no network), then `npx tripline replay` on the example the package bundles, and the library
 * entry loaded from JavaScript (CommonJS and ESM) and from TypeScript.
 */
import { execFile } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { ARCHIVER_APP_ID } from '../../bench/example-story';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

interface PackResult {
  filename: string;
  size: number;
  unpackedSize: number;
  files: Array<{ path: string }>;
}

interface LockEntry {
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  [k: string]: unknown;
}

let work: string;
let pack: PackResult;
let app: string;
let installed: string;

/** The environment of a child npm: no npm_config_* inherited from an `npm test` around us, never online. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k)) env[k] = v;
  env['npm_config_offline'] = 'true';
  env['npm_config_audit'] = 'false';
  env['npm_config_fund'] = 'false';
  env['npm_config_update_notifier'] = 'false';
  return env;
}

/**
 * The lock of the empty project: the tarball, plus every package it depends on at the version and
 * integrity of the repository's own lock, which is what `npm ci` put in the npm cache. With it,
 * `npm ci --offline` needs no registry metadata (a plain `npm install --offline` would, to resolve
 * version ranges, and the cache holds only tarballs).
 */
function lockFor(tarball: string): object {
  const repoLock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const packages: Record<string, LockEntry> = {};
  const visit = (from: string, name: string, optional: boolean): void => {
    // Node's lookup: nested under the requiring package first, then each parent, then hoisted.
    let base = from;
    for (;;) {
      const path = `${base ? `${base}/` : ''}node_modules/${name}`;
      const entry = repoLock.packages[path];
      if (entry) {
        if (packages[path]) return;
        packages[path] = entry;
        const deps = { ...entry.dependencies, ...entry.optionalDependencies };
        for (const d of Object.keys(deps))
          visit(path, d, optional || d in (entry.optionalDependencies ?? {}));
        return;
      }
      if (!base) break;
      const up = base.lastIndexOf('/node_modules/');
      base = up < 0 ? '' : base.slice(0, up);
    }
    if (!optional) throw new Error(`${name} (needed by ${from || 'tripline'}) is not in package-lock.json`);
  };
  for (const d of Object.keys(PKG.dependencies)) visit('', d, false);
  const spec = `file:${tarball}`;
  return {
    name: 'empty-project',
    version: '1.0.0',
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': { name: 'empty-project', version: '1.0.0', dependencies: { tripline: spec } },
      'node_modules/tripline': {
        version: PKG.version,
        resolved: spec,
        dependencies: PKG.dependencies,
        bin: { tripline: 'bin/tripline.cjs' },
      },
      ...packages,
    },
  };
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'tripline-package-'));
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', work], {
    cwd: ROOT,
    env: childEnv(),
    maxBuffer: 64 << 20,
  });
  // prepack's own output may come first; the JSON array is the last thing printed.
  pack = (JSON.parse(stdout.slice(stdout.lastIndexOf('\n[') + 1)) as PackResult[])[0] as PackResult;
  app = join(work, 'empty project');
  const tarball = join(work, pack.filename);
  await run('mkdir', ['-p', app]);
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({
      name: 'empty-project',
      version: '1.0.0',
      private: true,
      dependencies: { tripline: `file:${tarball}` },
    }),
  );
  writeFileSync(join(app, 'package-lock.json'), JSON.stringify(lockFor(tarball)));
  await run('npm', ['ci', '--offline', '--no-audit', '--no-fund'], { cwd: app, env: childEnv() });
  installed = join(app, 'node_modules', 'tripline');
}, 180_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...listFiles(p));
    else out.push(p);
  }
  return out;
}

describe('npm pack', () => {
  it('holds the compiled JavaScript, its type declarations, the launcher, the example and the docs, and nothing else', () => {
    const files = pack.files.map((f) => f.path).sort();
    for (const must of [
      'package.json',
      'README.md',
      'bin/tripline.cjs',
      'dist/index.js',
      'dist/index.d.ts',
      'dist/cli/main.js',
      'dist/replay/replay.d.ts',
      'examples/README.md',
      'examples/entra/signin-logs.json',
      'docs/findings.md',
    ]) {
      expect(files).toContain(must);
    }
    const allowed =
      /^(?:package\.json|README\.md|LICENSE|bin\/tripline\.cjs|dist\/.+\.(?:js|d\.ts)|examples\/.+|docs\/[^/]+\.(?:md|png)|schemas\/[a-z]+\.schema\.json)$/;
    expect(files.filter((f) => !allowed.test(f))).toEqual([]);
    // No TypeScript source: the package never needs tsx.
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    expect(files.filter((f) => /^dist\/.*(?:\.test|\.cases)\.(?:js|d\.ts)$/.test(f))).toEqual([]);
  });

  // 600 kB / 3 MB since the package ships the collectors `tripline pull` runs (shared/sources), the
  // rule format with its JSON Schemas and Sigma conversion, and 54 rules; the bundled examples are
  // about 1 MB of it.
  it('stays small: under 600 kB packed and 3 MB unpacked', () => {
    expect(pack.size).toBeLessThan(600_000);
    expect(pack.unpackedSize).toBeLessThan(3_000_000);
  });
});

describe('package.json', () => {
  it('keeps tsx a development dependency', () => {
    expect(PKG.dependencies).not.toHaveProperty('tsx');
    expect(PKG.devDependencies).toHaveProperty('tsx');
  });

  it('depends on exactly the packages the compiled code loads', () => {
    const loaded = new Set<string>();
    for (const f of listFiles(join(installed, 'dist'))) {
      if (!f.endsWith('.js')) continue;
      for (const m of readFileSync(f, 'utf8').matchAll(/require\("([^".#][^"]*)"\)/g)) {
        const spec = m[1] as string;
        if (spec.startsWith('node:')) continue;
        loaded.add(
          spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] as string),
        );
      }
    }
    const declared = Object.keys(PKG.dependencies).sort();
    // A package the code loads but does not declare breaks every install; one declared but never
    // loaded is downloaded by every user for nothing (Lambda code is bundled by esbuild from the
    // clone's node_modules, so it belongs in devDependencies).
    expect({ loadedButNotDeclared: [...loaded].filter((d) => !declared.includes(d)).sort() }).toEqual({
      loadedButNotDeclared: [],
    });
    expect({ declaredButNeverLoaded: declared.filter((d) => !loaded.has(d)) }).toEqual({
      declaredButNeverLoaded: [],
    });
  });
});

describe('installed from the tarball into an empty folder, offline', () => {
  it('`npx tripline replay` on the bundled example finds the story, from compiled JavaScript', async () => {
    const example = relative(app, join(installed, 'examples'));
    const { stdout, stderr } = await run(
      'npx',
      [
        '--offline',
        'tripline',
        'replay',
        example,
        '--state',
        ':memory:',
        '--format',
        'jsonl',
        '--no-progress',
      ],
      { cwd: app, env: childEnv(), maxBuffer: 64 << 20 },
    );
    const findings = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { ruleId: string; principal: string });
    expect(findings).toHaveLength(9);
    expect(findings.map((f) => `${f.ruleId} ${f.principal}`)).toContain(
      `oauth-chain Mail Archiver Pro (${ARCHIVER_APP_ID})`,
    );
    expect(stderr).toMatch(/9 findings .* from 713 events \(713 records read, 0 quarantined\)/);
  });

  it('`npx tripline pull` loads the collectors and their SDKs from the installed package', async () => {
    const res = await run('npx', ['--offline', 'tripline', 'pull', 'graph', '--out', 'pulled'], {
      cwd: app,
      env: { ...childEnv(), AZURE_TENANT_ID: '', AZURE_CLIENT_ID: '', AZURE_CLIENT_SECRET: '' },
    }).catch((e: { code: number; stderr: string }) => e);
    expect(res).toMatchObject({ code: 2 });
    expect((res as { stderr: string }).stderr).toContain('needs an app registration');
  });

  it('`npx tripline --version` prints the package version', async () => {
    const { stdout } = await run('npx', ['--offline', 'tripline', '--version'], {
      cwd: app,
      env: childEnv(),
    });
    expect(stdout.trim()).toBe(PKG.version);
  });

  it('holds no TypeScript source and no tsx, so the launcher can only run dist/', () => {
    const files = listFiles(installed).map((f) => relative(installed, f));
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    // The runtime dependencies (and theirs) are installed; no development tool is.
    const top = readdirSync(join(app, 'node_modules')).filter((n) => !n.startsWith('.'));
    const installedPackages = top.flatMap((n) =>
      n.startsWith('@') ? readdirSync(join(app, 'node_modules', n)).map((m) => `${n}/${m}`) : [n],
    );
    for (const d of ['tripline', ...Object.keys(PKG.dependencies)]) expect(installedPackages).toContain(d);
    for (const d of ['tsx', 'typescript', 'jest', 'aws-cdk-lib', 'esbuild', 'dynalite'])
      expect(installedPackages).not.toContain(d);
  });

  it('exports the library entry to CommonJS and ESM: replay, Detector, defineRule, the normalizers', async () => {
    const probe = `
      const names = ['replay', 'Detector', 'defineRule', 'normalize', 'detectSource', 'normalizeCloudTrail',
        'normalizeEntraAudit', 'normalizeEntraSignIn', 'normalizeM365', 'normalizeWorkspace', 'ALL_RULES'];
      const kinds = names.map((n) => n + ':' + typeof lib[n]).join(' ');`;
    const cjs = await run('node', ['-e', `const lib = require('tripline'); ${probe} console.log(kinds);`], {
      cwd: app,
      env: childEnv(),
    });
    const esm = await run(
      'node',
      ['--input-type=module', '-e', `import * as lib from 'tripline'; ${probe} console.log(kinds);`],
      { cwd: app, env: childEnv() },
    );
    const expected =
      'replay:function Detector:function defineRule:function normalize:function detectSource:function ' +
      'normalizeCloudTrail:function normalizeEntraAudit:function normalizeEntraSignIn:function ' +
      'normalizeM365:function normalizeWorkspace:function ALL_RULES:object';
    expect(cjs.stdout.trim()).toBe(expected);
    expect(esm.stdout.trim()).toBe(expected);
  });

  it('runs a replay from the library entry', async () => {
    const { stdout } = await run(
      'node',
      [
        '-e',
        `require('tripline').replay(['node_modules/tripline/examples'], { state: ':memory:' })
           .then((s) => console.log(s.findings.length, s.eventsNormalized));`,
      ],
      { cwd: app, env: childEnv() },
    );
    expect(stdout.trim()).toBe('9 713');
  });

  it('ships type declarations a strict TypeScript project compiles against', async () => {
    writeFileSync(
      join(app, 'use.ts'),
      `import { replay, defineRule, type Finding, type TriplineEvent } from 'tripline';
       const rule = defineRule({
         id: 'my-stop-logging', title: 'StopLogging', description: 'CloudTrail stopped.', severity: 'high',
         attack: ['T1562.008'], sources: ['aws.cloudtrail'], actions: ['StopLogging'], kind: 'match',
         runbook: ['Start it again.'], falsePositives: [],
         when: (e: TriplineEvent) => e.outcome === 'success',
       });
       export async function highs(): Promise<Finding[]> {
         const s = await replay(['logs/'], { rules: [rule], state: ':memory:' });
         return s.findings.filter((f) => f.severity === 'high');
       }
       // @ts-expect-error the finding contract has no field of this name
       export const nope = (f: Finding) => f.notAField;
      `,
    );
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: 'node16',
          moduleResolution: 'node16',
          target: 'ES2022',
          // A TypeScript project on Node has @types/node; the repository's stands in for it.
          typeRoots: [join(ROOT, 'node_modules', '@types')],
          types: ['node'],
          noEmit: true,
          skipLibCheck: false,
          exactOptionalPropertyTypes: true,
        },
        files: ['use.ts'],
      }),
    );
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const res = await run('node', [tsc, '-p', 'tsconfig.json'], { cwd: app, env: childEnv() }).catch(
      (e: { stdout: string }) => ({ stdout: e.stdout }),
    );
    expect(res.stdout).toBe('');
  });

  it('resolves the #shared/* alias inside the compiled package', async () => {
    const { stdout } = await run(
      'node',
      ['-e', `console.log(require('#shared/engine/findings').SEVERITIES.join(','))`],
      { cwd: installed, env: childEnv() },
    );
    expect(stdout.trim()).toBe('info,low,medium,high,critical');
  });
});

describe('rules of your own, with the installed package', () => {
  it('a JavaScript rule with `require("tripline/rules")` passes `npx tripline test`; the JSON Schemas are exported', async () => {
    const rules = join(app, 'detections');
    await run('mkdir', ['-p', rules]);
    const record = (errorCode?: string) => ({
      eventVersion: '1.09',
      userIdentity: {
        type: 'IAMUser',
        arn: 'arn:aws:iam::444455556666:user/eve',
        accountId: '444455556666',
        userName: 'eve',
      },
      eventTime: '2026-03-02T09:00:00Z',
      eventSource: 'cloudtrail.amazonaws.com',
      eventName: 'StopLogging',
      awsRegion: 'us-east-1',
      sourceIPAddress: '198.51.100.23',
      userAgent: 'aws-cli/2.15.30',
      ...(errorCode ? { errorCode } : {}),
      requestParameters: { name: 'org-trail' },
      responseElements: null,
      eventID: `e-${errorCode ?? 'ok'}`,
      eventType: 'AwsApiCall',
      recipientAccountId: '444455556666',
    });
    writeFileSync(
      join(rules, 'stop-logging.js'),
      `const { defineRule, defineCases } = require('tripline/rules');
module.exports.default = defineRule({
  id: 'stop-logging', kind: 'match', title: 'Trail stopped',
  description: 'A CloudTrail trail was stopped, which hides everything after it.',
  severity: 'high', attack: ['T1562.008'], sources: ['aws.cloudtrail'], actions: ['StopLogging'],
  when: (e) => e.outcome === 'success',
  runbook: ['Start the trail again.'], falsePositives: ['Trail migration.'],
});
module.exports.cases = defineCases({
  fires: [{ name: 'fires on StopLogging', records: [${JSON.stringify(record())}], expect: { findings: 1 } }],
  quiet: [{ name: 'quiet when denied', records: [${JSON.stringify(record('AccessDenied'))}], expect: { findings: 0 } }],
});
`,
    );
    const { stdout, stderr } = await run('npx', ['--offline', 'tripline', 'test', 'detections'], {
      cwd: app,
      env: childEnv(),
    });
    expect(stdout.trim().split('\n')).toEqual([
      'pass  stop-logging  fires on StopLogging',
      'pass  stop-logging  quiet when denied',
      '',
      '2 passed, 0 failed (1 rule)',
    ]);
    expect(stderr).toContain("the shipped rules' cases are not part of the installed package");
    const schema = await run(
      'node',
      ['-e', "console.log(require('tripline/schemas/rule.schema.json').title)"],
      {
        cwd: app,
        env: childEnv(),
      },
    );
    expect(schema.stdout.trim()).toBe('Tripline rule');
  });

  it('a TypeScript rule with `import { defineRule } from "tripline/rules"` type-checks against the package and passes `npx tripline test` through the project\'s own tsx', async () => {
    const rules = join(app, 'ts-detections');
    await run('mkdir', ['-p', rules]);
    const record = (errorCode?: string) => ({
      eventVersion: '1.09',
      userIdentity: { type: 'Root', arn: 'arn:aws:iam::444455556666:root', accountId: '444455556666' },
      eventTime: '2026-03-02T09:00:00Z',
      eventSource: 'cloudtrail.amazonaws.com',
      eventName: 'DeleteTrail',
      awsRegion: 'us-east-1',
      sourceIPAddress: '198.51.100.23',
      userAgent: 'aws-cli/2.15.30',
      ...(errorCode ? { errorCode } : {}),
      requestParameters: { name: 'org-trail' },
      responseElements: null,
      eventID: `t-${errorCode ?? 'ok'}`,
      eventType: 'AwsApiCall',
      recipientAccountId: '444455556666',
    });
    writeFileSync(
      join(rules, 'trail-deleted.ts'),
      `import { defineCases, defineRule, type TriplineEvent } from 'tripline/rules';
export default defineRule({
  id: 'trail-deleted', kind: 'match', title: 'Trail deleted',
  description: 'A CloudTrail trail was deleted, which hides everything after it.',
  severity: 'high', attack: ['T1562.008'], sources: ['aws.cloudtrail'], actions: ['DeleteTrail'],
  when: (e: TriplineEvent) => e.outcome === 'success',
  runbook: ['Create the trail again.'], falsePositives: ['Trail migration.'],
});
export const cases = defineCases({
  fires: [{ name: 'fires on DeleteTrail', records: [${JSON.stringify(record())}], expect: { findings: 1 } }],
  quiet: [{ name: 'quiet when denied', records: [${JSON.stringify(record('AccessDenied'))}], expect: { findings: 0 } }],
});
`,
    );
    // Types: the rule compiles in a strict project against the installed package's declarations.
    writeFileSync(
      join(app, 'tsconfig.rules.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: 'node16',
          moduleResolution: 'node16',
          target: 'ES2022',
          typeRoots: [join(ROOT, 'node_modules', '@types')],
          types: ['node'],
          noEmit: true,
          skipLibCheck: true,
        },
        files: ['ts-detections/trail-deleted.ts'],
      }),
    );
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const typed = await run('node', [tsc, '-p', 'tsconfig.rules.json'], { cwd: app, env: childEnv() }).catch(
      (e: { stdout: string }) => ({ stdout: e.stdout }),
    );
    expect(typed.stdout).toBe('');
    // Without a TypeScript loader in the project, the rule is refused with what to do.
    const without = await run('npx', ['--offline', 'tripline', 'test', 'ts-detections'], {
      cwd: app,
      env: childEnv(),
    }).catch((e: { code: number; stderr: string }) => e);
    expect('code' in without ? without.code : 0).toBe(2);
    expect(without.stderr).toContain('no TypeScript loader is available: add tsx to your rules repository');
    // With tsx as a dev dependency of the project (the repository's copy stands in for `npm install -D tsx`).
    mkdirSync(join(app, 'node_modules', 'tsx'), { recursive: true });
    rmSync(join(app, 'node_modules', 'tsx'), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules', 'tsx'), join(app, 'node_modules', 'tsx'), 'dir');
    try {
      const { stdout } = await run('npx', ['--offline', 'tripline', 'test', 'ts-detections'], {
        cwd: app,
        env: childEnv(),
      });
      expect(stdout.trim().split('\n')).toEqual([
        'pass  trail-deleted  fires on DeleteTrail',
        'pass  trail-deleted  quiet when denied',
        '',
        '2 passed, 0 failed (1 rule)',
      ]);
    } finally {
      rmSync(join(app, 'node_modules', 'tsx'), { force: true });
    }
  }, 300_000);
});
