import type { RuleCases } from '../../engine/rule';
import { BASE, HOUR, signIn } from '../testing/records';

const SESSION = '2f3e4d5c-6b7a-4988-8776-655443322110';
const s = (country: string, at: number, sessionId = SESSION) =>
  signIn({
    upn: 'adele@contoso.com',
    ip: country === 'DE' ? '203.0.113.10' : '185.220.101.47',
    at,
    sessionId,
    country,
  });

const cases: RuleCases = {
  fires: [
    {
      name: 'fires when one Entra session continues from another country within a day',
      records: [s('DE', BASE), s('DE', BASE + HOUR), s('NL', BASE + 3 * HOUR)],
      expect: { findings: 1, severity: 'high' },
    },
  ],
  quiet: [
    {
      name: 'stays quiet for one country, for two sessions in two countries, and two days apart',
      records: [
        s('DE', BASE),
        s('DE', BASE + HOUR),
        s('NL', BASE, 'other-session'),
        s('US', BASE + 50 * HOUR),
      ],
      expect: { findings: 0 },
    },
  ],
};
export default cases;
