import type { RuleCases } from '../../engine/rule';
import { BASE, inboxRule, ualRecord, workspaceActivity } from '../testing/records';

const cases: RuleCases = {
  fires: [
    {
      name: 'fires on an Outlook rule (UpdateInboxRules) that forwards to an outside address',
      records: [
        ualRecord({
          op: 'UpdateInboxRules',
          user: 'lee@contoso.com',
          at: BASE,
          workload: 'Exchange',
          recordType: 2,
          result: 'Succeeded',
          UserType: 0,
          MailboxOwnerUPN: 'lee@contoso.com',
          OperationProperties: [
            {
              Name: 'RuleActions',
              Value: JSON.stringify([{ ActionType: 'Forward', Recipients: ['lee.backup@proton.me'] }]),
            },
            { Name: 'RuleCondition', Value: '' },
            { Name: 'RuleName', Value: 'backup' },
            { Name: 'RuleOperation', Value: 'AddMailboxRule' },
          ],
        }),
      ],
      expect: { findings: 1, principal: 'lee@contoso.com' },
    },
    {
      name: 'fires on New-InboxRule forwarding to an outside address',
      records: [
        inboxRule({
          user: 'bob@contoso.com',
          at: BASE,
          params: { Name: '.', ForwardTo: 'bob.archive@protonmail.com', StopProcessingRules: 'True' },
        }),
      ],
      expect: { findings: 1, principal: 'bob@contoso.com', severity: 'high' },
    },
    {
      name: 'fires on Set-Mailbox ForwardingSmtpAddress to gmail',
      records: [
        inboxRule({
          user: 'adam@contoso.com',
          at: BASE,
          op: 'Set-Mailbox',
          params: {
            Identity: 'adam@contoso.com',
            ForwardingSmtpAddress: 'smtp:johndoe@gmail.com',
            DeliverToMailboxAndForward: 'True',
          },
        }),
      ],
      expect: { findings: 1 },
    },
    {
      name: 'fires on a Google Workspace out-of-domain forwarding change',
      records: [
        workspaceActivity({
          app: 'user_accounts',
          email: 'carol@contoso-labs.com',
          at: BASE,
          events: [
            {
              type: 'email_forwarding_change',
              name: 'email_forwarding_out_of_domain',
              parameters: [{ name: 'email_forwarding_destination_address', value: 'carol.home@gmail.com' }],
            },
          ],
        }),
      ],
      expect: { findings: 1 },
    },
  ],
  quiet: [
    {
      name: 'stays quiet for forwarding to a colleague or a subdomain of the tenant',
      records: [
        inboxRule({
          user: 'bob@contoso.com',
          at: BASE,
          params: { Name: 'to team', ForwardTo: 'team@contoso.com' },
        }),
        inboxRule({
          user: 'bob@contoso.com',
          at: BASE + 1000,
          op: 'Set-Mailbox',
          params: { Identity: 'bob@contoso.com', ForwardingSmtpAddress: 'smtp:bob@eu.contoso.com' },
        }),
      ],
      expect: { findings: 0 },
    },
    {
      name: 'stays quiet for rules that only move or mark mail',
      records: [
        inboxRule({
          user: 'bob@contoso.com',
          at: BASE,
          params: { Name: 'newsletters', MoveToFolder: 'Newsletters', MarkAsRead: 'True' },
        }),
      ],
      expect: { findings: 0 },
    },
    {
      name: 'stays quiet for a destination on the allow list',
      records: [
        inboxRule({
          user: 'bob@contoso.com',
          at: BASE,
          params: { Name: 'archive', ForwardTo: 'journal@archive-partner.com' },
        }),
      ],
      params: { tenantDomains: [], allowDestinations: ['@archive-partner.com'] },
      expect: { findings: 0 },
    },
  ],
};
export default cases;
