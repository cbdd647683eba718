import type { RuleCases } from '../../engine/rule';
import { BASE, MIN } from '../testing/records';
import { failures, ropcSuccess } from '../testing/sign-ins';

const IP = '2a09:bac1:820:8::1a:9c';
const sprayFrom = (from: number) =>
  ['adele', 'alex', 'diego', 'grady', 'henrietta', 'isaiah', 'johanna'].flatMap((u, i) =>
    failures(`${u}@contoso.com`, IP, 1, from + i * 1000),
  );

const cases: RuleCases = {
  fires: [
    {
      name: 'fires when the password is accepted among the first attempts and the spray goes on (MSOLSpray)',
      records: [
        ...sprayFrom(BASE).slice(0, 3),
        ropcSuccess('lidia@contoso.com', IP, BASE + 3500),
        ...sprayFrom(BASE + 4000),
      ],
      expect: { findings: 1, principal: IP, severity: 'high' },
    },
  ],
  quiet: [
    {
      name: 'stays quiet when the address never reaches 5 accounts, or sprays two hours later',
      records: [
        ropcSuccess('lidia@contoso.com', IP, BASE),
        ...sprayFrom(BASE + MIN).slice(0, 4),
        ...sprayFrom(BASE + 130 * MIN),
      ],
      expect: { findings: 0 },
    },
  ],
};
export default cases;
