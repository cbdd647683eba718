import type { RuleCases } from '../../engine/rule';
import { mailItemsAccessed } from '../testing/records';
import { BASE, MIN, reads } from './fixtures';

const cases: RuleCases = {
  fires: [
    {
      name: 'signals from the 100th read by one app within 72 hours',
      records: reads(102, BASE, MIN),
      expect: { findings: 0, signals: 3 },
    },
  ],
  quiet: [
    { name: 'stays quiet for 99 reads', records: reads(99, BASE, MIN), expect: { findings: 0, signals: 0 } },
    {
      name: 'stays quiet for first-party Outlook reading at volume',
      records: Array.from({ length: 150 }, (_, i) =>
        mailItemsAccessed({
          user: 'bob@contoso.com',
          at: BASE + i * 1000,
          appId: '00000002-0000-0ff1-ce00-000000000000',
          clientAppId: 'd3590ed6-52b3-4102-aeff-aad2292ab01c',
        }),
      ),
      expect: { findings: 0, signals: 0 },
    },
  ],
};
export default cases;
