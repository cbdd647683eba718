/**
 * The `tripline` command line: `replay` (exported logs in, findings out), `rules`, `--help`,
 * `--version`. `bin/tripline.cjs` calls {@link main} with `process.argv.slice(2)` and exits with the
 * code it returns; tests call it in-process with captured output through {@link CliIO}.
 *
 * Output contract: with `--format jsonl`, stdout carries findings only; everything else (problems,
 * warnings, progress, the summary line) goes to stderr. A mistake in how Tripline was called, an
 * unusable config or state file, or input with nothing readable gives exit code 2 and one message
 * that says what to do, never a stack trace.
 */
import { readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { parseDuration } from '../engine/duration';
import { severityRank } from '../engine/findings';
import type { Severity } from '../engine/findings';
import type { RuleDefinition } from '../engine/rule';
import type { SourceId } from '../events/types';
import { replay } from '../replay/replay';
import type { QuarantineEntry, ReplayOptions, ReplaySummary } from '../replay/replay';
import { renderReport } from '../report/html';
import { NOT_COVERED } from '../rules/catalogue';
import { ALL_RULES } from '../rules/index';
import { StateStoreError } from '../state/port';
import { UsageError, closest, parseArgs } from './args';
import { RuleSetError, loadRunRules } from '../config/load';
import { expiredAllowEntries } from '../config/tripline-config';
import { formatProblem } from '../rules/format/parse';
import { REPLAY_FLAGS, RULES_FLAGS, flagLines, mainHelp, replayHelp, rulesHelp } from './help';
import { rulesNewCommand, rulesNewHelp } from './rules-new';
import { sigmaCommand, sigmaHelp } from './sigma-command';
import { testCommand, testHelp } from './test-command';
import { validateCommand, validateHelp } from './validate-command';
import { safeJson, safeText } from '../text/safe';
import { ProgressDisplay } from './progress';
import type * as pullModule from './pull';
import { ReportFile } from './report-file';
import {
  bytes,
  detailsBlock,
  detailsFor,
  findingsTable,
  makeStyles,
  num,
  plural,
  ruleTitle,
  rulesTable,
  summaryBlock,
  summaryLine,
} from './render';
import { renderTable } from './table';

/** Exit codes. */
export const EXIT = {
  OK: 0,
  /** A finding at or above `--fail-on`. */
  FINDINGS: 1,
  /** Bad usage, unusable config or state file, nothing readable. */
  USAGE: 2,
  /** A bug in Tripline. */
  INTERNAL: 3,
} as const;

/** Per-record quarantine lines printed on stderr before the rest are only counted. */
export const QUARANTINE_LINES = 20;

/** Something text can be written to. */
export interface TextOut {
  write(s: string): unknown;
}

/** The world the CLI runs in; every field defaults to the real process. */
export interface CliIO {
  stdout?: TextOut | undefined;
  stderr?: TextOut | undefined;
  /** Whether stdout / stderr are terminals (colors on stdout; progress redrawn in place on stderr). */
  isTTY?: { stdout?: boolean | undefined; stderr?: boolean | undefined } | undefined;
  env?: Readonly<Record<string, string | undefined>> | undefined;
  /** Base for relative paths. */
  cwd?: string | undefined;
  /** Width of the stdout terminal; the findings table is fitted to it when stdout is a terminal. */
  columns?: number | undefined;
  /** The rules `replay` and `rules` use (default: ALL_RULES); for tests. */
  rules?: readonly RuleDefinition[] | undefined;
  /** HTTP for `respond` and `undo` (Graph, Google); for tests. */
  fetch?: typeof fetch | undefined;
}

interface Ctx {
  out: TextOut;
  err: TextOut;
  stdoutTTY: boolean;
  stderrTTY: boolean;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  columns: number | undefined;
  rules: readonly RuleDefinition[];
  fetch: typeof fetch | undefined;
}

const COMMANDS = ['replay', 'rules', 'pull', 'test', 'validate', 'sigma', 'respond', 'undo', 'help'];
const DEFAULT_STATE = join('.tripline', 'state.json');

/** The package version, read once. */
export function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
      version?: unknown;
    };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * Runs the CLI and resolves to its exit code. Never rejects for bad input; an unexpected error is
 * reported as an internal error (exit 3), with its stack only when TRIPLINE_DEBUG is set.
 *
 * @example
 * process.exitCode = await main(process.argv.slice(2));
 * @example
 * // in a test
 * let out = '';
 * const code = await main(['replay', 'logs/', '--format', 'jsonl'], { stdout: { write: (s) => (out += s) } });
 */
export async function main(argv: readonly string[], io: CliIO = {}): Promise<number> {
  const ctx: Ctx = {
    out: io.stdout ?? process.stdout,
    err: io.stderr ?? process.stderr,
    stdoutTTY: io.isTTY?.stdout ?? (io.stdout ? false : process.stdout.isTTY === true),
    stderrTTY: io.isTTY?.stderr ?? (io.stderr ? false : process.stderr.isTTY === true),
    env: io.env ?? process.env,
    cwd: io.cwd ?? process.cwd(),
    columns: io.columns ?? (io.stdout ? undefined : process.stdout.columns),
    rules: io.rules ?? ALL_RULES,
    fetch: io.fetch,
  };
  if (!io.stdout) ignoreEpipe();
  try {
    return await dispatch(argv, ctx);
  } catch (err) {
    return report(err, ctx);
  }
}

function ignoreEpipe(): void {
  // `tripline replay ... | head` closes stdout early; that is not an error worth a stack trace.
  if (process.stdout.listenerCount('error') === 0) {
    process.stdout.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE') throw e;
    });
  }
}

/** One message line on stderr, through the output-safety layer (messages quote paths and data). */
function say(ctx: Ctx, line: string): void {
  ctx.err.write(`tripline: ${safeText(line)}\n`);
}

function report(err: unknown, ctx: Ctx): number {
  if (err instanceof UsageError) {
    say(ctx, err.message);
    return EXIT.USAGE;
  }
  if (err instanceof RuleSetError) {
    for (const p of err.problems) say(ctx, formatProblem(p));
    const files = [...new Set(err.problems.map((p) => p.file))];
    say(
      ctx,
      `fix ${files.join(', ')} and run again (rules: docs/rules.md; config: docs/cli.md, "Config file").`,
    );
    return EXIT.USAGE;
  }
  if (err instanceof StateStoreError) {
    say(ctx, err.message);
    return EXIT.USAGE;
  }
  const msg = err instanceof Error ? err.message : String(err);
  say(ctx, `internal error: ${msg}`);
  if (ctx.env['TRIPLINE_DEBUG'] && err instanceof Error && err.stack)
    ctx.err.write(`${err.stack.split('\n').map(safeText).join('\n')}\n`);
  else say(ctx, 'this is a bug in Tripline; run again with TRIPLINE_DEBUG=1 for details and report it.');
  return EXIT.INTERNAL;
}

async function dispatch(argv: readonly string[], ctx: Ctx): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    ctx.err.write(mainHelp(version()));
    say(ctx, 'missing command. Try `tripline replay <files or folders...>`.');
    return EXIT.USAGE;
  }
  if (first === '--help' || first === '-h') {
    ctx.out.write(mainHelp(version()));
    return EXIT.OK;
  }
  if (first === '--version' || first === '-v' || first === '-V') {
    ctx.out.write(`${version()}\n`);
    return EXIT.OK;
  }
  if (first === 'help') {
    const topic = rest[0];
    if (topic === 'replay') ctx.out.write(replayHelp());
    else if (topic === 'rules' && rest[1] === 'new') ctx.out.write(rulesNewHelp(flagLines));
    else if (topic === 'rules') ctx.out.write(rulesHelp());
    else if (topic === 'pull') ctx.out.write(loadPull().pullHelp());
    else if (topic === 'test') ctx.out.write(testHelp(flagLines));
    else if (topic === 'validate') ctx.out.write(validateHelp(flagLines));
    else if (topic === 'sigma') ctx.out.write(sigmaHelp(flagLines));
    else if (topic === 'respond' || topic === 'undo') {
      const m = await loadRespond();
      ctx.out.write(topic === 'respond' ? m.RESPOND_HELP : m.UNDO_HELP);
    } else ctx.out.write(mainHelp(version()));
    return EXIT.OK;
  }
  if (first === 'replay') return replayCommand(rest, ctx);
  if (first === 'rules') {
    if (rest[0] === 'new') return rulesNewCommand(rest.slice(1), ctx, flagLines);
    return rulesCommand(rest, ctx);
  }
  if (first === 'test') return testCommand(rest, ctx, flagLines);
  if (first === 'validate') return validateCommand(rest, ctx, flagLines);
  if (first === 'sigma') return sigmaCommand(rest, ctx, flagLines);
  // Loaded only when used: the vendor SDKs stay out of `replay`.
  if (first === 'pull')
    return loadPull().pullCommand(rest, {
      out: ctx.out,
      err: ctx.err,
      env: ctx.env,
      cwd: ctx.cwd,
      stderrTTY: ctx.stderrTTY,
    });
  if (first === 'respond' || first === 'undo') {
    const m = await loadRespond();
    const rctx = { ...ctx, say: (line: string) => say(ctx, line) };
    return first === 'respond' ? m.respondCommand(rest, rctx) : m.undoCommand(rest, rctx);
  }
  if (first.startsWith('-')) {
    throw new UsageError(
      `unknown flag ${first} before the command. Flags go after it: \`tripline replay --help\`.`,
    );
  }
  const near = closest(first, COMMANDS);
  throw new UsageError(
    `unknown command '${first}'.${near ? ` Did you mean ${near}?` : ''} Run \`tripline --help\`.`,
  );
}

/** `tripline pull`'s module, loaded on first use so the vendor SDKs stay out of every other command. */
function loadPull(): typeof pullModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('./pull') as typeof pullModule;
}

/** What shared/cli/respond.ts exports to the dispatcher. */
interface RespondModule {
  RESPOND_HELP: string;
  UNDO_HELP: string;
  respondCommand(argv: readonly string[], ctx: Ctx & { say(line: string): void }): Promise<number>;
  undoCommand(argv: readonly string[], ctx: Ctx & { say(line: string): void }): Promise<number>;
}

/**
 * The responder commands, loaded on first use from a specifier the compiler does not follow: they
 * need the vendor clients (@azure/identity, google-auth-library, @aws-sdk/client-dynamodb), which the
 * published package does not depend on, so they run from a clone of the repository (tsx) and the
 * published `replay` and `rules` never load them.
 */
async function loadRespond(): Promise<RespondModule> {
  const specifier = ['.', 'respond'].join('/');
  try {
    return (await import(specifier)) as RespondModule;
  } catch (e) {
    const missing = /Cannot find module '([^']+)'/.exec((e as Error).message)?.[1];
    if (!missing) throw e;
    throw new UsageError(
      `tripline respond and undo are not in this installation (${missing} cannot be loaded): they need the Microsoft, Google and AWS clients ` +
        'the published package leaves out. Run them from a clone of the repository (npm ci, then npx tripline respond ...; docs/respond.md).',
    );
  }
}

function rulesCommand(argv: readonly string[], ctx: Ctx): number {
  const { flags, positionals } = parseArgs(argv, RULES_FLAGS, 'Run `tripline rules --help`.');
  if (flags.has('help')) {
    ctx.out.write(rulesHelp());
    return EXIT.OK;
  }
  if (positionals.length) {
    throw new UsageError(
      `\`tripline rules\` takes no arguments (got '${positionals[0]}'). Run \`tripline rules --help\`.`,
    );
  }
  const rules = [...ctx.rules].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  // The catalogue entries no event rule covers belong to the shipped catalogue, not to a test's rules.
  const notCovered = ctx.rules === ALL_RULES ? NOT_COVERED : [];
  if (flags.get('format') === 'jsonl') {
    let text = '';
    for (const r of rules) {
      text += `${JSON.stringify({
        id: r.id,
        title: ruleTitle(r),
        severity: r.severity,
        kind: r.kind,
        attack: r.attack,
        sources: r.sources,
        description: r.description,
      })}\n`;
    }
    for (const n of notCovered) {
      text += `${JSON.stringify({ id: n.id, status: n.status, attack: n.attack, behaviour: n.behaviour, reason: n.reason })}\n`;
    }
    ctx.out.write(text);
    return EXIT.OK;
  }
  const st = makeStyles(useColor(ctx));
  if (!rules.length) {
    say(ctx, 'no rules are registered in this build.');
    return EXIT.OK;
  }
  const width = ctx.stdoutTTY ? ctx.columns : undefined;
  ctx.out.write(rulesTable(rules, st, width));
  ctx.out.write(`\n${plural(rules.length, 'rule')}.\n`);
  if (notCovered.length) {
    ctx.out.write(`\nCatalogue entries no event rule covers (docs/coverage.md):\n\n`);
    ctx.out.write(
      renderTable(
        [
          { header: 'ID' },
          { header: 'STATUS' },
          { header: 'ATT&CK', max: 40 },
          { header: 'REASON', max: 240, min: 30 },
        ],
        notCovered.map((n) => [n.id, n.status, n.attack.join(', '), n.reason]),
        { headerStyle: st.bold, width },
      ),
    );
  }
  return EXIT.OK;
}

function describeAllow(a: {
  rules?: string[] | undefined;
  principal?: string | undefined;
  app?: string | undefined;
  cidr?: string | undefined;
}): string {
  const what =
    a.principal !== undefined
      ? `principal ${a.principal}`
      : a.app !== undefined
        ? `app ${a.app}`
        : `cidr ${a.cidr ?? ''}`;
  return `${what}, ${a.rules ? `rule ${a.rules.join(', ')}` : 'every rule'}`;
}

function useColor(ctx: Ctx): boolean {
  return ctx.stdoutTTY && ctx.env['NO_COLOR'] === undefined && ctx.env['TERM'] !== 'dumb';
}

/** Buffered JSON-lines writer for --quarantine. */
class QuarantineFile {
  private buf = '';
  private pending: Promise<unknown> = Promise.resolve();
  private failure: unknown;
  count = 0;

  private constructor(
    private readonly fh: FileHandle,
    readonly shown: string,
  ) {}

  static async open(abs: string, shown: string): Promise<QuarantineFile> {
    try {
      return new QuarantineFile(await open(abs, 'w'), shown);
    } catch (err) {
      throw new UsageError(
        `cannot write the quarantine file ${shown}: ${(err as Error).message}. Choose another --quarantine path.`,
      );
    }
  }

  add(q: QuarantineEntry): void {
    this.count++;
    this.buf += `${safeJson({ file: q.file, line: q.line ?? null, reason: q.reason, excerpt: q.excerpt ?? null })}\n`;
    if (this.buf.length >= 1 << 16) this.drain();
  }

  // writeFile, not write: write() may write only part of a chunk (a disk filling up, a file size
  // limit) and say so only in its result; writeFile goes on until the chunk is written or fails.
  private drain(): void {
    const chunk = this.buf;
    this.buf = '';
    this.pending = this.pending
      .then(() => this.fh.writeFile(chunk))
      .catch((e: unknown) => (this.failure ??= e));
  }

  async close(): Promise<void> {
    this.drain();
    await this.pending;
    await this.fh.close();
    if (this.failure)
      throw new UsageError(
        `cannot write the quarantine file ${this.shown}: ${(this.failure as Error).message}. ` +
          'The state file was left as it was: free some space or choose another --quarantine path, and run again.',
      );
  }
}

/** Whether a replay read anything at all (else the CLI says what it can read, and writes no report). */
function isReadable(summary: ReplaySummary): boolean {
  return summary.eventsNormalized > 0 || summary.skipped > 0 || summary.duplicates > 0;
}

async function replayCommand(argv: readonly string[], ctx: Ctx): Promise<number> {
  const hint = 'Run `tripline replay --help`.';
  const { flags, positionals, lists } = parseArgs(argv, REPLAY_FLAGS, hint);
  if (flags.has('help')) {
    ctx.out.write(replayHelp());
    return EXIT.OK;
  }
  if (!positionals.length) {
    throw new UsageError(
      `replay needs at least one file or folder, e.g. \`tripline replay ./logs\`. ${hint}`,
    );
  }
  const str = (name: string): string | undefined => {
    const v = flags.get(name);
    return typeof v === 'string' ? v : undefined;
  };
  const format = str('format') ?? 'table';
  const details = (str('details') ?? 'high') as 'none' | 'high' | 'all';
  const failOn = str('fail-on') as Severity | undefined;
  const lateness = str('lateness');
  if (lateness !== undefined && parseDuration(lateness) === undefined) {
    throw new UsageError(`--lateness must be a duration like 30m, 2h or 1d, not '${lateness}'. ${hint}`);
  }
  const abs = (p: string) => (isAbsolute(p) ? resolve(p) : resolve(ctx.cwd, p));
  const stateArg = str('state') ?? DEFAULT_STATE;
  const stateAbs = stateArg === ':memory:' ? undefined : abs(stateArg);
  const quarantineArg = str('quarantine');

  const configArg = str('config');
  // Rules and config are checked before anything is read or any state file is created.
  const ruleSet = await loadRunRules({
    shipped: ctx.rules,
    rulePaths: lists.get('rules'),
    configPath: configArg,
    cwd: ctx.cwd,
  });

  const progress = new ProgressDisplay({
    write: (s) => ctx.err.write(s),
    tty: ctx.stderrTTY,
    enabled: !flags.has('no-progress'),
  });
  let shownRecords = 0;
  let reportSize: number | undefined;
  const qfile =
    quarantineArg === undefined ? undefined : await QuarantineFile.open(abs(quarantineArg), quarantineArg);
  const reportArg = str('report');
  const reportFile = reportArg === undefined ? undefined : await ReportFile.open(abs(reportArg), reportArg);
  const exclude: string[] = [];
  if (stateAbs) exclude.push(stateAbs, `${stateAbs}.lock`);
  if (quarantineArg !== undefined) exclude.push(abs(quarantineArg));
  if (reportArg !== undefined) exclude.push(abs(reportArg));

  const opts: ReplayOptions = {
    state: stateAbs ?? ':memory:',
    rules: ruleSet.rules,
    overrides: ruleSet.overrides,
    globals: ruleSet.globals,
    cwd: ctx.cwd,
    exclude,
    reprocess: flags.has('reprocess'),
    keepEvidence: reportFile !== undefined,
    onFileProblem: (q) => {
      qfile?.add(q);
      progress.log(`tripline: ${q.file}: ${q.reason}`);
    },
    onQuarantine: (q) => {
      qfile?.add(q);
      if (shownRecords++ < QUARANTINE_LINES)
        progress.log(`tripline: ${q.file}:${q.line ?? '?'}: ${q.reason}`);
    },
    onProgress: (p) => progress.update(p),
    // The quarantine file and the report are written before the state file is saved: if either
    // cannot be written (a full disk), the replay fails and the state stays as it was, so a rerun
    // reads the same files and finds the same findings instead of skipping them.
    beforeCommit: async (s) => {
      progress.done();
      await qfile?.close();
      if (reportFile && isReadable(s)) {
        s.state = stateArg;
        reportSize = await reportFile.write(
          renderReport({
            summary: s,
            rules: ctx.rules,
            generatedAt: new Date(),
            inputs: positionals,
            version: version(),
          }),
        );
      }
    },
  };
  const source = str('source');
  if (source !== undefined) opts.source = source as SourceId;
  const tenant = str('tenant');
  if (tenant !== undefined) opts.tenant = tenant;
  if (lateness !== undefined) opts.lateness = lateness;

  let summary: ReplaySummary;
  try {
    summary = await replay(positionals, opts);
  } catch (err) {
    progress.done();
    await qfile?.close().catch(() => undefined);
    await reportFile?.discard();
    // Rules and config were checked above; a RuleValidationError now is a bug (exit 3).
    if (err instanceof StateStoreError) {
      throw new StateStoreError(
        `${err.message} (state: ${stateArg}; use --state PATH for another file, or --state :memory: to keep none)`,
        err.store,
        { cause: err },
      );
    }
    throw err;
  }
  summary.state = stateArg;

  // Warnings, on stderr.
  const hidden = summary.quarantined - Math.min(summary.quarantined, QUARANTINE_LINES);
  if (hidden > 0) {
    say(
      ctx,
      `… and ${num(hidden)} more quarantined record${hidden === 1 ? '' : 's'} ` +
        (qfile ? `(all written to ${qfile.shown})` : '(see --quarantine FILE)'),
    );
  } else if (qfile && qfile.count) {
    say(ctx, `${plural(qfile.count, 'problem')} written to ${qfile.shown}`);
  }
  if (summary.skipped) {
    say(
      ctx,
      `skipped ${plural(summary.skipped, 'file')} already replayed into ${stateArg} (use --reprocess)`,
    );
  }
  if (summary.duplicates) {
    say(ctx, `skipped ${plural(summary.duplicates, 'file')} with the same content as another input file`);
  }
  if (summary.inferredTenant) {
    say(
      ctx,
      `tenant ${summary.inferredTenant.tenant} assumed for ${plural(summary.inferredTenant.events, 'Microsoft record')} that carry none (Graph exports); give --tenant to set another`,
    );
  }
  if (summary.late) {
    const first = summary.lateSample[0];
    say(
      ctx,
      `${plural(summary.late, 'event')} too late for stateful rules (dated more than the lateness before ` +
        `what ${stateArg} already holds; only match rules saw them): replay days in order into one state file, ` +
        `or give --lateness${first ? ` (first: ${first.file}:${first.line ?? '?'})` : ''}`,
    );
  }
  for (const a of expiredAllowEntries(ruleSet.config, Date.now())) {
    say(
      ctx,
      `${ruleSet.config.file}${a.line !== undefined ? `:${a.line}` : ''}: ${a.path} (${describeAllow(a)}) expired ${a.expires} and no longer applies to newer events: renew or remove it`,
    );
  }
  for (const e of summary.ruleErrors) {
    say(
      ctx,
      `rule ${e.ruleId} failed on ${plural(e.count, 'event')} (first: event ${e.eventId}): ${e.message}`,
    );
  }
  const readable = isReadable(summary);
  if (!readable && (summary.fileProblems.length > 0 || summary.quarantined > 0)) {
    say(
      ctx,
      'nothing readable in the given paths (see the problems above). Give exported audit logs: JSON lines, ' +
        `JSON documents or arrays, or CSV with an AuditData column; or force the source with --source. ${hint}`,
    );
    await reportFile?.discard();
    return EXIT.USAGE;
  }

  // Results.
  if (format === 'jsonl') {
    let text = '';
    for (const f of summary.findings) text += `${safeJson(f)}\n`;
    if (text) ctx.out.write(text);
    ctx.err.write(`${summaryLine(summary)}\n`);
  } else {
    const st = makeStyles(useColor(ctx));
    let text = '';
    if (summary.findings.length) {
      text += findingsTable(summary.findings, st, ctx.stdoutTTY ? ctx.columns : undefined);
      const byId = new Map(ctx.rules.map((r) => [r.id, r]));
      const shown = detailsFor(summary.findings, details);
      for (const f of shown) text += `\n${detailsBlock(f, byId.get(f.ruleId), st)}`;
    } else {
      text += 'No findings.\n';
    }
    text += `\n${summaryBlock(summary, st)}`;
    ctx.out.write(text);
  }
  if (reportFile && reportSize !== undefined) {
    say(ctx, `report written to ${reportFile.shown} (${bytes(reportSize)})`);
  }
  if (failOn !== undefined) {
    const hit = summary.findings.filter((f) => severityRank(f.severity) >= severityRank(failOn)).length;
    if (hit) {
      say(ctx, `${plural(hit, 'finding')} at or above ${failOn} (--fail-on ${failOn}): exit 1`);
      return EXIT.FINDINGS;
    }
  }
  return EXIT.OK;
}
