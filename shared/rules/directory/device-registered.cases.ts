import type { RuleCases } from '../../engine/rule';
import { BASE, directoryAudit } from '../testing/records';

export const registerDevice = (upn: string, device: string, at: number) =>
  directoryAudit({
    activity: 'Register device',
    category: 'Device',
    service: 'Device Registration Service',
    at,
    by: { app: 'Device Registration Service', appId: '01cb2876-7ebd-4aa4-9cc9-d28bd4d359a9' },
    targets: [
      { type: 'Device', displayName: device },
      { type: 'User', userPrincipalName: upn },
    ],
    additionalDetails: [
      { key: 'Device Id', value: `${device}-0000-4000-8000-000000000000` },
      { key: 'Device OS', value: 'Windows' },
      { key: 'Device Trust Type', value: 'Workplace' },
    ],
  });

const cases: RuleCases = {
  fires: [
    {
      name: 'signals a device registered by the Device Registration Service for a user',
      records: [registerDevice('adele@contoso.com', 'DESKTOP-7QX2K', BASE)],
      expect: { findings: 0, signals: 1 },
    },
  ],
  quiet: [
    {
      name: 'stays silent for a device deleted, and for a registration that failed',
      records: [
        directoryAudit({
          activity: 'Delete device',
          at: BASE,
          targets: [{ type: 'Device', displayName: 'OLD-PC' }],
        }),
        { ...registerDevice('adele@contoso.com', 'DESKTOP-7QX2K', BASE), result: 'failure' },
      ],
      expect: { findings: 0, signals: 0 },
    },
  ],
};
export default cases;
