import type { RuleCases } from '../../engine/rule';
import { BASE, MIN, signIn } from '../testing/records';

const denials = Array.from({ length: 7 }, (_, i) =>
  signIn({ upn: 'adele@contoso.com', ip: '185.220.101.47', at: BASE + i * MIN, errorCode: 500121 }),
);
const approved = (at: number) =>
  signIn({ upn: 'adele@contoso.com', ip: '185.220.101.47', at, statusDetails: 'MFA completed in Azure AD' });

const cases: RuleCases = {
  fires: [
    {
      name: 'fires when a burst of refused prompts ends with one approved',
      records: [...denials, approved(BASE + 9 * MIN)],
      expect: { findings: 1, principal: 'adele@contoso.com', severity: 'critical' },
    },
    {
      name: 'fires when the approval record arrives before the denials (late MFA details)',
      records: [approved(BASE + 9 * MIN), ...denials],
      expect: { findings: 1 },
    },
  ],
  quiet: [
    {
      name: 'stays quiet for an approved prompt with no burst before it',
      records: [approved(BASE)],
      expect: { findings: 0 },
    },
    {
      name: 'stays quiet when the approval comes three hours after the burst',
      records: [...denials, approved(BASE + 190 * MIN)],
      expect: { findings: 0 },
    },
  ],
};
export default cases;
