import { defineRule } from '../../engine/rule';
import type { TriplineEvent } from '../../events/types';
import { baseName, byAwsService, lambdaNames, principalArn } from './aws';

/** Changes to what a function runs, as whom, and what triggers it. */
const CHANGES = new Set([
  'UpdateFunctionCode',
  'UpdateFunctionConfiguration',
  'CreateFunction',
  'CreateEventSourceMapping',
  'UpdateEventSourceMapping',
  'AddPermission',
  'PublishLayerVersion',
  'PutRule',
  'PutTargets',
]);

function isTampering(e: TriplineEvent): boolean {
  if (e.outcome === 'failure' || byAwsService(e)) return false;
  const name = baseName(e.action);
  if (!CHANGES.has(name)) return false;
  if (name === 'PutRule' || name === 'PutTargets') return e.service === 'events.amazonaws.com';
  if (name === 'UpdateFunctionConfiguration') {
    // What an attacker changes: layers (a malicious extension), the role, the handler or runtime.
    const p = e.params;
    return (
      p.layers !== undefined || p.role !== undefined || p.handler !== undefined || p.runtime !== undefined
    );
  }
  return true;
}

export default defineRule({
  id: 'serverless-tampering',
  title: (c) =>
    `${c.term} changed serverless code or triggers for the first time (${c.event.action} ${String(c.event.params.functionName ?? c.event.params.name ?? '')})`,
  description:
    "A principal that has not changed this account's serverless code, configuration or triggers in the last 30 days did so: Lambda UpdateFunctionCode, UpdateFunctionConfiguration (layers, role, handler or runtime), CreateFunction, CreateEventSourceMapping, AddPermission, PublishLayerVersion (with CloudTrail's API-version suffixes, e.g. UpdateFunctionCode20150331v2), EventBridge PutRule / PutTargets. Deployment pipelines are known principals; a human key or a stolen role showing up is not. Learns for 7 days per account. Making a function public is serverless-public-access.",
  kind: 'new_terms',
  severity: 'medium',
  escalate: (c) => (c.event.params.layers !== undefined ? 'high' : undefined),
  attack: ['T1648', 'T1546'],
  sources: ['aws.cloudtrail'],
  actions: [
    ...lambdaNames(
      'UpdateFunctionCode',
      'UpdateFunctionConfiguration',
      'CreateFunction',
      'CreateEventSourceMapping',
      'UpdateEventSourceMapping',
      'AddPermission',
      'PublishLayerVersion',
    ),
    'PutRule',
    'PutTargets',
  ],
  when: isTampering,
  groupBy: 'tenant',
  term: principalArn,
  history: '30d',
  learning: '7d',
  termLabel: 'principal',
  dedup: { key: (e) => principalArn(e), window: '24h' },
  runbook: [
    "Compare the function's code and configuration with the last deployment (`aws lambda get-function`, layers, role, environment); roll back anything the pipeline did not ship.",
    "Ask the principal's owner; if unexpected, revoke its credentials and check the function's role for what it can reach.",
  ],
  falsePositives: ['A new pipeline role or an engineer hot-fixing a function by hand.'],
});
