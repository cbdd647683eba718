import type { RuleCases } from '../../engine/rule';
import { BASE, directoryAudit, workspaceActivity } from '../testing/records';

const cases: RuleCases = {
  fires: [
    {
      name: 'fires when a partner with delegated admin rights is added to the tenant',
      records: [
        directoryAudit({
          activity: 'Add partner to company',
          category: 'DirectoryManagement',
          at: BASE,
          targets: [{ type: 'Other', displayName: 'Fabrikam Managed Services' }],
          additionalDetails: [{ key: 'TenantId', value: 'a1b2c3d4-0000-4000-8000-00000000beef' }],
        }),
      ],
      expect: { findings: 1, severity: 'high' },
    },
    {
      name: 'fires when a tenant is added to cross-tenant access settings, and on Google trusted domains',
      records: [
        directoryAudit({
          activity: 'Add a partner to cross-tenant access setting',
          category: 'CrossTenantAccessSettings',
          at: BASE,
          targets: [{ type: 'Other', displayName: 'b2c3d4e5-0000-4000-8000-00000000cafe' }],
        }),
        workspaceActivity({
          app: 'admin',
          email: 'admin@contoso-labs.com',
          at: BASE,
          events: [
            {
              type: 'DOMAIN_SETTINGS',
              name: 'ADD_TRUSTED_DOMAINS',
              parameters: [{ name: 'DOMAIN_NAME', value: 'partner.example' }],
            },
          ],
        }),
      ],
      expect: { findings: 2 },
    },
  ],
  quiet: [
    {
      name: 'stays quiet when a partner is removed or a trust fails',
      records: [
        directoryAudit({
          activity: 'Remove partner from company',
          at: BASE,
          targets: [{ type: 'Other', displayName: 'Old MSP' }],
        }),
        directoryAudit({
          activity: 'Add partner to company',
          at: BASE,
          result: 'failure',
          targets: [{ type: 'Other', displayName: 'X' }],
        }),
      ],
      expect: { findings: 0 },
    },
  ],
};
export default cases;
