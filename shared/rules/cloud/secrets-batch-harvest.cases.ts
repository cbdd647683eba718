import type { RuleCases } from '../../engine/rule';
import { BASE, cloudTrail } from '../testing/records';

const batch = (requestParameters: Record<string, unknown>) =>
  cloudTrail({
    eventName: 'BatchGetSecretValue',
    eventSource: 'secretsmanager.amazonaws.com',
    at: BASE,
    userName: 'x',
    requestParameters,
  });

const cases: RuleCases = {
  fires: [
    {
      name: 'fires on a catch-all filter (a negated tag no secret has)',
      records: [batch({ filters: [{ key: 'tag-key', values: ['!tagKeyThatWillNeverExist'] }] })],
      expect: { findings: 1, severity: 'high' },
    },
    {
      name: 'fires on 12 secrets asked for by name in one call',
      records: [batch({ secretIdList: Array.from({ length: 12 }, (_, i) => `prod/s${i}`) })],
      expect: { findings: 1 },
    },
  ],
  quiet: [
    {
      name: 'stays quiet for a scoped filter and for three named secrets',
      records: [
        batch({
          filters: [
            { key: 'tag-key', values: ['!tagKeyThatWillNeverExist'] },
            { key: 'tag-key', values: ['app-a'] },
          ],
        }),
        batch({ secretIdList: ['a', 'b', 'c'] }),
      ],
      expect: { findings: 0 },
    },
  ],
};
export default cases;
