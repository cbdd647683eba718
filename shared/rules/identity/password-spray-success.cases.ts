import type { RuleCases } from '../../engine/rule';
import { BASE, MIN } from '../testing/records';
import { ROPC_UA, failures, ropcSuccess, ualSignIn } from '../testing/sign-ins';

const IP = '2a09:bac5:113:105::1a:a7';
const spray = ['adele', 'alex', 'diego', 'grady', 'henrietta', 'isaiah', 'johanna'].flatMap((u, i) =>
  failures(`${u}@contoso.com`, IP, 1, BASE + i * MIN),
);

const cases: RuleCases = {
  fires: [
    {
      name: 'fires when the spraying address gets a password accepted (MSOLSpray with success)',
      records: [
        ...spray,
        ualSignIn({
          user: 'miriam@contoso.com',
          ip: IP,
          at: BASE + 9 * MIN,
          ok: true,
          ua: 'Mozilla/5.0 (Windows NT; Windows NT 10.0; en-US) WindowsPowerShell/5.1.19041.2673',
        }),
      ],
      expect: { findings: 1, principal: IP, severity: 'high' },
    },
  ],
  quiet: [
    {
      name: 'stays quiet when the scripted success comes from another address',
      records: [...spray, ropcSuccess('miriam@contoso.com', '198.51.100.77', BASE + 9 * MIN)],
      expect: { findings: 0 },
    },
    {
      name: 'stays quiet for a success from the address when no spray happened (4 accounts)',
      records: [
        ...spray.slice(0, 4),
        ualSignIn({ user: 'miriam@contoso.com', ip: IP, at: BASE + 9 * MIN, ok: true, ua: ROPC_UA }),
      ],
      expect: { findings: 0 },
    },
  ],
};
export default cases;
