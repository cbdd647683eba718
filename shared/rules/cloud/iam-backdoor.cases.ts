import type { RuleCases } from '../../engine/rule';
import { BASE, cloudTrail } from '../testing/records';

const iam = (eventName: string, requestParameters: Record<string, unknown>, userName = 'user1') =>
  cloudTrail({ eventName, eventSource: 'iam.amazonaws.com', at: BASE, userName, requestParameters });

const cases: RuleCases = {
  fires: [
    {
      name: 'fires when a user creates an access key for another user',
      records: [iam('CreateAccessKey', { userName: 'user2' })],
      expect: { findings: 1, severity: 'high' },
    },
    {
      name: "fires when a role's trust opens to everyone or a foreign account, and on another user's console password",
      records: [
        iam('UpdateAssumeRolePolicy', {
          roleName: 'ops',
          policyDocument: JSON.stringify({
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Principal: '*', Action: 'sts:AssumeRole' }],
          }),
        }),
        iam('CreateRole', {
          roleName: 'vendor-audit',
          assumeRolePolicyDocument: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Principal: { AWS: 'arn:aws:iam::210987654321:root' },
                Action: 'sts:AssumeRole',
              },
            ],
          }),
        }),
        iam('UpdateLoginProfile', { userName: 'bob', passwordResetRequired: false }, 'alice'),
      ],
      expect: { findings: 3 },
    },
  ],
  quiet: [
    {
      name: 'stays quiet for own keys and passwords, a key rotated in the console, forced resets, and trust to a service',
      records: [
        iam('CreateAccessKey', { userName: 'user1' }),
        iam('CreateAccessKey', {}),
        {
          ...iam('CreateAccessKey', { userName: 'ci-deploy' }, 'frank'),
          sessionCredentialFromConsole: 'true',
        },
        iam('UpdateLoginProfile', { userName: 'alice', passwordResetRequired: false }, 'alice'),
        iam('UpdateLoginProfile', { userName: 'bob', passwordResetRequired: true }, 'alice'),
        iam('UpdateAssumeRolePolicy', {
          roleName: 'ec2-app',
          policyDocument: JSON.stringify({
            Statement: [
              { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
            ],
          }),
        }),
      ],
      expect: { findings: 0 },
    },
  ],
};
export default cases;
