import { defineRule } from '../../engine/rule';
import type { TriplineEvent } from '../../events/types';
import { MICROSOFT_FIRST_PARTY_APP_IDS } from '../known-apps';

function num(v: unknown): number | undefined {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
}

/**
 * A mailbox read by a person or an app acting for one. UserType (Management Activity API): 0
 * regular and 2 admin are people; 3 is a Microsoft datacenter admin (a Microsoft operator
 * under Customer Lockbox or service maintenance) and 4 the system: their access is not described
 * by the mailbox's own client history, so a "new client" there says nothing, and they are left
 * out. LogonType 3 (transport) and 4 (system service) are Exchange itself delivering or indexing.
 */
function isPersonRead(e: TriplineEvent): boolean {
  if (e.outcome !== 'success' || !e.actor.appId) return false;
  const raw = e.raw as Record<string, unknown>;
  const userType = num(raw.UserType);
  if (userType === 3 || userType === 4) return false;
  const logon = num(raw.LogonType);
  return logon !== 3 && logon !== 4;
}

export default defineRule({
  id: 'mail-unusual-client',
  title: (c) =>
    `${c.event.actor.name ?? c.event.actor.id}'s mailbox read by client ${c.term} not seen in 14 days`,
  description:
    "A mailbox was read (MailItemsAccessed, succeeded, by a person or an app acting for one: UserType 3 Microsoft datacenter admins, the system, and Exchange's own transport and system-service logons are left out) through a client application id that is not first-party and that this user's mailbox has not been accessed through in the last 14 days: a new app or a stolen token in an unfamiliar client. Bind and Sync reads both count (MailAccessType in OperationProperties).",
  kind: 'new_terms',
  severity: 'medium',
  escalate: (c) => (c.values && c.values.length > 0 ? 'high' : undefined),
  attack: ['T1114.002'],
  sources: ['m365.audit'],
  actions: ['MailItemsAccessed'],
  when: isPersonRead,
  groupBy: 'actor.id',
  term: (e) => e.actor.appId?.toLowerCase(),
  history: '14d',
  learning: '7d',
  allow: [...MICROSOFT_FIRST_PARTY_APP_IDS],
  termLabel: 'ClientAppId',
  // One finding per user and client per day, however many items the client reads.
  dedup: { key: (e) => `${e.actor.id}|${e.actor.appId?.toLowerCase()}`, window: '24h' },
  runbook: [
    'Identify the client: Entra admin center > Enterprise applications, search the ClientAppId; who consented and when?',
    "Ask the user whether they connected a new mail client or app; if not, revoke the app's grant and the user's sessions.",
    'Check MailItemsAccessed for this ClientAppId across other mailboxes: one app on many mailboxes points to oauth-chain.',
  ],
  falsePositives: [
    'A user starts using a new sanctioned mail app or device client; add its id to the allow list.',
  ],
});
