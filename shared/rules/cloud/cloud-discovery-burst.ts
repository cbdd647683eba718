import { defineRule } from '../../engine/rule';
import type { TriplineEvent } from '../../events/types';
import { byAwsService, principalArn } from './aws';

/** Read calls that fetch data rather than describe the environment: not discovery. */
const DATA_READS = new Set([
  'GetObject',
  'GetObjectAcl',
  'GetSecretValue',
  'BatchGetSecretValue',
  'GetParameter',
  'GetParameters',
  'GetParametersByPath',
  'GetItem',
  'BatchGetItem',
  'GetRecords',
  'GetShardIterator',
  'GetLogEvents',
  'GetQueryResults',
  'GetMetricData',
  'GetCallerIdentity',
  'GetSessionToken',
  'GetFederationToken',
]);

const DENIED = /AccessDenied|UnauthorizedOperation|Forbidden|NotAuthorized/i;

/**
 * A List, Describe or Get call that looks around: made by anyone but a known workload (a person's
 * credentials: IAM user, SSO, federated, root; or a principal the record does not type, such as
 * another account's (AWSAccount) or CloudTrail's Unknown), or refused whoever made it. Workload
 * roles describe their own resources all day; counting each of their calls would cost a state
 * write per call for nothing, while a stolen workload credential probing beyond its role meets
 * refusals (and off-host use is instance-credential-off-host).
 */
const READ_RE = /^(?:List|Describe|Get)[A-Z]/;

function isDiscovery(e: TriplineEvent): boolean {
  // Cheapest test first: most calls are workload reads that succeed.
  if (e.actor.type === 'service' && (e.errorCode === undefined || !DENIED.test(e.errorCode))) return false;
  if (!READ_RE.test(e.action) || DATA_READS.has(e.action)) return false;
  if ((e.raw as { managementEvent?: unknown } | null)?.managementEvent === false) return false;
  return !byAwsService(e);
}

export default defineRule({
  id: 'cloud-discovery-burst',
  title: (c) => `${c.group} listed ${c.observed} AWS services within 10 minutes`,
  description:
    "One AWS principal called List*, Describe* or Get* on at least 10 different services (eventSource) within 10 minutes: the sweep of a credential someone just obtained (Pacu, ScoutSuite, CloudFox, manual recon). Calls made with a person's credentials or by a principal of unknown type (another account's, CloudTrail's Unknown) count, and refused calls by any principal (probing what a stolen key can do is discovery too); the routine reads of workload roles, data reads (GetObject, GetSecretValue...), AWS services acting for a principal and service-linked roles are not counted.",
  kind: 'distinct',
  severity: 'medium',
  escalate: (c) => ((c.observed ?? 0) >= 20 ? 'high' : undefined),
  attack: ['T1526', 'T1046', 'T1069.003'],
  sources: ['aws.cloudtrail'],
  when: isDiscovery,
  groupBy: principalArn,
  field: 'service',
  count: 10,
  window: '10m',
  unit: 'AWS services listed or described',
  runbook: [
    'Identify the principal and the source address in the evidence; was this an inventory or security tool run by your team?',
    'If not: deactivate its access keys (`aws iam update-access-key --status Inactive`) or revoke the role sessions (`aws iam put-role-policy` with an AWSRevokeOlderSessions deny), and look for what it did after the sweep.',
  ],
  falsePositives: [
    'Inventory, CSPM and infrastructure-as-code tools (AWS Config, Prowler, Terraform plan) that sweep many services; allow their roles by overriding the rule or tuning the count.',
  ],
});
