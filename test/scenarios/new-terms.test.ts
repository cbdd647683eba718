/**
 * Observation 10 of issue 6 (a client used within the history is known, to the day and within it),
 * and issue 13 item 6 (a term spelled like an object key is a term like any other).
 */
import { BASE, DAY, HOUR, detector, events, mailItemsAccessed, rules } from './support';

const OUTLOOK = 'd3590ed6-52b3-4102-aeff-aad2292ab01c';
const THUNDERBIRD = '9e5f94bc-e8a4-4e73-b8be-63364c29d753';
const read = (at: number, client: string, user = 'bob@contoso.com') =>
  mailItemsAccessed({ user, at, appId: '00000002-0000-0ff1-ce00-000000000000', clientAppId: client });

/** bob's mailbox: Outlook every day for 20 days, Thunderbird at day 0 and again 10.5 hours later. */
async function withHistory() {
  const { d } = await detector({ rules: rules('mail-unusual-client') });
  const start = BASE - 20 * DAY;
  for (let day = 0; day < 20; day++)
    await d.process(events([read(start + day * DAY, OUTLOOK)]), { now: start + day * DAY });
  await d.process(events([read(start, THUNDERBIRD)]), { now: start + HOUR });
  const lastUse = start + 10.5 * HOUR;
  await d.process(events([read(lastUse, THUNDERBIRD)]), { now: lastUse });
  return { d, lastUse };
}

describe('mail-unusual-client history', () => {
  it('a client last used 13.6 days ago is known, not new', async () => {
    const { d, lastUse } = await withHistory();
    const at = lastUse + 13.6 * DAY;
    const r = await d.process(events([read(at, THUNDERBIRD)]), { now: at });
    expect(r.findings).toEqual([]);
  });

  it('a client unused for 16 days is new again', async () => {
    const { d, lastUse } = await withHistory();
    const at = lastUse + 16 * DAY;
    const r = await d.process(events([read(at, THUNDERBIRD)]), { now: at });
    expect(r.findings.map((f) => [f.principal, f.title])).toEqual([
      ['bob@contoso.com', `bob@contoso.com's mailbox read by client ${THUNDERBIRD} not seen in 14 days`],
    ]);
  });

  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty'])(
    'a ClientAppId spelled %s fires as new, like a GUID does',
    async (client) => {
      const { d } = await detector({ rules: rules('mail-unusual-client') });
      for (let day = 0; day < 10; day++)
        await d.process(events([read(BASE + day * DAY, OUTLOOK)]), { now: BASE + day * DAY });
      const at = BASE + 10 * DAY;
      const r = await d.process(events([read(at, client), read(at + 1000, THUNDERBIRD)]), { now: at + 1000 });
      expect(r.findings.map((f) => f.title.split('client ')[1]?.split(' ')[0]).sort()).toEqual(
        [client.toLowerCase(), THUNDERBIRD].sort(),
      );
    },
  );
});
