/**
 * `tripline pull`: the deployed collectors' clients, run from a laptop. Reads the audit logs of one
 * source (Microsoft Graph, the Microsoft 365 unified audit log, Google Workspace, CloudTrail
 * LookupEvents) for the last `--since` and writes them, as the API returned them, to JSON lines files
 * in `--out` that `tripline replay` reads.
 *
 * - **Same clients, same template**: the sources of shared/sources run under `runPoller`, with its
 *   windows, paging, retries, throttling and per-source rate limits; credentials come from the
 *   environment (see {@link PULL_ENV}).
 * - **Idempotent and resumable**: the checkpoints live in `<out>/.tripline-pull-state.jsonl` (saved
 *   after every page), and a record whose event id is already in its output file is not written again,
 *   so re-running (after a crash, a Ctrl-C, or simply a day later) continues and never duplicates.
 * - **Progress** on stderr, one line per feed (redrawn on a terminal); **errors** name the source, the
 *   feed and what to do (bad credentials, a missing licence, throttling that outlasted the retries).
 *
 * Loaded by main.ts only for `tripline pull`, so `replay` never loads the vendor SDKs.
 */
import { mkdirSync, readFileSync, truncateSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseDuration } from '../engine/duration';
import { normalize } from '../events/normalize';
import type { TriplineEvent } from '../events/types';
import type { RunBatchResult } from '../pipeline/run-batch';
import { createLookupSource, LOOKUP_TIMING, parseLookupOptions } from '../sources/cloudtrail-lookup';
import { MICROSOFT_CLOUDS } from '../sources/microsoft/endpoints';
import { microsoftTargets, parseTenantOptions, TenantConfigError } from '../sources/microsoft/tenants';
import { DEFAULT_POLL_TIMING, runPoller } from '../sources/poller';
import type { PollSource, PollTiming } from '../sources/poller';
import {
  createWorkspaceSources,
  parseWorkspaceOptions,
  WORKSPACE_TIMING,
  WorkspaceConfigError,
} from '../sources/workspace';
import type { WorkspaceApplication } from '../sources/workspace';
import { EmbeddedStateStore } from '../state/embedded';
import { safeText } from '../text/safe';
import { UsageError, parseArgs } from './args';
import type { FlagSpec } from './args';

/** The sources `tripline pull` reads. */
export const PULL_SOURCES = ['graph', 'm365', 'workspace', 'cloudtrail-lookup'] as const;
export type PullSource = (typeof PULL_SOURCES)[number];

/** The environment variables `tripline pull` reads credentials from. */
export const PULL_ENV = {
  /** Entra tenant id (graph, m365); `--tenant` overrides it. */
  tenantId: 'AZURE_TENANT_ID',
  /** The app registration's client id (graph, m365). */
  clientId: 'AZURE_CLIENT_ID',
  /** Its client secret (graph, m365)... */
  clientSecret: 'AZURE_CLIENT_SECRET',
  /** ...or a PEM file holding its certificate and private key. */
  certificatePath: 'AZURE_CLIENT_CERTIFICATE_PATH',
  /** Path of the Google service account key file (workspace). */
  googleKeyFile: 'GOOGLE_APPLICATION_CREDENTIALS',
  /** The Workspace admin the service account acts as (domain-wide delegation). */
  googleAdmin: 'TRIPLINE_GOOGLE_ADMIN_EMAIL',
} as const;

/** The flags of `tripline pull`. */
export const PULL_FLAGS: readonly FlagSpec[] = [
  {
    name: 'out',
    kind: 'value',
    arg: 'DIR',
    help: 'Folder for the JSON lines files (created if missing). Required.',
  },
  {
    name: 'since',
    kind: 'value',
    arg: 'DURATION',
    help: 'How far back to read on the first run, such as 7d or 36h (default 7d; m365 serves at most 7 days).',
  },
  {
    name: 'tenant',
    kind: 'value',
    arg: 'ID',
    help: `graph, m365: the Entra tenant id (default $${PULL_ENV.tenantId}); workspace: the Google customer id (default the admin's own).`,
  },
  {
    name: 'feeds',
    kind: 'value',
    arg: 'LIST',
    help: 'Only these feeds, comma-separated: graph directoryAudits,signIns,...; m365 Audit.Exchange,...; workspace login,token,...',
  },
  {
    name: 'cloud',
    kind: 'value',
    values: MICROSOFT_CLOUDS,
    arg: 'CLOUD',
    help: `graph, m365: the Microsoft cloud, ${MICROSOFT_CLOUDS.join(', ')} (default global).`,
  },
  { name: 'authority-host', kind: 'value', arg: 'URL', help: 'graph, m365: the Entra login authority.' },
  { name: 'graph-url', kind: 'value', arg: 'URL', help: 'graph: the Microsoft Graph base URL.' },
  { name: 'management-url', kind: 'value', arg: 'URL', help: 'm365: the Management Activity API base URL.' },
  { name: 'google-token-url', kind: 'value', arg: 'URL', help: "workspace: Google's OAuth token URL." },
  {
    name: 'google-api-url',
    kind: 'value',
    arg: 'URL',
    help: 'workspace: the Admin SDK (Reports API) base URL.',
  },
  {
    name: 'region',
    kind: 'value',
    arg: 'LIST',
    help: 'cloudtrail-lookup: the regions to read, comma-separated (default $AWS_REGION).',
  },
  {
    name: 'cloudtrail-url',
    kind: 'value',
    arg: 'URL',
    help: "cloudtrail-lookup: the CloudTrail endpoint (default the region's; also $AWS_ENDPOINT_URL_CLOUDTRAIL).",
  },
  { name: 'no-progress', kind: 'switch', help: 'No progress lines on stderr.' },
  { name: 'help', kind: 'switch', short: 'h', help: 'Show this help.' },
];

/** The help text of `tripline pull`. */
export function pullHelp(): string {
  const width = Math.max(...PULL_FLAGS.map((f) => flagLabel(f).length));
  const flags = PULL_FLAGS.map((f) => `  ${flagLabel(f).padEnd(width)}  ${f.help}`).join('\n');
  return `Usage: tripline pull <${PULL_SOURCES.join('|')}> --out DIR [--since 7d] [flags]

Reads a tenant's audit logs from the vendor's API with the deployed collectors' clients and writes
them to JSON lines files in DIR, one per feed, for \`tripline replay DIR\`. Running it again continues
from where it stopped and never writes a record twice.

Flags:
${flags}

Credentials come from the environment:
  graph, m365        ${PULL_ENV.tenantId}, ${PULL_ENV.clientId}, and ${PULL_ENV.clientSecret} or
                     ${PULL_ENV.certificatePath} (an app registration with AuditLog.Read.All and
                     Directory.Read.All for graph, ActivityFeed.Read for m365)
  workspace          ${PULL_ENV.googleKeyFile} (a service account key file with domain-wide
                     delegation of admin.reports.audit.readonly) and ${PULL_ENV.googleAdmin}
  cloudtrail-lookup  the AWS SDK's usual chain (AWS_PROFILE, AWS_ACCESS_KEY_ID, ...) and AWS_REGION
NODE_EXTRA_CA_CERTS is honoured (a TLS-inspecting proxy, a test server).

Exit codes: 0 done; 2 bad usage, missing credentials, or a feed the API would not serve.

Examples:
  tripline pull graph --out pulled/ --since 7d
  tripline pull m365 --out pulled/ --tenant 4f1e7a2c-9b3d-4c5e-8f6a-1b2c3d4e5f60
  tripline pull workspace --out pulled/ --feeds login,token
  tripline replay pulled/
`;
}

function flagLabel(f: FlagSpec): string {
  return `${f.short ? `-${f.short}, ` : ''}--${f.name}${f.kind === 'value' ? ` ${f.arg ?? 'VALUE'}` : ''}`;
}

/** Where `tripline pull` writes and reads. */
export interface PullIO {
  out: { write(s: string): unknown };
  err: { write(s: string): unknown };
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  stderrTTY: boolean;
}

/** One feed to read. */
interface Feed {
  source: PollSource;
  tenant: string;
  timing: PollTiming;
  /** Longest window the API takes in one listing (m365: 24 h; gmail: 30 days). */
  maxWindowMs: number;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** What a page's "batch" returns: pull detects nothing, it only writes the records down. */
const NOTHING_DETECTED: RunBatchResult = {
  findings: [],
  quarantined: [],
  late: [],
  updated: [],
  published: [],
  duplicates: [],
  failedPublishes: [],
  abandoned: [],
  outboxErrors: [],
  ruleErrors: [],
  stats: {} as RunBatchResult['stats'],
};
const STATE_FILE = '.tripline-pull-state.jsonl';

/** Runs `tripline pull`; resolves to the exit code. Throws UsageError for bad usage. */
export async function pullCommand(argv: readonly string[], io: PullIO): Promise<number> {
  const hint = 'Run `tripline pull --help`.';
  const { flags, positionals } = parseArgs(argv, PULL_FLAGS, hint);
  if (flags.has('help')) {
    io.out.write(pullHelp());
    return 0;
  }
  const [what, ...extra] = positionals;
  if (what === undefined)
    throw new UsageError(`say which source to pull: ${PULL_SOURCES.join(', ')}. ${hint}`);
  if (!(PULL_SOURCES as readonly string[]).includes(what))
    throw new UsageError(`unknown source '${what}'; tripline pull reads ${PULL_SOURCES.join(', ')}. ${hint}`);
  if (extra.length) throw new UsageError(`tripline pull takes one source (got also '${extra[0]}'). ${hint}`);
  const source = what as PullSource;
  const outFlag = flags.get('out');
  if (typeof outFlag !== 'string')
    throw new UsageError(`--out DIR is required: where to write the records. ${hint}`);
  const sinceText = typeof flags.get('since') === 'string' ? (flags.get('since') as string) : '7d';
  const sinceMs = parseDuration(sinceText);
  if (sinceMs === undefined)
    throw new UsageError(
      `--since ${sinceText} is not a duration; use a number and unit such as 7d or 36h. ${hint}`,
    );
  const str = (name: string): string | undefined => {
    const v = flags.get(name);
    return typeof v === 'string' ? v : undefined;
  };

  const feeds = buildFeeds(source, str, io);
  const out = resolve(io.cwd, outFlag);
  mkdirSync(out, { recursive: true });
  const store = await EmbeddedStateStore.open(join(out, STATE_FILE));
  const progress = !flags.has('no-progress');
  const say = (line: string): void => void io.err.write(`tripline: ${safeText(line)}\n`);
  let failed = 0;
  let written = 0;
  try {
    for (const feed of feeds) {
      const file = join(out, `${feed.source.name}_${fileSafe(feed.tenant)}.jsonl`);
      const known = knownIds(file, feed.tenant);
      let added = 0;
      let skipped = 0;
      const show = (final: boolean): void => {
        if (!progress && !final) return;
        const line = `${feed.source.name} (${feed.tenant}): ${added} new record${added === 1 ? '' : 's'}${skipped ? `, ${skipped} already in ${fileName(file)}` : ''}`;
        if (io.stderrTTY && !final) io.err.write(`\r\x1b[2K${safeText(line)}`);
        else if (final) io.err.write(`${io.stderrTTY && progress ? '\r\x1b[2K' : ''}${safeText(line)}\n`);
        else io.err.write(`${safeText(line)}\n`);
      };
      try {
        const res = await runPoller({
          source: feed.source,
          tenant: feed.tenant,
          store,
          now: Date.now,
          remainingMs: () => Number.MAX_SAFE_INTEGER,
          ...feed.timing,
          initialLookbackMs: Math.min(sinceMs, feed.timing.maxLookbackMs ?? sinceMs),
          // A laptop run reads the whole range in as few windows as the API allows.
          maxWindowMs: Math.max(feed.timing.maxWindowMs, Math.min(sinceMs, feed.maxWindowMs)),
          batch: async (events: TriplineEvent[]) => {
            const lines: string[] = [];
            const raws = new Set<unknown>();
            for (const e of events) {
              if (known.has(e.id) || raws.has(e.raw)) {
                if (!raws.has(e.raw)) skipped++;
                continue;
              }
              known.add(e.id);
              raws.add(e.raw);
              lines.push(JSON.stringify(e.raw));
            }
            if (lines.length) await appendFile(file, `${lines.join('\n')}\n`);
            added += lines.length;
            show(false);
            await store.flush();
            return NOTHING_DETECTED;
          },
        });
        await store.flush();
        written += added;
        show(true);
        if (res.unavailable) say(`${feed.source.name}: skipped: ${res.unavailable.reason}`);
        for (const l of res.lost) say(`${feed.source.name}: lost ${l.what}: ${l.reason}`);
        for (const g of res.gaps)
          say(
            `${feed.source.name}: ${new Date(g.from).toISOString()} to ${new Date(g.to).toISOString()} is older than the API serves; not read.`,
          );
      } catch (e) {
        failed++;
        if (progress && io.stderrTTY) io.err.write('\r\x1b[2K');
        say(`${feed.source.name} (${feed.tenant}) failed after ${added} new records: ${errorText(e)}`);
      }
    }
  } finally {
    await store.close();
  }
  say(
    `${written} new record${written === 1 ? '' : 's'} written to ${outFlag}${failed ? `; ${failed} of ${feeds.length} feeds failed (run again to continue)` : ''}. Next: tripline replay ${outFlag}`,
  );
  return failed ? 2 : 0;
}

function buildFeeds(source: PullSource, str: (name: string) => string | undefined, io: PullIO): Feed[] {
  const env = io.env;
  const list = (v: string | undefined): string[] | undefined =>
    v === undefined
      ? undefined
      : v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
  if (source === 'graph' || source === 'm365') {
    const tenantId = str('tenant') ?? env[PULL_ENV.tenantId];
    const missing = [
      tenantId ? undefined : `${PULL_ENV.tenantId} (or --tenant)`,
      env[PULL_ENV.clientId] ? undefined : PULL_ENV.clientId,
      env[PULL_ENV.clientSecret] || env[PULL_ENV.certificatePath]
        ? undefined
        : `${PULL_ENV.clientSecret} or ${PULL_ENV.certificatePath}`,
    ].filter(Boolean);
    if (missing.length)
      throw new UsageError(
        `tripline pull ${source} needs an app registration's credentials in the environment: set ${missing.join(', ')}. Run \`tripline pull --help\`.`,
      );
    let certificate: string | undefined;
    const certPath = env[PULL_ENV.certificatePath];
    if (!env[PULL_ENV.clientSecret] && certPath) {
      try {
        certificate = readFileSync(resolve(io.cwd, certPath), 'utf8');
      } catch (e) {
        throw new UsageError(`${PULL_ENV.certificatePath} ${certPath} cannot be read: ${errorText(e)}`);
      }
    }
    const opts = parseTenantOptions(
      {
        tenantId,
        clientId: env[PULL_ENV.clientId],
        ...(env[PULL_ENV.clientSecret] ? { clientSecret: env[PULL_ENV.clientSecret] } : { certificate }),
        ...(str('cloud') ? { cloud: str('cloud') } : {}),
        ...(str('authority-host') ? { authorityHost: str('authority-host') } : {}),
        ...(str('graph-url') ? { graphBase: str('graph-url') } : {}),
        ...(str('management-url') ? { managementBase: str('management-url') } : {}),
        ...(list(str('feeds'))
          ? { [source === 'graph' ? 'feeds' : 'contentTypes']: list(str('feeds')) }
          : {}),
      },
      source,
      'the flags and environment',
    );
    if (opts instanceof TenantConfigError) throw new UsageError(`${opts.message}`);
    return microsoftTargets(source, opts, {
      onSubscriptionStarted: (_t, contentType) =>
        io.err.write(
          `tripline: started the Management Activity API subscription to ${contentType}; its first content can take up to 12 hours to appear.\n`,
        ),
    }).map((t) => ({
      source: t.source,
      tenant: t.tenant,
      timing: { ...DEFAULT_POLL_TIMING, ...t.timing },
      // m365 lists at most 24 h per call, and a window also re-reads its 1 h overlap.
      maxWindowMs: source === 'm365' ? DAY - 2 * HOUR : 30 * DAY,
    }));
  }
  if (source === 'workspace') {
    const keyPath = env[PULL_ENV.googleKeyFile];
    const admin = env[PULL_ENV.googleAdmin];
    const missing = [
      keyPath ? undefined : PULL_ENV.googleKeyFile,
      admin ? undefined : PULL_ENV.googleAdmin,
    ].filter(Boolean);
    if (missing.length)
      throw new UsageError(
        `tripline pull workspace needs a service account in the environment: set ${missing.join(', ')}. Run \`tripline pull --help\`.`,
      );
    let key: string;
    try {
      key = readFileSync(resolve(io.cwd, keyPath as string), 'utf8');
    } catch (e) {
      throw new UsageError(`${PULL_ENV.googleKeyFile} ${keyPath} cannot be read: ${errorText(e)}`);
    }
    let opts;
    try {
      opts = parseWorkspaceOptions({
        serviceAccountKey: key,
        delegatedAdminEmail: admin,
        ...(str('tenant') ? { customerId: str('tenant') } : {}),
        ...(list(str('feeds')) ? { applications: list(str('feeds')) } : {}),
        ...(str('google-token-url') ? { tokenUrl: str('google-token-url') } : {}),
        ...(str('google-api-url') ? { apiBase: str('google-api-url') } : {}),
      });
    } catch (e) {
      if (e instanceof WorkspaceConfigError)
        throw new UsageError(`${PULL_ENV.googleKeyFile} / flags: ${e.message}`);
      throw e;
    }
    const tenant = opts.customerId ?? 'my_customer';
    const apps = opts.applications;
    return createWorkspaceSources(opts, {
      onNotice: (n) => io.err.write(`tripline: ${safeText(n.message)}\n`),
    }).map((s, i) => ({
      source: s,
      tenant,
      timing: WORKSPACE_TIMING[apps[i] as WorkspaceApplication],
      maxWindowMs: 30 * DAY,
    }));
  }
  const endpoint = str('cloudtrail-url') ?? env['AWS_ENDPOINT_URL_CLOUDTRAIL'];
  const regions = list(str('region')) ?? (env['AWS_REGION'] ? [env['AWS_REGION']] : []);
  if (regions.length === 0)
    throw new UsageError(
      'tripline pull cloudtrail-lookup needs a region: --region us-east-1 (or set AWS_REGION).',
    );
  return regions.map((region) => {
    let opts;
    try {
      opts = parseLookupOptions(endpoint ? { region, endpoint } : { region });
    } catch (e) {
      throw new UsageError(errorText(e));
    }
    return {
      source: createLookupSource(opts, { onNotice: (m) => io.err.write(`tripline: ${safeText(m)}\n`) }),
      tenant: str('tenant') ?? 'aws',
      timing: LOOKUP_TIMING,
      maxWindowMs: 30 * DAY,
    };
  });
}

/**
 * Event ids of the records already in `file` (none when it does not exist yet). A last line cut short
 * by a crash is removed: its record is read again and written whole.
 */
function knownIds(file: string, tenant: string): Set<string> {
  const ids = new Set<string>();
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return ids;
  }
  if (text.length > 0 && !text.endsWith('\n')) {
    text = text.slice(0, text.lastIndexOf('\n') + 1);
    truncateSync(file, Buffer.byteLength(text));
  }
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const res = normalize(JSON.parse(line), { tenant });
      if (res.ok) for (const e of res.events) ids.add(e.id);
    } catch {
      // A line cut short by a crash: the record is read again and written whole.
    }
  }
  return ids;
}

function fileSafe(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]/g, '_');
}

function fileName(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
