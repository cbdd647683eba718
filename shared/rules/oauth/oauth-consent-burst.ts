import { defineRule } from '../../engine/rule';
import { thirdPartyAppIdOf } from './app-id';

/** Signal for oauth-consent-campaign: many users consent to one app. */
export default defineRule({
  id: 'oauth-consent-burst',
  title: (c) => `${c.observed} users consented to app ${c.group}`,
  description:
    'At least 5 distinct users consented to one third-party app within 24 hours (Consent to application). Signal for oauth-consent-campaign.',
  kind: 'distinct',
  emit: false,
  severity: 'info',
  attack: ['T1528', 'T1566.002'],
  sources: ['entra.audit', 'm365.audit'],
  actions: ['Consent to application'],
  when: (e) => e.outcome !== 'failure' && thirdPartyAppIdOf(e) !== undefined,
  groupBy: thirdPartyAppIdOf,
  field: (e) => (e.actor.id ?? e.actor.name)?.toLowerCase(),
  count: 5,
  window: '24h',
  unit: 'users who consented',
  runbook: ['See oauth-consent-campaign.'],
  falsePositives: ['A sanctioned app rolled out to a team; on its own this is only a signal.'],
});
