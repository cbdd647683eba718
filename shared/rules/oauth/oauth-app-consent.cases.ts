import type { RuleCases } from '../../engine/rule';
import { BASE, consent, googleAuthorize } from './fixtures';

const cases: RuleCases = {
  fires: [
    {
      name: 'signals an Entra consent to a third-party app',
      records: [consent(BASE, ['User.Read'])],
      expect: { findings: 0, signals: 1 },
    },
    {
      name: 'signals a Google authorize',
      records: [googleAuthorize(['openid'])],
      expect: { findings: 0, signals: 1 },
    },
  ],
  quiet: [
    {
      name: 'stays quiet for consent to a Microsoft first-party app',
      records: [
        consent(BASE, ['User.Read'], 'Principal', '00000003-0000-0000-c000-000000000000', 'Microsoft Graph'),
      ],
      expect: { findings: 0, signals: 0 },
    },
  ],
};
export default cases;
