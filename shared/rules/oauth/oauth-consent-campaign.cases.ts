import type { RuleCases } from '../../engine/rule';
import { BASE, HOUR, MIN, directoryAudit } from '../testing/records';
import { consents } from './oauth-consent-burst.cases';

const APP = '7a1e2c3d-4b5f-4a6e-9d8c-1b2a3c4d5e6f';
const addSp = (at: number) =>
  directoryAudit({
    activity: 'Add service principal',
    category: 'ApplicationManagement',
    at,
    by: { upn: 'user0@contoso.com', ip: '203.0.113.44' },
    targets: [{ type: 'ServicePrincipal', displayName: 'Invoice Viewer' }],
    additionalDetails: [{ key: 'AppId', value: APP }],
  });

const cases: RuleCases = {
  fires: [
    {
      name: 'fires when an app first appears and 6 users consent to it within hours',
      records: [addSp(BASE - MIN), ...consents(6, 30 * MIN)],
      expect: { findings: 1, severity: 'critical' },
    },
  ],
  quiet: [
    {
      name: 'stays quiet when the consents come days after the app appeared (an established app)',
      records: [addSp(BASE - 72 * HOUR), ...consents(6, 30 * MIN)],
      expect: { findings: 0 },
    },
    {
      name: 'stays quiet for a new app only three users consent to',
      records: [addSp(BASE - MIN), ...consents(3, 30 * MIN)],
      expect: { findings: 0 },
    },
  ],
};
export default cases;
