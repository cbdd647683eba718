import type { RuleCases } from '../../engine/rule';
import { BASE, HOUR, MIN, consent, reads } from './fixtures';

const cases: RuleCases = {
  fires: [
    {
      name: 'fires when an app is consented with Mail.ReadWrite and then reads 120 items within 3 hours',
      records: [consent(BASE), ...reads(120, BASE + 15 * MIN, 90_000)],
      expect: {
        findings: 1,
        principal: 'Mail Archiver Pro (6f2d8c41-3a9e-4b7d-9c15-e0a4b2f7d381)',
        severity: 'high',
      },
    },
    {
      name: 'fires critical when the consent was admin consent for all users',
      records: [
        consent(BASE, ['Mail.Read', 'offline_access'], 'AllPrincipals'),
        ...reads(100, BASE + HOUR, MIN),
      ],
      expect: { findings: 1, severity: 'critical' },
    },
    {
      name: 'fires when the consent record arrives after the reads (late delivery)',
      records: [...reads(110, BASE + 10 * MIN, MIN), consent(BASE)],
      expect: { findings: 1 },
    },
  ],
  quiet: [
    {
      name: 'stays quiet for an app consented with low scopes that reads a lot',
      records: [consent(BASE, ['User.Read', 'offline_access']), ...reads(150, BASE + 10 * MIN, MIN)],
      expect: { findings: 0 },
    },
    {
      name: 'stays quiet when the sensitive consent is followed by only 99 reads',
      records: [consent(BASE), ...reads(99, BASE + 10 * MIN, MIN)],
      expect: { findings: 0 },
    },
    {
      name: 'stays quiet when the reads come more than 72 hours after the consent',
      records: [consent(BASE), ...reads(120, BASE + 73 * HOUR, 10_000)],
      expect: { findings: 0 },
    },
    {
      name: 'stays quiet when a different app does the reading',
      records: [consent(BASE), ...reads(120, BASE + 10 * MIN, MIN, '11111111-2222-4333-8444-555555555555')],
      expect: { findings: 0 },
    },
  ],
};
export default cases;
