import { defineRule } from '../../engine/rule';
import type { TriplineEvent } from '../../events/types';
import { trailNameOf, trailNarrowing } from './trail-settings';

export interface LoggingParams extends Record<string, unknown> {
  /**
   * The S3 buckets your trails deliver to (exact names, or prefixes written `name-*`). When set, an
   * UpdateTrail that points a trail at any other bucket fires; when empty, buckets are not judged
   * (the console re-sends the bucket on every edit, and a bucket name does not say its account).
   */
  logBuckets: string[];
}

const isFalse = (v: unknown) => v === false || (typeof v === 'string' && v.toLowerCase() === 'false');
const isTrue = (v: unknown) => v === true || (typeof v === 'string' && v.toLowerCase() === 'true');

/** AWS actions that stop, delete or narrow audit and detection, always worth an alert when they succeed. */
const AWS_ALWAYS = new Set([
  'StopLogging',
  'DeleteTrail',
  'StopConfigurationRecorder',
  'DeleteConfigurationRecorder',
  'DeleteDeliveryChannel',
  'DeleteConfigRule',
  'DeleteDetector',
  'DisableSecurityHub',
  'DeleteFlowLogs',
  'DeleteResolverQueryLogConfig',
  'DisassociateResolverQueryLogConfig',
  'DeleteModelInvocationLoggingConfiguration',
]);

/**
 * PutBucketLogging whose BucketLoggingStatus holds no LoggingEnabled: S3 server access logging
 * switched off for the bucket. A request without a BucketLoggingStatus at all says nothing.
 */
function bucketLoggingOff(e: TriplineEvent): boolean {
  const status = e.params.BucketLoggingStatus;
  if (status === undefined || status === null) return false;
  return !/LoggingEnabled/.test(typeof status === 'string' ? status : JSON.stringify(status));
}

const ADV = 'M365_ADVANCED_AUDITING';
const advCount = (v: unknown) => String(v ?? '').split(ADV).length - 1;

/**
 * Entra "Update user" that newly disables the M365_ADVANCED_AUDITING service plan in the user's
 * licence: MailItemsAccessed and the other advanced audit records stop for that user. The Graph
 * record has AssignedLicense old and new values; the unified audit log keeps them, JSON-escaped
 * three times, in additionalDetails, often cut short (so it is scanned, not parsed): the plan must
 * be listed as disabled more often in NewValue than in OldValue.
 */
export function advancedAuditingRemoved(e: TriplineEvent): boolean {
  const raw = e.raw as {
    targetResources?: Array<{
      modifiedProperties?: Array<{ displayName?: unknown; oldValue?: unknown; newValue?: unknown }>;
    }>;
  };
  for (const t of raw?.targetResources ?? [])
    for (const m of t.modifiedProperties ?? [])
      if (m.displayName === 'AssignedLicense') return advCount(m.newValue) > advCount(m.oldValue);
  for (const v of Object.values(e.params)) {
    if (typeof v !== 'string' || !v.includes(ADV)) continue;
    const text = v.replace(/\\/g, '');
    const MARK = '"Name":"AssignedLicense"';
    for (let i = text.indexOf(MARK); i >= 0; i = text.indexOf(MARK, i + MARK.length)) {
      const next = text.indexOf('"Name":"', i + MARK.length);
      const seg = text.slice(i, next < 0 ? undefined : next);
      const n = seg.indexOf('"NewValue"');
      if (n >= 0 && advCount(seg.slice(n)) > advCount(seg.slice(0, n))) return true;
    }
  }
  return false;
}

/** What a successful AWS call stops, deletes or narrows, in words; empty when it does not. */
function awsNarrowing(e: TriplineEvent, p: LoggingParams): string[] {
  switch (e.action) {
    case 'UpdateTrail':
    case 'PutEventSelectors':
    case 'PutInsightSelectors':
      return trailNarrowing(
        e,
        Array.isArray(p.logBuckets) ? p.logBuckets.filter((b) => typeof b === 'string') : [],
      );
    case 'UpdateDetector':
      return isFalse(e.params.enable) ? ['the GuardDuty detector is disabled'] : [];
    case 'PutBucketLogging':
      return bucketLoggingOff(e) ? ['S3 server access logging is off for the bucket'] : [];
    default:
      return AWS_ALWAYS.has(e.action) ? [`${e.action} succeeded`] : [];
  }
}

function m365Narrowing(e: TriplineEvent): string[] {
  switch (e.action) {
    case 'Set-AdminAuditLogConfig': {
      const out: string[] = [];
      if (isFalse(e.params.UnifiedAuditLogIngestionEnabled)) out.push('unified audit log ingestion is off');
      if (isFalse(e.params.AdminAuditLogEnabled)) out.push('admin audit logging is off');
      return out;
    }
    case 'Set-MailboxAuditBypassAssociation':
      return isTrue(e.params.AuditBypassEnabled) ? ['mailbox audit bypass is on'] : [];
    case 'Set-Mailbox': {
      if (isFalse(e.params.AuditEnabled)) return ['mailbox auditing is off'];
      const age = e.params.AuditLogAgeLimit;
      // Exchange TimeSpan "d.hh:mm:ss" or "hh:mm:ss": below 7 days means audit records are thrown away.
      if (typeof age !== 'string') return [];
      const m = /^(?:(\d+)\.)?(\d+):(\d+):(\d+)$/.exec(age.trim());
      return m && Number(m[1] ?? 0) < 7 ? [`mailbox audit records are kept ${age.trim()} only`] : [];
    }
    case 'Update user':
      return advancedAuditingRemoved(e)
        ? ["Advanced Auditing (M365_ADVANCED_AUDITING) is disabled in the user's licence"]
        : [];
    default:
      return [];
  }
}

function narrowing(e: TriplineEvent, p: LoggingParams): string[] {
  if (e.outcome === 'failure') return [];
  return e.source === 'aws.cloudtrail' ? awsNarrowing(e, p) : m365Narrowing(e);
}

function targetOf(e: TriplineEvent): string | undefined {
  const t = trailNameOf(e) ?? e.params.detectorId ?? e.params.Identity ?? e.target?.name ?? e.target?.id;
  return typeof t === 'string' && t !== '' ? t : undefined;
}

export default defineRule<LoggingParams>({
  id: 'cloud-logging-disabled',
  title: (c) =>
    `${c.event.actor.name ?? c.event.actor.id} ran ${c.event.action}: audit logging stopped or narrowed`,
  description:
    'Audit or detection logging was stopped, deleted or narrowed: CloudTrail StopLogging and DeleteTrail; UpdateTrail to one region, without global service events, to a KMS key of another account or to a bucket outside `logBuckets`; PutEventSelectors that drop management events, their reads or writes, filter their sources or exclude principals; PutInsightSelectors that turn Insights off; AWS Config recorder and rules, GuardDuty detectors, Security Hub, VPC flow logs, Route 53 Resolver query logging deleted or detached, S3 server access logging switched off (PutBucketLogging without a target), Bedrock model invocation logging deleted; M365 unified audit log ingestion off, mailbox audit bypass, mailbox auditing off or its retention cut, Advanced Auditing removed from a user licence. Edits that only widen or harden logging (log file validation, encryption, more regions or events) stay quiet.',
  kind: 'match',
  severity: 'high',
  attack: ['T1562.008'],
  sources: ['aws.cloudtrail', 'm365.audit', 'entra.audit'],
  actions: [
    ...AWS_ALWAYS,
    'UpdateTrail',
    'PutEventSelectors',
    'PutInsightSelectors',
    'UpdateDetector',
    'PutBucketLogging',
    'Set-AdminAuditLogConfig',
    'Set-MailboxAuditBypassAssociation',
    'Set-Mailbox',
    'Update user',
  ],
  params: { logBuckets: [] },
  when: (e, p) => narrowing(e, p).length > 0,
  dedup: { key: (e) => `${e.actor.id ?? e.actor.name}|${e.action}`, window: '24h' },
  why: (c) => {
    const e = c.event;
    const target = targetOf(e);
    const what = AWS_ALWAYS.has(e.action) ? [] : narrowing(e, c.params);
    return `${e.action} succeeded${e.service ? ` on ${e.service}` : ''} by ${e.actor.name ?? e.actor.id ?? 'unknown'}${e.actor.ip ? ` from ${e.actor.ip}` : ''}${target ? ` (${target})` : ''}${what.length > 0 ? `: ${what.join('; ')}` : ''}`;
  },
  runbook: [
    'Turn logging back on first: `aws cloudtrail start-logging --name <trail>` / restore the trail or recorder; `Set-AdminAuditLogConfig -UnifiedAuditLogIngestionEnabled $true`; remove the audit bypass.',
    'For a narrowed trail, put back what the finding names: `aws cloudtrail update-trail --name <trail> --is-multi-region-trail --include-global-service-events`, the event selectors of your baseline (`aws cloudtrail get-event-selectors --trail-name <trail>` shows the current ones), your own bucket and KMS key.',
    'Treat the actor as compromised until proven otherwise: disable its access keys or sessions and review what it did just before and after.',
    'Look for the gap: what happened while logging was off or narrowed (other trails, other sources, S3 access logs, VPC flow logs).',
  ],
  falsePositives: [
    'Planned trail migrations or decommissioning by the platform team; confirm the change ticket.',
    'A trail that was single-region, or without global service events, before the edit: the console re-sends those settings on every save.',
    'A trail dedicated to data events (management events logged by another trail), or KMS / RDS Data API events excluded to save cost.',
  ],
});
