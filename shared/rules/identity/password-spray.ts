import { defineRule } from '../../engine/rule';
import { FAILURE_ACTIONS, FAILURE_SOURCES, accountOf, isCredentialFailure } from './auth-failures';

export default defineRule({
  id: 'password-spray',
  title: (c) => `Password spray from ${c.group} against ${c.count ?? c.observed} accounts`,
  description:
    'One source address failed to sign in to many different accounts in a short time: a few passwords tried across many users (Entra sign-ins, UAL UserLoginFailed, Workspace login_failure, AWS console).',
  kind: 'distinct',
  severity: 'medium',
  escalate: (c) => ((c.observed ?? 0) >= 20 ? 'high' : undefined),
  attack: ['T1110.003'],
  sources: [...FAILURE_SOURCES],
  actions: FAILURE_ACTIONS,
  when: isCredentialFailure,
  groupBy: 'actor.ip',
  field: accountOf,
  count: 5,
  window: '30m',
  unit: 'accounts with failed sign-ins',
  runbook: [
    'Block the source address at the identity provider (Entra named location + conditional access block, Google context-aware access, AWS IAM policy condition).',
    'Check for a successful sign-in from the same address in the next hours: that account is likely compromised; revoke its sessions and reset its password.',
    'Make sure every targeted account has phishing-resistant MFA.',
  ],
  falsePositives: [
    'A shared egress (VPN, proxy, NAT) where many users mistype passwords at the start of a day.',
  ],
});
