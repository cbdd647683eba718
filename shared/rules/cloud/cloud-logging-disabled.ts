import { defineRule } from '../../engine/rule';
import type { TriplineEvent } from '../../events/types';

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
]);

/** AWS actions that may narrow logging depending on their parameters. */
function awsNarrows(e: TriplineEvent): boolean {
  switch (e.action) {
    case 'UpdateTrail':
      return (
        isFalse(e.params.isMultiRegionTrail) ||
        isFalse(e.params.includeGlobalServiceEvents) ||
        e.params.s3BucketName !== undefined
      );
    case 'PutEventSelectors': {
      const sel = String(e.params.eventSelectors ?? '') + String(e.params.advancedEventSelectors ?? '');
      return /"includeManagementEvents"\s*:\s*false|"readWriteType"\s*:\s*"(ReadOnly|None)"/i.test(sel);
    }
    case 'UpdateDetector':
      return isFalse(e.params.enable);
    default:
      return AWS_ALWAYS.has(e.action);
  }
}

function m365Narrows(e: TriplineEvent): boolean {
  switch (e.action) {
    case 'Set-AdminAuditLogConfig':
      return isFalse(e.params.UnifiedAuditLogIngestionEnabled) || isFalse(e.params.AdminAuditLogEnabled);
    case 'Set-MailboxAuditBypassAssociation':
      return isTrue(e.params.AuditBypassEnabled);
    case 'Set-Mailbox': {
      if (isFalse(e.params.AuditEnabled)) return true;
      const age = e.params.AuditLogAgeLimit;
      // Exchange TimeSpan "d.hh:mm:ss" or "hh:mm:ss": below 7 days means audit records are thrown away.
      if (typeof age !== 'string') return false;
      const m = /^(?:(\d+)\.)?(\d+):(\d+):(\d+)$/.exec(age.trim());
      return !!m && Number(m[1] ?? 0) < 7;
    }
    default:
      return false;
  }
}

export default defineRule({
  id: 'cloud-logging-disabled',
  title: (c) =>
    `${c.event.actor.name ?? c.event.actor.id} ran ${c.event.action}: audit logging stopped or narrowed`,
  description:
    'Audit or detection logging was stopped, deleted or narrowed: CloudTrail StopLogging/DeleteTrail/UpdateTrail/PutEventSelectors, AWS Config recorder and rules, GuardDuty detectors, Security Hub; M365 unified audit log ingestion off, mailbox audit bypass or mailbox audit retention cut.',
  kind: 'match',
  severity: 'high',
  attack: ['T1562.008'],
  sources: ['aws.cloudtrail', 'm365.audit'],
  actions: [
    ...AWS_ALWAYS,
    'UpdateTrail',
    'PutEventSelectors',
    'UpdateDetector',
    'Set-AdminAuditLogConfig',
    'Set-MailboxAuditBypassAssociation',
    'Set-Mailbox',
  ],
  when: (e) => e.outcome !== 'failure' && (e.source === 'aws.cloudtrail' ? awsNarrows(e) : m365Narrows(e)),
  dedup: { key: (e) => `${e.actor.id ?? e.actor.name}|${e.action}`, window: '24h' },
  why: (c) => {
    const e = c.event;
    const detail = Object.entries(e.params)
      .filter(([k]) => /name|trail|enable|audit|selector|bypass|detector|identity/i.test(k))
      .slice(0, 4)
      .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : String(v)}`)
      .join(', ');
    return `${e.action} succeeded${e.service ? ` on ${e.service}` : ''} by ${e.actor.name ?? e.actor.id ?? 'unknown'}${e.actor.ip ? ` from ${e.actor.ip}` : ''}${detail ? ` (${detail})` : ''}`;
  },
  runbook: [
    'Turn logging back on first: `aws cloudtrail start-logging --name <trail>` / restore the trail or recorder; `Set-AdminAuditLogConfig -UnifiedAuditLogIngestionEnabled $true`; remove the audit bypass.',
    'Treat the actor as compromised until proven otherwise: disable its access keys or sessions and review what it did just before and after.',
    'Look for the gap: what happened while logging was off (other sources, S3 access logs, VPC flow logs).',
  ],
  falsePositives: [
    'Planned trail migrations or decommissioning by the platform team; confirm the change ticket.',
  ],
});
