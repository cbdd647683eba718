import { defineRule } from '../../engine/rule';
import type { ChainLink, FireContext, RuleParams } from '../../engine/rule';
import { formatDuration } from '../../engine/duration';
import { appIdOf } from './app-id';
import { scopeRisk } from './scopes';

function chainScopes(chain: ChainLink[] | undefined, weights: unknown): string[] {
  const all = new Set<string>();
  for (const l of chain ?? []) for (const s of l.app?.scopes ?? []) all.add(s);
  return scopeRisk([...all], weights).sensitive;
}

function appName(c: FireContext): string {
  return c.chain?.find((l) => l.app?.name)?.app?.name ?? c.group ?? 'unknown app';
}

function lastStep(c: FireContext): string {
  const last = c.chain?.[c.chain.length - 1];
  return last?.rule === 'oauth-app-admin-change'
    ? `made an admin change (${last.evidence.action})`
    : 'read or exported data at volume';
}

/**
 * The lead chain: a third-party app is connected, granted high-privilege scopes, then reads,
 * exports or changes admin settings at volume, all within 72 hours.
 */
export default defineRule({
  id: 'oauth-chain',
  title: (c) => {
    const scopes = chainScopes(c.chain, c.params['scopeWeights']);
    return `App "${appName(c)}" consented, granted ${scopes.slice(0, 3).join(', ') || 'sensitive scopes'}, then ${lastStep(c)}`;
  },
  description:
    'A third-party app was connected by OAuth consent or marketplace install, received high-privilege scopes, and then did mass reads, exports or admin changes in the same tenant within 72 hours: the shape of consent phishing and of a compromised SaaS integration.',
  kind: 'sequence',
  severity: 'high',
  escalate: (c) => {
    const max = scopeRisk(chainScopes(c.chain, c.params['scopeWeights']), c.params['scopeWeights']).max;
    const allPrincipals = c.chain?.some((l) => l.app?.consentType === 'AllPrincipals');
    const adminChange = c.chain?.some((l) => l.rule === 'oauth-app-admin-change');
    return max >= 3 || allPrincipals || adminChange ? 'critical' : undefined;
  },
  attack: ['T1528', 'T1098.003', 'T1114.002', 'T1530'],
  sources: ['entra.audit', 'm365.audit', 'google.workspace'],
  by: appIdOf,
  steps: [
    { rules: ['oauth-app-consent'], label: 'app connected (consent or install)' },
    { rules: ['oauth-scope-grant'], label: 'sensitive scopes granted' },
    {
      rules: ['oauth-app-mass-access', 'oauth-app-admin-change'],
      label: 'mass read, export or admin change by the app',
    },
  ],
  window: '72h',
  // The config's scopeWeights (scope name to 0-3) reach it here; see scopes.ts.
  params: { scopeWeights: {} } as RuleParams,
  why: (c) => {
    const chain = c.chain ?? [];
    const first = chain[0];
    const grant = chain[1];
    const last = chain[chain.length - 1];
    const span = first && last ? Date.parse(last.evidence.time) - Date.parse(first.evidence.time) : 0;
    const scopes = chainScopes(chain, c.params['scopeWeights']);
    return [
      `"${appName(c)}" (app id ${c.group}) was connected by ${first?.evidence.actor ?? 'unknown'} at ${first?.evidence.time ?? '?'}`,
      `granted ${scopes.join(', ') || 'sensitive scopes'}${grant?.app?.consentType === 'AllPrincipals' ? ' for ALL users (admin consent)' : ''} at ${grant?.evidence.time ?? '?'}`,
      last?.rule === 'oauth-app-admin-change'
        ? `then made an admin change (${last.evidence.action}) at ${last.evidence.time}`
        : `then read or exported at least 100 items (threshold 100 in 72 h), crossing it at ${last?.evidence.time ?? '?'}`,
      `all within ${formatDuration(Math.max(span, 1000))} (window 72 h)`,
    ].join('; ');
  },
  runbook: [
    'Revoke the app now: Entra admin center > Enterprise applications > the app > Permissions > Review permissions, or `Remove-MgOauth2PermissionGrant` / `Remove-MgServicePrincipalAppRoleAssignment`; then disable the service principal (`Update-MgServicePrincipal -AccountEnabled:$false`). In Google: Admin console > Security > API controls > App access control > block the client id, and delete the user tokens (Directory API tokens.delete).',
    'Revoke the sessions of every user who consented (`Revoke-MgUserSignInSession`) and reset their passwords if the consent followed a suspicious sign-in.',
    'Scope the damage: search the unified audit log for MailItemsAccessed and FileDownloaded with this AppId since the consent, and list the mailboxes and files it touched.',
    'Check what else the app holds: other grants, app role assignments, owners, credentials added to app registrations.',
    'If the app is sanctioned, allow-list its app id for oauth-chain and record why.',
  ],
  falsePositives: [
    'Backup, archiving and e-discovery apps that users or admins knowingly install read mail and files at volume right after consent.',
  ],
  references: ['https://attack.mitre.org/techniques/T1528/'],
});
