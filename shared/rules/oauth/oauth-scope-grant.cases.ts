import type { RuleCases } from '../../engine/rule';
import { BASE, consent, googleAuthorize } from './fixtures';

const cases: RuleCases = {
  fires: [
    {
      name: 'signals a consent that grants Mail.ReadWrite',
      records: [consent(BASE)],
      expect: { findings: 0, signals: 1 },
    },
    {
      name: 'signals a Google authorize for Drive',
      records: [googleAuthorize(['https://www.googleapis.com/auth/drive'])],
      expect: { findings: 0, signals: 1 },
    },
  ],
  quiet: [
    {
      name: 'stays quiet for User.Read only',
      records: [consent(BASE, ['User.Read', 'offline_access'])],
      expect: { findings: 0, signals: 0 },
    },
  ],
};
export default cases;
