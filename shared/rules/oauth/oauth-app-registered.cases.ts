import type { RuleCases } from '../../engine/rule';
import { BASE, directoryAudit } from '../testing/records';

export const addApplication = (appId: string, at: number) =>
  directoryAudit({
    activity: 'Add application',
    category: 'ApplicationManagement',
    at,
    targets: [
      {
        type: 'Application',
        displayName: 'clony',
        modifiedProperties: [
          { displayName: 'AppId', newValue: JSON.stringify([appId]) },
          { displayName: 'AvailableToOtherTenants', newValue: '[true]' },
          { displayName: 'DisplayName', newValue: '["clony"]' },
        ],
      },
    ],
  });

const cases: RuleCases = {
  fires: [
    {
      name: 'signals an app registered in the tenant with its AppId',
      records: [addApplication('cd3133dd-0eb1-4283-ad9c-7e04202d3069', BASE)],
      expect: { findings: 0, signals: 1 },
    },
  ],
  quiet: [
    {
      name: "stays silent for Microsoft's own service principals",
      records: [
        directoryAudit({
          activity: 'Add service principal',
          category: 'ApplicationManagement',
          at: BASE,
          targets: [{ type: 'ServicePrincipal', displayName: 'Microsoft Graph' }],
          additionalDetails: [{ key: 'AppId', value: '00000003-0000-0000-c000-000000000000' }],
        }),
      ],
      expect: { findings: 0, signals: 0 },
    },
  ],
};
export default cases;
