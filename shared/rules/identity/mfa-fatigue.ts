import { defineRule } from '../../engine/rule';
import { accountOf } from './auth-failures';
import { SIGNIN_SOURCES, isMfaDenial } from './sign-ins';

export default defineRule({
  id: 'mfa-fatigue',
  title: (c) => `${c.observed} MFA prompts refused or unanswered for ${c.group}`,
  description:
    'Many MFA prompts for one account were refused or left unanswered in a short time (Entra errorCode 500121 in sign-ins and the unified audit log, Workspace second-factor challenges failed, AWS console logins failing with MFA): someone holding the password is pushing prompts until the user gives in. mfa-fatigue-accepted follows up when a prompt is then approved.',
  kind: 'threshold',
  severity: 'medium',
  escalate: (c) => ((c.observed ?? 0) >= 10 ? 'high' : undefined),
  attack: ['T1621'],
  sources: [...SIGNIN_SOURCES],
  actions: ['UserLoginFailed', 'login_failure', 'login_challenge', 'login_verification', 'ConsoleLogin'],
  when: isMfaDenial,
  groupBy: accountOf,
  count: 5,
  window: '10m',
  unit: 'refused or unanswered MFA prompts',
  runbook: [
    'Call the user (out of band): did they try to sign in? If not, the password is known to someone else: reset it and revoke sessions.',
    'Switch the account to number matching or a phishing-resistant method; block the source addresses in the evidence.',
    'Look for an approved prompt right after (mfa-fatigue-accepted) and for new MFA methods registered on the account.',
  ],
  falsePositives: ['A user whose phone app is broken or who keeps dismissing prompts from an old device.'],
});
