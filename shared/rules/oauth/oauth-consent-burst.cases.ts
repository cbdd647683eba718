import type { RuleCases } from '../../engine/rule';
import { BASE, HOUR, consentAudit } from '../testing/records';

const APP = '7a1e2c3d-4b5f-4a6e-9d8c-1b2a3c4d5e6f';
export const consents = (n: number, stepMs: number, from = BASE) =>
  Array.from({ length: n }, (_, i) =>
    consentAudit({
      upn: `user${i}@contoso.com`,
      ip: '203.0.113.44',
      at: from + i * stepMs,
      appId: APP,
      appName: 'Invoice Viewer',
      scopes: ['Mail.Read', 'offline_access', 'User.Read'],
    }),
  );

const cases: RuleCases = {
  fires: [
    {
      name: 'signals when the fifth user consents within a day',
      records: consents(5, HOUR),
      expect: { findings: 0, signals: 1 },
    },
  ],
  quiet: [
    {
      name: 'stays silent for four users, or five over a week',
      records: [...consents(4, HOUR), ...consents(5, 40 * HOUR, BASE + 30 * HOUR).slice(4)],
      expect: { findings: 0, signals: 0 },
    },
  ],
};
export default cases;
