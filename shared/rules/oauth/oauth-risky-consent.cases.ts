import type { RuleCases } from '../../engine/rule';
import { BASE, consent, googleAuthorize } from './fixtures';

const cases: RuleCases = {
  fires: [
    {
      name: 'fires when a user consents Mail.ReadWrite and Files.Read.All to an unknown app',
      records: [consent(BASE)],
      expect: { findings: 1, principal: 'bob@contoso.com', severity: 'high' },
    },
    {
      name: 'fires critical for admin consent on behalf of all users',
      records: [consent(BASE, ['Mail.Read', 'User.Read'], 'AllPrincipals')],
      expect: { findings: 1, severity: 'critical' },
    },
    {
      name: 'fires critical for a Google authorize with full Gmail access',
      records: [
        googleAuthorize(['https://mail.google.com/', 'https://www.googleapis.com/auth/drive', 'openid']),
      ],
      expect: { findings: 1, principal: 'carol@contoso-labs.com', severity: 'critical' },
    },
  ],
  quiet: [
    {
      name: 'stays quiet for sign-in-only scopes and read-only calendar',
      records: [
        consent(BASE, ['User.Read', 'openid', 'profile', 'offline_access']),
        googleAuthorize(['https://www.googleapis.com/auth/calendar.readonly', 'openid']),
      ],
      expect: { findings: 0 },
    },
    {
      name: 'stays quiet for an allow-listed app',
      records: [consent(BASE)],
      params: { allowApps: ['6F2D8C41-3A9E-4B7D-9C15-E0A4B2F7D381'], minWeight: 2 },
      expect: { findings: 0 },
    },
  ],
};
export default cases;
