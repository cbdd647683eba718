import type { RuleCases } from '../../engine/rule';
import { BASE, DAY, HOUR, cloudTrail, ssoRole } from '../testing/records';

const deploy = (at: number) =>
  cloudTrail({
    eventName: 'UpdateFunctionCode20150331v2',
    eventSource: 'lambda.amazonaws.com',
    at,
    userName: 'ci-deploy',
    requestParameters: { functionName: 'api', publish: true },
  });
/** Two weeks of the pipeline deploying every day. */
const history = Array.from({ length: 14 }, (_, d) => deploy(BASE - (14 - d) * DAY));

const cases: RuleCases = {
  fires: [
    {
      name: 'fires when a person who never deployed changes function code',
      records: [
        ...history,
        cloudTrail({
          eventName: 'UpdateFunctionCode20150331v2',
          eventSource: 'lambda.amazonaws.com',
          at: BASE + HOUR,
          identity: ssoRole('bob.ross', 'DevAdmin'),
          requestParameters: { functionName: 'api' },
        }),
      ],
      expect: { findings: 1, severity: 'medium' },
    },
    {
      name: 'fires high when a new principal adds a layer (a malicious extension)',
      records: [
        ...history,
        cloudTrail({
          eventName: 'UpdateFunctionConfiguration20150331v2',
          eventSource: 'lambda.amazonaws.com',
          at: BASE + HOUR,
          userName: 'john.developer',
          requestParameters: {
            functionName: 'api',
            layers: ['arn:aws:lambda:us-east-1:210987654321:layer:ext:1'],
          },
        }),
      ],
      expect: { findings: 1, severity: 'high' },
    },
  ],
  quiet: [
    {
      name: 'stays quiet for the pipeline deploying as every day',
      records: [...history, deploy(BASE + HOUR)],
      expect: { findings: 0 },
    },
    {
      name: 'stays quiet for configuration changes that touch neither code, layers nor role',
      records: [
        ...history,
        cloudTrail({
          eventName: 'UpdateFunctionConfiguration20150331v2',
          eventSource: 'lambda.amazonaws.com',
          at: BASE + HOUR,
          userName: 'ops',
          requestParameters: { functionName: 'api', memorySize: 1024, timeout: 30 },
        }),
      ],
      expect: { findings: 0 },
    },
    {
      name: 'stays quiet in the first week of an account (learning)',
      records: [
        deploy(BASE),
        cloudTrail({
          eventName: 'CreateFunction20150331',
          eventSource: 'lambda.amazonaws.com',
          at: BASE + DAY,
          userName: 'new-dev',
        }),
      ],
      expect: { findings: 0 },
    },
  ],
};
export default cases;
