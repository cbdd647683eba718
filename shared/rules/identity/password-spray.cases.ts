import type { RuleCases } from '../../engine/rule';
import { BASE, MIN, signIn, ualLoginFailed, workspaceActivity } from '../testing/records';

const users = ['adele', 'alex', 'diego', 'grady', 'henrietta', 'isaiah', 'johanna', 'lee'].map(
  (u) => `${u}@contoso.com`,
);
const spray = (ip: string, n: number, stepMs: number) =>
  users.slice(0, n).map((upn, i) => signIn({ upn, ip, at: BASE + i * stepMs, errorCode: 50126 }));

const cases: RuleCases = {
  fires: [
    {
      name: 'fires when one address fails against 8 accounts within 10 minutes (Graph sign-ins)',
      records: spray('185.220.101.47', 8, 75_000),
      expect: { findings: 1, principal: '185.220.101.47', severity: 'medium' },
    },
    {
      name: 'fires on UAL UserLoginFailed records from one address against 5 accounts',
      records: users
        .slice(0, 5)
        .map((u, i) => ualLoginFailed({ user: u, ip: '2a09:bac1:820:8::1a:9c', at: BASE + i * 1000 })),
      expect: { findings: 1, principal: '2a09:bac1:820:8::1a:9c' },
    },
    {
      name: 'fires on Google Workspace login_failure events from one address',
      records: users.slice(0, 6).map((u, i) =>
        workspaceActivity({
          app: 'login',
          email: u.replace('contoso.com', 'contoso-labs.com'),
          ip: '45.9.148.3',
          at: BASE + i * MIN,
          events: [
            {
              type: 'login',
              name: 'login_failure',
              parameters: [
                { name: 'login_type', value: 'google_password' },
                { name: 'login_failure_type', value: 'login_failure_invalid_password' },
              ],
            },
          ],
        }),
      ),
      expect: { findings: 1, principal: '45.9.148.3' },
    },
  ],
  quiet: [
    {
      name: 'stays quiet for 4 accounts from one address (below 5)',
      records: spray('185.220.101.47', 4, MIN),
      expect: { findings: 0 },
    },
    {
      name: 'stays quiet when the accounts are spread over hours',
      records: spray('185.220.101.47', 8, 40 * MIN),
      expect: { findings: 0 },
    },
    {
      name: 'stays quiet for MFA interrupts (50074) and successes from one shared egress',
      records: users.map((upn, i) =>
        signIn({ upn, ip: '203.0.113.10', at: BASE + i * 1000, errorCode: i % 2 ? 50074 : 0 }),
      ),
      expect: { findings: 0 },
    },
  ],
};
export default cases;
