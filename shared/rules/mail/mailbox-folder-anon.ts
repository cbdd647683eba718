import { defineRule } from '../../engine/rule';
import type { TriplineEvent } from '../../events/types';

/**
 * Members that stand for "everyone": Exchange's Default (every authenticated user in the
 * organization, SID S-1-1-0 Everyone) and Anonymous (unauthenticated and external callers,
 * S-1-5-7).
 */
const EVERYONE = new Set(['default', 'anonymous', 'everyone']);
const EVERYONE_SIDS = new Set(['S-1-1-0', 'S-1-5-7']);
/** Rights that show no item content: calendar free/busy and nothing at all. */
const HARMLESS_RIGHTS =
  /^(?:none|availabilityonly|limiteddetails|freebusytimeonly|freebusytimeandsubjectandlocation)$/i;

interface Grant {
  member: string;
  rights: string;
  folder: string | undefined;
}

function obj(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}
const s = (v: unknown) => (Array.isArray(v) ? v.join(', ') : typeof v === 'string' ? v : '');

/** Who got which rights on which folder, from the cmdlet or from the mailbox audit record. */
export function folderGrant(e: TriplineEvent): Grant | undefined {
  if (e.action === 'Add-MailboxFolderPermission' || e.action === 'Set-MailboxFolderPermission') {
    const identity = s(e.params.Identity);
    const folder = identity.includes(':') ? identity.slice(identity.lastIndexOf(':') + 1) : undefined;
    return { member: s(e.params.User), rights: s(e.params.AccessRights), folder };
  }
  // UpdateFolderPermissions / AddFolderPermissions / ModifyFolderPermissions: mailbox audit
  // records put the permission in Item.ParentFolder (MemberUpn, MemberSid, MemberRights).
  const item = obj(obj(e.raw)?.Item);
  const parent = obj(item?.ParentFolder);
  if (parent === undefined) return undefined;
  const sid = s(parent.MemberSid);
  return {
    member: EVERYONE_SIDS.has(sid) ? (sid === 'S-1-5-7' ? 'Anonymous' : 'Default') : s(parent.MemberUpn),
    rights: s(parent.MemberRights),
    folder: s(parent.Path) || s(parent.Name) || undefined,
  };
}

function opensToEveryone(e: TriplineEvent): boolean {
  if (e.outcome === 'failure') return false;
  const g = folderGrant(e);
  if (g === undefined || !EVERYONE.has(g.member.trim().toLowerCase())) return false;
  const rights = g.rights
    .split(/[,;]\s*/)
    .map((r) => r.trim())
    .filter((r) => r !== '');
  return rights.some((r) => !HARMLESS_RIGHTS.test(r));
}

export default defineRule({
  id: 'mailbox-folder-anon',
  title: (c) => {
    const g = folderGrant(c.event);
    return `${c.event.actor.name ?? c.event.actor.id} gave ${g?.member ?? 'everyone'} ${g?.rights ?? 'access'} on ${c.event.target?.name ?? 'a mailbox'}${g?.folder ? ` ${g.folder}` : ''}`;
  },
  description:
    "A mailbox folder was shared with Default (every user of the organization) or Anonymous with rights beyond calendar free/busy (Add-/Set-MailboxFolderPermission, or the mailbox audit's UpdateFolderPermissions / AddFolderPermissions / ModifyFolderPermissions): a quiet way to keep reading someone's mail from another account.",
  kind: 'match',
  severity: 'high',
  attack: ['T1098.002'],
  sources: ['m365.audit'],
  actions: [
    'Add-MailboxFolderPermission',
    'Set-MailboxFolderPermission',
    'UpdateFolderPermissions',
    'AddFolderPermissions',
    'ModifyFolderPermissions',
  ],
  when: opensToEveryone,
  dedup: {
    key: (e) => `${e.target?.name ?? e.params.Identity ?? ''}|${folderGrant(e)?.folder ?? ''}`,
    window: '24h',
  },
  why: (c) => {
    const g = folderGrant(c.event);
    return `${c.event.action} gave ${g?.member} the rights ${g?.rights} on ${g?.folder ?? 'a folder'} of ${c.event.target?.name ?? c.event.params.Identity ?? 'a mailbox'}; Default means every user of the organization, Anonymous means anyone`;
  },
  runbook: [
    'Take the permission back: `Remove-MailboxFolderPermission -Identity "<user>:\\<folder>" -User Default` (or Anonymous), or set it to None / AvailabilityOnly for calendars.',
    'Find who read the folder since: search MailItemsAccessed for the mailbox with LogonType 2 (delegate) after the change.',
    'Check the actor: if they are not the mailbox owner or an admin who meant it, treat their account as compromised.',
  ],
  falsePositives: ['Teams that publish a shared calendar or a resource folder organization-wide on purpose.'],
});
