import type { RuleCases } from '../../engine/rule';
import { BASE, MIN, directoryAudit } from '../testing/records';
import { registerDevice } from './device-registered.cases';

const cases: RuleCases = {
  fires: [
    {
      name: 'fires when a third device is registered to one account within an hour',
      records: [0, 1, 2].map((i) => registerDevice('adele@contoso.com', `DESKTOP-${i}`, BASE + i * 10 * MIN)),
      expect: { findings: 1, principal: 'adele@contoso.com', severity: 'medium' },
    },
    {
      name: 'counts owners an admin adds to devices against the owner, not the admin',
      records: [0, 1, 2].map((i) =>
        directoryAudit({
          activity: 'Add registered owner to device',
          category: 'Device',
          at: BASE + i * MIN,
          targets: [
            { type: 'Device', displayName: `PHONE-${i}` },
            { type: 'User', userPrincipalName: 'lee@contoso.com' },
          ],
        }),
      ),
      expect: { findings: 1, principal: 'lee@contoso.com' },
    },
  ],
  quiet: [
    {
      name: 'stays quiet for two devices in an hour, and for three over a day',
      records: [
        registerDevice('adele@contoso.com', 'A', BASE),
        registerDevice('adele@contoso.com', 'B', BASE + 20 * MIN),
        ...[0, 1, 2].map((i) => registerDevice('lee@contoso.com', `L${i}`, BASE + i * 5 * 60 * MIN)),
      ],
      expect: { findings: 0 },
    },
    {
      name: 'stays quiet when a help-desk technician enrols devices for different users',
      records: [0, 1, 2, 3].map((i) =>
        directoryAudit({
          activity: 'Add registered owner to device',
          at: BASE + i * MIN,
          by: { upn: 'helpdesk@contoso.com' },
          targets: [
            { type: 'Device', displayName: `PHONE-${i}` },
            { type: 'User', userPrincipalName: `user${i}@contoso.com` },
          ],
        }),
      ),
      expect: { findings: 0 },
    },
  ],
};
export default cases;
