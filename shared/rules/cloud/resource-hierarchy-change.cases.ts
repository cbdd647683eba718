import type { RuleCases } from '../../engine/rule';
import { BASE, cloudTrail } from '../testing/records';

const org = (eventName: string, extra: Record<string, unknown> = {}) =>
  cloudTrail({
    eventName,
    eventSource: 'organizations.amazonaws.com',
    at: BASE,
    userName: 'admin',
    ...extra,
  });

const cases: RuleCases = {
  fires: [
    {
      name: 'fires high when an account leaves the organization',
      records: [org('LeaveOrganization')],
      expect: { findings: 1, severity: 'high' },
    },
    {
      name: 'fires high on a refused attempt to leave',
      records: [org('LeaveOrganization', { errorCode: 'AccessDenied' })],
      expect: { findings: 1, severity: 'high' },
    },
    {
      name: 'fires medium when an account is created in the organization',
      records: [
        org('CreateAccount', { requestParameters: { accountName: 'sandbox-7', email: 'x@example.com' } }),
      ],
      expect: { findings: 1, severity: 'medium' },
    },
  ],
  quiet: [
    {
      name: 'stays quiet for reads of the organization and a refused account creation',
      records: [
        org('DescribeOrganization'),
        org('ListAccounts'),
        org('CreateAccount', { errorCode: 'AccessDenied' }),
      ],
      expect: { findings: 0 },
    },
  ],
};
export default cases;
