import { defineRule } from '../../engine/rule';
import type { TriplineEvent } from '../../events/types';
import { FORWARD_PARAMS, destinations, internalDomains, isExternal } from './forwarding';

export interface ForwardingParams extends Record<string, unknown> {
  /** The organisation's mail domains; the actor's own domain and the org name are always internal. */
  tenantDomains: string[];
  /** Destinations the policy allows (exact addresses or '@domain'). */
  allowDestinations: string[];
}

function externalDestinations(e: TriplineEvent, p: ForwardingParams): string[] {
  if (e.outcome === 'failure') return [];
  const internal = internalDomains(e, p.tenantDomains);
  const allow = p.allowDestinations.map((a) => a.toLowerCase());
  return destinations(e).filter(
    (d) => isExternal(d, internal) && !allow.some((a) => d === a || (a.startsWith('@') && d.endsWith(a))),
  );
}

export default defineRule<ForwardingParams>({
  id: 'inbox-forwarding',
  title: (c) =>
    `${c.event.actor.name ?? c.event.actor.id} forwards mail to ${externalDestinations(c.event, c.params).join(', ')}`,
  description:
    'An inbox rule (New-InboxRule, Set-InboxRule, or an Outlook rule edit logged as UpdateInboxRules), a mailbox setting (Set-Mailbox ForwardingSmtpAddress) or a Google Workspace forwarding setting (email_forwarding_out_of_domain, in the login and user_accounts applications) sends mail to an address outside the tenant: the classic way to keep reading a compromised mailbox.',
  kind: 'match',
  severity: 'high',
  attack: ['T1114.003'],
  sources: ['m365.audit', 'google.workspace'],
  actions: [
    'New-InboxRule',
    'Set-InboxRule',
    'UpdateInboxRules',
    'Set-Mailbox',
    'email_forwarding_out_of_domain',
  ],
  params: { tenantDomains: [], allowDestinations: [] },
  when: (e, p) => externalDestinations(e, p).length > 0,
  dedup: { key: (e) => `${e.actor.id ?? e.actor.name}|${destinations(e).sort().join(',')}`, window: '24h' },
  why: (c) => {
    const d = externalDestinations(c.event, c.params);
    const keys = FORWARD_PARAMS.filter((k) => c.event.params[k]);
    const name = c.event.params.Name ?? c.event.params.Identity;
    return `${c.event.action}${name ? ` "${String(name)}"` : ''} sets ${keys.join(', ')} to ${d.join(', ')}, outside the tenant's domains (${internalDomains(c.event, c.params.tenantDomains).join(', ')})`;
  },
  runbook: [
    'Remove the forwarding now: `Remove-InboxRule -Identity <rule>` or `Set-Mailbox <user> -ForwardingSmtpAddress $null -DeliverToMailboxAndForward $false`; in Google, Admin console > Apps > Gmail > user settings.',
    "Treat the mailbox as compromised: revoke the user's sessions, reset the password, check MFA methods and recent sign-ins from the IP in the evidence.",
    'Search the audit log for other rules or forwarding to the same destination in other mailboxes.',
  ],
  falsePositives: ['Users forwarding to a personal address that policy allows; add it to allowDestinations.'],
});
