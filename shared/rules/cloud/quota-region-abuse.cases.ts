import type { RuleCases } from '../../engine/rule';
import { BASE, MIN, cloudTrail } from '../testing/records';

const invoke = (region: string, at: number, userName = 'leaked-key-user') =>
  cloudTrail({
    eventName: 'InvokeModel',
    eventSource: 'bedrock.amazonaws.com',
    at,
    region,
    userName,
    requestParameters: { modelId: 'anthropic.claude-3-sonnet-20240229-v1:0' },
  });

const cases: RuleCases = {
  fires: [
    {
      name: 'fires when one key invokes models in 3 regions within an hour',
      records: [
        invoke('us-east-1', BASE),
        invoke('eu-west-1', BASE + 5 * MIN),
        invoke('ap-northeast-1', BASE + 10 * MIN),
      ],
      expect: { findings: 1, severity: 'high' },
    },
    {
      name: 'fires on quota raises and model access spread over regions',
      records: [
        cloudTrail({
          eventName: 'RequestServiceQuotaIncrease',
          eventSource: 'servicequotas.amazonaws.com',
          at: BASE,
          region: 'us-east-1',
          userName: 'k',
        }),
        cloudTrail({
          eventName: 'PutUseCaseForModelAccess',
          eventSource: 'bedrock.amazonaws.com',
          at: BASE + MIN,
          region: 'us-west-2',
          userName: 'k',
        }),
        cloudTrail({
          eventName: 'RequestServiceQuotaIncrease',
          eventSource: 'servicequotas.amazonaws.com',
          at: BASE + 2 * MIN,
          region: 'eu-central-1',
          userName: 'k',
        }),
      ],
      expect: { findings: 1 },
    },
  ],
  quiet: [
    {
      name: 'stays quiet for an app invoking models in its two regions all day',
      records: Array.from({ length: 40 }, (_, i) =>
        invoke(i % 2 ? 'us-east-1' : 'us-west-2', BASE + i * 3 * MIN, 'app'),
      ),
      expect: { findings: 0 },
    },
    {
      name: 'stays quiet when three regions are used by three different principals',
      records: [
        invoke('us-east-1', BASE, 'a'),
        invoke('eu-west-1', BASE, 'b'),
        invoke('ap-south-1', BASE, 'c'),
      ],
      expect: { findings: 0 },
    },
  ],
};
export default cases;
