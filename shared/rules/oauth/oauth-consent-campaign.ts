import { defineRule } from '../../engine/rule';
import type { TriplineEvent } from '../../events/types';
import { thirdPartyAppIdOf } from './app-id';
import { registeredAppId } from './oauth-app-registered';

const appKey = (e: TriplineEvent) =>
  e.action === 'Add application' || e.action === 'Add service principal'
    ? registeredAppId(e)
    : thirdPartyAppIdOf(e);

export default defineRule({
  id: 'oauth-consent-campaign',
  title: (c) =>
    `Consent campaign: ${c.event.app?.name ?? c.group} consented by many users within a day of appearing`,
  description:
    "An application appeared in the tenant (registered, or its service principal created by a first consent) and within 24 hours at least 5 distinct users consented to it: the shape of a consent-phishing campaign mailed to many users. A user's consent to a multi-tenant app creates its service principal first, so the first victim's consent opens the chain.",
  kind: 'sequence',
  severity: 'high',
  escalate: (c) =>
    (c.event.app?.scopes ?? []).some((s) => /mail\.|files\.|directory\.|full_access/i.test(s))
      ? 'critical'
      : undefined,
  attack: ['T1528', 'T1566.002'],
  sources: ['entra.audit', 'm365.audit'],
  by: appKey,
  steps: [
    { rules: ['oauth-app-registered'], label: 'app appeared in the tenant' },
    { rules: ['oauth-consent-burst'], label: '5 or more users consented' },
  ],
  window: '24h',
  runbook: [
    'Disable the service principal now (`Update-MgServicePrincipal -ServicePrincipalId <id> -AccountEnabled:$false`) and remove its grants.',
    'Find every user who consented (the evidence and Entra audit "Consent to application" for this app id) and revoke their sessions.',
    'Find the lure: search mail for the app name or its consent URL (client_id=<app id>) and purge it.',
  ],
  falsePositives: ['A sanctioned app rolled out to a team that consents individually on its first day.'],
});
