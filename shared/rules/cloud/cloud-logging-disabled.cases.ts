import type { RuleCases } from '../../engine/rule';
import { BASE, cloudTrail, ualRecord } from '../testing/records';

const cases: RuleCases = {
  fires: [
    {
      name: 'fires on CloudTrail StopLogging',
      records: [
        cloudTrail({
          eventName: 'StopLogging',
          eventSource: 'cloudtrail.amazonaws.com',
          at: BASE,
          ip: '185.220.101.47',
          requestParameters: { name: 'arn:aws:cloudtrail:us-east-1:444455556666:trail/org-trail' },
        }),
      ],
      expect: { findings: 1, severity: 'high' },
    },
    {
      name: 'fires on GuardDuty UpdateDetector with enable=false',
      records: [
        cloudTrail({
          eventName: 'UpdateDetector',
          eventSource: 'guardduty.amazonaws.com',
          at: BASE,
          requestParameters: { detectorId: '12abc34d567e8fa901bc2d34e56789f0', enable: false },
        }),
      ],
      expect: { findings: 1 },
    },
    {
      name: 'fires when unified audit log ingestion is switched off',
      records: [
        ualRecord({
          op: 'Set-AdminAuditLogConfig',
          user: 'stinger@contoso.com',
          at: BASE,
          ObjectId: 'Admin Audit Log Settings',
          Parameters: [{ Name: 'UnifiedAuditLogIngestionEnabled', Value: 'False' }],
        }),
      ],
      expect: { findings: 1 },
    },
    {
      name: 'fires when mailbox audit retention is cut to zero',
      records: [
        ualRecord({
          op: 'Set-Mailbox',
          user: 'stinger@contoso.com',
          at: BASE,
          Parameters: [
            { Name: 'Identity', Value: 'bob@contoso.com' },
            { Name: 'AuditLogAgeLimit', Value: '00:00:00' },
          ],
        }),
      ],
      expect: { findings: 1 },
    },
  ],
  quiet: [
    {
      name: 'stays quiet for StartLogging, a denied StopLogging and GuardDuty UpdateDetector that keeps it enabled',
      records: [
        cloudTrail({
          eventName: 'StartLogging',
          eventSource: 'cloudtrail.amazonaws.com',
          at: BASE,
          requestParameters: { name: 'org-trail' },
        }),
        cloudTrail({
          eventName: 'StopLogging',
          eventSource: 'cloudtrail.amazonaws.com',
          at: BASE + 1000,
          errorCode: 'AccessDenied',
          requestParameters: { name: 'org-trail' },
        }),
        cloudTrail({
          eventName: 'UpdateDetector',
          eventSource: 'guardduty.amazonaws.com',
          at: BASE + 2000,
          requestParameters: { detectorId: 'x', enable: true, findingPublishingFrequency: 'FIFTEEN_MINUTES' },
        }),
      ],
      expect: { findings: 0 },
    },
    {
      name: 'stays quiet when audit settings are turned on or retention is long',
      records: [
        ualRecord({
          op: 'Set-AdminAuditLogConfig',
          user: 'stinger@contoso.com',
          at: BASE,
          Parameters: [{ Name: 'UnifiedAuditLogIngestionEnabled', Value: 'True' }],
        }),
        ualRecord({
          op: 'Set-Mailbox',
          user: 'stinger@contoso.com',
          at: BASE,
          Parameters: [
            { Name: 'Identity', Value: 'bob@contoso.com' },
            { Name: 'AuditLogAgeLimit', Value: '180.00:00:00' },
          ],
        }),
      ],
      expect: { findings: 0 },
    },
  ],
};
export default cases;
