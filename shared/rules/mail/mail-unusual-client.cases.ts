import type { RuleCases } from '../../engine/rule';
import { BASE, DAY, HOUR, mailItemsAccessed } from '../testing/records';

const OUTLOOK = 'd3590ed6-52b3-4102-aeff-aad2292ab01c';
const OWA = '00000002-0000-0ff1-ce00-000000000000';
const THUNDERBIRD = '9e5f94bc-e8a4-4e73-b8be-63364c29d753';
const EVIL = '6f2d8c41-3a9e-4b7d-9c15-e0a4b2f7d381';
const history = Array.from({ length: 14 }, (_, d) =>
  mailItemsAccessed({
    user: 'bob@contoso.com',
    at: BASE - (14 - d) * DAY,
    appId: OWA,
    clientAppId: d % 2 ? OUTLOOK : THUNDERBIRD,
  }),
);

const cases: RuleCases = {
  fires: [
    {
      name: "fires when bob's mailbox is read through a client absent from his 14-day history",
      records: [...history, mailItemsAccessed({ user: 'bob@contoso.com', at: BASE + HOUR, appId: EVIL })],
      expect: { findings: 1, principal: 'bob@contoso.com', severity: 'high' },
    },
  ],
  quiet: [
    {
      name: 'stays quiet when a Microsoft datacenter admin (UserType 3) reads the mailbox through a new client',
      records: [
        ...history,
        { ...mailItemsAccessed({ user: 'bob@contoso.com', at: BASE + HOUR, appId: EVIL }), UserType: 3 },
      ],
      expect: { findings: 0 },
    },
    {
      name: 'stays quiet for clients in the history and for first-party clients',
      records: [
        ...history,
        mailItemsAccessed({ user: 'bob@contoso.com', at: BASE + HOUR, appId: OWA, clientAppId: THUNDERBIRD }),
        mailItemsAccessed({
          user: 'bob@contoso.com',
          at: BASE + 2 * HOUR,
          appId: OWA,
          clientAppId: '27922004-5251-4030-b22d-91ecd9a37ea4',
        }),
      ],
      expect: { findings: 0 },
    },
    {
      name: 'stays quiet while a new mailbox is still learning (first week)',
      records: [
        mailItemsAccessed({ user: 'new@contoso.com', at: BASE, appId: OWA, clientAppId: THUNDERBIRD }),
        mailItemsAccessed({ user: 'new@contoso.com', at: BASE + DAY, appId: EVIL }),
      ],
      expect: { findings: 0 },
    },
  ],
};
export default cases;
