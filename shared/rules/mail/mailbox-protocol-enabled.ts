import { defineRule } from '../../engine/rule';
import type { TriplineEvent } from '../../events/types';

const truthy = (v: unknown) => v === true || (typeof v === 'string' && v.toLowerCase() === 'true');
const PROTOCOLS = ['PopEnabled', 'ImapEnabled'] as const;

function enabled(e: TriplineEvent): string[] {
  if (e.outcome === 'failure') return [];
  return PROTOCOLS.filter((k) => truthy(e.params[k])).map((k) => k.replace('Enabled', '').toUpperCase());
}

export default defineRule({
  id: 'mailbox-protocol-enabled',
  title: (c) =>
    `${c.event.actor.name ?? c.event.actor.id} enabled ${enabled(c.event).join(' and ')} on ${String(c.event.params.Identity ?? 'a mailbox')}`,
  description:
    'POP or IMAP was switched on for a mailbox (Set-CASMailbox -PopEnabled/-ImapEnabled $true): legacy protocols bypass modern-auth conditional access and let a password alone download the whole mailbox. Not a catalogue row of its own; it covers the det-eng-samples Enable_POP_IMAP_OWA scenario (T1114.002).',
  kind: 'match',
  severity: 'medium',
  attack: ['T1114.002'],
  sources: ['m365.audit'],
  actions: ['Set-CASMailbox'],
  when: (e) => enabled(e).length > 0,
  dedup: { key: (e) => String(e.params.Identity ?? e.target?.name ?? ''), window: '24h' },
  runbook: [
    'Ask the actor why; if not needed, turn it off: `Set-CASMailbox <user> -PopEnabled $false -ImapEnabled $false`.',
    'Check the mailbox sign-ins for POP/IMAP clients (clientAppUsed) since the change.',
  ],
  falsePositives: ['Scanners, ticketing systems or old devices that still read a shared mailbox over IMAP.'],
});
