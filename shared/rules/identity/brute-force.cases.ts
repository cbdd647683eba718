import type { RuleCases } from '../../engine/rule';
import { BASE, MIN, cloudTrail, signIn } from '../testing/records';

const fails = (n: number, stepMs: number, upn = 'finance@contoso.com') =>
  Array.from({ length: n }, (_, i) =>
    signIn({ upn, ip: '45.155.205.233', at: BASE + i * stepMs, errorCode: 50126 }),
  );

const cases: RuleCases = {
  fires: [
    {
      name: 'fires when the 10th failure for one account lands inside 15 minutes',
      records: fails(12, 40_000),
      expect: { findings: 1, principal: 'finance@contoso.com', severity: 'medium' },
    },
    {
      name: 'fires on AWS console login failures for one IAM user',
      records: Array.from({ length: 10 }, (_, i) =>
        cloudTrail({
          eventName: 'ConsoleLogin',
          eventSource: 'signin.amazonaws.com',
          userName: 'alice',
          at: BASE + i * MIN,
          responseElements: { ConsoleLogin: 'Failure' },
          additionalEventData: {
            LoginTo: 'https://console.aws.amazon.com/',
            MobileVersion: 'No',
            MFAUsed: 'No',
          },
        }),
      ),
      expect: { findings: 1 },
    },
  ],
  quiet: [
    { name: 'stays quiet for 9 failures', records: fails(9, 30_000), expect: { findings: 0 } },
    {
      name: 'stays quiet for 12 failures spread over an hour',
      records: fails(12, 5 * MIN),
      expect: { findings: 0 },
    },
  ],
};
export default cases;
