import { defineRule } from '../../engine/rule';
import type { TriplineEvent } from '../../events/types';

/** The client a service account's request came from: address and user agent. */
const clientOf = (e: TriplineEvent) =>
  e.actor.ip || e.actor.userAgent ? `${e.actor.ip ?? '?'}|${e.actor.userAgent ?? '?'}` : undefined;

/** Signal for k8s-sa-token-theft: a service account calls the API from a client it has not used in 14 days. */
export default defineRule({
  id: 'k8s-sa-new-client',
  title: (c) => `${c.group} called the API from a new client ${c.term}`,
  description:
    'A service account made an API request from an address and user agent it has not used in the last 14 days (after a day of learning). Signal for k8s-sa-token-theft.',
  kind: 'new_terms',
  emit: false,
  severity: 'info',
  attack: ['T1528'],
  sources: ['k8s.audit'],
  when: (e) =>
    (e.actor.id ?? '').startsWith('system:serviceaccount:') &&
    !(e.actor.id ?? '').startsWith('system:serviceaccount:kube-system:'),
  groupBy: 'actor.id',
  term: clientOf,
  history: '14d',
  learning: '1d',
  termLabel: 'client (address | user agent)',
  runbook: ['See k8s-sa-token-theft.'],
  falsePositives: ['Pods rescheduled to new nodes get new addresses; on its own this is only a signal.'],
});
