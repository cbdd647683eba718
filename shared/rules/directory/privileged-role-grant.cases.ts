import type { RuleCases } from '../../engine/rule';
import {
  BASE,
  cloudTrail,
  directoryAudit,
  githubEvent,
  k8sEvent,
  slackEntry,
  ualRecord,
  workspaceActivity,
} from '../testing/records';

const q = (s: string) => JSON.stringify(s);
const roleGrant = (role: string, target: { type: string; upn?: string; name?: string }) =>
  directoryAudit({
    activity: 'Add member to role',
    category: 'RoleManagement',
    at: BASE,
    targets: [
      {
        type: target.type,
        userPrincipalName: target.upn ?? null,
        displayName: target.name ?? null,
        modifiedProperties: [
          { displayName: 'Role.DisplayName', newValue: q(role) },
          { displayName: 'Role.WellKnownObjectName', newValue: q('TenantAdmins') },
        ],
      },
      { type: 'Role', displayName: role },
    ],
  });

const cases: RuleCases = {
  fires: [
    {
      name: 'fires critical when Global Administrator is given (Graph directoryAudit)',
      records: [roleGrant('Global Administrator', { type: 'User', upn: 'alex@contoso.com' })],
      expect: { findings: 1, severity: 'critical', principal: 'it-admin@contoso.com' },
    },
    {
      name: 'fires critical when Application Administrator goes to a service principal',
      records: [roleGrant('Application Administrator', { type: 'ServicePrincipal', name: 'Deploy Bot' })],
      expect: { findings: 1, severity: 'critical' },
    },
    {
      name: 'fires on the UAL record with its trailing period (Company Administrator)',
      records: [
        ualRecord({
          op: 'Add member to role.',
          user: 'stinger@contoso.onmicrosoft.com',
          at: BASE,
          workload: 'AzureActiveDirectory',
          recordType: 8,
          result: 'Success',
          UserType: 0,
          ObjectId: 'Alex@contoso.onmicrosoft.com',
          ModifiedProperties: [
            { Name: 'Role.DisplayName', NewValue: 'Company Administrator', OldValue: '' },
            { Name: 'Role.WellKnownObjectName', NewValue: 'TenantAdmins', OldValue: '' },
          ],
        }),
      ],
      expect: { findings: 1, severity: 'critical' },
    },
    {
      name: 'fires on Google ASSIGN_ROLE, AWS AdministratorAccess, GitHub owner, Slack admin and cluster-admin',
      records: [
        workspaceActivity({
          app: 'admin',
          email: 'admin@contoso-labs.com',
          at: BASE,
          events: [
            {
              type: 'DELEGATED_ADMIN_SETTINGS',
              name: 'ASSIGN_ROLE',
              parameters: [
                { name: 'ROLE_NAME', value: 'User Management Admin' },
                { name: 'USER_EMAIL', value: 'bob@contoso-labs.com' },
              ],
            },
          ],
        }),
        cloudTrail({
          eventName: 'AttachUserPolicy',
          eventSource: 'iam.amazonaws.com',
          at: BASE,
          requestParameters: {
            userName: 'backup-svc',
            policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess',
          },
        }),
        githubEvent({
          action: 'org.update_member',
          actor: 'octocat',
          at: BASE,
          user: 'mallory',
          permission: 'admin',
          old_permission: 'read',
        }),
        slackEntry({
          action: 'role_change_to_admin',
          email: 'admin@example.org',
          at: BASE,
          entity: {
            type: 'user',
            user: { id: 'W0555QRST', name: 'mal', email: 'mal@example.org', team: 'T1' },
          },
        }),
        k8sEvent({
          verb: 'create',
          resource: 'clusterrolebindings',
          name: 'debug-admin',
          at: BASE,
          user: 'dev@example.org',
          code: 201,
          requestObject: {
            kind: 'ClusterRoleBinding',
            metadata: { name: 'debug-admin' },
            roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
            subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: 'default' }],
          },
        }),
      ],
      expect: { findings: 5 },
    },
  ],
  quiet: [
    {
      name: 'stays quiet for roles that cannot take over anything (Reports Reader) and for PIM requests',
      records: [
        roleGrant('Reports Reader', { type: 'User', upn: 'alex@contoso.com' }),
        directoryAudit({
          activity: 'Add member to role in PIM requested (permanent)',
          at: BASE,
          targets: [{ type: 'Role', displayName: 'Global Administrator' }],
        }),
      ],
      expect: { findings: 0 },
    },
    {
      name: 'stays quiet for read-only AWS policies, GitHub read members and allow-listed governance accounts',
      records: [
        cloudTrail({
          eventName: 'AttachRolePolicy',
          eventSource: 'iam.amazonaws.com',
          at: BASE,
          requestParameters: { roleName: 'auditor', policyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' },
        }),
        githubEvent({
          action: 'org.update_member',
          actor: 'octocat',
          at: BASE,
          user: 'dev',
          permission: 'read',
        }),
        { ...roleGrant('Global Administrator', { type: 'User', upn: 'breakglass@contoso.com' }) },
      ],
      params: { allowActors: ['it-admin@contoso.com'] },
      expect: { findings: 0 },
    },
  ],
};
export default cases;
