import type { RuleCases } from '../../engine/rule';
import { BASE, cloudTrail } from '../testing/records';

const lambda = (eventName: string, requestParameters: Record<string, unknown>) =>
  cloudTrail({
    eventName,
    eventSource: 'lambda.amazonaws.com',
    at: BASE,
    userName: 'dev',
    requestParameters,
  });

const cases: RuleCases = {
  fires: [
    {
      name: 'fires when AddPermission20150331v2 lets any account invoke a function',
      records: [
        lambda('AddPermission20150331v2', {
          functionName: 'billing-export',
          statementId: 'x',
          action: 'lambda:InvokeFunction',
          principal: '*',
        }),
      ],
      expect: { findings: 1, severity: 'high' },
    },
    {
      name: 'fires when a foreign account is allowed, and on a function URL without auth',
      records: [
        lambda('AddPermission20150331v2', {
          functionName: 'billing-export',
          statementId: 'y',
          action: 'lambda:InvokeFunction',
          principal: '210987654321',
        }),
        lambda('CreateFunctionUrlConfig20211031', { functionName: 'billing-export', authType: 'NONE' }),
      ],
      expect: { findings: 2 },
    },
  ],
  quiet: [
    {
      name: 'stays quiet for a service trigger, an own-account principal and an IAM-authenticated URL',
      records: [
        lambda('AddPermission20150331v2', {
          functionName: 'thumbs',
          principal: 's3.amazonaws.com',
          sourceArn: 'arn:aws:s3:::uploads',
        }),
        lambda('AddPermission20150331v2', { functionName: 'thumbs', principal: '444455556666' }),
        lambda('CreateFunctionUrlConfig20211031', { functionName: 'thumbs', authType: 'AWS_IAM' }),
      ],
      expect: { findings: 0 },
    },
  ],
};
export default cases;
