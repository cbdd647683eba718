import type { RuleCases } from '../../engine/rule';
import { BASE, MIN, inboxRule } from '../testing/records';

const cmdlet = (op: string, params: Record<string, string>, user = 'stinger@contoso.com', at = BASE) =>
  inboxRule({ user, at, op, params });

const cases: RuleCases = {
  fires: [
    {
      name: 'fires when one user gets FullAccess on another mailbox',
      records: [
        cmdlet('Add-MailboxPermission', {
          Identity: 'henrietta@contoso.com',
          AccessRights: 'FullAccess',
          User: 'lidia@contoso.com',
          InheritanceType: 'All',
        }),
      ],
      expect: { findings: 1, severity: 'high', principal: 'stinger@contoso.com' },
    },
    {
      name: 'fires on SendAs granted with Add-RecipientPermission',
      records: [
        cmdlet('Add-RecipientPermission', {
          Identity: 'e4ad2d28-703e-4189-9752-6b827ef9107d',
          Trustee: '311b45d6-1a3e-46ac-8434-721367961e19',
          AccessRights: 'SendAs',
        }),
      ],
      expect: { findings: 1 },
    },
    {
      name: 'fires critical on a role group holding ApplicationImpersonation (every mailbox)',
      records: [
        cmdlet('New-RoleGroup', {
          Name: 'BadAppImpersonate',
          Roles: 'ApplicationImpersonation',
          Members: '0a1b7ab4-e3c2-4e75-93ad-6ea6d16cffbf',
        }),
      ],
      expect: { findings: 1, severity: 'critical' },
    },
    {
      name: 'fires once when the same grant is replayed by a script',
      records: [0, 1, 2].map((i) =>
        cmdlet(
          'Add-MailboxPermission',
          { Identity: 'ceo@contoso.com', AccessRights: 'FullAccess', User: 'temp@contoso.com' },
          'stinger@contoso.com',
          BASE + i * MIN,
        ),
      ),
      expect: { findings: 1 },
    },
  ],
  quiet: [
    {
      name: "stays quiet for Exchange's own provisioning (NT AUTHORITY\\SYSTEM, UserType 3)",
      records: [
        {
          ...cmdlet(
            'Add-MailboxPermission',
            {
              Identity:
                'APCPR03A010.PROD.OUTLOOK.COM/Microsoft Exchange Hosted Organizations/contoso.onmicrosoft.com/DiscoverySearchMailbox{D919BA05-46A6-415f-80AD-7E09334BB852}',
              User: 'APCPR03A010.PROD.OUTLOOK.COM/Microsoft Exchange Hosted Organizations/contoso.onmicrosoft.com/Discovery Management',
              AccessRights: 'FullAccess',
            },
            'NT AUTHORITY\\SYSTEM (Microsoft.Exchange.ServiceHost)',
          ),
          UserType: 3,
        },
      ],
      expect: { findings: 0 },
    },
    {
      name: 'stays quiet for ReadPermission grants and for allow-listed admin accounts',
      records: [
        cmdlet('Add-MailboxPermission', {
          Identity: 'a@contoso.com',
          AccessRights: 'ReadPermission',
          User: 'b@contoso.com',
        }),
        cmdlet(
          'Add-MailboxPermission',
          { Identity: 'shared@contoso.com', AccessRights: 'FullAccess', User: 'team@contoso.com' },
          'provisioning@contoso.com',
        ),
      ],
      params: { allowActors: ['provisioning@contoso.com'] },
      expect: { findings: 0 },
    },
  ],
};
export default cases;
