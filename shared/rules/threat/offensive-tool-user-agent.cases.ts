import type { RuleCases } from '../../engine/rule';
import { BASE, cloudTrail } from '../testing/records';
import { ualSignIn } from '../testing/sign-ins';

const cases: RuleCases = {
  fires: [
    {
      name: 'fires on AzureHound signing in (det-eng-samples azurehound_list shape)',
      records: [
        ualSignIn({
          user: 'lidia@contoso.onmicrosoft.com',
          ip: '104.28.196.199',
          at: BASE,
          ok: true,
          ua: 'azurehound/v2.0.4',
        }),
      ],
      expect: { findings: 1, severity: 'high' },
    },
    {
      name: 'fires on TruffleHog checking a key and on the AWS SDK from Kali',
      records: [
        cloudTrail({
          eventName: 'GetCallerIdentity',
          eventSource: 'sts.amazonaws.com',
          at: BASE,
          userName: 'leak',
          userAgent: 'TruffleHog',
        }),
        cloudTrail({
          eventName: 'ListBuckets',
          eventSource: 's3.amazonaws.com',
          at: BASE,
          userName: 'leak2',
          userAgent:
            'Boto3/1.34.50 md/Botocore#1.34.50 ua/2.0 os/linux#6.5.0-kali3-amd64 md/arch#x86_64 lang/python#3.11.8',
        }),
      ],
      expect: { findings: 2 },
    },
  ],
  quiet: [
    {
      name: 'stays quiet for browsers, the AWS CLI and PowerShell',
      records: [
        ualSignIn({
          user: 'a@contoso.com',
          ip: '203.0.113.10',
          at: BASE,
          ok: true,
          ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/122.0.0.0',
        }),
        cloudTrail({ eventName: 'ListBuckets', eventSource: 's3.amazonaws.com', at: BASE, userName: 'ops' }),
      ],
      expect: { findings: 0 },
    },
  ],
};
export default cases;
