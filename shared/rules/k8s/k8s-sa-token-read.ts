import { defineRule } from '../../engine/rule';
import { isClusterComponent, tokenSubject } from './k8s';

/**
 * Signal for k8s-sa-token-theft: someone other than the cluster's own components minted a token
 * for a service account (TokenRequest, serviceaccounts/token) or read its legacy token secret.
 */
export default defineRule({
  id: 'k8s-sa-token-read',
  title: (c) => `${c.event.actor.name} obtained a token of ${tokenSubject(c.event)}`,
  description:
    'A person or workload other than the kubelets and controllers minted a token for a service account (create serviceaccounts/token) or read its legacy token secret (<account>-token-xxxxx). Signal for k8s-sa-token-theft.',
  kind: 'match',
  emit: false,
  severity: 'info',
  attack: ['T1528'],
  sources: ['k8s.audit'],
  actions: ['serviceaccounts.token.create', 'secrets.get', 'secrets.watch'],
  when: (e) => e.outcome !== 'failure' && !isClusterComponent(e.actor.id) && tokenSubject(e) !== undefined,
  runbook: ['See k8s-sa-token-theft.'],
  falsePositives: [
    'CI systems that mint short-lived tokens for deployments; on its own this is only a signal.',
  ],
});
