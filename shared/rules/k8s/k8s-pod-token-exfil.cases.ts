import type { RuleCases } from '../../engine/rule';
import { BASE, k8sEvent } from '../testing/records';

const exec = (user: string, command: string[], code = 101) =>
  k8sEvent({
    verb: 'create',
    resource: 'pods',
    subresource: 'exec',
    namespace: 'production',
    name: 'webapp-pod',
    at: BASE,
    user,
    code,
    requestObject: { command, container: 'webapp' },
  });

const cases: RuleCases = {
  fires: [
    {
      name: 'fires on `cat` of the mounted service account token through exec',
      records: [exec('attacker@example.com', ['cat', '/var/run/secrets/kubernetes.io/serviceaccount/token'])],
      expect: { findings: 1, severity: 'high' },
    },
    {
      name: 'fires on an EKS IRSA token copied out (command in the request URI, as kubectl sends it)',
      records: [
        {
          ...exec('attacker@example.com', []),
          requestObject: undefined,
          requestURI:
            '/api/v1/namespaces/production/pods/irsa-pod/exec?command=cat&command=%2Fvar%2Frun%2Fsecrets%2Feks.amazonaws.com%2Fserviceaccount%2Ftoken&stdout=true',
        },
      ],
      expect: { findings: 1 },
    },
  ],
  quiet: [
    {
      name: 'stays quiet for an interactive shell, a refused exec, and the kubelet',
      records: [
        exec('admin@example.com', ['/bin/sh']),
        exec('attacker@example.com', ['cat', '/var/run/secrets/kubernetes.io/serviceaccount/token'], 403),
        exec('system:node:ip-10-0-1-5', ['cat', '/var/run/secrets/kubernetes.io/serviceaccount/token']),
      ],
      expect: { findings: 0 },
    },
  ],
};
export default cases;
