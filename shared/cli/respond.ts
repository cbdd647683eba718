/**
 * `tripline respond <findings.jsonl>` and `tripline undo <action-id>`: the responder on a laptop,
 * with credentials from the environment (the `TRIPLINE_ENTRA_*` and `TRIPLINE_GOOGLE_*` variables of
 * shared/respond/credentials.ts) and its records in the local state file (or, with `--table`, the
 * deployed stack's DynamoDB table, where the responder Lambda keeps them).
 *
 * `respond` prints, for each finding the policy selects, the action message an on-call would get:
 * with `--dry-run` (the default) what would be removed, read from the live tenant when credentials
 * are set, changing nothing; with `--apply`, what was removed. Findings are read as JSON lines, as
 * `tripline replay --format jsonl` writes them; a line that is not a finding is reported and skipped.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ResponderConfigError, parseResponderPolicy } from '../config/responder';
import type { ResponderPolicy } from '../config/responder';
import type { Finding } from '../engine/findings';
import {
  CredentialsError,
  entraAppIds,
  entraClientsFromSecret,
  entraSecretFromEnv,
  textOrFile,
} from '../respond/credentials';
import type { ClientDeps } from '../respond/credentials';
import { googleClientIds, googleClientsFromSecret, googleSecretFromEnv } from '../respond/google';
import type { RenderedResponseMessage } from '../respond/core/message';
import { UndoError, respond, undoAction } from '../respond/responder';
import type { ResponderDeps, ResponseOutcome } from '../respond/responder';
import { DynamoStateStore } from '../state/dynamodb';
import { EmbeddedStateStore } from '../state/embedded';
import type { StateStore } from '../state/port';
import type { FlagSpec } from './args';
import { UsageError, parseArgs } from './args';

const HELP: FlagSpec = { name: 'help', short: 'h', kind: 'switch', help: 'Show this help.' };
const STATE: FlagSpec = {
  name: 'state',
  kind: 'value',
  arg: 'PATH',
  help: "Where action records are kept (default .tripline/state.json; ':memory:' keeps nothing).",
};
const TABLE: FlagSpec = {
  name: 'table',
  kind: 'value',
  arg: 'NAME',
  help: "The deployed stack's state table (output StateTableName) instead of a state file; AWS credentials from the environment.",
};

/** Flags of `tripline respond`. */
export const RESPOND_FLAGS: readonly FlagSpec[] = [
  { name: 'dry-run', kind: 'switch', help: 'Print and record the plan, change nothing (the default).' },
  { name: 'apply', kind: 'switch', help: 'Act: revoke what the plan lists (needs credentials).' },
  {
    name: 'policy',
    kind: 'value',
    arg: 'FILE',
    help: 'Responder policy JSON (rules, minSeverity, protectedApps, actions, maxActionsPerHour, retentionDays; docs/respond.md).',
  },
  STATE,
  TABLE,
  HELP,
];

/** Flags of `tripline undo`. */
export const UNDO_FLAGS: readonly FlagSpec[] = [STATE, TABLE, HELP];

export const RESPOND_HELP = `Usage: tripline respond <findings.jsonl> [--dry-run | --apply] [flags]

Applies the responder policy to findings (JSON lines, as \`tripline replay --format jsonl\` writes
them) and prints, for each finding it selects, the action message an on-call would receive.
Dry-run (the default) reads what exists and records the plan; nothing is changed.

Credentials (the responder's own, never the collectors'), from the environment:
  TRIPLINE_ENTRA_TENANT_ID, TRIPLINE_ENTRA_CLIENT_ID, TRIPLINE_ENTRA_CLIENT_SECRET or TRIPLINE_ENTRA_CERTIFICATE
  TRIPLINE_GOOGLE_SERVICE_ACCOUNT_KEY (JSON or a file), TRIPLINE_GOOGLE_ADMIN_EMAIL
Without them a dry-run still prints the plan, saying it could not read the tenant.

Flags:
${flagLines(RESPOND_FLAGS)}
Exit: 0 every selected finding handled; 1 some action failed or was partial; 2 bad usage or input.
See docs/respond.md.
`;

export const UNDO_HELP = `Usage: tripline undo <action-id> [--state PATH | --table NAME]

Puts back what one action removed, from its snapshot: recreates delegated grants and app role
assignments (they get new ids, printed) and re-enables the service principal. The action id is in
the action message: <finding-id>/<action>, e.g. oauth-chain-3b0f6c1d9e2a4f57/entra-grants.
Credentials from the environment, as for \`tripline respond\`.

Flags:
${flagLines(UNDO_FLAGS)}
See docs/respond.md.
`;

function flagLines(specs: readonly FlagSpec[]): string {
  return specs
    .map((s) => {
      const left = `  ${s.short ? `-${s.short}, ` : ''}--${s.name}${s.arg ? ` ${s.arg}` : ''}`;
      return `${left.padEnd(24)} ${s.help}\n`;
    })
    .join('');
}

/** What the commands need of the CLI's world. */
export interface RespondCtx {
  out: { write(s: string): unknown };
  err: { write(s: string): unknown };
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  /** HTTP for Graph and Google (tests: the test CA). */
  fetch?: typeof fetch | undefined;
  say(line: string): void;
}

async function openStore(
  flags: ReadonlyMap<string, string | true>,
  ctx: RespondCtx,
): Promise<StateStore & { close?(): Promise<void> }> {
  const table = flags.get('table');
  const state = flags.get('state');
  if (table !== undefined && state !== undefined) throw new UsageError('give --state or --table, not both.');
  if (typeof table === 'string')
    return new DynamoStateStore({ tableName: table, client: new DynamoDBClient({}) });
  const path = typeof state === 'string' ? state : '.tripline/state.json';
  return EmbeddedStateStore.open(path === ':memory:' ? path : resolve(ctx.cwd, path));
}

async function vendorDeps(
  ctx: RespondCtx,
  hint: string,
): Promise<Pick<ResponderDeps, 'entra' | 'google' | 'selfAppIds'>> {
  const clientDeps: ClientDeps = { ...(ctx.fetch ? { fetch: ctx.fetch } : {}) };
  const selfAppIds: string[] = [];
  let entra: ResponderDeps['entra'];
  let google: ResponderDeps['google'];
  try {
    const e = entraSecretFromEnv(ctx.env);
    if (e) {
      selfAppIds.push(...entraAppIds(e));
      entra = entraClientsFromSecret(e, 'the TRIPLINE_ENTRA_* variables', clientDeps);
    }
    const g = googleSecretFromEnv(ctx.env, (v) => textOrFile(v, 'TRIPLINE_GOOGLE_SERVICE_ACCOUNT_KEY'));
    if (g) {
      selfAppIds.push(...googleClientIds(g));
      google = googleClientsFromSecret(g, 'the TRIPLINE_GOOGLE_* variables', clientDeps);
    }
  } catch (e) {
    if (e instanceof CredentialsError) throw new UsageError(`${e.message}. ${hint}`);
    throw e;
  }
  return { entra, google, selfAppIds };
}

function readPolicy(file: string | undefined, mode: 'dry-run' | 'on', ctx: RespondCtx): ResponderPolicy {
  let raw: Record<string, unknown> = {};
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(resolve(ctx.cwd, file), 'utf8');
    } catch (e) {
      throw new UsageError(`cannot read the policy file ${file}: ${(e as Error).message}`);
    }
    try {
      raw = JSON.parse(text) as Record<string, unknown>;
    } catch (e) {
      throw new UsageError(`${file} is not JSON: ${(e as Error).message}`);
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
      throw new UsageError(`${file} must hold one JSON object (docs/respond.md)`);
    if ('mode' in raw)
      throw new UsageError(`${file} sets mode: locally the mode is --dry-run (default) or --apply`);
  }
  try {
    return parseResponderPolicy({ ...raw, mode }, file ?? 'the default policy');
  } catch (e) {
    if (e instanceof ResponderConfigError) throw new UsageError(e.message);
    throw e;
  }
}

/** `tripline respond`. Resolves to the exit code. */
export async function respondCommand(argv: readonly string[], ctx: RespondCtx): Promise<number> {
  const { flags, positionals } = parseArgs(argv, RESPOND_FLAGS, 'Run `tripline respond --help`.');
  if (flags.has('help')) {
    ctx.out.write(RESPOND_HELP);
    return 0;
  }
  if (flags.has('dry-run') && flags.has('apply'))
    throw new UsageError('give --dry-run or --apply, not both.');
  if (positionals.length !== 1)
    throw new UsageError('give one findings file (JSON lines). Run `tripline respond --help`.');
  const file = positionals[0] as string;
  const mode = flags.has('apply') ? 'on' : 'dry-run';
  const policy = readPolicy(flags.get('policy') as string | undefined, mode, ctx);
  let text: string;
  try {
    text = readFileSync(resolve(ctx.cwd, file), 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as Error).message}`);
  }
  const vendors = await vendorDeps(ctx, 'Fix the variable or unset it (docs/respond.md).');
  if (mode === 'on' && !vendors.entra && !vendors.google)
    throw new UsageError(
      '--apply needs the responder credentials: set TRIPLINE_ENTRA_* or TRIPLINE_GOOGLE_* (docs/respond.md).',
    );
  const store = await openStore(flags, ctx);
  const storeArg =
    typeof flags.get('table') === 'string'
      ? `--table ${String(flags.get('table'))}`
      : `--state ${String(flags.get('state') ?? '.tripline/state.json')}`;
  const printed: RenderedResponseMessage[] = [];
  const deps: ResponderDeps = {
    store,
    policy,
    ...vendors,
    notifier: {
      publish: async (m) => {
        printed.push(m);
        return undefined;
      },
    },
    undoHint: { cli: `tripline undo {actionId} ${storeArg}` },
  };
  let selected = 0;
  let incomplete = 0;
  let skippedLines = 0;
  try {
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = (lines[i] as string).trim();
      if (line === '') continue;
      const finding = parseFinding(line);
      if (typeof finding === 'string') {
        skippedLines++;
        ctx.say(`${file}:${i + 1}: skipped: ${finding}`);
        continue;
      }
      const before = printed.length;
      const out: ResponseOutcome = await respond(finding, deps);
      if (out.result === 'ignored') continue;
      selected++;
      if (out.retryable || out.records.some((r) => r.status === 'failed' || r.status === 'partial'))
        incomplete++;
      for (const m of printed.slice(before)) ctx.out.write(`${emailText(m)}\n\n`);
      if (printed.length === before && out.reason)
        ctx.out.write(`${finding.id}: ${out.result}: ${out.reason}\n\n`);
    }
  } finally {
    await store.close?.();
  }
  ctx.say(
    `${selected} finding${selected === 1 ? '' : 's'} selected by the policy (${mode}${mode === 'dry-run' ? ': nothing changed' : ''})` +
      `${incomplete ? `, ${incomplete} not fully done` : ''}${skippedLines ? `, ${skippedLines} line${skippedLines === 1 ? '' : 's'} skipped` : ''}.`,
  );
  return incomplete > 0 ? 1 : 0;
}

/** `tripline undo`. Resolves to the exit code. */
export async function undoCommand(argv: readonly string[], ctx: RespondCtx): Promise<number> {
  const { flags, positionals } = parseArgs(argv, UNDO_FLAGS, 'Run `tripline undo --help`.');
  if (flags.has('help')) {
    ctx.out.write(UNDO_HELP);
    return 0;
  }
  if (positionals.length !== 1)
    throw new UsageError(
      'give one action id, such as oauth-chain-3b0f6c1d9e2a4f57/entra-grants. Run `tripline undo --help`.',
    );
  const vendors = await vendorDeps(ctx, 'Fix the variable (docs/respond.md).');
  const store = await openStore(flags, ctx);
  try {
    const out = await undoAction(
      positionals[0] as string,
      {
        store,
        policy: parseResponderPolicy({}, 'undo'),
        ...vendors,
      },
      ctx.env['USER'] ? `cli:${ctx.env['USER']}` : 'cli',
    );
    ctx.out.write(`${out.actionId}: ${out.status}\n`);
    for (const r of out.results)
      ctx.out.write(
        `  ${r.item}: ${r.outcome}${r.newId ? ` (new id ${r.newId})` : ''}${r.error ? `: ${r.error}` : ''}\n`,
      );
    return out.status === 'undone' ? 0 : 1;
  } catch (e) {
    if (e instanceof UndoError) throw new UsageError(e.message);
    throw e;
  } finally {
    await store.close?.();
  }
}

function parseFinding(line: string): Finding | string {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return 'not JSON';
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'not a JSON object';
  const o = v as Record<string, unknown>;
  const missing = ['id', 'ruleId', 'severity', 'tenant', 'principal', 'dedupKey', 'title'].filter(
    (k) => typeof o[k] !== 'string',
  );
  if (!Array.isArray(o['evidence'])) missing.push('evidence');
  return missing.length
    ? `not a finding (missing or wrong: ${missing.join(', ')})`
    : (o as unknown as Finding);
}

function emailText(m: RenderedResponseMessage): string {
  try {
    const s = JSON.parse(m.Message) as { email?: string; default?: string };
    return (s.email ?? s.default ?? m.Message).trimEnd();
  } catch {
    return m.Message;
  }
}
