/**
 * What a CloudTrail configuration call does to what the trail logs, read from the request as
 * CloudTrail records it (`requestParameters`, camelCase; PascalCase and lower case read too).
 *
 * The console's trail editor sends every setting on each save (`s3BucketName`, `kmsKeyId: ""` when
 * SSE-KMS is off, `enableLogFileValidation`...), so a setting's presence says nothing about a change.
 * Judged here is only what the request leaves the trail logging, each finding said in words:
 *
 * - UpdateTrail: one region only (`isMultiRegionTrail` false); global service events (IAM, STS,
 *   CloudFront) dropped (`includeGlobalServiceEvents` false); log files encrypted with a KMS key of
 *   another account (the owner can no longer read them); delivery to an S3 bucket outside the
 *   configured `logBuckets` (a bucket name does not say its account, so without that list a bucket
 *   is not judged). Turning validation, encryption or SNS on or off does not change what is logged.
 * - PutEventSelectors: management events no longer logged, reads or writes of them dropped, event
 *   sources excluded (basic selectors' `excludeManagementEventSources`, advanced selectors' conditions
 *   on management events), or principals excluded (`userIdentity.arn` with a Not operator). Which
 *   data events are selected is not judged: the previous selection is not in the record, and
 *   excluding a bucket is AWS's own example.
 * - PutInsightSelectors: an empty list turns CloudTrail Insights off.
 */
import type { TriplineEvent } from '../../events/types';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isFalse = (v: unknown) => v === false || (typeof v === 'string' && v.toLowerCase() === 'false');

/** `o[name]` under the names CloudTrail (camelCase), the API (PascalCase) and Panther (lower) use. */
function pick(o: Obj, camel: string): unknown {
  const v = o[camel];
  if (v !== undefined) return v;
  const pascal = o[camel.charAt(0).toUpperCase() + camel.slice(1)];
  return pascal !== undefined ? pascal : o[camel.toLowerCase()];
}

function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function strings(v: unknown): string[] {
  return list(v).filter((x): x is string => typeof x === 'string' && x !== '');
}

/** The request parameters of a CloudTrail event (raw, so lists of objects keep their shape). */
export function requestOf(e: TriplineEvent): Obj | undefined {
  const raw = e.raw;
  if (!isObj(raw)) return undefined;
  const req = raw.requestParameters ?? raw.requestparameters;
  return isObj(req) ? req : undefined;
}

const KMS_ARN_RE = /^arn:aws[a-z-]*:kms:[^:]*:(\d{12}):/;

/** True when `bucket` is one of `allowed` (exact names, or prefixes written `name-*`). */
export function isLogBucket(bucket: string, allowed: readonly string[]): boolean {
  const b = bucket.toLowerCase();
  return allowed.some((a) => {
    const x = a.toLowerCase();
    return x.endsWith('*') ? b.startsWith(x.slice(0, -1)) : b === x;
  });
}

function updateTrail(e: TriplineEvent, req: Obj, logBuckets: readonly string[]): string[] {
  const out: string[] = [];
  if (isFalse(pick(req, 'isMultiRegionTrail'))) out.push('the trail now logs one region only');
  if (isFalse(pick(req, 'includeGlobalServiceEvents'))) {
    out.push('global service events (IAM, STS, CloudFront) are no longer logged');
  }
  const kms = pick(req, 'kmsKeyId');
  const kmsAccount = typeof kms === 'string' ? KMS_ARN_RE.exec(kms)?.[1] : undefined;
  if (kmsAccount !== undefined && kmsAccount !== e.tenant) {
    out.push(`log files are now encrypted with a KMS key of account ${kmsAccount}`);
  }
  const bucket = pick(req, 's3BucketName');
  if (
    typeof bucket === 'string' &&
    bucket !== '' &&
    logBuckets.length > 0 &&
    !isLogBucket(bucket, logBuckets)
  ) {
    out.push(`log files now go to bucket ${bucket}, not one of the configured logBuckets`);
  }
  return out;
}

type Coverage = { read: boolean; write: boolean; excluded: string[] };

function describeCoverage(c: Coverage | undefined): string[] {
  if (c === undefined) return ['management events are no longer logged'];
  const out: string[] = [];
  if (!c.read && !c.write) out.push('management events are no longer logged');
  else if (!c.read) out.push('management read events are no longer logged');
  else if (!c.write) out.push('management write events are no longer logged');
  if (c.excluded.length > 0) out.push(`management events are filtered (${c.excluded.join('; ')})`);
  return out;
}

/** Management coverage of basic event selectors: an event is logged when any selector matches it. */
function basicCoverage(selectors: unknown[]): Coverage | undefined {
  let read = false;
  let write = false;
  let common: string[] | undefined;
  let any = false;
  for (const s of selectors) {
    if (!isObj(s) || isFalse(pick(s, 'includeManagementEvents'))) continue;
    any = true;
    const rw = pick(s, 'readWriteType');
    const type = typeof rw === 'string' ? rw.toLowerCase() : 'all';
    if (type !== 'writeonly') read = true;
    if (type !== 'readonly') write = true;
    const ex = strings(pick(s, 'excludeManagementEventSources'));
    common = common === undefined ? ex : common.filter((x) => ex.includes(x));
  }
  if (!any) return undefined;
  return { read, write, excluded: (common ?? []).map((x) => `${x} excluded`) };
}

const NOT_OPS = ['notEquals', 'notStartsWith', 'notEndsWith'];
const ALL_OPS = ['equals', 'startsWith', 'endsWith', ...NOT_OPS];

interface Condition {
  field: string;
  ops: Array<[string, string[]]>;
}

function conditionsOf(selector: Obj): Condition[] {
  const out: Condition[] = [];
  for (const fs of list(pick(selector, 'fieldSelectors'))) {
    if (!isObj(fs)) continue;
    const field = pick(fs, 'field');
    if (typeof field !== 'string') continue;
    const ops: Array<[string, string[]]> = [];
    for (const op of ALL_OPS) {
      const vs = strings(pick(fs, op));
      if (vs.length > 0) ops.push([op, vs]);
    }
    out.push({ field, ops });
  }
  return out;
}

function equalsOf(c: Condition | undefined): string[] {
  return c?.ops.find(([op]) => op === 'equals')?.[1] ?? [];
}

/** Management coverage of advanced event selectors, and the principals any selector excludes. */
function advancedCoverage(selectors: unknown[]): { coverage: Coverage | undefined; hidden: string[] } {
  let read = false;
  let write = false;
  let full = false;
  let any = false;
  const excluded: string[] = [];
  const hidden: string[] = [];
  for (const s of selectors) {
    if (!isObj(s)) continue;
    const conds = conditionsOf(s);
    for (const c of conds) {
      if (c.field.toLowerCase() !== 'useridentity.arn') continue;
      for (const [op, vs] of c.ops) if (NOT_OPS.includes(op)) hidden.push(...vs);
    }
    const category = conds.find((c) => c.field === 'eventCategory');
    if (!equalsOf(category).some((v) => v.toLowerCase() === 'management')) continue;
    any = true;
    const ro = equalsOf(conds.find((c) => c.field === 'readOnly')).map((v) => v.toLowerCase());
    const sRead = ro.length === 0 || ro.includes('true');
    const sWrite = ro.length === 0 || ro.includes('false');
    const filters = conds.filter(
      (c) => c.field !== 'eventCategory' && c.field !== 'readOnly' && c.ops.length > 0,
    );
    if (filters.length === 0) {
      read ||= sRead;
      write ||= sWrite;
      if (sRead && sWrite) full = true;
    } else {
      for (const f of filters) {
        excluded.push(`${f.field} ${f.ops.map(([op, vs]) => `${op} ${vs.join(', ')}`).join(', ')}`);
      }
    }
  }
  if (!any) return { coverage: undefined, hidden };
  if (full) return { coverage: { read: true, write: true, excluded: [] }, hidden };
  // No selector logs every management event: what the unfiltered ones miss, and the filters.
  return {
    coverage: { read: read || excluded.length > 0, write: write || excluded.length > 0, excluded },
    hidden,
  };
}

function putEventSelectors(req: Obj): string[] {
  const advanced = pick(req, 'advancedEventSelectors');
  if (Array.isArray(advanced)) {
    const { coverage, hidden } = advancedCoverage(advanced);
    const out = describeCoverage(coverage);
    if (hidden.length > 0) out.push(`events of ${hidden.join(', ')} are excluded from logging`);
    return out;
  }
  const basic = pick(req, 'eventSelectors');
  if (Array.isArray(basic)) return describeCoverage(basicCoverage(basic));
  return [];
}

/**
 * How a successful CloudTrail configuration call narrows what a trail logs, one phrase per change
 * ("the trail now logs one region only"); empty when it does not narrow it.
 */
export function trailNarrowing(e: TriplineEvent, logBuckets: readonly string[]): string[] {
  const req = requestOf(e);
  if (req === undefined) return [];
  switch (e.action) {
    case 'UpdateTrail':
      return updateTrail(e, req, logBuckets);
    case 'PutEventSelectors':
      return putEventSelectors(req);
    case 'PutInsightSelectors': {
      const sel = pick(req, 'insightSelectors');
      return Array.isArray(sel) && sel.length === 0 ? ['CloudTrail Insights are turned off'] : [];
    }
    default:
      return [];
  }
}

/** The trail a configuration call names (`name` or `trailName`), for messages. */
export function trailNameOf(e: TriplineEvent): string | undefined {
  const req = requestOf(e);
  if (req === undefined) return undefined;
  const n = pick(req, 'name') ?? pick(req, 'trailName');
  return typeof n === 'string' && n !== '' ? n : undefined;
}
