import type { RuleCases } from '../../engine/rule';
import { BASE, cloudTrail } from '../testing/records';

const cases: RuleCases = {
  fires: [
    {
      name: 'fires when an opt-in region is enabled',
      records: [
        cloudTrail({
          eventName: 'EnableRegion',
          eventSource: 'account.amazonaws.com',
          at: BASE,
          userName: 'alice',
          requestParameters: { RegionName: 'ap-east-1' },
        }),
      ],
      expect: { findings: 1, severity: 'medium' },
    },
    {
      name: 'fires when Bedrock model access is opened',
      records: [
        cloudTrail({
          eventName: 'CreateFoundationModelAgreement',
          eventSource: 'bedrock.amazonaws.com',
          at: BASE,
          userName: 'alice',
          requestParameters: { modelId: 'anthropic.claude-3-opus-20240229-v1:0', offerToken: 'x' },
        }),
      ],
      expect: { findings: 1 },
    },
  ],
  quiet: [
    {
      name: 'stays quiet for a refused attempt and for listing regions',
      records: [
        cloudTrail({
          eventName: 'EnableRegion',
          eventSource: 'account.amazonaws.com',
          at: BASE,
          userName: 'alice',
          errorCode: 'AccessDenied',
        }),
        cloudTrail({
          eventName: 'ListRegions',
          eventSource: 'account.amazonaws.com',
          at: BASE,
          userName: 'alice',
        }),
      ],
      expect: { findings: 0 },
    },
  ],
};
export default cases;
