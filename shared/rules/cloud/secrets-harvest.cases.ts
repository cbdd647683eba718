import type { RuleCases } from '../../engine/rule';
import { BASE, cloudTrail, ssoRole } from '../testing/records';

const reads = (n: number, stepMs: number, denied = false) =>
  Array.from({ length: n }, (_, i) =>
    cloudTrail({
      eventName: 'GetSecretValue',
      eventSource: 'secretsmanager.amazonaws.com',
      at: BASE + i * stepMs,
      identity: ssoRole('evil.genius'),
      ip: '123.123.123.123',
      requestParameters: {
        secretId: `arn:aws:secretsmanager:us-west-2:444455556666:secret:stratus-red-team-retrieve-secret-${i}-gscOm8`,
      },
      ...(denied && i % 2 ? { errorCode: 'AccessDenied' } : {}),
    }),
  );

const cases: RuleCases = {
  fires: [
    {
      name: 'fires when one principal reads 12 different secrets within 4 minutes (denied reads included)',
      records: reads(12, 20_000, true),
      expect: { findings: 1, severity: 'high' },
    },
    {
      name: 'fires on decrypted SSM parameters read one by one',
      records: Array.from({ length: 10 }, (_, i) =>
        cloudTrail({
          eventName: 'GetParameter',
          eventSource: 'ssm.amazonaws.com',
          at: BASE + i * 5000,
          userName: 'bobson',
          requestParameters: { name: `/credentials/stratus-red-team/credentials-${i}`, withDecryption: true },
        }),
      ),
      expect: { findings: 1 },
    },
  ],
  quiet: [
    {
      name: 'stays quiet for an app reading its one secret 50 times',
      records: Array.from({ length: 50 }, (_, i) =>
        cloudTrail({
          eventName: 'GetSecretValue',
          eventSource: 'secretsmanager.amazonaws.com',
          at: BASE + i * 10_000,
          userName: 'app',
          requestParameters: { secretId: 'prod/db' },
        }),
      ),
      expect: { findings: 0 },
    },
    {
      name: 'stays quiet for parameters read without decryption, and 9 secrets',
      records: [
        ...reads(9, 20_000),
        ...Array.from({ length: 12 }, (_, i) =>
          cloudTrail({
            eventName: 'GetParameter',
            eventSource: 'ssm.amazonaws.com',
            at: BASE + i * 5000,
            userName: 'bobson',
            requestParameters: { name: `/config/${i}`, withDecryption: false },
          }),
        ),
      ],
      expect: { findings: 0 },
    },
  ],
};
export default cases;
