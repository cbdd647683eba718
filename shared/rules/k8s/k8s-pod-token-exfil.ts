import { defineRule } from '../../engine/rule';
import type { TriplineEvent } from '../../events/types';
import { TOKEN_PATH_RE } from './k8s';

/** Nodes and control-plane components; a kube-system service account exec-ing into a pod is not one. */
const isControlPlane = (u: string | undefined) =>
  u === undefined || u.startsWith('system:node:') || u.startsWith('system:kube-') || u === 'system:apiserver';

function command(e: TriplineEvent): string {
  const c = e.params.command;
  const fromBody = Array.isArray(c) ? c.join(' ') : typeof c === 'string' ? c : '';
  let fromUri = '';
  const uri = typeof e.params.requestURI === 'string' ? e.params.requestURI : '';
  try {
    fromUri = [...new URL(uri, 'https://k8s.local').searchParams.getAll('command')].join(' ');
  } catch {
    fromUri = '';
  }
  return `${fromBody} ${fromUri}`.trim();
}

export default defineRule({
  id: 'k8s-pod-token-exfil',
  title: (c) =>
    `${c.event.actor.name} read a pod's service account token through exec (${c.event.target?.id ?? ''})`,
  description:
    'An exec into a pod ran a command that reads the mounted service account or workload identity token (/var/run/secrets/kubernetes.io/serviceaccount, eks.amazonaws.com/serviceaccount, azure/tokens): the token is being copied out of the pod. Companion of k8s-sa-token-theft for the exec path, where the audit event does not say which account the pod runs as.',
  kind: 'match',
  severity: 'high',
  attack: ['T1528', 'T1552.007'],
  sources: ['k8s.audit'],
  actions: ['pods.exec.create', 'pods.exec.get'],
  when: (e) => e.outcome !== 'failure' && TOKEN_PATH_RE.test(command(e)) && !isControlPlane(e.actor.id),
  why: (c) => `${c.event.actor.name} ran \`${command(c.event)}\` in ${c.event.target?.id ?? 'a pod'}`,
  runbook: [
    "Rotate the pod's service account (and any cloud workload identity it maps to), and check what the account can do.",
    'Find the person or credential behind the exec and revoke it; review what else they ran.',
  ],
  falsePositives: ['An engineer debugging token mounting in a test namespace.'],
});
