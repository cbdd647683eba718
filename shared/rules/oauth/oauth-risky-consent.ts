import { defineRule } from '../../engine/rule';
import type { TriplineEvent } from '../../events/types';
import { thirdPartyAppIdOf } from './app-id';
import { ENTRA_GRANT_ACTIONS, WORKSPACE_AUTHORIZE, scopeRisk } from './scopes';

export interface RiskyConsentParams extends Record<string, unknown> {
  /** App (client) ids that never fire: sanctioned apps. */
  allowApps: string[];
  /** Minimum scope weight that fires for a single-user consent (1 sensitive read, 2 read/write, 3 takeover). */
  minWeight: number;
  /** The config's scopeWeights: scope name to 0-3, over the shipped weights. */
  scopeWeights: Record<string, number>;
}

/** The app as a person reads it: its name, else its app id, else its service principal. */
function appLabel(e: TriplineEvent): string {
  const sp = e.app?.servicePrincipalId;
  return e.app?.name ?? e.app?.id ?? (sp ? `service principal ${sp}` : 'unknown app');
}

/** Who consented, lower-cased: the finding's principal. */
function consenter(e: TriplineEvent): string {
  return (e.actor.id ?? e.actor.name ?? 'unknown').toLowerCase();
}

/**
 * The consent operation: Entra writes several records for one consent (the grant, the consent,
 * a new service principal), and they share a correlation id (Graph `correlationId`, the unified
 * audit log's `InterSystemsId`). The grant may name the app only by its service principal, so the
 * operation, not the app id, is what ties them together.
 */
function operationOf(e: TriplineEvent): string | undefined {
  const raw = e.raw as { correlationId?: unknown; InterSystemsId?: unknown } | null;
  const corr = raw?.correlationId ?? raw?.InterSystemsId;
  return typeof corr === 'string' && corr ? corr.toLowerCase() : undefined;
}

function risky(e: TriplineEvent, p: RiskyConsentParams): boolean {
  if (e.outcome === 'failure') return false;
  if (e.source === 'google.workspace' && e.service !== 'token') return false;
  const app = thirdPartyAppIdOf(e);
  if (!app || p.allowApps.some((a) => a.toLowerCase() === app)) return false;
  const risk = scopeRisk(e.app?.scopes, p.scopeWeights);
  return risk.max >= p.minWeight || (e.app?.consentType === 'AllPrincipals' && risk.max >= 1);
}

export default defineRule<RiskyConsentParams>({
  id: 'oauth-risky-consent',
  title: (c) => {
    const who = c.event.actor.name ?? c.event.actor.id ?? 'someone';
    const all = c.event.app?.consentType === 'AllPrincipals' ? ' for all users' : '';
    return `${who} granted "${appLabel(c.event)}" ${scopeRisk(c.event.app?.scopes, c.params.scopeWeights).sensitive.slice(0, 3).join(', ')}${all}`;
  },
  description:
    'A consent, permission grant or Google authorize gave an app that is not allow-listed high-risk scopes (mail read/write, all files, directory or role write, full mailbox access), or admin consent on behalf of every user.',
  kind: 'match',
  severity: 'high',
  escalate: (c) =>
    scopeRisk(c.event.app?.scopes, c.params.scopeWeights).max >= 3 ||
    c.event.app?.consentType === 'AllPrincipals'
      ? 'critical'
      : undefined,
  attack: ['T1528', 'T1550.001'],
  sources: ['entra.audit', 'm365.audit', 'google.workspace'],
  actions: [...ENTRA_GRANT_ACTIONS, WORKSPACE_AUTHORIZE],
  params: { allowApps: [], minWeight: 2, scopeWeights: {} },
  when: risky,
  // One finding per consenting user and consent (the title names the user): the records of one
  // consent count once, whichever of them names the app id.
  dedup: { key: (e) => `${consenter(e)}|${operationOf(e) ?? thirdPartyAppIdOf(e)}`, window: '24h' },
  unitKey: (e) => operationOf(e),
  why: (c) => {
    const r = scopeRisk(c.event.app?.scopes, c.params.scopeWeights);
    const weight =
      ['', 'sensitive read', 'read/write of mail, files or directory', 'tenant-wide or takeover'][r.max] ??
      '';
    const id =
      c.event.app?.id ??
      (c.event.app?.servicePrincipalId ? `service principal ${c.event.app.servicePrincipalId}` : 'no app id');
    return `${c.event.action} for app ${c.event.app?.name ?? ''} (${id}) with ${r.sensitive.join(', ')} (highest risk: ${weight})${
      c.event.app?.consentType === 'AllPrincipals'
        ? '; consent type AllPrincipals: every user in the tenant'
        : ''
    }; app not on the allow-list`;
  },
  runbook: [
    'Ask the user (or admin) who consented whether they meant to, and what the app is for.',
    'If not sanctioned: revoke the grant (Entra > Enterprise applications > the app > Permissions; Google Admin > Security > API controls) and revoke the user sessions.',
    'Look for oauth-chain findings for the same app id: reads or exports after the consent mean data left.',
    'If sanctioned: allow-list its app id for this rule (config `"overrides": {"oauth-risky-consent": {"allowApps": ["<app id>"]}}`).',
  ],
  falsePositives: [
    'Sanctioned productivity apps that legitimately need mail or file access before they are allow-listed.',
  ],
});
