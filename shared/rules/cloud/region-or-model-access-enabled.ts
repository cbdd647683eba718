import { defineRule } from '../../engine/rule';
import type { TriplineEvent } from '../../events/types';
import { byAwsService } from './aws';

const OPENERS = new Set([
  'EnableRegion',
  'PutUseCaseForModelAccess',
  'CreateFoundationModelAgreement',
  'PutFoundationModelEntitlement',
]);

function what(e: TriplineEvent): string {
  if (e.action === 'EnableRegion')
    return `region ${String(e.params.RegionName ?? e.params.regionName ?? '')} enabled`;
  const model = e.params.modelId ?? e.params.offerToken;
  return `Bedrock model access opened (${e.action}${model ? ` ${String(model)}` : ''})`;
}

export default defineRule({
  id: 'region-or-model-access-enabled',
  title: (c) => `${c.event.actor.name ?? c.event.actor.id}: ${what(c.event)}`,
  description:
    'An opt-in AWS region was enabled (account EnableRegion) or Bedrock model access was opened (PutUseCaseForModelAccess, CreateFoundationModelAgreement, PutFoundationModelEntitlement): rare account-level changes, and the first steps of LLM-jacking with a stolen key. quota-region-abuse covers the spread across regions.',
  kind: 'match',
  severity: 'medium',
  attack: ['T1578.005', 'T1496.004'],
  sources: ['aws.cloudtrail'],
  actions: [...OPENERS],
  when: (e) => e.outcome !== 'failure' && !byAwsService(e),
  dedup: {
    key: (e) => `${e.actor.id}|${e.action}|${String(e.params.RegionName ?? e.params.modelId ?? '')}`,
    window: '24h',
  },
  why: (c) =>
    `${what(c.event)} by ${c.event.actor.name ?? c.event.actor.id}${c.event.actor.ip ? ` from ${c.event.actor.ip}` : ''}`,
  runbook: [
    "Confirm the change with the account owner; if unexpected, disable the region again (`aws account disable-region`) or remove the model access, and revoke the actor's credentials.",
    'Check Bedrock invocations and EC2 launches in the account since the change.',
  ],
  falsePositives: ['A team starting to use a new region or a new Bedrock model.'],
});
