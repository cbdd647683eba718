import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALL_RULES } from '#shared/rules/index';
import { cleanupTempDirs, lines, run, tempDir } from './helpers';

afterAll(cleanupTempDirs);
const withShipped = { rules: ALL_RULES };

describe('tripline rules new', () => {
  it.each(['match', 'threshold', 'distinct', 'new_terms', 'sequence'])(
    'writes a %s rule whose firing and quiet cases pass `tripline test` as written',
    async (kind) => {
      const cwd = tempDir();
      const made = await run(['rules', 'new', 'my-rule', '--kind', kind, '--dir', 'detections'], {
        ...withShipped,
        cwd,
      });
      expect(made.code).toBe(0);
      expect(made.stdout).toMatch(/^wrote detections\/.*my-rule\.yaml/);
      const text = readFileSync(join(cwd, 'detections', 'my-rule.yaml'), 'utf8');
      expect(text.split('\n')[0]).toMatch(/^# yaml-language-server: \$schema=.*schemas\/rule\.schema\.json$/);
      expect(text).toContain(`kind: ${kind}`);
      const t = await run(['test', 'detections', '--rule', 'my-rule'], { ...withShipped, cwd });
      expect(t.code).toBe(0);
      expect(lines(t.stdout).filter((l) => l.startsWith('pass  my-rule '))).toHaveLength(2);
    },
  );

  it('never overwrites a file', async () => {
    const cwd = tempDir();
    await run(['rules', 'new', 'my-rule'], { ...withShipped, cwd });
    const again = await run(['rules', 'new', 'my-rule'], { ...withShipped, cwd });
    expect(again.code).toBe(2);
    expect(again.stderr).toBe(
      'tripline: my-rule.yaml exists already; choose another id or --dir (it is never overwritten).\n',
    );
  });

  it('refuses an id that is not kebab-case, and geo_velocity for now', async () => {
    const bad = await run(['rules', 'new', 'My_Rule'], withShipped);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("'My_Rule' is not a rule id: use kebab-case");
    const geo = await run(['rules', 'new', 'travel', '--kind', 'geo_velocity'], withShipped);
    expect(geo.code).toBe(2);
    expect(geo.stderr).toContain('kind geo_velocity is not available in this version of Tripline');
  });
});
