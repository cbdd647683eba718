import type { RuleCases } from '../../engine/rule';
import { BASE, directoryAudit, githubEvent, ualRecord, workspaceActivity } from '../testing/records';

const policy = (state: string, controls: string[], exclude: string[] = []) =>
  JSON.stringify({
    id: '5e7a0000-1111-4222-8333-444455556666',
    displayName: 'Require MFA for admins',
    state,
    conditions: { users: { includeRoles: ['62e90394-69f5-4237-9190-012177145e10'], excludeUsers: exclude } },
    grantControls: { operator: 'OR', builtInControls: controls },
  });
const caUpdate = (oldValue: string, newValue: string) =>
  directoryAudit({
    activity: 'Update conditional access policy',
    category: 'Policy',
    service: 'Conditional Access',
    at: BASE,
    targets: [
      {
        type: 'Policy',
        displayName: 'Require MFA for admins',
        modifiedProperties: [{ displayName: 'ConditionalAccessPolicy', oldValue, newValue }],
      },
    ],
  });

const cases: RuleCases = {
  fires: [
    {
      name: 'fires when a conditional access policy is switched off',
      records: [caUpdate(policy('enabled', ['mfa']), policy('disabled', ['mfa']))],
      expect: { findings: 1, severity: 'high', principal: 'it-admin@contoso.com' },
    },
    {
      name: 'fires when MFA is removed from the grant controls, or exclusions are added',
      records: [
        caUpdate(policy('enabled', ['mfa']), policy('enabled', ['compliantDevice'])),
        caUpdate(
          policy('enabled', ['mfa']),
          policy('enabled', ['mfa'], ['7d3e4c2a-aaaa-4bbb-8ccc-000000000001']),
        ),
      ],
      expect: { findings: 2 },
    },
    {
      name: 'fires when a policy is deleted',
      records: [
        directoryAudit({
          activity: 'Delete conditional access policy',
          category: 'Policy',
          at: BASE,
          targets: [{ type: 'Policy', displayName: 'Block legacy authentication' }],
        }),
      ],
      expect: { findings: 1, severity: 'high' },
    },
    {
      name: 'fires when per-user MFA is disabled (UAL, trailing period)',
      records: [
        ualRecord({
          op: 'Disable Strong Authentication.',
          user: 'stinger@contoso.onmicrosoft.com',
          at: BASE,
          workload: 'AzureActiveDirectory',
          recordType: 8,
          result: 'Success',
          UserType: 0,
          ObjectId: 'Matt@contoso.onmicrosoft.com',
          ModifiedProperties: [
            {
              Name: 'StrongAuthenticationRequirement',
              NewValue: '[]',
              OldValue: '[{"RelyingParty":"*","State":1}]',
            },
            {
              Name: 'Included Updated Properties',
              NewValue: 'StrongAuthenticationRequirement',
              OldValue: '',
            },
          ],
        }),
      ],
      expect: { findings: 1 },
    },
    {
      name: 'fires when Google 2-step verification enforcement is turned off and when GitHub drops its 2FA requirement',
      records: [
        workspaceActivity({
          app: 'admin',
          email: 'admin@contoso-labs.com',
          at: BASE,
          events: [
            {
              type: 'SECURITY_SETTINGS',
              name: 'ENFORCE_STRONG_AUTHENTICATION',
              parameters: [
                { name: 'ORG_UNIT_NAME', value: 'Finance' },
                { name: 'NEW_VALUE', value: 'false' },
                { name: 'OLD_VALUE', value: 'true' },
              ],
            },
          ],
        }),
        githubEvent({ action: 'org.disable_two_factor_requirement', actor: 'octocat', at: BASE }),
      ],
      expect: { findings: 2 },
    },
    {
      name: 'fires when Workspace stops enforcing strong passwords and a user leaves Advanced Protection',
      records: [
        workspaceActivity({
          app: 'admin',
          email: 'admin@contoso-labs.com',
          at: BASE,
          events: [
            {
              type: 'APPLICATION_SETTINGS',
              name: 'CHANGE_APPLICATION_SETTING',
              parameters: [
                { name: 'APPLICATION_NAME', value: 'Security' },
                { name: 'SETTING_NAME', value: 'Password Management - Enforce strong password' },
                { name: 'OLD_VALUE', value: 'on' },
                { name: 'NEW_VALUE', value: 'off' },
                { name: 'ORG_UNIT_NAME', value: 'Contoso Labs' },
              ],
            },
          ],
        }),
        workspaceActivity({
          app: 'user_accounts',
          email: 'ceo@contoso-labs.com',
          at: BASE,
          events: [{ type: 'titanium_change', name: 'titanium_unenroll' }],
        }),
      ],
      expect: { findings: 2 },
    },
  ],
  quiet: [
    {
      name: 'stays quiet for a policy tightened or added, and for ordinary user updates',
      records: [
        caUpdate(policy('enabledForReportingButNotEnforced', ['mfa']), policy('enabled', ['mfa'])),
        directoryAudit({
          activity: 'Add conditional access policy',
          category: 'Policy',
          at: BASE,
          targets: [{ type: 'Policy', displayName: 'New' }],
        }),
        directoryAudit({
          activity: 'Update user',
          at: BASE,
          targets: [
            {
              type: 'User',
              userPrincipalName: 'bob@contoso.com',
              modifiedProperties: [{ displayName: 'JobTitle', newValue: '["Analyst"]' }],
            },
          ],
        }),
        githubEvent({ action: 'org.enable_two_factor_requirement', actor: 'octocat', at: BASE }),
      ],
      expect: { findings: 0 },
    },
    {
      name: "stays quiet for the identity team's change account",
      records: [caUpdate(policy('enabled', ['mfa']), policy('disabled', ['mfa']))],
      params: { allowActors: ['it-admin@contoso.com'] },
      expect: { findings: 0 },
    },
  ],
};
export default cases;
