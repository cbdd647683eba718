import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { replay } from '#shared/replay/replay';
import { BASE, MIN, consent, reads } from '#shared/rules/oauth/fixtures';
import { cloudTrail } from '#shared/rules/testing/records';

function exportFiles(extra: unknown[] = []): string {
  const dir = mkdtempSync(join(tmpdir(), 'tripline-tenant-'));
  // A Graph directoryAudits page: no tenant id anywhere in it.
  writeFileSync(join(dir, 'graph-audit.json'), JSON.stringify({ value: [consent(BASE)] }));
  writeFileSync(join(dir, 'ual.json'), JSON.stringify([...reads(120, BASE + 10 * MIN, MIN), ...extra]));
  return dir;
}

describe('replay of Graph exports that carry no tenant id', () => {
  it("correlates them with the run's single Microsoft tenant and says so", async () => {
    const s = await replay(
      [
        exportFiles([
          cloudTrail({ eventName: 'DescribeInstances', eventSource: 'ec2.amazonaws.com', at: BASE }),
        ]),
      ],
      {
        state: ':memory:',
      },
    );
    expect(s.inferredTenant).toEqual({ tenant: '7d3e4c2a-91b5-4f0e-8a6d-2c9b1e5f4a70', events: 1 });
    expect(s.findings.map((f) => f.ruleId)).toContain('oauth-chain');
  });

  it('uses --tenant when given and infers nothing', async () => {
    const s = await replay([exportFiles()], { state: ':memory:', tenant: 'other-tenant' });
    expect(s.inferredTenant).toBeUndefined();
    expect(s.findings.map((f) => f.ruleId)).not.toContain('oauth-chain');
  });
});
