import { defineRule } from '../../engine/rule';
import type { TriplineEvent } from '../../events/types';

export interface RoleGrantParams extends Record<string, unknown> {
  /** Entra role names (display names, lower-case) that count as privileged. */
  entraRoles: string[];
  /** Actors (lower-case) whose grants are expected: identity-governance and PIM service accounts. */
  allowActors: string[];
}

/** Entra roles whose holders can take over the tenant, its apps, its mail or its sign-in policy. */
const ENTRA_PRIVILEGED = [
  'global administrator',
  'company administrator',
  'privileged role administrator',
  'privileged authentication administrator',
  'application administrator',
  'cloud application administrator',
  'security administrator',
  'exchange administrator',
  'sharepoint administrator',
  'user administrator',
  'authentication administrator',
  'hybrid identity administrator',
  'conditional access administrator',
  'intune administrator',
  'helpdesk administrator',
  'partner tier2 support',
  'directory writers',
  'domain name administrator',
  'external identity provider administrator',
];
const TOP_ROLES = new Set(['global administrator', 'company administrator', 'privileged role administrator']);

/** Entra role grants: direct, scoped, eligible, and PIM activations that completed (requests are not grants). */
const ENTRA_GRANTS = new Set([
  'Add member to role',
  'Add scoped member to role',
  'Add eligible member to role',
  'Add member to role in PIM completed (permanent)',
  'Add member to role in PIM completed (timebound)',
  'Add eligible member to role in PIM completed (permanent)',
  'Add eligible member to role in PIM completed (timebound)',
]);
const AWS_ATTACH = new Set(['AttachUserPolicy', 'AttachRolePolicy', 'AttachGroupPolicy']);
const AWS_INLINE = new Set(['PutUserPolicy', 'PutRolePolicy', 'PutGroupPolicy']);
const GITHUB_ADMIN = new Set(['business.add_admin', 'business.invite_admin', 'team.promote_maintainer']);
const SLACK_ADMIN = new Set([
  'role_change_to_admin',
  'role_change_to_owner',
  'owner_transferred',
  'permissions_assigned',
]);

const s = (v: unknown) =>
  Array.isArray(v) ? v.join(',') : typeof v === 'string' ? v : v == null ? '' : String(v);

function entraRole(e: TriplineEvent): string {
  return (
    s(e.params['Role.DisplayName']) ||
    s(e.params['RoleDefinitionName']) ||
    s(e.params['Role.WellKnownObjectName']) ||
    (e.targets ?? []).concat(e.target ? [e.target] : []).find((t) => t.type === 'Role')?.name ||
    ''
  );
}

/** A policy document that allows every action on every resource. */
function allowsEverything(doc: unknown): boolean {
  let d: unknown = doc;
  if (typeof d === 'string') {
    try {
      d = JSON.parse(d);
    } catch {
      return /"Action"\s*:\s*"\*"/.test(d as string) && /"Resource"\s*:\s*"\*"/.test(d as string);
    }
  }
  const st = (d as { Statement?: unknown } | null)?.Statement;
  const list = Array.isArray(st) ? st : st ? [st] : [];
  return list.some((x) => {
    const o = x as Record<string, unknown>;
    const act = Array.isArray(o.Action) ? o.Action : [o.Action];
    const res = Array.isArray(o.Resource) ? o.Resource : [o.Resource];
    return o.Effect === 'Allow' && act.includes('*') && res.includes('*');
  });
}

/** What was granted, to whom; undefined when the event grants nothing privileged. */
export function grantOf(
  e: TriplineEvent,
  p: RoleGrantParams,
): { role: string; to: string; top: boolean } | undefined {
  if (e.outcome === 'failure') return undefined;
  const to = e.target?.name ?? e.target?.id ?? '';
  switch (e.source) {
    case 'entra.audit':
    case 'm365.audit': {
      if (!ENTRA_GRANTS.has(e.action)) return undefined;
      const role = entraRole(e);
      const lower = role.toLowerCase();
      if (!p.entraRoles.includes(lower)) return undefined;
      const sp =
        e.target?.type === 'ServicePrincipal' || /^ServicePrincipal/i.test(s(e.params['TargetId.UserType']));
      return { role, to, top: TOP_ROLES.has(lower) || sp };
    }
    case 'google.workspace':
      if (e.action === 'ASSIGN_ROLE' || e.action === 'GRANT_ADMIN_PRIVILEGE') {
        const role = s(e.params.ROLE_NAME) || 'Super Admin';
        return {
          role,
          to: s(e.params.USER_EMAIL) || to,
          top: /super|_SEED_ADMIN/i.test(role) || e.action === 'GRANT_ADMIN_PRIVILEGE',
        };
      }
      return undefined;
    case 'aws.cloudtrail': {
      const principal = s(e.params.userName) || s(e.params.roleName) || s(e.params.groupName);
      if (
        AWS_ATTACH.has(e.action) &&
        /:policy\/(?:AdministratorAccess|IAMFullAccess)$/.test(s(e.params.policyArn))
      )
        return { role: s(e.params.policyArn).replace(/^.*:policy\//, ''), to: principal, top: true };
      if (AWS_INLINE.has(e.action) && allowsEverything(e.params.policyDocument))
        return { role: `inline policy ${s(e.params.policyName)} allowing *:*`, to: principal, top: true };
      return undefined;
    }
    case 'github.audit':
      if (GITHUB_ADMIN.has(e.action)) return { role: e.action, to, top: e.action.startsWith('business.') };
      if (
        (e.action === 'org.update_member' || e.action === 'org.add_member') &&
        s(e.params.permission) === 'admin'
      )
        return { role: 'organization owner', to, top: true };
      return undefined;
    case 'slack.audit':
      return SLACK_ADMIN.has(e.action)
        ? { role: e.action.replace(/^role_change_to_/, ''), to, top: /owner/.test(e.action) }
        : undefined;
    case 'k8s.audit': {
      if (e.action !== 'clusterrolebindings.create' && e.action !== 'clusterrolebindings.update')
        return undefined;
      const ro = s(e.params.requestObject);
      return /"roleRef"\s*:\s*\{[^}]*"name"\s*:\s*"cluster-admin"/.test(ro)
        ? { role: 'cluster-admin', to: s(e.params.name), top: true }
        : undefined;
    }
    default:
      return undefined;
  }
}

export default defineRule<RoleGrantParams>({
  id: 'privileged-role-grant',
  title: (c) => {
    const g = grantOf(c.event, c.params);
    return `${c.event.actor.name ?? c.event.actor.id} granted ${g?.role} to ${g?.to || 'an account'}`;
  },
  description:
    'An administrative role was given: an Entra privileged role (Global Administrator, Privileged Role Administrator, Application Administrator... directly, scoped, eligible or through a completed PIM assignment), a Google Workspace admin role (ASSIGN_ROLE, GRANT_ADMIN_PRIVILEGE), AWS AdministratorAccess or an inline *:* policy, a GitHub enterprise admin or organization owner, a Slack admin or owner, or a Kubernetes cluster-admin binding. Critical when the role can take over the tenant or is given to a service principal.',
  kind: 'match',
  severity: 'high',
  escalate: (c) => (grantOf(c.event, c.params)?.top ? 'critical' : undefined),
  attack: ['T1098.003'],
  sources: [
    'entra.audit',
    'm365.audit',
    'google.workspace',
    'aws.cloudtrail',
    'github.audit',
    'slack.audit',
    'k8s.audit',
  ],
  actions: [
    ...ENTRA_GRANTS,
    'ASSIGN_ROLE',
    'GRANT_ADMIN_PRIVILEGE',
    ...AWS_ATTACH,
    ...AWS_INLINE,
    ...GITHUB_ADMIN,
    'org.update_member',
    'org.add_member',
    ...SLACK_ADMIN,
    'clusterrolebindings.create',
    'clusterrolebindings.update',
  ],
  params: { entraRoles: ENTRA_PRIVILEGED, allowActors: [] },
  when: (e, p) =>
    grantOf(e, p) !== undefined &&
    !p.allowActors.some((a) => a.toLowerCase() === (e.actor.id ?? '').toLowerCase()),
  dedup: {
    key: (e) => `${e.action}|${e.target?.id ?? e.target?.name ?? ''}|${e.params['Role.DisplayName'] ?? ''}`,
    window: '24h',
  },
  why: (c) => {
    const g = grantOf(c.event, c.params);
    return `${c.event.action} by ${c.event.actor.name ?? c.event.actor.id ?? 'unknown'}${c.event.actor.ip ? ` from ${c.event.actor.ip}` : ''} gave ${g?.role} to ${g?.to || 'an account'}${g?.top ? ' (tenant takeover level, or to a service principal)' : ''}`;
  },
  runbook: [
    'Confirm the grant with the actor and a change ticket; if it is not expected, remove it now (Entra: `Remove-MgDirectoryRoleMemberByRef`; Google Admin > Admin roles; AWS: `aws iam detach-user-policy`/`detach-role-policy`; GitHub: change the member back; Slack: change the role back).',
    'Treat the actor as compromised until proven otherwise: revoke their sessions and review what else they did in the last hours.',
    'Review what the new admin did since the grant.',
  ],
  falsePositives: [
    'Planned onboarding of an administrator; identity-governance tools that assign roles (allowActors).',
  ],
});
