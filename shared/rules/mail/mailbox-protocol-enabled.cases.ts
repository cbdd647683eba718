import type { RuleCases } from '../../engine/rule';
import { BASE, inboxRule } from '../testing/records';

const setCas = (params: Record<string, string>) =>
  inboxRule({ user: 'stinger@contoso.com', at: BASE, op: 'Set-CASMailbox', params });

const cases: RuleCases = {
  fires: [
    {
      name: 'fires when POP and IMAP are switched on for a mailbox',
      records: [
        setCas({
          Identity: 'barbara@contoso.com',
          ImapEnabled: 'True',
          PopEnabled: 'True',
          OWAEnabled: 'True',
        }),
      ],
      expect: { findings: 1, severity: 'medium' },
    },
  ],
  quiet: [
    {
      name: 'stays quiet when protocols are switched off or only OWA changes',
      records: [
        setCas({ Identity: 'barbara@contoso.com', ImapEnabled: 'False', PopEnabled: 'False' }),
        setCas({ Identity: 'barbara@contoso.com', OWAEnabled: 'True' }),
      ],
      expect: { findings: 0 },
    },
  ],
};
export default cases;
