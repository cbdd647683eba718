import { defineRule } from '../../engine/rule';
import { accountOf } from './auth-failures';
import { SIGNIN_SOURCES, isPasswordVerified, isScriptedOrRisky } from './sign-ins';

/**
 * Signal for credential-stuffing and password-spray-success: a sign-in whose password was right
 * (a success, or an Entra MFA interrupt), made by a script, a legacy protocol or flagged as risky.
 * Browser sign-ins of people are left out on purpose: they are most of all sign-ins, and feeding
 * each one to a sequence would cost a state write per sign-in.
 */
export default defineRule({
  id: 'password-verified-sign-in',
  title: (c) =>
    `Password accepted for ${accountOf(c.event)} from ${c.event.actor.ip ?? 'an unknown address'}`,
  description:
    'A sign-in proved the password (success, or an Entra MFA interrupt such as 50074 or 500121) and came from a script (password grant, HTTP library user agent), a legacy mail protocol, was rated medium or high risk by Entra, was a console login without MFA, or a Workspace login Google flagged as suspicious. Signal for credential-stuffing and password-spray-success.',
  kind: 'match',
  emit: false,
  severity: 'info',
  attack: ['T1078.004'],
  sources: [...SIGNIN_SOURCES],
  actions: ['UserLoggedIn', 'UserLoginFailed', 'login_success', 'ConsoleLogin'],
  when: (e) => isPasswordVerified(e) && isScriptedOrRisky(e),
  runbook: ['See credential-stuffing and password-spray-success.'],
  falsePositives: [
    'Service accounts that sign in with a password from scripts; on its own this is only a signal.',
  ],
});
