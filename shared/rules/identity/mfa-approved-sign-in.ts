import { defineRule } from '../../engine/rule';
import { accountOf } from './auth-failures';
import { isMfaApproved } from './sign-ins';

/**
 * Signal for mfa-fatigue-accepted: a sign-in where the user just approved an MFA prompt. Sign-ins
 * whose MFA was satisfied by a claim in the token (most of them) are not signals.
 */
export default defineRule({
  id: 'mfa-approved-sign-in',
  title: (c) => `MFA prompt approved by ${accountOf(c.event)}`,
  description:
    'A successful sign-in where the user approved an MFA prompt just now (Entra "MFA completed in Azure AD", a Workspace login passed with the Google prompt). Signal for mfa-fatigue-accepted.',
  kind: 'match',
  emit: false,
  severity: 'info',
  attack: ['T1621'],
  sources: ['entra.signin', 'google.workspace'],
  actions: ['UserLoggedIn', 'login_success'],
  when: isMfaApproved,
  runbook: ['See mfa-fatigue-accepted.'],
  falsePositives: ['Every interactive MFA sign-in; on its own this is only a signal.'],
});
