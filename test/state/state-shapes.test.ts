/**
 * Issue 13 item 3: a state file whose items have the wrong shape is reported as corrupt, naming the
 * file, the line and the item, instead of crashing the replay; the detector never trusts such an item.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { replay } from '#shared/replay/replay';
import { stateValueProblem } from '#shared/engine/state-shapes';

const ROOT = join(__dirname, '..', '..');
let dir: string;
let lines: string[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tripline-shapes-'));
  await replay(['examples/'], { cwd: ROOT, state: join(dir, 'good.json') });
  lines = readFileSync(join(dir, 'good.json'), 'utf8').split('\n').filter(Boolean);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The example's state file with one finding item's value changed by `damage`. */
function damaged(
  name: string,
  damage: (v: Record<string, unknown>) => void,
): { path: string; line: number; key: string } {
  const at = lines.findIndex((l) => l.startsWith('{"key":"f|'));
  const item = JSON.parse(lines[at] as string) as { key: string; value: Record<string, unknown> };
  damage(item.value);
  const out = [...lines];
  out[at] = JSON.stringify(item);
  const path = join(dir, name);
  writeFileSync(path, out.join('\n') + '\n');
  return { path, line: at + 1, key: item.key };
}

describe('a state file whose items have the wrong shape', () => {
  it.each<[string, (v: Record<string, unknown>) => void, RegExp]>([
    ['unit digests that are not a list', (v) => (v['u'] = true), /u: /],
    ['a count that is text', (v) => ((v['f'] as Record<string, unknown>)['count'] = 'many'), /f\.count: /],
    [
      'evidence that is an object',
      (v) => ((v['f'] as Record<string, unknown>)['evidence'] = { list: 5 }),
      /f\.evidence: /,
    ],
    ['no finding at all', (v) => delete v['f'], /f: /],
  ])('with %s is refused as corrupt, naming the file, line and item', async (name, damage, problem) => {
    const { path, line, key } = damaged(`${name.replace(/\W+/g, '-')}.json`, damage);
    const err = (await replay(['examples/'], { cwd: ROOT, state: path, reprocess: true }).catch(
      (e: unknown) => e,
    )) as Error;
    expect(err.name).toBe('StateStoreError');
    expect(err.message).toContain(
      `State file ${path} is corrupt (line ${line}, item ${JSON.stringify(key)}: `,
    );
    expect(err.message).toMatch(problem);
    expect(err.message).toContain('Move it aside to start with empty state');
  });

  it('the state file the example leaves passes the check, item by item', () => {
    for (const l of lines.slice(1)) {
      const item = JSON.parse(l) as { key: string; value: unknown };
      expect({ key: item.key, problem: stateValueProblem(item.key, item.value) }).toEqual({
        key: item.key,
        problem: undefined,
      });
    }
  });
});
