import { defineRule } from '../../engine/rule';
import { FAILURE_ACTIONS, FAILURE_SOURCES, accountOf, isCredentialFailure } from './auth-failures';

/**
 * Signal for credential-stuffing: failed sign-ins across many (account, address) pairs of one
 * tenant. Counted per tenant, so the state is one item per tenant holding the pairs of the last
 * window (plus lateness).
 */
export default defineRule({
  id: 'credential-stuffing-wave',
  title: (c) => `${c.observed} account and address pairs failed to sign in within an hour`,
  description:
    'At least 20 distinct (account, source address) pairs failed to sign in within one hour in one tenant: leaked credentials tried from many sources. Signal for credential-stuffing; concentrated attacks are brute-force (one account) and password-spray (one address).',
  kind: 'distinct',
  emit: false,
  severity: 'info',
  attack: ['T1110.004'],
  sources: [...FAILURE_SOURCES],
  actions: FAILURE_ACTIONS,
  when: isCredentialFailure,
  groupBy: () => 'tenant',
  field: (e) => {
    const a = accountOf(e);
    return a && e.actor.ip ? `${a}|${e.actor.ip}` : undefined;
  },
  count: 20,
  window: '1h',
  unit: 'account and address pairs with failed sign-ins',
  runbook: ['See credential-stuffing.'],
  falsePositives: ['A large tenant on a Monday morning; on its own this is only a signal.'],
});
