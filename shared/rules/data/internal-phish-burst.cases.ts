import type { RuleCases } from '../../engine/rule';
import { BASE, workspaceActivity } from '../testing/records';

/** A Gmail log delivery event as the Reports API writes it (message_info as nested parameters). */
const delivery = (from: string, to: string, subject: string, at: number, link = true) =>
  workspaceActivity({
    app: 'gmail',
    email: to,
    at,
    events: [
      {
        type: 'delivery_type',
        name: 'delivery',
        parameters: [
          {
            name: 'message_info',
            messageValue: {
              parameter: [
                { name: 'subject', value: subject },
                { name: 'source', messageValue: { parameter: [{ name: 'address', value: from }] } },
                {
                  name: 'destination',
                  multiMessageValue: [
                    {
                      parameter: [
                        { name: 'address', value: to },
                        { name: 'service', value: 'gmail-ui' },
                      ],
                    },
                  ],
                },
                ...(link ? [{ name: 'link_domain', multiValue: ['login-contoso-labs.example'] }] : []),
              ],
            },
          },
        ] as never,
      },
    ],
  });

const burst = (n: number, link = true) =>
  Array.from({ length: n }, (_, i) =>
    delivery(
      'cfo@contoso-labs.com',
      `staff${i}@contoso-labs.com`,
      'Updated payroll portal',
      BASE + i * 30_000,
      link,
    ),
  );

const cases: RuleCases = {
  fires: [
    {
      name: 'fires when one colleague mails the same linked subject to 20 colleagues in an hour',
      records: burst(22),
      expect: { findings: 1, severity: 'high' },
    },
  ],
  quiet: [
    { name: 'stays quiet for 19 colleagues', records: burst(19), expect: { findings: 0 } },
    {
      name: 'stays quiet for messages without links, and for mail from outside',
      records: [
        ...burst(25, false),
        ...Array.from({ length: 25 }, (_, i) =>
          delivery('news@vendor.example', `staff${i}@contoso-labs.com`, 'Webinar', BASE + i * 1000),
        ),
      ],
      expect: { findings: 0 },
    },
  ],
};
export default cases;
