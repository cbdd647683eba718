import type { RuleCases } from '../../engine/rule';
import { BASE, MIN, inboxRule, ualRecord } from '../testing/records';

/** An Outlook client rule edit as the mailbox audit logs it (UpdateInboxRules, RecordType 2). */
const outlookRule = (o: {
  user: string;
  at: number;
  actions: unknown[];
  condition?: unknown;
  name: string;
}) =>
  ualRecord({
    op: 'UpdateInboxRules',
    user: o.user,
    at: o.at,
    workload: 'Exchange',
    recordType: 2,
    result: 'Succeeded',
    UserType: 0,
    ClientIP: '185.220.101.47:50123',
    ClientInfoString: 'Client=MSExchangeRPC',
    MailboxOwnerUPN: o.user,
    LogonType: 0,
    OperationProperties: [
      { Name: 'RuleActions', Value: JSON.stringify(o.actions) },
      { Name: 'RuleCondition', Value: o.condition === undefined ? '' : JSON.stringify(o.condition) },
      { Name: 'RuleName', Value: o.name },
      { Name: 'RuleOperation', Value: 'AddMailboxRule' },
      { Name: 'RuleProvider', Value: 'RuleOrganizer' },
      { Name: 'RuleState', Value: 'Enabled' },
    ],
  });

const cases: RuleCases = {
  fires: [
    {
      name: 'fires on a rule named "." that deletes and marks read every message',
      records: [
        inboxRule({
          user: 'adele@contoso.com',
          at: BASE,
          params: {
            AlwaysDeleteOutlookRulesBlob: 'False',
            Force: 'False',
            Name: '.',
            DeleteMessage: 'True',
            MarkAsRead: 'True',
            StopProcessingRules: 'True',
          },
        }),
      ],
      expect: { findings: 1, principal: 'adele@contoso.com', severity: 'high' },
    },
    {
      name: 'fires when Set-InboxRule moves mail about invoices to Deleted Items',
      records: [
        inboxRule({
          user: 'matt@contoso.com',
          at: BASE,
          op: 'Set-InboxRule',
          params: {
            Identity: 'Accounts',
            Name: 'Accounts',
            MoveToFolder: 'Deleted Items',
            SubjectContainsWords: 'invoice',
            StopProcessingRules: 'True',
          },
        }),
      ],
      expect: { findings: 1 },
    },
    {
      name: 'fires on an Outlook rule (UpdateInboxRules) that moves mail to RSS Feeds',
      records: [
        outlookRule({
          user: 'lee@contoso.com',
          at: BASE,
          name: 'Sync',
          actions: [{ ActionType: 'MoveToFolder', FolderName: 'RSS Feeds' }, { ActionType: 'MarkAsRead' }],
          condition: { Type: 'ContainsSenderStringCondition', Strings: ['ap@fabrikam.com'] },
        }),
      ],
      expect: { findings: 1, principal: 'lee@contoso.com' },
    },
    {
      name: 'fires once per rule even when the attacker edits it three times',
      records: [0, 1, 2].map((i) =>
        inboxRule({
          user: 'adele@contoso.com',
          at: BASE + i * MIN,
          op: i === 0 ? 'New-InboxRule' : 'Set-InboxRule',
          params: { Name: 'Payments', MoveToFolder: 'Archive', SubjectOrBodyContainsWords: 'payment;wire' },
        }),
      ),
      expect: { findings: 1 },
    },
  ],
  quiet: [
    {
      name: 'stays quiet for a rule that files newsletters into their own folder',
      records: [
        inboxRule({
          user: 'adele@contoso.com',
          at: BASE,
          params: { Name: 'Newsletters', From: 'news@vendor.example', MoveToFolder: 'Newsletters' },
        }),
      ],
      expect: { findings: 0 },
    },
    {
      name: 'stays quiet for a delete rule on a sender with no sensitive words',
      records: [
        inboxRule({
          user: 'adele@contoso.com',
          at: BASE,
          params: { Name: 'Block promo', From: 'promo@shop.example', DeleteMessage: 'True' },
        }),
      ],
      expect: { findings: 0 },
    },
    {
      name: 'stays quiet for an Outlook rule that files a project into its folder',
      records: [
        outlookRule({
          user: 'lee@contoso.com',
          at: BASE,
          name: 'Project X',
          actions: [{ ActionType: 'MoveToFolder', FolderName: 'Project X' }],
          condition: { Type: 'ContainsSubjectStringCondition', Strings: ['Project X'] },
        }),
      ],
      expect: { findings: 0 },
    },
  ],
};
export default cases;
