/**
 * A tiny rule set for CLI and replay tests, so they do not depend on the shipped catalogue:
 * password guessing (threshold), a forwarding inbox rule (match), and the chain of the two (sequence).
 */
import { defineRule } from '#shared/engine/rule';
import type { RuleDefinition } from '#shared/engine/rule';

/** OrganizationId of the M365 fixture; pass it as --tenant so the Graph sign-ins share it. */
export const FIXTURE_TENANT = '4f1e7a2c-9b3d-4c5e-8f6a-1b2c3d4e5f60';

const meta = {
  description: 'Test rule. Not shipped.',
  falsePositives: ['None: test data'],
};

export const bruteForce = defineRule({
  ...meta,
  id: 'test-brute-force',
  title: (c) => `Password guessing against ${c.group ?? 'an account'}`,
  severity: 'medium',
  attack: ['T1110.001'],
  kind: 'threshold',
  sources: ['entra.signin', 'm365.audit'],
  actions: ['UserLoginFailed'],
  groupBy: 'actor.id',
  count: 10,
  window: '15m',
  unit: 'failed sign-ins',
  runbook: ['Check whether any sign-in from the same IP succeeded.', 'Reset the password if one did.'],
});

export const forwarding = defineRule({
  ...meta,
  id: 'test-forwarding',
  title: (c) => `${c.event.actor.name ?? 'someone'} forwards mail outside the tenant`,
  severity: 'high',
  attack: ['T1114.003'],
  kind: 'match',
  sources: ['m365.audit'],
  actions: ['New-InboxRule', 'Set-InboxRule'],
  when: (e, p) => {
    const to = e.params['ForwardTo'] ?? e.params['RedirectTo'];
    if (typeof to !== 'string') return false;
    const own = Array.isArray(p['tenantDomains']) ? (p['tenantDomains'] as string[]) : [];
    return !own.some((d) => to.toLowerCase().endsWith(`@${d.toLowerCase()}`));
  },
  runbook: [
    'Open the rule parameters in the evidence.',
    'Remove the rule and ask the user whether they created it.',
  ],
});

export const takeover = defineRule({
  ...meta,
  id: 'test-takeover',
  title: (c) => `Account takeover of ${c.group ?? 'an account'}: guessing, then mail forwarding`,
  severity: 'critical',
  attack: ['T1110.001', 'T1114.003'],
  kind: 'sequence',
  sources: ['entra.signin', 'm365.audit'],
  by: 'actor.id',
  principal: 'actor.id',
  steps: [
    { rules: ['test-brute-force'], label: 'password guessing' },
    { rules: ['test-forwarding'], label: 'forwarding rule' },
  ],
  window: '2h',
  runbook: [
    'Revoke the sessions of the account.',
    'Remove the forwarding rule.',
    'Reset the password and MFA methods.',
  ],
});

/** The three rules above. */
export const TEST_RULES: readonly RuleDefinition[] = [bruteForce, forwarding, takeover];
