import type { RuleCases } from '../../engine/rule';
import { BASE, MIN, signIn } from '../testing/records';
import { failures, ropcSuccess } from '../testing/sign-ins';

/** 24 failures over 12 accounts and 24 addresses in 24 minutes. */
const wave = Array.from({ length: 24 }, (_, i) =>
  signIn({
    upn: `user${i % 12}@contoso.com`,
    ip: `45.155.${i}.${20 + i}`,
    at: BASE + i * MIN,
    errorCode: 50126,
  }),
);

const cases: RuleCases = {
  fires: [
    {
      name: 'fires when a stuffing wave is followed by a scripted success for one of its accounts',
      records: [...wave, ropcSuccess('user10@contoso.com', '45.155.99.99', BASE + 30 * MIN)],
      expect: { findings: 1, principal: 'user10@contoso.com', severity: 'high' },
    },
    {
      name: 'fires when a brute force against one account ends with its password accepted',
      records: [
        ...failures('finance@contoso.com', '185.220.101.47', 12),
        ropcSuccess('finance@contoso.com', '185.220.101.47', BASE + 20 * MIN),
      ],
      expect: { findings: 1, principal: 'finance@contoso.com' },
    },
  ],
  quiet: [
    {
      name: 'stays quiet when the account signs in from a browser afterwards (a person, not the script)',
      records: [...wave, signIn({ upn: 'user10@contoso.com', ip: '203.0.113.10', at: BASE + 30 * MIN })],
      expect: { findings: 0 },
    },
    {
      name: 'stays quiet when the scripted success comes three hours later',
      records: [...wave, ropcSuccess('user10@contoso.com', '45.155.99.99', BASE + 200 * MIN)],
      expect: { findings: 0 },
    },
  ],
};
export default cases;
