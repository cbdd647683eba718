import { defineRule } from '../../engine/rule';
import type { TriplineEvent } from '../../events/types';

const s = (v: unknown) => (Array.isArray(v) ? v.join(', ') : typeof v === 'string' ? v : '');

/**
 * Entra's user consent setting lives in the authorization policy's
 * PermissionGrantPolicyIdsAssignedToDefaultUserRole: `microsoft-user-default-legacy` lets every user
 * consent to any app for any permission; `microsoft-user-default-low` only to verified publishers'
 * low-risk permissions.
 */
function opensConsent(e: TriplineEvent): boolean {
  if (e.outcome === 'failure') return false;
  return /microsoft-user-default-legacy/i.test(s(e.params.PermissionGrantPolicyIdsAssignedToDefaultUserRole));
}

export default defineRule({
  id: 'consent-policy-weakened',
  title: (c) => `${c.event.actor.name ?? c.event.actor.id ?? 'Someone'} let every user consent to any app`,
  description:
    "Entra's authorization policy was changed so that every user may consent to any application for any permission (PermissionGrantPolicyIdsAssignedToDefaultUserRole set to microsoft-user-default-legacy): the door consent phishing walks through. Not a catalogue row of its own; it covers the det-eng-samples consent scenario (T1550.001).",
  kind: 'match',
  severity: 'high',
  attack: ['T1550.001', 'T1528'],
  sources: ['entra.audit', 'm365.audit'],
  actions: ['Update authorization policy'],
  when: opensConsent,
  runbook: [
    'Set user consent back to verified publishers or admin approval: Entra > Enterprise applications > Consent and permissions > User consent settings.',
    'List consents granted since the change (oauth-risky-consent findings, Entra audit "Consent to application") and review them.',
  ],
  falsePositives: ['A deliberate decision to open consent, recorded in a change ticket.'],
});
