import type { RuleCases } from '../../engine/rule';
import { BASE, MIN, signIn } from '../testing/records';
import { registerDevice } from './device-registered.cases';

const risky = signIn({ upn: 'adele@contoso.com', ip: '185.220.101.47', at: BASE, risk: 'medium' });

const cases: RuleCases = {
  fires: [
    {
      name: 'fires when a device is registered 10 minutes after a medium-risk sign-in',
      records: [risky, registerDevice('adele@contoso.com', 'DESKTOP-EVIL', BASE + 10 * MIN)],
      expect: { findings: 1, principal: 'adele@contoso.com', severity: 'high' },
    },
  ],
  quiet: [
    {
      name: 'stays quiet when the device belongs to another user, or comes two hours later',
      records: [
        risky,
        registerDevice('lee@contoso.com', 'LAPTOP-1', BASE + 5 * MIN),
        registerDevice('adele@contoso.com', 'LAPTOP-2', BASE + 120 * MIN),
      ],
      expect: { findings: 0 },
    },
  ],
};
export default cases;
