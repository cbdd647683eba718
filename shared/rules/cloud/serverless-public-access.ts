import { defineRule } from '../../engine/rule';
import type { TriplineEvent } from '../../events/types';
import { accountOf, baseName, lambdaNames } from './aws';

const s = (v: unknown) => (typeof v === 'string' ? v : v == null ? '' : JSON.stringify(v));

/** Why a permission or URL change exposes a function or bus; undefined when it does not. */
export function exposure(e: TriplineEvent): string | undefined {
  if (e.outcome === 'failure') return undefined;
  const p = e.params;
  const own = accountOf(e);
  switch (baseName(e.action)) {
    case 'AddPermission':
    case 'AddLayerVersionPermission': {
      if (s(p.functionUrlAuthType).toUpperCase() === 'NONE')
        return 'function URL callable by anyone (auth NONE)';
      const principal = s(p.principal);
      if (principal === '*')
        return p.sourceArn || p.sourceAccount ? undefined : 'callable by any AWS account (principal *)';
      const acct = /^(?:arn:aws[\w-]*:iam::)?(\d{12})/.exec(principal)?.[1];
      return acct && acct !== own ? `callable by foreign account ${acct}` : undefined;
    }
    case 'CreateFunctionUrlConfig':
    case 'UpdateFunctionUrlConfig':
      return s(p.authType).toUpperCase() === 'NONE'
        ? 'function URL callable by anyone (auth NONE)'
        : undefined;
    case 'PutPermission': {
      // EventBridge bus policy: another account, or everyone, may put events on the bus.
      const principal = s(p.principal) || s(p.policy);
      if (/"Principal"\s*:\s*"\*"|^\*$/.test(principal)) return 'event bus open to every account';
      const acct = /(\d{12})/.exec(principal)?.[1];
      return acct && acct !== own ? `event bus open to foreign account ${acct}` : undefined;
    }
    default:
      return undefined;
  }
}

export default defineRule({
  id: 'serverless-public-access',
  title: (c) =>
    `${c.event.actor.name ?? c.event.actor.id} exposed ${String(c.event.params.functionName ?? c.event.params.eventBusName ?? 'a function')}: ${exposure(c.event)}`,
  description:
    "A Lambda function, layer or EventBridge bus was opened to everyone or to a foreign account: AddPermission with principal * (without a source condition) or another account's id, a function URL with auth type NONE, a layer shared with everyone, a bus policy for another account. CloudTrail spells the Lambda calls with their API version (AddPermission20150331v2, CreateFunctionUrlConfig20211031). A classic persistence backdoor: invoke the function from outside with its role's rights.",
  kind: 'match',
  severity: 'high',
  attack: ['T1648', 'T1546'],
  sources: ['aws.cloudtrail'],
  actions: [
    ...lambdaNames(
      'AddPermission',
      'AddLayerVersionPermission',
      'CreateFunctionUrlConfig',
      'UpdateFunctionUrlConfig',
    ),
    'PutPermission',
  ],
  when: (e) => exposure(e) !== undefined,
  dedup: {
    key: (e) =>
      `${String(e.params.functionName ?? e.params.eventBusName ?? e.params.layerName ?? '')}|${exposure(e)}`,
    window: '24h',
  },
  why: (c) =>
    `${c.event.action} on ${String(c.event.params.functionName ?? c.event.params.eventBusName ?? c.event.params.layerName ?? '?')}: ${exposure(c.event)}`,
  runbook: [
    'Remove the permission now (`aws lambda remove-permission --function-name <fn> --statement-id <sid>`, `delete-function-url-config`, `aws events remove-permission`).',
    "Check the function's code and role for changes in the same hour (serverless-tampering) and its recent invocations.",
  ],
  falsePositives: [
    'Public webhooks served by a function URL on purpose; cross-account event buses of a multi-account design.',
  ],
});
