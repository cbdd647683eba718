/** Forwarding destinations and whether they leave the tenant. Pure helpers for inbox-forwarding. */
import type { TriplineEvent } from '../../events/types';

const EMAIL_RE = /[A-Za-z0-9._%+'-]+@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)/g;

/**
 * Parameters that carry a forwarding or redirect destination: Exchange cmdlets, Workspace, and
 * the rule actions of an Outlook rule edit (UpdateInboxRules OperationProperties RuleActions, the
 * recipients of its Forward / Redirect actions).
 */
export const FORWARD_PARAMS = [
  'ForwardTo',
  'ForwardAsAttachmentTo',
  'RedirectTo',
  'ForwardingSmtpAddress',
  'ForwardingAddress',
  'email_forwarding_destination_address',
  'RuleActions',
];

export function destinations(e: TriplineEvent): string[] {
  const out: string[] = [];
  for (const k of FORWARD_PARAMS) {
    const v = e.params[k];
    const text = Array.isArray(v) ? v.join(';') : typeof v === 'string' ? v : '';
    for (const m of text.matchAll(EMAIL_RE)) out.push(m[0].toLowerCase());
  }
  return out;
}

function domainOf(s: string | undefined): string | undefined {
  const at = s?.lastIndexOf('@') ?? -1;
  return at >= 0 ? s?.slice(at + 1).toLowerCase() : undefined;
}

/**
 * The tenant's own domains: configured ones, plus what the record says (the actor's domain, the
 * organization name, the mailbox in Identity/Mailbox). Subdomains of an internal domain are internal.
 */
export function internalDomains(e: TriplineEvent, configured: readonly string[]): string[] {
  const set = new Set(configured.map((d) => d.toLowerCase()));
  const add = (d: string | undefined) => d && set.add(d);
  add(domainOf(e.actor.name ?? e.actor.id));
  for (const k of ['Identity', 'Mailbox']) {
    const v = e.params[k];
    if (typeof v === 'string') add(domainOf(v));
  }
  const org = (e.raw as Record<string, unknown> | null)?.OrganizationName;
  if (typeof org === 'string' && org) add(org.toLowerCase());
  return [...set];
}

export function isExternal(address: string, internal: readonly string[]): boolean {
  const d = domainOf(address);
  if (!d) return false;
  return !internal.some((i) => d === i || d.endsWith(`.${i}`));
}
