import type { RuleCases } from '../../engine/rule';
import { BASE, DAY, HOUR, githubEvent, signIn, slackEntry } from '../testing/records';

const TOKEN = 'kq3RkQ0G1m2lSxS9gq5o1uJ8dB2n9p3z0vYcHqk7wE4=';
const clone = (ip: string, at: number) =>
  githubEvent({
    action: 'git.clone',
    actor: 'mona',
    at,
    ip,
    hashed_token: TOKEN,
    repository: 'octo-org/payments-api',
    programmatic_access_type: 'Personal access token (classic)',
  });
const week = Array.from({ length: 7 }, (_, d) => clone('203.0.113.50', BASE - (7 - d) * DAY));

const cases: RuleCases = {
  fires: [
    {
      name: 'fires when a GitHub token used from one network for a week clones from another',
      records: [...week, clone('185.220.101.47', BASE + HOUR)],
      expect: { findings: 1, principal: 'github.audit|' + TOKEN, severity: 'medium' },
    },
    {
      name: 'fires when a Slack session shows up from a new network',
      records: [
        ...Array.from({ length: 3 }, (_, d) =>
          slackEntry({
            action: 'file_downloaded',
            email: 'lee@example.org',
            at: BASE - (3 - d) * DAY,
            ip: '198.51.100.77',
            sessionId: '7392837461',
          }),
        ),
        slackEntry({
          action: 'file_downloaded',
          email: 'lee@example.org',
          at: BASE,
          ip: '45.9.148.3',
          sessionId: '7392837461',
        }),
      ],
      expect: { findings: 1 },
    },
  ],
  quiet: [
    {
      name: 'stays quiet for a new address in the same /24, and for the token in its first day',
      records: [...week, clone('203.0.113.77', BASE + HOUR), clone('45.1.1.1', BASE - 7 * DAY + HOUR)],
      expect: { findings: 0 },
    },
    {
      name: 'stays quiet for Entra sign-ins that carry no session id (correlation ids are one sign-in each)',
      records: [
        signIn({ upn: 'a@contoso.com', ip: '203.0.113.10', at: BASE - 2 * DAY }),
        signIn({ upn: 'a@contoso.com', ip: '185.220.101.47', at: BASE }),
      ],
      expect: { findings: 0 },
    },
  ],
};
export default cases;
