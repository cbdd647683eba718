import type { RuleCases } from '../../engine/rule';
import { BASE, MIN, cloudTrail, directoryAudit, ualRecord } from '../testing/records';

const ACCOUNT = '444455556666';
const TRAIL = `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/org-trail`;
const BUCKET = `aws-cloudtrail-logs-${ACCOUNT}-0f1e2d3c`;

/**
 * The trail as the console's editor saves it: every setting on each save (SSE-KMS off is
 * `kmsKeyId: ""`), the response echoing the trail, the console's user agent.
 */
function consoleSave(at: number, changes: Record<string, unknown> = {}) {
  const settings = {
    name: TRAIL,
    s3BucketName: BUCKET,
    s3KeyPrefix: '',
    snsTopicName: '',
    includeGlobalServiceEvents: true,
    isMultiRegionTrail: true,
    enableLogFileValidation: false,
    kmsKeyId: '',
    isOrganizationTrail: false,
    ...changes,
  };
  const { enableLogFileValidation, kmsKeyId, ...echoed } = settings;
  return {
    ...cloudTrail({
      eventName: 'UpdateTrail',
      eventSource: 'cloudtrail.amazonaws.com',
      at,
      userName: 'platform-admin',
      ip: '203.0.113.40',
      requestParameters: settings,
      responseElements: {
        ...echoed,
        name: 'org-trail',
        trailARN: TRAIL,
        logFileValidationEnabled: enableLogFileValidation,
        ...(kmsKeyId ? { kmsKeyId } : {}),
      },
    }),
    userAgent: 'AWS Internal',
  };
}

/** `aws cloudtrail update-trail --name org-trail <flags>`: only what the command line names. */
function cliUpdate(at: number, params: Record<string, unknown>) {
  return cloudTrail({
    eventName: 'UpdateTrail',
    eventSource: 'cloudtrail.amazonaws.com',
    at,
    ip: '185.220.101.47',
    requestParameters: { name: 'org-trail', ...params },
    responseElements: {
      name: 'org-trail',
      s3BucketName: BUCKET,
      includeGlobalServiceEvents: true,
      isMultiRegionTrail: true,
      trailARN: TRAIL,
      logFileValidationEnabled: true,
      isOrganizationTrail: false,
      ...params,
    },
  });
}

function putEventSelectors(
  at: number,
  selectors: { eventSelectors: unknown[] } | { advancedEventSelectors: unknown[] },
) {
  return cloudTrail({
    eventName: 'PutEventSelectors',
    eventSource: 'cloudtrail.amazonaws.com',
    at,
    ip: '185.220.101.47',
    requestParameters: { trailName: 'org-trail', ...selectors },
    responseElements: { trailARN: TRAIL, ...selectors },
  });
}

const allManagement = {
  name: 'Management events',
  fieldSelectors: [{ field: 'eventCategory', equals: ['Management'] }],
};

/**
 * Entra "Update user" that changes the user's licence, as the unified audit log writes it: the
 * additionalDetails value is cut short by the UAL when `cut` (here inside the AssignedPlan list).
 */
function licenceChange(oldDisabled: string, newDisabled: string, cut = false) {
  const sku = (d: string) =>
    `[SkuName=DEVELOPERPACK_E5, AccountId=8d4121ed, SkuId=c42b9cae, DisabledPlans=[${d}]]`;
  const b = JSON.stringify({
    targetUpdatedProperties: JSON.stringify([
      { Name: 'AssignedLicense', OldValue: [sku(oldDisabled)], NewValue: [sku(newDisabled)] },
      { Name: 'AssignedPlan', OldValue: [], NewValue: [] },
    ]),
  });
  return ualRecord({
    op: 'Update user.',
    user: 'stinger@contoso.onmicrosoft.com',
    at: BASE,
    workload: 'AzureActiveDirectory',
    recordType: 8,
    result: 'Success',
    UserType: 0,
    ObjectId: 'Matt@contoso.onmicrosoft.com',
    ExtendedProperties: [
      {
        Name: 'additionalDetails',
        Value: ((v: string) => (cut ? v.slice(0, v.indexOf('AssignedPlan') + 40) : v))(
          JSON.stringify({ id: '2e164532', seq: '1', b }),
        ),
      },
      { Name: 'extendedAuditEventCategory', Value: 'User' },
    ],
    ModifiedProperties: [{ Name: 'Included Updated Properties', NewValue: 'AssignedLicense', OldValue: '' }],
  });
}

const cases: RuleCases = {
  fires: [
    {
      name: 'fires when Route 53 Resolver query logging is deleted and Bedrock invocation logging removed',
      records: [
        cloudTrail({
          eventName: 'DeleteResolverQueryLogConfig',
          eventSource: 'route53resolver.amazonaws.com',
          at: BASE,
          requestParameters: { resolverQueryLogConfigId: 'rqlc-5aa596fe3bd84ec6' },
        }),
        cloudTrail({
          eventName: 'DeleteModelInvocationLoggingConfiguration',
          eventSource: 'bedrock.amazonaws.com',
          at: BASE,
          requestParameters: null,
        }),
      ],
      expect: { findings: 2 },
    },
    {
      name: 'fires when PutBucketLogging leaves the bucket without a logging target',
      records: [
        cloudTrail({
          eventName: 'PutBucketLogging',
          eventSource: 's3.amazonaws.com',
          at: BASE,
          requestParameters: {
            logging: '',
            bucketName: 'critical-data-bucket',
            BucketLoggingStatus: { xmlns: 'http://s3.amazonaws.com/doc/2006-03-01/' },
            Host: 'critical-data-bucket.s3.us-west-2.amazonaws.com',
          },
        }),
      ],
      expect: { findings: 1, severity: 'high' },
    },
    {
      name: "fires when Advanced Auditing is disabled in a user's licence (UAL Update user.)",
      records: [licenceChange('', 'M365_ADVANCED_AUDITING,ADALLOM_S_O365')],
      expect: { findings: 1 },
    },
    {
      name: 'fires when the UAL cut the additionalDetails value short after the licence change',
      records: [licenceChange('', 'M365_ADVANCED_AUDITING,EQUIVIO_ANALYTICS', true)],
      expect: { findings: 1 },
    },
    {
      name: 'fires on the Graph record of the same licence change',
      records: [
        directoryAudit({
          activity: 'Update user',
          at: BASE,
          targets: [
            {
              type: 'User',
              userPrincipalName: 'matt@contoso.com',
              modifiedProperties: [
                {
                  displayName: 'AssignedLicense',
                  oldValue: '["[SkuName=SPE_E5, DisabledPlans=[]]"]',
                  newValue: '["[SkuName=SPE_E5, DisabledPlans=[M365_ADVANCED_AUDITING]]"]',
                },
              ],
            },
          ],
        }),
      ],
      expect: { findings: 1 },
    },
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
    {
      name: 'fires when UpdateTrail makes the trail single-region',
      records: [cliUpdate(BASE, { isMultiRegionTrail: false })],
      expect: { findings: 1, severity: 'high' },
    },
    {
      name: 'fires when UpdateTrail stops logging global service events (IAM, STS)',
      records: [cliUpdate(BASE, { includeGlobalServiceEvents: false })],
      expect: { findings: 1 },
    },
    {
      name: 'fires when a console save encrypts the log files with a KMS key of another account',
      records: [
        consoleSave(BASE, {
          kmsKeyId: 'arn:aws:kms:us-east-1:999988887777:key/1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
        }),
      ],
      expect: { findings: 1 },
    },
    {
      name: 'fires when UpdateTrail sends the logs to a bucket outside the configured logBuckets',
      params: { logBuckets: [`aws-cloudtrail-logs-${ACCOUNT}-*`] },
      records: [cliUpdate(BASE, { s3BucketName: 'trail-archive-7731' })],
      expect: { findings: 1 },
    },
    {
      name: 'fires when basic event selectors stop management events (Panther sample shape)',
      records: [
        putEventSelectors(BASE, {
          eventSelectors: [
            {
              dataResources: [
                { type: 'AWS::S3::Object', values: [] },
                { type: 'AWS::Lambda::Function', values: [] },
              ],
              excludeManagementEventSources: [],
              includeManagementEvents: false,
              readWriteType: 'ReadOnly',
            },
          ],
        }),
      ],
      expect: { findings: 1 },
    },
    {
      name: 'fires when basic event selectors keep management reads only',
      records: [
        putEventSelectors(BASE, {
          eventSelectors: [
            {
              readWriteType: 'ReadOnly',
              includeManagementEvents: true,
              dataResources: [],
              excludeManagementEventSources: [],
            },
          ],
        }),
      ],
      expect: { findings: 1 },
    },
    {
      name: 'fires when basic event selectors exclude KMS management events',
      records: [
        putEventSelectors(BASE, {
          eventSelectors: [
            {
              readWriteType: 'All',
              includeManagementEvents: true,
              dataResources: [],
              excludeManagementEventSources: ['kms.amazonaws.com'],
            },
          ],
        }),
      ],
      expect: { findings: 1 },
    },
    {
      name: 'fires when advanced event selectors keep management reads only',
      records: [
        putEventSelectors(BASE, {
          advancedEventSelectors: [
            {
              name: 'Management reads',
              fieldSelectors: [
                { field: 'eventCategory', equals: ['Management'] },
                { field: 'readOnly', equals: ['true'] },
              ],
            },
          ],
        }),
      ],
      expect: { findings: 1 },
    },
    {
      name: 'fires when advanced event selectors filter management events by source',
      records: [
        putEventSelectors(BASE, {
          advancedEventSelectors: [
            {
              name: 'Management events without KMS',
              fieldSelectors: [
                { field: 'eventCategory', equals: ['Management'] },
                { field: 'eventSource', notEquals: ['kms.amazonaws.com'] },
              ],
            },
          ],
        }),
      ],
      expect: { findings: 1 },
    },
    {
      name: 'fires when advanced event selectors exclude one principal from data events',
      records: [
        putEventSelectors(BASE, {
          advancedEventSelectors: [
            allManagement,
            {
              name: 'S3 data events',
              fieldSelectors: [
                { field: 'eventCategory', equals: ['Data'] },
                { field: 'resources.type', equals: ['AWS::S3::Object'] },
                {
                  field: 'userIdentity.arn',
                  notStartsWith: [`arn:aws:sts::${ACCOUNT}:assumed-role/ci-deploy/`],
                },
              ],
            },
          ],
        }),
      ],
      expect: { findings: 1 },
    },
    {
      name: 'fires when advanced event selectors select data events only',
      records: [
        putEventSelectors(BASE, {
          advancedEventSelectors: [
            {
              name: 'S3 data events',
              fieldSelectors: [
                { field: 'eventCategory', equals: ['Data'] },
                { field: 'resources.type', equals: ['AWS::S3::Object'] },
              ],
            },
          ],
        }),
      ],
      expect: { findings: 1 },
    },
    {
      name: 'fires when PutInsightSelectors turns CloudTrail Insights off',
      records: [
        cloudTrail({
          eventName: 'PutInsightSelectors',
          eventSource: 'cloudtrail.amazonaws.com',
          at: BASE,
          requestParameters: { trailName: 'org-trail', insightSelectors: [] },
          responseElements: { trailARN: TRAIL, insightSelectors: [] },
        }),
      ],
      expect: { findings: 1 },
    },
  ],
  quiet: [
    {
      name: 'stays quiet when a console save turns log file validation on (the console re-sends every setting)',
      records: [consoleSave(BASE, { enableLogFileValidation: true })],
      expect: { findings: 0 },
    },
    {
      name: 'stays quiet on console saves that change validation, SSE-KMS with an own key, SNS or the prefix',
      records: [
        consoleSave(BASE),
        consoleSave(BASE + MIN, {
          kmsKeyId: `arn:aws:kms:us-east-1:${ACCOUNT}:key/0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0`,
        }),
        consoleSave(BASE + 2 * MIN, { kmsKeyId: 'alias/cloudtrail-logs' }),
        consoleSave(BASE + 3 * MIN, { snsTopicName: 'trail-delivery', s3KeyPrefix: 'org' }),
        consoleSave(BASE + 4 * MIN, { enableLogFileValidation: false }),
      ],
      expect: { findings: 0 },
    },
    {
      name: 'stays quiet when the logs stay in, or move between, buckets of logBuckets',
      params: { logBuckets: [`aws-cloudtrail-logs-${ACCOUNT}-*`, 'security-archive-logs'] },
      records: [consoleSave(BASE), cliUpdate(BASE + MIN, { s3BucketName: 'security-archive-logs' })],
      expect: { findings: 0 },
    },
    {
      name: 'stays quiet on a bucket change when logBuckets is not configured',
      records: [cliUpdate(BASE, { s3BucketName: 'trail-archive-7731' })],
      expect: { findings: 0 },
    },
    {
      name: 'stays quiet when UpdateTrail widens the trail, and when a narrowing UpdateTrail is denied',
      records: [
        cliUpdate(BASE, { isMultiRegionTrail: true, includeGlobalServiceEvents: true }),
        cliUpdate(BASE + MIN, { enableLogFileValidation: true }),
        cloudTrail({
          eventName: 'UpdateTrail',
          eventSource: 'cloudtrail.amazonaws.com',
          at: BASE + 2 * MIN,
          errorCode: 'AccessDenied',
          requestParameters: { name: 'org-trail', isMultiRegionTrail: false },
        }),
      ],
      expect: { findings: 0 },
    },
    {
      name: 'stays quiet on event selectors that keep every management event and add data events (AWS examples)',
      records: [
        putEventSelectors(BASE, {
          eventSelectors: [
            {
              readWriteType: 'All',
              includeManagementEvents: true,
              dataResources: [
                { type: 'AWS::S3::Object', values: ['arn:aws:s3:::amzn-s3-demo-bucket/prefix'] },
                { type: 'AWS::Lambda::Function', values: ['arn:aws:lambda'] },
              ],
              excludeManagementEventSources: [],
            },
          ],
        }),
        putEventSelectors(BASE + MIN, {
          advancedEventSelectors: [
            allManagement,
            {
              name: 'Log PutObject and DeleteObject events for all but one bucket',
              fieldSelectors: [
                { field: 'eventCategory', equals: ['Data'] },
                { field: 'resources.type', equals: ['AWS::S3::Object'] },
                { field: 'eventName', equals: ['PutObject', 'DeleteObject'] },
                { field: 'resources.ARN', notStartsWith: ['arn:aws:s3:::amzn-s3-demo-bucket/'] },
              ],
            },
          ],
        }),
        putEventSelectors(BASE + 2 * MIN, {
          eventSelectors: [
            {
              readWriteType: 'ReadOnly',
              includeManagementEvents: true,
              dataResources: [],
              excludeManagementEventSources: ['kms.amazonaws.com'],
            },
            {
              readWriteType: 'WriteOnly',
              includeManagementEvents: true,
              dataResources: [],
              excludeManagementEventSources: [],
            },
            {
              readWriteType: 'All',
              includeManagementEvents: true,
              dataResources: [],
              excludeManagementEventSources: [],
            },
          ],
        }),
        putEventSelectors(BASE + 3 * MIN, {
          advancedEventSelectors: [
            {
              name: 'reads',
              fieldSelectors: [
                { field: 'eventCategory', equals: ['Management'] },
                { field: 'readOnly', equals: ['true'] },
              ],
            },
            {
              name: 'writes',
              fieldSelectors: [
                { field: 'eventCategory', equals: ['Management'] },
                { field: 'readOnly', equals: ['false'] },
              ],
            },
          ],
        }),
        cloudTrail({
          eventName: 'PutInsightSelectors',
          eventSource: 'cloudtrail.amazonaws.com',
          at: BASE + 4 * MIN,
          requestParameters: {
            trailName: 'org-trail',
            insightSelectors: [{ insightType: 'ApiCallRateInsight' }],
          },
        }),
      ],
      expect: { findings: 0 },
    },
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
      name: 'stays quiet when PutBucketLogging sets a target or names no status, and when a licence keeps or restores Advanced Auditing',
      records: [
        cloudTrail({
          eventName: 'PutBucketLogging',
          eventSource: 's3.amazonaws.com',
          at: BASE,
          requestParameters: {
            bucketName: 'critical-data-bucket',
            BucketLoggingStatus: {
              LoggingEnabled: { TargetBucket: 'logging-bucket', TargetPrefix: 'logs/' },
            },
          },
        }),
        cloudTrail({
          eventName: 'PutBucketLogging',
          eventSource: 's3.amazonaws.com',
          at: BASE,
          requestParameters: { bucketName: 'b' },
        }),
        licenceChange('M365_ADVANCED_AUDITING', 'M365_ADVANCED_AUDITING,EQUIVIO_ANALYTICS'),
        licenceChange('M365_ADVANCED_AUDITING', ''),
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
