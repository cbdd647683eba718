import { defineRule } from '../../engine/rule';
import type { TriplineEvent } from '../../events/types';

const s = (v: unknown) => (Array.isArray(v) ? v.join(', ') : typeof v === 'string' ? v : '');

/** Entra activities that add a partner with delegated admin rights or a cross-tenant trust. */
const ENTRA_PARTNER = [
  'Add partner to company',
  'Add a partner to cross-tenant access setting',
  'Create partner cross-tenant identity sync setting',
  'Add delegated admin relationship',
  'Add a delegated admin relationship',
  'Create delegated admin relationship',
  'Add granular delegated admin relationship',
  'Accept delegated admin relationship',
];
const ENTRA_PARTNER_SET = new Set(ENTRA_PARTNER);

export function relationship(e: TriplineEvent): string | undefined {
  if (e.outcome === 'failure') return undefined;
  if (e.source === 'entra.audit' || e.source === 'm365.audit') {
    if (!ENTRA_PARTNER_SET.has(e.action)) return undefined;
    const partner =
      s(e.params.TenantId) || s(e.params.PartnerTenantId) || e.target?.name || e.target?.id || '';
    return `${e.action}${partner ? ` (${partner})` : ''}`;
  }
  if (e.source === 'google.workspace' && e.action === 'ADD_TRUSTED_DOMAINS')
    return `trusted domains added: ${s(e.params.DOMAIN_NAME) || s(e.params.NEW_VALUE) || 'unknown'}`;
  return undefined;
}

export default defineRule({
  id: 'trusted-relationship-added',
  title: (c) =>
    `${c.event.actor.name ?? c.event.actor.id ?? 'Someone'} added a trusted relationship: ${relationship(c.event)}`,
  description:
    'A partner or trust relationship appeared: an Entra partner with delegated administration (Add partner to company, delegated admin relationships), a partner in cross-tenant access settings or cross-tenant sync, or Google Workspace trusted domains for sharing. Whoever sits on the other side now has a path into the tenant.',
  kind: 'match',
  severity: 'high',
  attack: ['T1199'],
  sources: ['entra.audit', 'm365.audit', 'google.workspace'],
  actions: [...ENTRA_PARTNER, 'ADD_TRUSTED_DOMAINS'],
  when: (e) => relationship(e) !== undefined,
  runbook: [
    'Confirm the relationship with the business owner and the partner contract; if unknown, remove it (Entra > Partner relationships / Cross-tenant access settings; Google Admin > Account > Domains > Trusted domains).',
    'Review what the partner tenant or domain did since: sign-ins of guest and partner accounts, shared files.',
    'Treat the actor as compromised if they did not mean to add it.',
  ],
  falsePositives: ['A new managed-service provider or subsidiary being onboarded through a change ticket.'],
});
