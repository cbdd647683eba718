import type { RuleCases } from '../../engine/rule';
import { BASE, inboxRule, ualRecord } from '../testing/records';

const cmdlet = (user: string, params: Record<string, string>, op = 'Add-MailboxFolderPermission') =>
  inboxRule({
    user: 'it-admin@contoso.com',
    at: BASE,
    op,
    params: { Identity: `${user}:\\Inbox`, ...params },
  });

/** The mailbox audit record Exchange writes when Outlook changes a folder's permissions. */
const folderAudit = (o: { upn: string; sid: string; rights: string; path: string }) =>
  ualRecord({
    op: 'UpdateFolderPermissions',
    user: 'bob@contoso.com',
    at: BASE,
    workload: 'Exchange',
    recordType: 2,
    result: 'Succeeded',
    UserType: 0,
    LogonType: 0,
    MailboxOwnerUPN: 'bob@contoso.com',
    ClientInfoString: 'Client=MSExchangeRPC',
    Item: {
      Id: 'LgAAAAB2',
      ParentFolder: {
        Id: 'LgAAAAB3',
        MemberRights: o.rights,
        MemberSid: o.sid,
        MemberUpn: o.upn,
        Name: o.path.slice(1),
        Path: `\\${o.path.slice(1)}`,
      },
    },
  });

const cases: RuleCases = {
  fires: [
    {
      name: 'fires when an inbox is shared with Default as Reviewer',
      records: [cmdlet('bob@contoso.com', { User: 'Default', AccessRights: 'Reviewer' })],
      expect: { findings: 1, severity: 'high' },
    },
    {
      name: 'fires when Set-MailboxFolderPermission opens a folder to Anonymous',
      records: [
        cmdlet(
          'bob@contoso.com',
          { User: 'Anonymous', AccessRights: 'Editor' },
          'Set-MailboxFolderPermission',
        ),
      ],
      expect: { findings: 1 },
    },
    {
      name: 'fires on the mailbox audit record of Outlook sharing the inbox with Everyone (S-1-1-0)',
      records: [
        folderAudit({ upn: 'Everyone', sid: 'S-1-1-0', rights: 'ReadAny, Visible', path: '\\Inbox' }),
      ],
      expect: { findings: 1 },
    },
  ],
  quiet: [
    {
      name: 'stays quiet for a calendar shared as free/busy or limited details',
      records: [
        cmdlet(
          'bob@contoso.com',
          { User: 'Default', AccessRights: 'AvailabilityOnly' },
          'Set-MailboxFolderPermission',
        ),
        folderAudit({ upn: 'Default', sid: 'S-1-1-0', rights: 'LimitedDetails', path: '\\Calendar' }),
      ],
      expect: { findings: 0 },
    },
    {
      name: 'stays quiet when a named colleague gets Reviewer, or Default gets None',
      records: [
        cmdlet('bob@contoso.com', { User: 'alice@contoso.com', AccessRights: 'Reviewer' }),
        cmdlet('bob@contoso.com', { User: 'Default', AccessRights: 'None' }, 'Set-MailboxFolderPermission'),
      ],
      expect: { findings: 0 },
    },
  ],
};
export default cases;
