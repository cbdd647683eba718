import { defineRule } from '../../engine/rule';

/** A password spray from one address, then a password accepted from that same address. */
export default defineRule({
  id: 'password-spray-success',
  title: (c) =>
    `Password spray from ${c.group} found a working password (${c.event.actor.name ?? c.event.actor.id})`,
  description:
    'An address sprayed passwords across accounts (password-spray: 5 or more accounts failing within 30 minutes) and within the hour a password was accepted for one account from that same address by a scripted, legacy-protocol or risky sign-in: the spray worked.',
  kind: 'sequence',
  severity: 'high',
  attack: ['T1110.003'],
  sources: ['entra.signin', 'm365.audit', 'google.workspace', 'aws.cloudtrail'],
  by: 'actor.ip',
  principal: 'actor.ip',
  steps: [
    { rules: ['password-spray'], label: 'password spray' },
    { rules: ['password-verified-sign-in'], label: 'password accepted from the same address' },
  ],
  window: '1h',
  runbook: [
    'Revoke the sessions of the account whose password was accepted and reset it now.',
    'Block the address at the identity provider; check every account it tried for a later successful sign-in.',
    'Review what the accepted session did (consents, inbox rules, MFA registration).',
  ],
  falsePositives: [
    'A shared egress (VPN, NAT) where a script owner signs in right after colleagues mistyped passwords.',
  ],
});
