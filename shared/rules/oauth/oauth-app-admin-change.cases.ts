import type { RuleCases } from '../../engine/rule';
import { BASE } from './fixtures';

/** Graph directoryAudit of an app-only change (initiatedBy.app). */
const byApp = (activity: string, appId: string, result = 'success') => ({
  id: `Directory_${activity.length}_${appId.slice(0, 8)}`,
  category: 'RoleManagement',
  correlationId: '0f1e2d3c-4b5a-4968-8776-655443322110',
  result,
  resultReason: '',
  activityDisplayName: activity,
  activityDateTime: new Date(BASE).toISOString(),
  loggedByService: 'Core Directory',
  operationType: 'Assign',
  initiatedBy: {
    user: null,
    app: {
      appId,
      displayName: 'Mail Archiver Pro',
      servicePrincipalId: '3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f',
      servicePrincipalName: null,
    },
  },
  targetResources: [
    {
      id: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
      displayName: null,
      type: 'User',
      userPrincipalName: 'bob@contoso.com',
      modifiedProperties: [
        { displayName: 'Role.DisplayName', oldValue: null, newValue: '"Exchange Administrator"' },
      ],
    },
  ],
  additionalDetails: [],
});

const cases: RuleCases = {
  fires: [
    {
      name: 'signals a role assignment made by a third-party app',
      records: [byApp('Add member to role', '6f2d8c41-3a9e-4b7d-9c15-e0a4b2f7d381')],
      expect: { findings: 0, signals: 1 },
    },
  ],
  quiet: [
    {
      name: 'stays quiet for a first-party app (Azure AD PowerShell) and for failures',
      records: [
        byApp('Add member to role', '1b730954-1685-4b74-9bfd-dac224a7b894'),
        byApp('Add member to role', '6f2d8c41-3a9e-4b7d-9c15-e0a4b2f7d381', 'failure'),
      ],
      expect: { findings: 0, signals: 0 },
    },
  ],
};
export default cases;
