import type { RuleCases } from '../../engine/rule';
import { BASE, DAY, HOUR, k8sEvent } from '../testing/records';

const SA = 'system:serviceaccount:payments:api';
const own = (at: number) =>
  k8sEvent({
    verb: 'get',
    resource: 'configmaps',
    namespace: 'payments',
    name: 'cfg',
    at,
    user: SA,
    ip: '10.0.12.34',
    userAgent: 'payments-api/1.4.2',
  });
export const history = Array.from({ length: 5 }, (_, d) => own(BASE - (5 - d) * DAY));

const cases: RuleCases = {
  fires: [
    {
      name: 'signals the service account calling from an address and client it never used',
      records: [
        ...history,
        k8sEvent({
          verb: 'list',
          resource: 'secrets',
          namespace: 'payments',
          at: BASE + HOUR,
          user: SA,
          ip: '203.0.113.66',
          userAgent: 'kubectl/v1.29.2',
        }),
      ],
      expect: { findings: 0, signals: 1 },
    },
  ],
  quiet: [
    {
      name: 'stays silent for the pod calling as every day',
      records: [...history, own(BASE + HOUR)],
      expect: { findings: 0, signals: 0 },
    },
  ],
};
export default cases;
