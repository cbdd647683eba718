import { defineRule } from '../../engine/rule';
import type { TriplineEvent } from '../../events/types';
import { networkOf } from './network';

/**
 * The token or session a request was made with, where the source names one: a GitHub token
 * (hashed_token), a Slack session (session_id), a Google OAuth grant (user and client id of token
 * activity), an Entra sign-in session (sessionId; the correlation id some records fall back to is
 * one sign-in, not a session, and is left out).
 */
export function tokenOf(e: TriplineEvent): string | undefined {
  switch (e.source) {
    case 'github.audit':
    case 'slack.audit':
      return e.actor.sessionId ? `${e.source}|${e.actor.sessionId}` : undefined;
    case 'google.workspace':
      return e.action === 'activity' && e.actor.appId ? `${e.actor.id}|${e.actor.appId}` : undefined;
    case 'entra.signin':
      return e.actor.sessionId && e.actor.sessionId !== e.params.correlationId
        ? `entra|${e.actor.sessionId}`
        : undefined;
    default:
      return undefined;
  }
}

export default defineRule({
  id: 'token-new-ip',
  title: (c) => `${c.event.actor.name ?? c.event.actor.id}'s token used from a new network ${c.term}`,
  description:
    "A SaaS token or session was used from a network (the /24 of an IPv4 address, the /48 of an IPv6 one) it had not been used from in the last 14 days, after its first day: a GitHub token (hashed_token), a Slack session, a Google OAuth grant's API activity, an Entra sign-in session. Stolen tokens are replayed from the thief's network. Pending: the ASN and impossible-travel (geo_velocity > 900 km/h) parts of the catalogue row wait for the ip -> geo enrichment; until then a network prefix stands in for the ASN.",
  kind: 'new_terms',
  severity: 'medium',
  attack: ['T1528', 'T1550.004'],
  sources: ['github.audit', 'slack.audit', 'google.workspace', 'entra.signin'],
  when: (e) => e.outcome !== 'failure' && e.actor.ip !== undefined && tokenOf(e) !== undefined,
  groupBy: tokenOf,
  term: (e) => networkOf(e.actor.ip),
  history: '14d',
  learning: '1d',
  termLabel: 'network',
  dedup: { key: tokenOf, window: '24h' },
  runbook: [
    'Ask the owner whether they moved (travel, new provider, VPN); if not, revoke the token or session (GitHub: delete the token; Slack: reset sessions; Google: remove the app grant; Entra: Revoke-MgUserSignInSession).',
    'Review what the token did from the new network.',
  ],
  falsePositives: ['Users on mobile networks or changing VPN exits; laptops moving between home and office.'],
});
