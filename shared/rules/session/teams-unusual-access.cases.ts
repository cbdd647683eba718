import type { RuleCases } from '../../engine/rule';
import { BASE, DAY, HOUR, ualRecord } from '../testing/records';

const teams = (ip: string, at: number) =>
  ualRecord({
    op: 'TeamsSessionStarted',
    user: 'lee@contoso.com',
    at,
    workload: 'MicrosoftTeams',
    recordType: 25,
    result: null,
    UserType: 0,
    ClientIP: ip,
  });
const month = Array.from({ length: 20 }, (_, d) => teams('203.0.113.10', BASE - (20 - d) * DAY));

const cases: RuleCases = {
  fires: [
    {
      name: 'fires when Teams is opened from a network unseen in 30 days',
      records: [...month, teams('185.220.101.47', BASE + HOUR)],
      expect: { findings: 1, severity: 'low' },
    },
  ],
  quiet: [
    {
      name: 'stays quiet from the usual network',
      records: [...month, teams('203.0.113.99', BASE + HOUR)],
      expect: { findings: 0 },
    },
  ],
};
export default cases;
