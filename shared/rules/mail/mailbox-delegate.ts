import { defineRule } from '../../engine/rule';
import type { TriplineEvent } from '../../events/types';

export interface DelegateParams extends Record<string, unknown> {
  /** Accounts (UPN, lower-case) whose delegation grants are expected: provisioning and admin service accounts. */
  allowActors: string[];
}

const s = (v: unknown) => (Array.isArray(v) ? v.join(',') : typeof v === 'string' ? v : '');

/** What was granted: full access, send as, or the impersonation role (every mailbox). */
export function delegation(
  e: TriplineEvent,
): { right: string; grantee: string; mailbox: string } | undefined {
  const p = e.params;
  switch (e.action) {
    case 'Add-MailboxPermission':
      return /FullAccess/i.test(s(p.AccessRights))
        ? { right: 'FullAccess', grantee: s(p.User), mailbox: s(p.Identity) }
        : undefined;
    case 'Add-RecipientPermission':
      return /SendAs/i.test(s(p.AccessRights))
        ? { right: 'SendAs', grantee: s(p.Trustee), mailbox: s(p.Identity) }
        : undefined;
    case 'Add-ADPermission':
      return /Send-As/i.test(s(p.ExtendedRights))
        ? { right: 'SendAs', grantee: s(p.User), mailbox: s(p.Identity) }
        : undefined;
    case 'New-ManagementRoleAssignment':
      return /ApplicationImpersonation/i.test(s(p.Role))
        ? {
            right: 'ApplicationImpersonation',
            grantee: s(p.User) || s(p.SecurityGroup) || s(p.App),
            mailbox: 'every mailbox',
          }
        : undefined;
    case 'New-RoleGroup':
      return /ApplicationImpersonation/i.test(s(p.Roles))
        ? { right: 'ApplicationImpersonation', grantee: s(p.Members) || s(p.Name), mailbox: 'every mailbox' }
        : undefined;
    default:
      return undefined;
  }
}

function isDelegation(e: TriplineEvent, p: DelegateParams): boolean {
  if (e.outcome === 'failure') return false;
  // NT AUTHORITY\SYSTEM and datacenter operations (UserType 3/4) provision built-in grants
  // (the DiscoverySearchMailbox for Discovery Management); they are the service, not an intruder.
  if (e.actor.type === 'system') return false;
  const d = delegation(e);
  if (d === undefined || d.grantee === '') return false;
  if (d.grantee.toLowerCase() === d.mailbox.toLowerCase()) return false;
  const actor = (e.actor.id ?? '').toLowerCase();
  return !p.allowActors.some((a) => a.toLowerCase() === actor);
}

export default defineRule<DelegateParams>({
  id: 'mailbox-delegate',
  title: (c) => {
    const d = delegation(c.event);
    return `${c.event.actor.name ?? c.event.actor.id} granted ${d?.right} on ${d?.mailbox} to ${d?.grantee}`;
  },
  description:
    'Full access or send-as was granted on a mailbox to another account (Add-MailboxPermission FullAccess, Add-RecipientPermission / Add-ADPermission SendAs), or the ApplicationImpersonation role that reads every mailbox was handed out (New-ManagementRoleAssignment, New-RoleGroup): persistent access to mail that survives a password reset of the mailbox owner.',
  kind: 'match',
  severity: 'high',
  escalate: (c) => (delegation(c.event)?.right === 'ApplicationImpersonation' ? 'critical' : undefined),
  attack: ['T1098.002'],
  sources: ['m365.audit'],
  actions: [
    'Add-MailboxPermission',
    'Add-RecipientPermission',
    'Add-ADPermission',
    'New-ManagementRoleAssignment',
    'New-RoleGroup',
  ],
  params: { allowActors: [] },
  when: isDelegation,
  dedup: {
    key: (e) => {
      const d = delegation(e);
      return `${d?.right}|${d?.mailbox.toLowerCase()}|${d?.grantee.toLowerCase()}`;
    },
    window: '24h',
  },
  why: (c) => {
    const d = delegation(c.event);
    return `${c.event.action} by ${c.event.actor.name ?? c.event.actor.id}${c.event.actor.ip ? ` from ${c.event.actor.ip}` : ''} gives ${d?.grantee} ${d?.right} on ${d?.mailbox}; the actor is not on the allow list`;
  },
  runbook: [
    'Confirm with the mailbox owner and the actor that the delegation is meant; if not, remove it: `Remove-MailboxPermission -Identity <mailbox> -User <grantee> -AccessRights FullAccess`, `Remove-RecipientPermission -Identity <mailbox> -Trustee <grantee> -AccessRights SendAs`, or remove the ApplicationImpersonation role assignment.',
    'Search MailItemsAccessed for the mailbox with LogonType 2 (delegate) to see what the grantee read.',
    'Treat the actor as compromised if the grant was not theirs to make: revoke sessions, reset credentials.',
  ],
  falsePositives: [
    'Help-desk or migration accounts that grant access as part of their job; list them in allowActors.',
  ],
});
