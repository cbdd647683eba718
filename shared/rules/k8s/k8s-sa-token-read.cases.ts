import type { RuleCases } from '../../engine/rule';
import { BASE, k8sEvent } from '../testing/records';

const cases: RuleCases = {
  fires: [
    {
      name: 'signals a person minting a token for a service account, and reading a legacy token secret',
      records: [
        k8sEvent({
          verb: 'create',
          resource: 'serviceaccounts',
          subresource: 'token',
          namespace: 'payments',
          name: 'api',
          at: BASE,
          user: 'alice@example.org',
          code: 201,
        }),
        k8sEvent({
          verb: 'get',
          resource: 'secrets',
          namespace: 'payments',
          name: 'deployer-token-x7k2q',
          at: BASE,
          user: 'alice@example.org',
        }),
      ],
      expect: { findings: 0, signals: 2 },
    },
  ],
  quiet: [
    {
      name: 'stays silent for kubelets minting pod tokens, ordinary secrets and refused requests',
      records: [
        k8sEvent({
          verb: 'create',
          resource: 'serviceaccounts',
          subresource: 'token',
          namespace: 'payments',
          name: 'api',
          at: BASE,
          user: 'system:node:ip-10-0-1-5.ec2.internal',
          code: 201,
        }),
        k8sEvent({
          verb: 'get',
          resource: 'secrets',
          namespace: 'payments',
          name: 'db-credentials',
          at: BASE,
          user: 'alice@example.org',
        }),
        k8sEvent({
          verb: 'create',
          resource: 'serviceaccounts',
          subresource: 'token',
          namespace: 'payments',
          name: 'api',
          at: BASE,
          user: 'mallory@example.org',
          code: 403,
        }),
      ],
      expect: { findings: 0, signals: 0 },
    },
  ],
};
export default cases;
