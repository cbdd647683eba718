import { defineRule } from '../../engine/rule';
import type { TriplineEvent } from '../../events/types';
import { byAwsService, identity, isPublicIp } from './aws';

const INSTANCE_SESSION = /\/(i-[0-9a-f]{8,17})$/;
/** The SSM agent's own calls: they come from the instance and prove nothing. */
const AGENT_SOURCES = new Set(['ssmmessages.amazonaws.com', 'ec2messages.amazonaws.com']);
const AGENT_CALLS = new Set(['UpdateInstanceInformation', 'RegisterManagedInstance', 'SendHeartbeat']);

/** The instance whose role credentials made the call: `<role ARN>|<instance id>`. */
export function instanceSession(e: TriplineEvent): string | undefined {
  const id = identity(e);
  if (id.type !== 'AssumedRole') return undefined;
  const arn = typeof id.arn === 'string' ? id.arn : '';
  const m = INSTANCE_SESSION.exec(arn);
  return m ? arn : undefined;
}

function qualifies(e: TriplineEvent): boolean {
  // Instance sessions use temporary keys (actor.sessionId) and come from a public address.
  if (e.actor.sessionId === undefined || !isPublicIp(e.actor.ip)) return false;
  if (byAwsService(e) || AGENT_SOURCES.has(e.service ?? '') || AGENT_CALLS.has(e.action)) return false;
  return instanceSession(e) !== undefined;
}

export default defineRule({
  id: 'instance-credential-off-host',
  title: (c) => `EC2 instance credentials ${c.group?.replace(/^.*\//, '')} used from a new address ${c.term}`,
  description:
    "The temporary credentials of an EC2 instance role (session named after the instance, i-...) were used from a public address that instance had not used in the last 7 days, after its first 10 minutes: an instance leaves through one egress (its public address or its NAT gateway), so another address means the credentials were taken off the host (SSRF to the metadata service, a compromised workload). Private addresses, VPC endpoint calls, AWS services acting for the role and the SSM agent's own calls are not counted. Counted as new terms, so a busy instance costs one state write a day, not one per call.",
  kind: 'new_terms',
  severity: 'high',
  attack: ['T1552.005', 'T1528'],
  sources: ['aws.cloudtrail'],
  when: qualifies,
  groupBy: instanceSession,
  term: 'actor.ip',
  history: '7d',
  learning: '10m',
  termLabel: 'public source address',
  dedup: { key: instanceSession, window: '24h' },
  runbook: [
    "Revoke the role's active sessions (IAM console > role > Revoke active sessions) and find the address that is not the instance's egress in the evidence.",
    'Require IMDSv2 on the instance (`aws ec2 modify-instance-metadata-options --http-tokens required`) and look for SSRF in the workload.',
    'Review what the credentials did from the foreign address.',
  ],
  falsePositives: [
    'Instances whose public address changed after a stop and start, or that move between NAT gateways.',
  ],
});
