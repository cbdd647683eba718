import type { RuleCases } from '../../engine/rule';
import { BASE, MIN, k8sEvent } from '../testing/records';
import { history } from './k8s-sa-new-client.cases';

const SA = 'system:serviceaccount:payments:api';
const mint = k8sEvent({
  verb: 'create',
  resource: 'serviceaccounts',
  subresource: 'token',
  namespace: 'payments',
  name: 'api',
  at: BASE,
  user: 'alice@example.org',
  ip: '198.51.100.23',
  code: 201,
});
const useFrom = (ip: string, at: number) =>
  k8sEvent({
    verb: 'list',
    resource: 'secrets',
    namespace: 'payments',
    at,
    user: SA,
    ip,
    userAgent: 'kubectl/v1.29.2',
  });

const cases: RuleCases = {
  fires: [
    {
      name: 'fires when a minted token is used from a new client within the hour',
      records: [...history, mint, useFrom('203.0.113.66', BASE + 10 * MIN)],
      expect: { findings: 1, principal: SA, severity: 'high' },
    },
  ],
  quiet: [
    {
      name: 'stays quiet when the token is used only from the pod, or from a new client a day later',
      records: [
        ...history,
        mint,
        k8sEvent({
          verb: 'get',
          resource: 'configmaps',
          namespace: 'payments',
          name: 'cfg',
          at: BASE + 5 * MIN,
          user: SA,
          ip: '10.0.12.34',
          userAgent: 'payments-api/1.4.2',
        }),
        useFrom('203.0.113.66', BASE + 26 * 60 * MIN),
      ],
      expect: { findings: 0 },
    },
  ],
};
export default cases;
