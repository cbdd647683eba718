import { defineRule } from '../../engine/rule';
import { FAILURE_ACTIONS, FAILURE_SOURCES, accountOf, isCredentialFailure } from './auth-failures';

export default defineRule({
  id: 'brute-force',
  title: (c) => `${c.count ?? c.observed} failed sign-ins for ${c.group}`,
  description:
    'Many failed sign-ins against one account in a short time: password guessing or credential stuffing against that user.',
  kind: 'threshold',
  severity: 'medium',
  escalate: (c) => ((c.observed ?? 0) >= 50 ? 'high' : undefined),
  attack: ['T1110.001', 'T1110.002'],
  sources: [...FAILURE_SOURCES],
  actions: FAILURE_ACTIONS,
  when: isCredentialFailure,
  groupBy: accountOf,
  count: 10,
  window: '15m',
  unit: 'failed sign-ins',
  runbook: [
    'Look at the source addresses in the evidence; block them if they are not your users.',
    'Check for a successful sign-in for this account after the failures; if there is one from an unfamiliar place, revoke sessions and reset the password.',
    'Confirm the account has MFA and smart lockout is on.',
  ],
  falsePositives: ['A device or service with a stale saved password retrying in a loop.'],
});
