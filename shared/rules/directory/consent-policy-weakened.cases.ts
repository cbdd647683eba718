import type { RuleCases } from '../../engine/rule';
import { BASE, directoryAudit } from '../testing/records';

const authz = (ids: string[]) =>
  directoryAudit({
    activity: 'Update authorization policy',
    category: 'Policy',
    at: BASE,
    targets: [
      {
        type: 'Policy',
        displayName: 'Authorization Policy',
        modifiedProperties: [
          { displayName: 'PermissionGrantPolicyIdsAssignedToDefaultUserRole', newValue: JSON.stringify(ids) },
          {
            displayName: 'Included Updated Properties',
            newValue: '"PermissionGrantPolicyIdsAssignedToDefaultUserRole"',
          },
        ],
      },
    ],
  });

const cases: RuleCases = {
  fires: [
    {
      name: 'fires when every user may consent to any app again',
      records: [authz(['ManagePermissionGrantsForSelf.microsoft-user-default-legacy'])],
      expect: { findings: 1, severity: 'high' },
    },
  ],
  quiet: [
    {
      name: 'stays quiet when consent is limited to verified publishers or switched off',
      records: [authz(['ManagePermissionGrantsForSelf.microsoft-user-default-low']), authz([])],
      expect: { findings: 0 },
    },
  ],
};
export default cases;
