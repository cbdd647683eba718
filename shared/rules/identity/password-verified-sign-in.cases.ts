import type { RuleCases } from '../../engine/rule';
import { BASE, signIn } from '../testing/records';
import { ropcSuccess, ualSignIn } from '../testing/sign-ins';

const cases: RuleCases = {
  fires: [
    {
      name: 'signals a password grant (ROPC) success from a script',
      records: [ropcSuccess('lidia@contoso.com', '2a09:bac5:113:105::1a:a7', BASE)],
      expect: { findings: 0, signals: 1 },
    },
    {
      name: 'signals a UAL sign-in made from WindowsPowerShell, and an MFA interrupt (password right) from python',
      records: [
        ualSignIn({
          user: 'miriam@contoso.com',
          ip: '2a09:bac5:113:105::1a:a7',
          at: BASE,
          ok: true,
          ua: 'Mozilla/5.0 (Windows NT; Windows NT 10.0; en-US) WindowsPowerShell/5.1.19041.2673',
        }),
        signIn({
          upn: 'lee@contoso.com',
          ip: '45.155.205.233',
          at: BASE,
          errorCode: 50074,
          userAgent: 'python-requests/2.31.0',
        }),
      ],
      expect: { findings: 0, signals: 2 },
    },
  ],
  quiet: [
    {
      name: 'stays silent for a person signing in from a browser, and for wrong passwords',
      records: [
        signIn({ upn: 'lee@contoso.com', ip: '203.0.113.10', at: BASE }),
        signIn({
          upn: 'lee@contoso.com',
          ip: '45.155.205.233',
          at: BASE,
          errorCode: 50126,
          authenticationProtocol: 'ropc',
        }),
      ],
      expect: { findings: 0, signals: 0 },
    },
  ],
};
export default cases;
