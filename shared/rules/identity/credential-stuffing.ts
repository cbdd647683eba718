import { defineRule } from '../../engine/rule';
import { accountOf } from './auth-failures';

/** Failures against an account during a stuffing wave or a brute force, then its password accepted. */
export default defineRule({
  id: 'credential-stuffing',
  title: (c) =>
    `${c.group}: failed sign-ins, then the password accepted from ${c.event.actor.ip ?? 'an unknown address'}`,
  description:
    'An account failed to sign in during a credential-stuffing wave (20 or more account and address pairs failing in an hour) or a brute force against it (10 failures in 15 minutes), and within the hour its password was accepted by a scripted, legacy-protocol or risky sign-in: the attack found a working password. Known gap: a stateful step signals only once it is over its threshold, so an account tried before the wave reached 20 pairs is not part of the chain (an engine limit, listed for the engine work).',
  kind: 'sequence',
  severity: 'high',
  attack: ['T1110.004', 'T1110.001'],
  sources: ['entra.signin', 'm365.audit', 'google.workspace', 'aws.cloudtrail'],
  by: accountOf,
  principal: accountOf,
  steps: [
    {
      rules: ['credential-stuffing-wave', 'brute-force'],
      label: 'failed sign-ins in a stuffing wave or brute force',
    },
    { rules: ['password-verified-sign-in'], label: 'password accepted' },
  ],
  window: '1h',
  runbook: [
    "Revoke the account's sessions and reset its password now (`Revoke-MgUserSignInSession`; Google: sign out the user and reset; AWS: deactivate the access keys and console password).",
    'Check what the session did after the accepted sign-in: mailbox rules, consents, MFA method changes, downloads.',
    'Block the source addresses in the evidence and make sure the account has phishing-resistant MFA and no legacy protocol access.',
  ],
  falsePositives: ['A user who mistyped a password many times and then signed in from a script they own.'],
});
