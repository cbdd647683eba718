/**
 * Every example in README.md and docs/*.md runs as written.
 *
 * Shell blocks: each command is classified RUN (run in a sandbox folder, as a user would type it,
 * with `tripline` and `npx tripline` / `npx cdk` on PATH) or SKIP (listed below with the reason);
 * an unclassified command fails this test, so new docs are covered or consciously skipped. Commands
 * of one file run in order in one sandbox (state carries over, as for a reader following along).
 *
 * Blocks whose first line is `# file: PATH` are what the reader is told to save: they are written
 * into every sandbox (a file's own blocks last, so they win). Log files and folders a `replay`
 * example names but no block provides are made from the bundled examples/ (a folder gets every
 * source, a `.json` the Entra sign-ins, a `.csv` the unified audit log as a Purview export).
 *
 * The docs' placeholders for the reader's input (`<folder>`) stand for a folder of the bundled
 * examples (PLACEHOLDERS below).
 *
 * YAML and JSON blocks that are rules, Sigma rules or configs are validated.
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parse } from 'yaml';
import { REPLAY_FLAGS } from '#shared/cli/help';
import { CONFIG_KEYS, configFromValue, parseConfig } from '#shared/config/tripline-config';
import { formatProblem } from '#shared/rules/format/parse';
import { ruleFromText } from '#shared/rules/format/index';
import { convertSigma } from '#shared/sigma/index';
import { fencedBlocks, savedAs, shellCommands, simpleCommands } from './extract';
import type { Block, Command } from './extract';

const ROOT = join(__dirname, '..', '..');

/** Commands that are not run, each with why. Everything else must match RUN. */
const SKIP: ReadonlyArray<{ re: RegExp; reason: string }> = [
  { re: /^npm ci\b/, reason: 'installs the dependencies; this test runs in an installed tree' },
  { re: /^npm test\b/, reason: 'this test suite itself' },
  { re: /^npm run (lint|format)\b/, reason: 'CI runs it as a step of its own' },
  { re: /^npm run bench\b/, reason: 'a benchmark of several minutes (bench/)' },
  {
    re: /^npm run fuzz\b/,
    reason: 'a long fuzz run (minutes); test/fuzz runs a small seeded one in npm test',
  },
  {
    re: /^npm run build\b/,
    reason: 'writes dist/ in the repository; test/package/package.test.ts builds it through npm pack',
  },
  {
    re: /^npm install -g tripline\b/,
    reason: 'installs from the npm registry globally; test/package installs the packed tarball offline',
  },
  {
    re: /^npm run schemas\b/,
    reason: 'rewrites schemas/ in the repository; test/config/json-schemas.test.ts checks them',
  },
  { re: /^bash \.ci\/run\b/, reason: 'CI itself' },
  {
    re: /^(export )?([A-Z_]+=\S+ )*(npx )?(AZURE_[A-Z_]+=|tripline pull\b)/,
    reason:
      "reads a real tenant's audit log with its credentials; test/cli/pull.test.ts runs tripline pull against local Graph, Management Activity and Workspace servers",
  },
  {
    re: /^az /,
    reason:
      'the Azure CLI against a subscription (docs/deploy-azure.md); test/infra/azure checks the template',
  },
  {
    re: /^scripts\/azure\/grant-app-roles\.sh\b/,
    reason: 'grants Graph app roles in a real tenant through the Azure CLI',
  },
  {
    re: /^tripline (respond|undo)\b/,
    reason:
      'acts on a real tenant with the responder credentials (undo: a deployed table), and runs from a clone only; test/respond/cli.test.ts runs both against a fake Graph',
  },
  { re: /^npx cdk (deploy|bootstrap|destroy|diff)\b/, reason: 'needs AWS credentials and an account' },
  { re: /^(aws |[A-Z_]+=\$\(aws )/, reason: 'the AWS CLI against a deployed stack' },
  {
    // About a minute of bundling each: the synth runs once here, with a config
    // (docs/rules.md `npx cdk synth -c config=tripline.yaml --quiet`), and test/infra synthesizes the app.
    re: /^npx cdk synth\s*(#.*)?$/,
    reason: 'the same synth with a config runs from docs/rules.md; test/infra synthesizes the plain app',
  },
];

/** Commands that are run: the product's own commands, offline. `repo: true` runs in the repository. */
const RUN: ReadonlyArray<{ re: RegExp; repo?: boolean; timeoutMs?: number }> = [
  { re: /^(npx )?tripline\b/ },
  { re: /^node bin\/tripline\.cjs\b/, repo: true },
  { re: /^npm start$/, repo: true },
  { re: /^npm run sigma:count\b/, repo: true },
  { re: /^npx cdk synth\b/, timeoutMs: 300_000 },
  // Reads what an earlier command of the same file wrote (docs/report.md: the report's data block).
  { re: /^node -e\b/ },
];

/**
 * Placeholders the docs use for the reader's own input, and what stands in for them: a folder
 * that provideInputs() fills from the bundled examples. A command with any other `<placeholder>`
 * fails with bash's syntax error: add it here or to SKIP.
 */
const PLACEHOLDERS: Readonly<Record<string, string>> = {
  '<folder>': 'exports/',
};

function substituted(text: string): string {
  let out = text;
  for (const [k, v] of Object.entries(PLACEHOLDERS)) out = out.split(k).join(v);
  return out;
}

const REAL_NPX = spawnSync('bash', ['-c', 'command -v npx'], { encoding: 'utf8' }).stdout.trim() || 'npx';

const DOCS = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`),
];
const blocksOf = new Map(DOCS.map((f) => [f, fencedBlocks(readFileSync(join(ROOT, f), 'utf8'), f)]));
const allBlocks = [...blocksOf.values()].flat();

const sandboxes: string[] = [];
afterAll(() => {
  for (const d of sandboxes) rmSync(d, { recursive: true, force: true });
});

/** A folder set up like a user's checkout: shims on PATH, cdk.json, the files the docs say to save. */
function sandbox(doc: string): { dir: string; bin: string } {
  // Inside the checkout, as a reader's shell is: the CDK app's TypeScript loader resolves the
  // #shared/* aliases only for a working folder within the repository.
  const parent = join(ROOT, 'node_modules', '.cache');
  mkdirSync(parent, { recursive: true });
  const dir = mkdtempSync(join(parent, 'tripline-docs-'));
  sandboxes.push(dir);
  const bin = join(dir, '.bin');
  mkdirSync(bin);
  const shim = (name: string, body: string) => {
    writeFileSync(join(bin, name), `#!/usr/bin/env bash\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  };
  shim('tripline', `exec "${process.execPath}" "${join(ROOT, 'bin', 'tripline.cjs')}" "$@"`);
  shim(
    'npx',
    [
      'case "$1" in',
      `  tripline) shift; exec "${join(bin, 'tripline')}" "$@" ;;`,
      `  cdk) shift; exec "${join(ROOT, 'node_modules', '.bin', 'cdk')}" "$@" ;;`,
      // Anything else (the CDK's own `npx --no-install esbuild`) goes to the real npx.
      `  *) exec "${REAL_NPX}" "$@" ;;`,
      'esac',
    ].join('\n'),
  );
  const cdkJson = JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')) as Record<string, unknown>;
  cdkJson['app'] =
    `"${process.execPath}" "${join(ROOT, 'bin', 'run-ts.cjs')}" "${join(ROOT, 'infra', 'app.ts')}"`;
  writeFileSync(join(dir, 'cdk.json'), JSON.stringify(cdkJson));
  const own = blocksOf.get(doc) ?? [];
  for (const b of [...allBlocks.filter((x) => x.file !== doc), ...own]) {
    const path = savedAs(b);
    if (!path) continue;
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), `${b.text}\n`);
  }
  return { dir, bin };
}

const VALUE_FLAGS = new Set(REPLAY_FLAGS.filter((f) => f.kind === 'value').map((f) => `--${f.name}`));

/** Makes the log files and folders a replay example names, when the docs do not provide them. */
function provideInputs(dir: string, command: string): void {
  for (const words of simpleCommands(command)) {
    const at = words.indexOf('replay');
    if (at < 0 || !/tripline/.test(words.slice(0, at).join(' '))) continue;
    for (let i = at + 1; i < words.length; i++) {
      const w = words[i] as string;
      if (w.startsWith('-')) {
        if (VALUE_FLAGS.has(w)) i++;
        continue;
      }
      const p = join(dir, w);
      if (existsSync(p)) continue;
      const ext = extname(w.replace(/\.gz$/, '')).toLowerCase();
      if (w.endsWith('/') || ext === '') {
        mkdirSync(p, { recursive: true });
        for (const src of ['aws', 'entra', 'm365', 'workspace'])
          cpSync(join(ROOT, 'examples', src), join(p, src), { recursive: true });
        continue;
      }
      mkdirSync(dirname(p), { recursive: true });
      let content: Buffer;
      if (ext === '.csv') {
        const ual = JSON.parse(
          readFileSync(join(ROOT, 'examples', 'm365', 'unified-audit.json'), 'utf8'),
        ) as Array<Record<string, unknown>>;
        const rows = ual.map(
          (r) =>
            `${String(r['CreationTime'])},${String(r['Operation'])},"${JSON.stringify(r).replace(/"/g, '""')}"`,
        );
        content = Buffer.from(`CreationDate,Operations,AuditData\n${rows.join('\n')}\n`);
      } else if (ext === '.jsonl') {
        const ual = JSON.parse(
          readFileSync(join(ROOT, 'examples', 'm365', 'unified-audit.json'), 'utf8'),
        ) as unknown[];
        content = Buffer.from(`${ual.map((r) => JSON.stringify(r)).join('\n')}\n`);
      } else content = readFileSync(join(ROOT, 'examples', 'entra', 'signin-logs.json'));
      writeFileSync(p, w.endsWith('.gz') ? gzipSync(content) : content);
    }
  }
}

function classify(c: Command): { run?: (typeof RUN)[number]; skip?: string } {
  const skip = SKIP.find((s) => s.re.test(c.text));
  if (skip) return { skip: skip.reason };
  const run = RUN.find((r) => r.re.test(c.text));
  return run ? { run } : {};
}

describe('every command in README.md and docs/ is run or skipped with a reason', () => {
  it.each(DOCS)('%s', (doc) => {
    const unclassified = shellCommands(blocksOf.get(doc) ?? [])
      .filter((c) => {
        const k = classify(c);
        return !k.run && !k.skip;
      })
      .map((c) => `${c.file}:${c.line}: ${c.text}`);
    expect(unclassified).toEqual([]);
  });
});

for (const doc of DOCS) {
  const runnable = shellCommands(blocksOf.get(doc) ?? []).filter((c) => classify(c).run);
  if (!runnable.length) continue;
  describe(`${doc} runs as written`, () => {
    let box: { dir: string; bin: string };
    beforeAll(() => {
      box = sandbox(doc);
    });
    for (const c of runnable) {
      const run = classify(c).run as (typeof RUN)[number];
      it(
        `${c.file}:${c.line}: ${c.text}`,
        () => {
          const text = substituted(c.text);
          provideInputs(box.dir, text);
          const r = spawnSync('bash', ['-c', `set -o pipefail; ${text}`], {
            cwd: run.repo ? ROOT : box.dir,
            encoding: 'utf8',
            timeout: run.timeoutMs ?? 120_000,
            env: {
              ...process.env,
              PATH: `${box.bin}:${process.env['PATH'] ?? ''}`,
              NO_COLOR: '1',
              TRIPLINE_DEBUG: '',
            },
            maxBuffer: 64 * 1024 * 1024,
          });
          // --fail-on exits 1 by design when a finding reaches it.
          const allowed = /--fail-on\b/.test(c.text) ? [0, 1] : [0];
          if (!allowed.includes(r.status ?? -1)) {
            throw new Error(
              `exit ${String(r.status)}${r.signal ? ` (${r.signal})` : ''}\n--- stderr ---\n${r.stderr.slice(-4000)}\n--- stdout ---\n${r.stdout.slice(-2000)}`,
            );
          }
        },
        (run.timeoutMs ?? 120_000) + 10_000,
      );
    }
  });
}

/** What a YAML or JSON block is, by its keys. */
function validateBlock(b: Block): string[] {
  let value: unknown;
  try {
    value = b.lang === 'json' ? JSON.parse(b.text) : parse(b.text);
  } catch (err) {
    return [`${b.file}:${b.line}: does not parse: ${(err as Error).message}`];
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return [];
  const keys = Object.keys(value);
  const shown = savedAs(b) ?? `${b.file}:${b.line}`;
  if ('detection' in value || 'correlation' in value) {
    const r = convertSigma(b.text, shown);
    return r.refused
      .filter((x) => x.code === 'invalid')
      .map((x) => `${b.file}:${b.line}: Sigma rule does not read: ${x.reason}`);
  }
  if ('kind' in value && 'id' in value) {
    const r = ruleFromText(b.text, shown);
    return r.ok ? [] : r.problems.map((p) => `${b.file}:${b.line}: ${formatProblem(p)}`);
  }
  const configKeys = new Set(CONFIG_KEYS);
  if (keys.length && keys.every((k) => configKeys.has(k))) {
    const r = b.lang === 'json' ? configFromValue(value, shown) : parseConfig(b.text, shown);
    return r.ok ? [] : r.problems.map((p) => `${b.file}:${b.line}: ${formatProblem(p)}`);
  }
  return [];
}

describe('rule, Sigma and config blocks in README.md and docs/ are valid', () => {
  it.each(DOCS)('%s', (doc) => {
    const blocks = (blocksOf.get(doc) ?? []).filter((b) => ['yaml', 'yml', 'json'].includes(b.lang));
    expect(blocks.flatMap(validateBlock)).toEqual([]);
  });
});
