import { defineRule } from '../../engine/rule';
import { accountOf } from './auth-failures';

export default defineRule({
  id: 'mfa-fatigue-accepted',
  title: (c) => `${c.group} approved an MFA prompt after a burst of refused ones`,
  description:
    'A burst of refused or unanswered MFA prompts (mfa-fatigue) was followed within two hours by an approved prompt for the same account: the user probably gave in, and someone else now holds a session. Entra can attach MFA details up to two hours late, hence the window.',
  kind: 'sequence',
  severity: 'critical',
  attack: ['T1621'],
  sources: ['entra.signin', 'm365.audit', 'google.workspace', 'aws.cloudtrail'],
  by: accountOf,
  principal: accountOf,
  steps: [
    { rules: ['mfa-fatigue'], label: 'burst of refused MFA prompts' },
    { rules: ['mfa-approved-sign-in'], label: 'MFA prompt approved' },
  ],
  window: '2h',
  runbook: [
    "Revoke the account's sessions and refresh tokens now (`Revoke-MgUserSignInSession`), reset the password, and remove MFA methods registered in the last day.",
    'Find the approved sign-in in the evidence: its address and device are the attacker; block them.',
    'Review what the session did: inbox rules, consents, downloads, new devices registered.',
  ],
  falsePositives: ['A user who finally found their phone after ignoring prompts they started themselves.'],
});
