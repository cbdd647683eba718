import { defineRule } from '../../engine/rule';
import type { TriplineEvent } from '../../events/types';

/** A session the source names and the country the source located the request in. */
function sessionOf(e: TriplineEvent): string | undefined {
  if (e.source === 'entra.signin')
    return e.actor.sessionId && e.actor.sessionId !== e.params.correlationId
      ? `entra|${e.actor.sessionId}`
      : undefined;
  if (e.source === 'github.audit') return e.actor.sessionId ? `github|${e.actor.sessionId}` : undefined;
  return undefined;
}

export default defineRule({
  id: 'session-cookie-reuse',
  title: (c) =>
    `${c.event.actor.name ?? c.event.actor.id}'s session used from ${c.observed} countries within a day`,
  description:
    'One web session continued from another country within 24 hours without a new sign-in: an Entra sign-in session (sessionId) located in two countries by Entra itself, or a GitHub token used from two countries (actor_location). A stolen session cookie or token replayed by someone else. Pending: the same check by ASN, and for the unified audit log (AADSessionId), which carries addresses but no location, waits for the ip -> geo enrichment.',
  kind: 'distinct',
  severity: 'high',
  attack: ['T1550.004'],
  sources: ['entra.signin', 'github.audit'],
  when: (e) => e.outcome !== 'failure' && e.geo?.country !== undefined && sessionOf(e) !== undefined,
  groupBy: sessionOf,
  field: 'geo.country',
  count: 2,
  window: '24h',
  unit: 'countries',
  runbook: [
    "Revoke the user's sessions and refresh tokens (`Revoke-MgUserSignInSession`; GitHub: delete the token), and ask the user whether they travelled.",
    'Look at what the session did from the second country; look for the infostealer or phishing page that took the cookie.',
  ],
  falsePositives: ['VPN exits in another country; travel across a border within the day.'],
});
