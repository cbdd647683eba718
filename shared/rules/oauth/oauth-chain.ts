import { defineRule } from '../../engine/rule';
import type { ChainLink, FireContext, RuleParams } from '../../engine/rule';
import { formatDuration } from '../../engine/duration';
import { appIdOf, servicePrincipalOf } from './app-id';
import { scopeRisk } from './scopes';

function links(c: FireContext): ChainLink[] {
  return (c.chains ?? (c.chain ? [c.chain] : [])).flat();
}

function chainScopes(c: FireContext): string[] {
  const all = new Set<string>();
  for (const l of links(c)) for (const s of l.app?.scopes ?? []) all.add(s);
  return scopeRisk([...all], c.params['scopeWeights']).sensitive;
}

function appName(c: FireContext): string {
  return links(c).find((l) => l.app?.name && l.app.name !== l.app.id)?.app?.name ?? c.group ?? 'unknown app';
}

function lastStep(c: FireContext): string {
  const last = c.chain?.[c.chain.length - 1];
  return last?.rule === 'oauth-app-admin-change'
    ? `made an admin change (${last.evidence.action})`
    : 'read or exported data at volume';
}

/** Every user whose consent started a chain, with the time of the consent, in time order. */
function consents(c: FireContext): Array<{ actor: string; time: string }> {
  const out = new Map<string, string>();
  const firsts = [
    ...(c.evidence ?? []).filter((e) => e.step === 1),
    ...links(c)
      .filter((l) => l.step === 0)
      .map((l) => l.evidence),
  ];
  for (const e of firsts) {
    const prev = out.get(e.actor);
    if (prev === undefined || e.time < prev) out.set(e.actor, e.time);
  }
  return [...out].map(([actor, time]) => ({ actor, time })).sort((a, b) => (a.time < b.time ? -1 : 1));
}

/**
 * The lead chain: a third-party app is connected, granted high-privilege scopes, then reads,
 * exports or changes admin settings at volume, all within 72 hours.
 */
export default defineRule({
  id: 'oauth-chain',
  title: (c) => {
    const scopes = chainScopes(c);
    return `App "${appName(c)}" consented, granted ${scopes.slice(0, 3).join(', ') || 'sensitive scopes'}, then ${lastStep(c)}`;
  },
  description:
    'A third-party app was connected by OAuth consent or marketplace install, received high-privilege scopes, and then did mass reads, exports or admin changes in the same tenant within 72 hours: the shape of consent phishing and of a compromised SaaS integration.',
  kind: 'sequence',
  severity: 'high',
  escalate: (c) => {
    const max = scopeRisk(chainScopes(c), c.params['scopeWeights']).max;
    const allPrincipals = links(c).some((l) => l.app?.consentType === 'AllPrincipals');
    const adminChange = links(c).some((l) => l.rule === 'oauth-app-admin-change');
    return max >= 3 || allPrincipals || adminChange ? 'critical' : undefined;
  },
  attack: ['T1528', 'T1098.003', 'T1114.002', 'T1530'],
  sources: ['entra.audit', 'm365.audit', 'google.workspace'],
  by: appIdOf,
  // A grant that names the app only by its service principal is keyed by the app id learned from a
  // record naming both (the consent's target, "Add service principal").
  alias: { from: servicePrincipalOf, to: appIdOf },
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
    const all = links(c);
    const grant = all.find((l) => l.step === 1);
    const who = consents(c);
    const scopes = chainScopes(c);
    const adminChange = all.find((l) => l.rule === 'oauth-app-admin-change');
    // The last step's events this finding holds: where the activity began, and the latest one.
    const reads = (c.evidence ?? all.map((l) => l.evidence))
      .filter((e) => e.step === 3 && e.stepRule === 'oauth-app-mass-access')
      .map((e) => e.time)
      .sort();
    const first = who[0]?.time;
    const end = c.lastSeen ?? all[all.length - 1]?.evidence.time;
    const span = first && end ? Date.parse(end) - Date.parse(first) : 0;
    const admin = all.some((l) => l.app?.consentType === 'AllPrincipals')
      ? ' for ALL users (admin consent)'
      : '';
    return [
      `"${appName(c)}" (app id ${c.group}) was connected by ${who.map((w) => `${w.actor} at ${w.time}`).join(', ') || 'unknown'}`,
      `granted ${scopes.join(', ') || 'sensitive scopes'}${admin} at ${grant?.evidence.time ?? '?'}`,
      adminChange
        ? `then made an admin change (${adminChange.evidence.action}) at ${adminChange.evidence.time}`
        : `then read or exported at volume (at least 100 items within 72 h) from ${reads[0] ?? '?'} to ${reads[reads.length - 1] ?? '?'}`,
      `all within ${formatDuration(Math.max(span, 1000))} (window 72 h)`,
      `count: ${who.length} consenting user${who.length === 1 ? '' : 's'}`,
    ].join('; ');
  },
  runbook: [
    'Revoke the app now: Entra admin center > Enterprise applications > the app > Permissions > Review permissions, or `Remove-MgOauth2PermissionGrant` / `Remove-MgServicePrincipalAppRoleAssignment`; then disable the service principal (`Update-MgServicePrincipal -AccountEnabled:$false`). In Google: Admin console > Security > API controls > App access control > block the client id, and delete the user tokens (Directory API tokens.delete).',
    'Revoke the sessions of every user who consented (`Revoke-MgUserSignInSession`) and reset their passwords if the consent followed a suspicious sign-in.',
    'Scope the damage: search the unified audit log for MailItemsAccessed and FileDownloaded with this AppId since the consent, and list the mailboxes and files it touched.',
    'Check what else the app holds: other grants, app role assignments, owners, credentials added to app registrations.',
    'If the app is sanctioned, allow-list its app id for oauth-chain (config `"overrides": {"oauth-chain": {"allowApps": ["<app id>"]}}`) and record why.',
  ],
  falsePositives: [
    'Backup, archiving and e-discovery apps that users or admins knowingly install read mail and files at volume right after consent.',
  ],
  references: ['https://attack.mitre.org/techniques/T1528/'],
});
