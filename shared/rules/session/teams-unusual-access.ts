import { defineRule } from '../../engine/rule';
import { networkOf } from './network';

export default defineRule({
  id: 'teams-unusual-access',
  title: (c) =>
    `${c.event.actor.name ?? c.event.actor.id} started a Teams session from a new network ${c.term}`,
  description:
    "A Microsoft Teams session was started (TeamsSessionStarted) from a network (the /24 or /48 of the client address) the user has not used Teams from in 30 days, after a week of learning: a stolen token or account reading chats. Pending: session volume and hours against the user's own habits need per-user baselines the engine does not have yet, and the ASN needs the ip -> geo enrichment.",
  kind: 'new_terms',
  severity: 'low',
  attack: ['T1530'],
  sources: ['m365.audit'],
  actions: ['TeamsSessionStarted'],
  when: (e) => e.outcome !== 'failure' && e.actor.ip !== undefined,
  groupBy: 'actor.id',
  term: (e) => networkOf(e.actor.ip),
  history: '30d',
  learning: '7d',
  termLabel: 'network',
  runbook: [
    'Ask the user whether they joined from a new place; if not, revoke their sessions and reset the password.',
    'Check what chats and files the session read (Teams and SharePoint audit).',
  ],
  falsePositives: ['Travel, new home internet, mobile data.'],
});
