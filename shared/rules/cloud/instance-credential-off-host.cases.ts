import type { RuleCases } from '../../engine/rule';
import { BASE, MIN, cloudTrail, instanceRole } from '../testing/records';

const call = (ip: string, at: number, eventName = 'DescribeInstances', instance = 'i-0abcdef1234567890') =>
  cloudTrail({
    eventName,
    eventSource: 'ec2.amazonaws.com',
    at,
    identity: instanceRole(instance),
    ip,
    readOnly: true,
  });

const cases: RuleCases = {
  fires: [
    {
      name: "fires when an instance's role credentials are used from a second public address after its first minutes",
      records: [
        call('52.42.146.205', BASE),
        call('52.42.146.205', BASE + MIN),
        call('45.33.32.156', BASE + 30 * MIN),
      ],
      expect: { findings: 1, severity: 'high' },
    },
  ],
  quiet: [
    {
      name: 'stays quiet for an instance calling all day from its one egress',
      records: Array.from({ length: 30 }, (_, i) => call('52.42.146.205', BASE + i * 10 * MIN)),
      expect: { findings: 0 },
    },
    {
      name: "stays quiet for private addresses, AWS service hostnames and the SSM agent's calls",
      records: [
        call('52.42.146.205', BASE),
        call('10.0.1.50', BASE + MIN, 'PutObject'),
        call('cloudformation.amazonaws.com', BASE + 2 * MIN, 'Decrypt'),
        {
          ...call('45.33.32.156', BASE + 3 * MIN, 'CreateControlChannel'),
          eventSource: 'ssmmessages.amazonaws.com',
        },
        call('45.33.32.157', BASE + 4 * MIN, 'UpdateInstanceInformation'),
      ],
      expect: { findings: 0 },
    },
    {
      name: 'stays quiet when the second address shows up in the first minutes of the instance (its egress settling)',
      records: [
        call('52.42.146.205', BASE),
        call('3.91.20.7', BASE + 2 * MIN),
        call('52.42.146.205', BASE + 20 * MIN),
      ],
      expect: { findings: 0 },
    },
    {
      name: 'stays quiet when two instances of one role use two addresses',
      records: [
        call('52.42.146.205', BASE),
        call('3.91.20.7', BASE + MIN, 'DescribeInstances', 'i-0fedcba9876543210'),
      ],
      expect: { findings: 0 },
    },
  ],
};
export default cases;
