import { defineRule } from '../../engine/rule';
import { MICROSOFT_FIRST_PARTY_APP_IDS } from '../known-apps';

export default defineRule({
  id: 'mail-unusual-client',
  title: (c) =>
    `${c.event.actor.name ?? c.event.actor.id}'s mailbox read by client ${c.term} not seen in 14 days`,
  description:
    "A mailbox was read (MailItemsAccessed, succeeded) through a client application id that is not first-party and that this user's mailbox has not been accessed through in the last 14 days: a new app or a stolen token in an unfamiliar client.",
  kind: 'new_terms',
  severity: 'medium',
  escalate: (c) => (c.values && c.values.length > 0 ? 'high' : undefined),
  attack: ['T1114.002'],
  sources: ['m365.audit'],
  actions: ['MailItemsAccessed'],
  when: (e) => e.outcome === 'success' && !!e.actor.appId,
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
    'A user starts using a new sanctioned mail app or device client; allow-list its ClientAppId (config `"overrides": {"mail-unusual-client": {"allow": ["<client app id>"]}}`, added to the Microsoft clients allowed already).',
  ],
});
