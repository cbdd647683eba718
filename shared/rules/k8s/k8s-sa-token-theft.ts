import { defineRule } from '../../engine/rule';
import type { TriplineEvent } from '../../events/types';
import { tokenSubject } from './k8s';

/** The service account concerned: the one whose token was obtained, else the one making the request. */
const account = (e: TriplineEvent) => tokenSubject(e) ?? e.actor.id;

export default defineRule({
  id: 'k8s-sa-token-theft',
  title: (c) => `Token of ${c.group} taken, then used from a new client`,
  description:
    "Someone other than the cluster's components minted or read a service account's token, and within the hour that service account called the API from an address and user agent it had not used in 14 days: the token left the pod and is being used elsewhere. Tokens read from inside a pod (exec cat) are k8s-pod-token-exfil.",
  kind: 'sequence',
  severity: 'high',
  attack: ['T1528'],
  sources: ['k8s.audit'],
  by: account,
  principal: account,
  steps: [
    { rules: ['k8s-sa-token-read'], label: 'service account token minted or read' },
    { rules: ['k8s-sa-new-client'], label: 'service account used from a new client' },
  ],
  window: '1h',
  runbook: [
    'Rotate the service account: delete its token secrets, or recreate the account so bound tokens die; restart the pods that use it.',
    'Find who minted or read the token (first step of the evidence) and what the new client did with it.',
    'Tighten RBAC: who may create serviceaccounts/token or read secrets in that namespace.',
  ],
  falsePositives: ['A CI job that mints a token and then deploys from its runner.'],
});
