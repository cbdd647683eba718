import type { RuleCases } from '../../engine/rule';
import { BASE, signIn } from '../testing/records';

const cases: RuleCases = {
  fires: [
    {
      name: 'signals a successful sign-in Entra rated high risk',
      records: [signIn({ upn: 'adele@contoso.com', ip: '185.220.101.47', at: BASE, risk: 'high' })],
      expect: { findings: 0, signals: 1 },
    },
  ],
  quiet: [
    {
      name: 'stays silent for low risk, a risky sign-in that failed, and a risk an admin dismissed',
      records: [
        signIn({ upn: 'adele@contoso.com', ip: '203.0.113.10', at: BASE, risk: 'low' }),
        signIn({ upn: 'adele@contoso.com', ip: '185.220.101.47', at: BASE, risk: 'high', errorCode: 50126 }),
        {
          ...signIn({ upn: 'adele@contoso.com', ip: '185.220.101.47', at: BASE, risk: 'high' }),
          riskState: 'dismissed',
        },
      ],
      expect: { findings: 0, signals: 0 },
    },
  ],
};
export default cases;
