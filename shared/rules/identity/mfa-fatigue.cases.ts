import type { RuleCases } from '../../engine/rule';
import { BASE, MIN, signIn } from '../testing/records';
import { ualSignIn, wsLogin } from '../testing/sign-ins';

const denials = (n: number, stepMs: number, upn = 'adele@contoso.com') =>
  Array.from({ length: n }, (_, i) =>
    signIn({ upn, ip: '185.220.101.47', at: BASE + i * stepMs, errorCode: 500121 }),
  );

const cases: RuleCases = {
  fires: [
    {
      name: 'fires when the 5th refused MFA prompt lands inside 10 minutes (Entra 500121)',
      records: denials(6, MIN),
      expect: { findings: 1, principal: 'adele@contoso.com', severity: 'medium' },
    },
    {
      name: 'fires on UAL sign-in failures with ErrorNumber 500121',
      records: Array.from({ length: 5 }, (_, i) =>
        ualSignIn({
          user: 'lee@contoso.com',
          ip: '185.220.101.47',
          at: BASE + i * MIN,
          ok: false,
          ua: 'Mozilla/5.0',
          errorNumber: '500121',
        }),
      ),
      expect: { findings: 1 },
    },
    {
      name: 'fires on Workspace second-factor challenges that failed',
      records: Array.from({ length: 5 }, (_, i) =>
        wsLogin('lee@contoso-labs.com', BASE + i * MIN, 'login_challenge', [
          { name: 'login_challenge_method', multiValue: ['internal_two_factor'] },
          { name: 'login_challenge_status', value: 'Challenge Failed' },
        ]),
      ),
      expect: { findings: 1, principal: 'lee@contoso-labs.com' },
    },
  ],
  quiet: [
    { name: 'stays quiet for 4 refused prompts', records: denials(4, MIN), expect: { findings: 0 } },
    {
      name: 'stays quiet for 6 refused prompts over an hour',
      records: denials(6, 12 * MIN),
      expect: { findings: 0 },
    },
    {
      name: 'stays quiet for wrong passwords and passed challenges',
      records: [
        ...Array.from({ length: 6 }, (_, i) =>
          signIn({ upn: 'adele@contoso.com', ip: '185.220.101.47', at: BASE + i * MIN, errorCode: 50126 }),
        ),
        ...Array.from({ length: 6 }, (_, i) =>
          wsLogin('lee@contoso-labs.com', BASE + i * MIN, 'login_challenge', [
            { name: 'login_challenge_method', multiValue: ['internal_two_factor'] },
            { name: 'login_challenge_status', value: 'Challenge Passed' },
          ]),
        ),
      ],
      expect: { findings: 0 },
    },
  ],
};
export default cases;
