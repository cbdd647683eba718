import { defineRule } from '../../engine/rule';
import type { Severity } from '../../engine/findings';
import type { TriplineEvent } from '../../events/types';

export interface AccessPolicyParams extends Record<string, unknown> {
  /** Accounts (lower-case) whose policy changes are expected: the identity team's change accounts. */
  allowActors: string[];
}

const s = (v: unknown) =>
  Array.isArray(v) ? v.join(',') : typeof v === 'string' ? v : v == null ? '' : String(v);
const isFalse = (v: unknown) => v === false || s(v).toLowerCase() === 'false';
const emptyList = (v: unknown) => /^\s*\[\s*\]\s*$/.test(s(v));

function parse(v: unknown): Record<string, unknown> | undefined {
  try {
    const o: unknown = JSON.parse(s(v));
    return typeof o === 'object' && o !== null && !Array.isArray(o)
      ? (o as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** How a conditional access policy changed, from its old and new JSON (modifiedProperties). */
function caWeakening(e: TriplineEvent): string | undefined {
  const raw = e.raw as {
    targetResources?: Array<{
      modifiedProperties?: Array<{ displayName?: string; oldValue?: unknown; newValue?: unknown }>;
    }>;
  };
  let oldV: Record<string, unknown> | undefined;
  let newV: Record<string, unknown> | undefined;
  for (const t of raw?.targetResources ?? [])
    for (const m of t.modifiedProperties ?? [])
      if (m.displayName === 'ConditionalAccessPolicy') {
        oldV = parse(m.oldValue);
        newV = parse(m.newValue);
      }
  if (newV === undefined) return 'policy changed (no before/after in the record)';
  const state = s(newV.state);
  if (oldV !== undefined && s(oldV.state) === 'enabled' && state !== 'enabled')
    return `state ${s(oldV.state)} -> ${state}`;
  const controls = (o: Record<string, unknown> | undefined) =>
    JSON.stringify(o?.grantControls ?? '').toLowerCase();
  for (const c of ['mfa', 'compliantdevice', 'domainjoineddevice', 'authenticationstrength'])
    if (controls(oldV).includes(c) && !controls(newV).includes(c)) return `grant control ${c} removed`;
  const excl = (o: Record<string, unknown> | undefined) =>
    (JSON.stringify(o?.conditions ?? '').match(/exclude[A-Za-z]*"\s*:\s*\[[^\]]+\]/g) ?? []).join('');
  if (oldV !== undefined && excl(newV).length > excl(oldV).length) return 'exclusions added';
  return undefined;
}

/** Why the event weakens sign-in protection, and how badly; undefined when it does not. */
export function weakening(e: TriplineEvent): { what: string; severity: Severity } | undefined {
  if (e.outcome === 'failure') return undefined;
  const p = e.params;
  switch (e.action) {
    case 'Delete conditional access policy':
      return { what: `conditional access policy ${e.target?.name ?? ''} deleted`, severity: 'high' };
    case 'Update conditional access policy': {
      const w = caWeakening(e);
      return w
        ? {
            what: `conditional access policy ${e.target?.name ?? ''}: ${w}`,
            severity: w.startsWith('policy changed') ? 'medium' : 'high',
          }
        : undefined;
    }
    case 'Delete policy':
      return { what: `directory policy ${e.target?.name ?? ''} deleted`, severity: 'medium' };
    case 'Disable Strong Authentication':
      return { what: `per-user MFA disabled for ${e.target?.name ?? ''}`, severity: 'high' };
    case 'Update user':
      if (p.StrongAuthenticationRequirement !== undefined && emptyList(p.StrongAuthenticationRequirement))
        return { what: `per-user MFA requirement removed from ${e.target?.name ?? ''}`, severity: 'high' };
      if (p.StrongAuthenticationMethod !== undefined && emptyList(p.StrongAuthenticationMethod))
        return { what: `every MFA method removed from ${e.target?.name ?? ''}`, severity: 'high' };
      return undefined;
    // Google Workspace: 2-step verification enforcement off for an org unit, or a user's own 2SV off.
    case 'ENFORCE_STRONG_AUTHENTICATION':
    case 'ALLOW_STRONG_AUTHENTICATION':
      return isFalse(p.NEW_VALUE)
        ? {
            what: `2-step verification ${e.action === 'ALLOW_STRONG_AUTHENTICATION' ? 'allowed' : 'enforcement'} turned off for ${s(p.ORG_UNIT_NAME) || 'the domain'}`,
            severity: 'high',
          }
        : undefined;
    case '2sv_disable':
      return { what: `2-step verification disabled by ${e.actor.name ?? ''}`, severity: 'medium' };
    case 'titanium_unenroll':
      return { what: `Advanced Protection turned off by ${e.actor.name ?? ''}`, severity: 'high' };
    case 'CHANGE_APPLICATION_SETTING': {
      // Workspace password policy: strong passwords no longer enforced, or reuse allowed again.
      const setting = s(p.SETTING_NAME);
      const v = s(p.NEW_VALUE).toLowerCase();
      if (/Enforce strong password/i.test(setting) && (v === 'off' || v === 'false'))
        return {
          what: `strong password enforcement turned off for ${s(p.ORG_UNIT_NAME) || 'the domain'}`,
          severity: 'medium',
        };
      if (/Enable password reuse/i.test(setting) && (v === 'on' || v === 'true'))
        return {
          what: `password reuse allowed for ${s(p.ORG_UNIT_NAME) || 'the domain'}`,
          severity: 'medium',
        };
      return undefined;
    }
    // GitHub: the organization's IP allow list switched off or widened.
    case 'ip_allow_list.disable':
    case 'business.ip_allow_list_disable':
      return { what: 'IP allow list disabled', severity: 'high' };
    case 'ip_allow_list_entry.create':
      return {
        what: `IP allow list entry added${p.allow_list_value ? ` (${s(p.allow_list_value)})` : ''}`,
        severity: 'medium',
      };
    // GitHub: the organization or enterprise no longer requires 2FA or SAML.
    case 'org.disable_two_factor_requirement':
    case 'business.disable_two_factor_requirement':
      return { what: 'two-factor requirement disabled', severity: 'high' };
    case 'org.saml_disabled':
    case 'business.disable_saml':
      return { what: 'SAML single sign-on disabled', severity: 'high' };
    // Slack: two-factor or SSO settings of the workspace changed.
    case 'pref.two_factor_auth_changed':
    case 'pref.sso_setting_changed':
      return {
        what: `${e.action.replace('pref.', '')}${p.new_value !== undefined ? ` to ${s(p.new_value)}` : ''}`,
        severity: 'medium',
      };
    default:
      return undefined;
  }
}

export default defineRule<AccessPolicyParams>({
  id: 'conditional-access-change',
  title: (c) =>
    `${c.event.actor.name ?? c.event.actor.id ?? 'Someone'} weakened sign-in protection: ${weakening(c.event)?.what}`,
  description:
    'Sign-in protection was weakened: an Entra conditional access policy deleted, disabled, or stripped of its MFA / compliant-device controls or given exclusions; per-user MFA disabled or every MFA method removed; Google 2-step verification enforcement turned off (or a user turning off their own 2SV or Advanced Protection), strong passwords no longer enforced or reuse allowed; GitHub two-factor or SAML requirement removed, IP allow list disabled or widened; Slack two-factor or SSO settings changed. Adding a policy does not weaken anything and is not reported.',
  kind: 'match',
  severity: 'high',
  escalate: (c) => weakening(c.event)?.severity,
  attack: ['T1556.009', 'T1556.006'],
  sources: ['entra.audit', 'm365.audit', 'google.workspace', 'github.audit', 'slack.audit'],
  actions: [
    'Delete conditional access policy',
    'Update conditional access policy',
    'Delete policy',
    'Disable Strong Authentication',
    'Update user',
    'ENFORCE_STRONG_AUTHENTICATION',
    'ALLOW_STRONG_AUTHENTICATION',
    '2sv_disable',
    'titanium_unenroll',
    'CHANGE_APPLICATION_SETTING',
    'org.disable_two_factor_requirement',
    'business.disable_two_factor_requirement',
    'org.saml_disabled',
    'business.disable_saml',
    'pref.two_factor_auth_changed',
    'pref.sso_setting_changed',
    'ip_allow_list.disable',
    'business.ip_allow_list_disable',
    'ip_allow_list_entry.create',
  ],
  params: { allowActors: [] },
  when: (e, p) =>
    weakening(e) !== undefined &&
    !p.allowActors.some((a) => a.toLowerCase() === (e.actor.id ?? '').toLowerCase()),
  dedup: {
    key: (e) => `${e.actor.id ?? e.actor.name}|${e.action}|${e.target?.id ?? e.target?.name ?? ''}`,
    window: '24h',
  },
  why: (c) =>
    `${c.event.action} by ${c.event.actor.name ?? c.event.actor.id ?? 'unknown'}${c.event.actor.ip ? ` from ${c.event.actor.ip}` : ''}: ${weakening(c.event)?.what}; the actor is not on the allow list`,
  runbook: [
    'Put the protection back: restore the policy from its previous version (Entra > Conditional Access > the policy > Audit logs), re-enable per-user MFA or re-register methods, turn 2SV enforcement back on, restore the GitHub/Slack requirement.',
    'Ask the actor for the change ticket; if there is none, treat the account as compromised: revoke its sessions and review its other changes.',
    'Look at sign-ins that the weakened policy let through since the change.',
  ],
  falsePositives: [
    'Planned policy maintenance by the identity team (add their change accounts to allowActors).',
  ],
});
