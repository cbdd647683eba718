import { defineRule } from '../../engine/rule';
import type { TriplineEvent } from '../../events/types';
import { byAwsService, principalArn } from './aws';

/** Calls that raise capacity, open regions or models, or use models: what LLM-jacking and crypto-mining need. */
export const CAPACITY_ACTIONS = [
  'RequestServiceQuotaIncrease',
  'EnableRegion',
  'PutUseCaseForModelAccess',
  'CreateFoundationModelAgreement',
  'PutFoundationModelEntitlement',
  'GetFoundationModelAvailability',
  'ListFoundationModelAgreementOffers',
  'InvokeModel',
  'InvokeModelWithResponseStream',
  'Converse',
  'ConverseStream',
];

/** The region acted on: EnableRegion names it in RegionName; other calls act where they are made. */
function regionOf(e: TriplineEvent): string | undefined {
  const named = e.params.RegionName ?? e.params.regionName;
  if (typeof named === 'string' && named !== '') return named;
  const r = (e.raw as { awsRegion?: unknown } | null)?.awsRegion;
  return typeof r === 'string' ? r : undefined;
}

export default defineRule({
  id: 'quota-region-abuse',
  title: (c) => `${c.group} raised quotas, opened or used models in ${c.observed} regions within an hour`,
  description:
    'One AWS principal raised service quotas, enabled regions, opened Bedrock model access or invoked models in at least 3 different regions within an hour: a stolen key being readied for crypto-mining or LLM-jacking, which spread across regions to get capacity and stay out of sight. Workloads use models in the one or two regions they are built for.',
  kind: 'distinct',
  severity: 'high',
  attack: ['T1578.005', 'T1496.004'],
  sources: ['aws.cloudtrail'],
  actions: CAPACITY_ACTIONS,
  when: (e) => !byAwsService(e) && regionOf(e) !== undefined,
  groupBy: principalArn,
  field: regionOf,
  count: 3,
  window: '1h',
  unit: 'regions',
  runbook: [
    "Disable the principal's keys or revoke its role sessions; check Bedrock and EC2 usage (and the bill) in every region of the evidence.",
    'Withdraw model access and quota requests that nobody asked for; disable regions you do not use (SCP on aws:RequestedRegion).',
  ],
  falsePositives: ['A platform team rolling a model-backed service out to several regions at once.'],
});
