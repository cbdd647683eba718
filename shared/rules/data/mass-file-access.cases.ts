import type { RuleCases } from '../../engine/rule';
import { BASE, fileDownloaded, githubEvent, workspaceActivity } from '../testing/records';

const downloads = (n: number, stepMs: number) =>
  Array.from({ length: n }, (_, i) =>
    fileDownloaded({
      user: 'bob@contoso.com',
      at: BASE + i * stepMs,
      appId: '08e18876-6177-487e-b8b5-cf950c1e598c',
      file: `q${i}.xlsx`,
    }),
  );

const cases: RuleCases = {
  fires: [
    {
      name: 'fires when a user downloads the 200th file within an hour',
      records: downloads(210, 15_000),
      expect: { findings: 1, principal: 'bob@contoso.com', severity: 'medium' },
    },
    {
      name: 'fires on a developer account cloning 200 repositories',
      records: Array.from({ length: 200 }, (_, i) =>
        githubEvent({
          action: 'git.clone',
          actor: 'mona',
          at: BASE + i * 5000,
          repository: `octo-org/repo-${i}`,
          repository_public: false,
        }),
      ),
      expect: { findings: 1, principal: 'mona' },
    },
  ],
  quiet: [
    {
      name: 'stays quiet for 199 downloads in an hour',
      records: downloads(199, 15_000),
      expect: { findings: 0 },
    },
    {
      name: 'stays quiet for 300 downloads over a working day, and for Drive views',
      records: [
        ...downloads(300, 100_000),
        ...Array.from({ length: 250 }, (_, i) =>
          workspaceActivity({
            app: 'drive',
            email: 'u@contoso-labs.com',
            at: BASE + i * 1000,
            events: [{ type: 'access', name: 'view', parameters: [{ name: 'doc_id', value: `d${i}` }] }],
          }),
        ),
      ],
      expect: { findings: 0 },
    },
  ],
};
export default cases;
