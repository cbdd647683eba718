import type { RuleCases } from '../../engine/rule';
import { BASE, signIn } from '../testing/records';

const cases: RuleCases = {
  fires: [
    {
      name: 'signals a sign-in where the user just approved the MFA prompt',
      records: [
        signIn({
          upn: 'adele@contoso.com',
          ip: '185.220.101.47',
          at: BASE,
          statusDetails: 'MFA completed in Azure AD',
        }),
      ],
      expect: { findings: 0, signals: 1 },
    },
  ],
  quiet: [
    {
      name: 'stays silent when MFA was satisfied by a claim in the token',
      records: [
        signIn({
          upn: 'adele@contoso.com',
          ip: '203.0.113.10',
          at: BASE,
          statusDetails: 'MFA requirement satisfied by claim in the token',
        }),
      ],
      expect: { findings: 0, signals: 0 },
    },
  ],
};
export default cases;
