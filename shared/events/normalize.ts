/**
 * One entry point for every source: `detectSource` tells what a record is, `normalize` turns it
 * into TriplineEvents or says, in words a person understands, why it cannot.
 *
 * Accepted around the per-source shapes: EventBridge events carrying CloudTrail (`detail`),
 * CloudTrail as Logstash and Elastic store it (`@timestamp`, ECS fields), Azure Monitor envelopes
 * (`properties`), Sentinel / Log Analytics rows (AuditLogs, SigninLogs, OfficeActivity), Purview /
 * Search-UnifiedAuditLog rows (`AuditData`, JSON text or object) and container documents
 * (`Records`, `records`, Graph `value`, Workspace `items`, plain arrays). A refused record's
 * reason says what is missing and which shape the record looked like. `raw` on each event is the source record itself (the CloudTrail record, the
 * Graph object inside an envelope, the parsed AuditData), so rules read `raw` the same way
 * whatever the delivery path.
 */
import { envelopeKind, readEnvelope } from './azure-envelope';
import { isCloudTrailRecord, isEventBridgeCloudTrail, normalizeCloudTrail } from './cloudtrail';
import { isWrappedCloudTrail, normalizeWrappedCloudTrail } from './cloudtrail-wrapped';
import { containerItems } from './containers';
import { isGraphDirectoryAudit, normalizeEntraAudit } from './entra-audit';
import { isGraphSignIn, normalizeEntraSignIn } from './entra-signin';
import { fail, isObj, jsonMessage } from './fields';
import type { Obj } from './fields';
import { isGitHubAudit, normalizeGitHub } from './github';
import { isK8sAudit, normalizeK8s } from './k8s';
import { isM365Record, normalizeM365 } from './m365';
import { normalizeSentinel, sentinelTable } from './sentinel';
import { isSlackAudit, normalizeSlack } from './slack';
import type { NormalizeContext, NormalizeResult, SourceId, TriplineEvent } from './types';
import { isWorkspaceActivity, normalizeWorkspace } from './workspace';

export { UNKNOWN_TENANT } from './fields';

/** Options of {@link normalize}: the caller's context, and the source when it already knows it. */
export type NormalizeOptions = NormalizeContext & {
  /** Skip detection and read the record as this source. */
  source?: SourceId | undefined;
};

type Normalizer = (rec: Obj, ctx: NormalizeContext) => NormalizeResult;

const NORMALIZERS: Readonly<Record<SourceId, Normalizer>> = {
  'aws.cloudtrail': normalizeCloudTrail,
  'entra.audit': normalizeEntraAudit,
  'entra.signin': normalizeEntraSignIn,
  'm365.audit': normalizeM365,
  'google.workspace': normalizeWorkspace,
  'github.audit': normalizeGitHub,
  'slack.audit': normalizeSlack,
  'k8s.audit': normalizeK8s,
};

/** What a record looked like: its source, the shape's name for messages, and its reader. */
interface Shape {
  source: SourceId;
  /** Words for a quarantine reason: "a Sentinel SigninLogs row". */
  shape: string;
  read: Normalizer;
}

const SENTINEL_NAMES = { signin: 'SigninLogs', audit: 'AuditLogs', office: 'OfficeActivity' } as const;
const SENTINEL_SOURCES = { signin: 'entra.signin', audit: 'entra.audit', office: 'm365.audit' } as const;

const MAX_KEYS_SHOWN = 12;

function shapeReason(rec: Obj): string {
  const keys = Object.keys(rec);
  if (keys.length === 0) return 'unknown record shape: empty object';
  const shown = keys.slice(0, MAX_KEYS_SHOWN).join(', ');
  const more = keys.length > MAX_KEYS_SHOWN ? `, … (${keys.length - MAX_KEYS_SHOWN} more)` : '';
  return `unknown record shape: keys ${shown}${more}`;
}

function notAnObject(v: unknown): string {
  if (v === null) return 'not an object (null)';
  if (Array.isArray(v)) return 'not an object (array)';
  return `not an object (${typeof v})`;
}

/** The parsed AuditData of a Purview / Search-UnifiedAuditLog row, or a failure reason. */
function auditDataOf(rec: Obj): { inner: unknown } | { reason: string } | undefined {
  const ad = rec.AuditData;
  if (ad === undefined) return undefined;
  if (typeof ad !== 'string') return { inner: ad };
  try {
    return { inner: JSON.parse(ad) as unknown };
  } catch (e) {
    return { reason: `AuditData is not valid JSON: ${jsonMessage(e)}` };
  }
}

/** The shape of one record (not a container), judged from its keys alone. */
function shapeOf(rec: Obj): Shape | undefined {
  if (isEventBridgeCloudTrail(rec))
    return { source: 'aws.cloudtrail', shape: 'an EventBridge CloudTrail event', read: normalizeCloudTrail };
  if (isWrappedCloudTrail(rec))
    return {
      source: 'aws.cloudtrail',
      shape: 'a Logstash or Elastic (ECS) CloudTrail document',
      read: normalizeWrappedCloudTrail,
    };
  if (isCloudTrailRecord(rec))
    return { source: 'aws.cloudtrail', shape: 'a CloudTrail record', read: normalizeCloudTrail };
  const table = sentinelTable(rec);
  if (table !== undefined)
    return {
      source: SENTINEL_SOURCES[table],
      shape: `a Sentinel / Log Analytics ${SENTINEL_NAMES[table]} row`,
      read: normalizeSentinel,
    };
  if (isM365Record(rec))
    return {
      source: 'm365.audit',
      shape:
        rec.Operation === undefined
          ? 'a unified audit log record with lower-cased keys'
          : 'a unified audit log record',
      read: normalizeM365,
    };
  if (isK8sAudit(rec))
    return {
      source: 'k8s.audit',
      shape: isObj(rec.protoPayload)
        ? 'a GKE Kubernetes audit log entry'
        : isObj(rec.properties)
          ? 'an AKS kube-audit diagnostic record'
          : 'a Kubernetes audit event',
      read: normalizeK8s,
    };
  const env = readEnvelope(rec);
  if (env !== undefined) {
    const kind = envelopeKind(env);
    if (kind !== undefined)
      return {
        source: kind,
        shape: `an Azure Monitor ${env.category ?? (kind === 'entra.audit' ? 'AuditLogs' : 'SignInLogs')} record`,
        read: NORMALIZERS[kind],
      };
  }
  if (isGraphDirectoryAudit(rec))
    return { source: 'entra.audit', shape: 'a Graph directoryAudit', read: normalizeEntraAudit };
  if (isGraphSignIn(rec))
    return { source: 'entra.signin', shape: 'a Graph signIn', read: normalizeEntraSignIn };
  if (isWorkspaceActivity(rec))
    return {
      source: 'google.workspace',
      shape: Array.isArray(rec.events) ? 'a Reports API activity' : 'a flattened Workspace event',
      read: normalizeWorkspace,
    };
  if (isGitHubAudit(rec))
    return { source: 'github.audit', shape: 'a GitHub audit log event', read: normalizeGitHub };
  if (isSlackAudit(rec))
    return { source: 'slack.audit', shape: 'a Slack audit log entry', read: normalizeSlack };
  return undefined;
}

function detectObj(rec: Obj): SourceId | undefined {
  return shapeOf(rec)?.source;
}

/** Runs a shape's reader; a refusal names the shape the record looked like. */
function readShape(s: Shape, rec: Obj, ctx: NormalizeContext): NormalizeResult {
  const r = s.read(rec, ctx);
  return r.ok ? r : fail(`${r.reason} (the record looks like ${s.shape})`);
}

/**
 * Which source `record` comes from, judged from its shape alone; undefined when it is none of
 * the supported sources. For containers and wrappers, the source of the (first) record inside.
 *
 * @example detectSource({ eventVersion: '1.08', eventName: 'StopLogging', ... }) === 'aws.cloudtrail'
 */
export function detectSource(record: unknown): SourceId | undefined {
  if (Array.isArray(record)) return record.length > 0 ? detectSource(record[0]) : undefined;
  if (!isObj(record)) return undefined;
  const direct = detectObj(record);
  if (direct !== undefined) return direct;
  const ad = auditDataOf(record);
  if (ad !== undefined) return 'inner' in ad ? detectSource(ad.inner) : undefined;
  const c = containerItems(record);
  if (c !== undefined) return c.items.length > 0 ? detectSource(c.items[0]) : undefined;
  return undefined;
}

function normalizeMany(items: unknown[], label: string, opts: NormalizeOptions): NormalizeResult {
  const events: TriplineEvent[] = [];
  for (let i = 0; i < items.length; i++) {
    const res = normalize(items[i], opts);
    if (!res.ok) return fail(`${label}[${i}]: ${res.reason}`);
    for (const e of res.events) events.push(e);
  }
  return { ok: true, events };
}

/**
 * Normalizes one record (or a wrapper / container of records) into TriplineEvents. Never throws.
 * A record that cannot be normalized gives `{ok: false, reason}`: "no eventTime",
 * "not an object (string)", "unknown record shape: keys a, b, c". A container succeeds only when
 * every record in it does; callers that want per-record results iterate the container themselves.
 *
 * @example
 * const r = normalize(JSON.parse(line), { tenant: 'contoso' });
 * if (r.ok) for (const e of r.events) engine.push(e); else quarantine(r.reason);
 */
export function normalize(record: unknown, opts: NormalizeOptions = {}): NormalizeResult {
  try {
    if (Array.isArray(record)) return normalizeMany(record, '', opts);
    if (!isObj(record)) return fail(notAnObject(record));
    const ctx: NormalizeContext = opts.tenant === undefined ? {} : { tenant: opts.tenant };

    const ad = auditDataOf(record);
    if (ad !== undefined) {
      if ('reason' in ad) return fail(ad.reason);
      if (!isObj(ad.inner)) return fail(`AuditData is ${notAnObject(ad.inner)}`);
      const inner = shapeOf(ad.inner);
      if (opts.source !== undefined && inner?.source !== opts.source)
        return NORMALIZERS[opts.source](ad.inner, ctx);
      return readShape(
        inner ?? {
          source: 'm365.audit',
          shape: 'a Purview / Search-UnifiedAuditLog row',
          read: normalizeM365,
        },
        ad.inner,
        ctx,
      );
    }

    if (opts.source !== undefined) {
      const c = containerItems(record);
      if (c !== undefined) return normalizeMany(c.items, c.key, opts);
      // A known shape of the requested source (a Sentinel row, a wrapped CloudTrail record) is
      // read as that shape; anything else goes to the source's own reader.
      const shape = shapeOf(record);
      if (shape !== undefined && shape.source === opts.source) return readShape(shape, record, ctx);
      return NORMALIZERS[opts.source](record, ctx);
    }

    const shape = shapeOf(record);
    if (shape !== undefined) return readShape(shape, record, ctx);
    const c = containerItems(record);
    if (c !== undefined) return normalizeMany(c.items, c.key, opts);
    return fail(shapeReason(record));
  } catch (e) {
    // The normalizers are written not to throw; this keeps the promise if one ever does.
    return fail(`normalizer error: ${(e as Error).message}`);
  }
}
