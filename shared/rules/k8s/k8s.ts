/** Kubernetes audit helpers: which principals are the cluster itself, and which service account a request concerns. */
import type { TriplineEvent } from '../../events/types';

/** The cluster's own components: kubelets, controllers, the scheduler, the API server. */
export function isClusterComponent(user: string | undefined): boolean {
  if (user === undefined) return true;
  return (
    user.startsWith('system:node:') ||
    user.startsWith('system:kube-') ||
    user === 'system:apiserver' ||
    user.startsWith('system:serviceaccount:kube-system:') ||
    user === 'eks:node-manager' ||
    user.startsWith('eks:')
  );
}

/** `system:serviceaccount:<ns>:<name>` of the account whose token a request reads or mints. */
export function tokenSubject(e: TriplineEvent): string | undefined {
  const ns = typeof e.params.namespace === 'string' ? e.params.namespace : undefined;
  const name = typeof e.params.name === 'string' ? e.params.name : undefined;
  if (ns === undefined || name === undefined) return undefined;
  if (e.action === 'serviceaccounts.token.create') return `system:serviceaccount:${ns}:${name}`;
  // Legacy long-lived token secrets are named <account>-token-<5 chars>.
  const m = /^(.+)-token-[a-z0-9]{5}$/.exec(name);
  if (m && (e.action === 'secrets.get' || e.action === 'secrets.watch'))
    return `system:serviceaccount:${ns}:${m[1]}`;
  return undefined;
}

/** Paths where pods mount service account and workload identity tokens. */
export const TOKEN_PATH_RE =
  /\/var\/run\/secrets\/(?:kubernetes\.io\/serviceaccount|eks\.amazonaws\.com\/serviceaccount|azure\/tokens|tokens\/)|\/var\/run\/secrets\/kubernetes\.io\/serviceaccount/;
