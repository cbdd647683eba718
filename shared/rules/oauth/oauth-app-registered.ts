import { defineRule } from '../../engine/rule';
import type { TriplineEvent } from '../../events/types';
import { firstGuid } from '../../events/fields';
import { isFirstParty } from '../known-apps';

/**
 * The application (client) id of a new app: "Add service principal" (the app's first consent or
 * install in this tenant: consent.ts fills `app.id`) or "Add application" (an app registered here:
 * its AppId in modifiedProperties, `["<guid>"]`).
 */
export function registeredAppId(e: TriplineEvent): string | undefined {
  const id = e.app?.id ?? firstGuid(e.params.AppId) ?? firstGuid(e.params['TargetId.ServicePrincipalNames']);
  return id && !isFirstParty(id) ? id.toLowerCase() : undefined;
}

/** Signal for oauth-consent-campaign: an app appears in the tenant (registered or first consented). */
export default defineRule({
  id: 'oauth-app-registered',
  title: (c) => `App ${registeredAppId(c.event)} appeared in the tenant`,
  description:
    'An application was registered in the tenant (Add application) or its service principal was created by a first consent or install (Add service principal). Signal for oauth-consent-campaign.',
  kind: 'match',
  emit: false,
  severity: 'info',
  attack: ['T1528'],
  sources: ['entra.audit', 'm365.audit'],
  actions: ['Add application', 'Add service principal'],
  when: (e) => e.outcome !== 'failure' && registeredAppId(e) !== undefined,
  runbook: ['See oauth-consent-campaign.'],
  falsePositives: ['Every new app; on its own this is only a signal.'],
});
