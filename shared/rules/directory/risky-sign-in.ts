import { defineRule } from '../../engine/rule';
import { accountOf } from '../identity/auth-failures';

const s = (v: unknown) => (typeof v === 'string' ? v.toLowerCase() : '');

/** Signal for device-registration-after-risk: a successful sign-in Entra ID Protection rated medium or high risk. */
export default defineRule({
  id: 'risky-sign-in',
  title: (c) => `Risky sign-in for ${accountOf(c.event)}`,
  description:
    'A successful Entra sign-in rated medium or high risk (riskLevelDuringSignIn or riskLevelAggregated) and not dismissed or remediated, or of a user confirmed compromised. Signal for device-registration-after-risk.',
  kind: 'match',
  emit: false,
  severity: 'info',
  attack: ['T1078.004'],
  sources: ['entra.signin'],
  actions: ['UserLoggedIn'],
  // A risk an admin dismissed or the user remediated (password reset, MFA) is no longer a risk.
  when: (e) =>
    e.outcome === 'success' &&
    !/^(?:dismissed|remediated)$/.test(s(e.params.riskState)) &&
    (/^(?:medium|high)$/.test(s(e.params.riskLevelDuringSignIn)) ||
      /^(?:medium|high)$/.test(s(e.params.riskLevelAggregated)) ||
      s(e.params.riskState) === 'confirmedcompromised'),
  runbook: ['See device-registration-after-risk.'],
  falsePositives: ['Travel and new networks raise sign-in risk; on its own this is only a signal.'],
});
