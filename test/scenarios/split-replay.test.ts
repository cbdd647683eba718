/**
 * `tripline replay` of a folder equals the union of replaying its parts in time order into one state
 * file, for the example story split at several hours (issue 6, "Done when").
 */
import { join } from 'node:path';
import type { Finding } from '#shared/engine/findings';
import { normalize } from '#shared/events/normalize';
import { replay } from '#shared/replay/replay';
import type { ReplaySummary } from '#shared/replay/replay';
import { readRecords } from '#shared/sources/files';
import { EXAMPLE_FILES } from '../../bench/example-story';
import { cleanup, essence, jsonlFile, tempDir } from './support';

afterAll(cleanup);

const ROOT = join(__dirname, '..', '..');
let whole: ReplaySummary;
/** Every record of the example files with its event time (records are split, never events). */
const records: Array<{ time: number; record: unknown }> = [];

beforeAll(async () => {
  whole = await replay(['examples/'], { cwd: ROOT });
  for await (const item of readRecords(Object.values(EXAMPLE_FILES).map((p) => join(ROOT, p)))) {
    if (item.kind !== 'record') continue;
    const res = normalize(item.record);
    if (!res.ok) throw new Error(res.reason);
    records.push({ time: (res.events[0] as { time: number }).time, record: item.record });
  }
});

/** Replays the records cut at `cuts` as consecutive files into one state file; the latest of each finding. */
async function splitReplay(cuts: string[]): Promise<Finding[]> {
  const bounds = cuts.map((c) => Date.parse(c));
  const dir = tempDir();
  const state = join(dir, 'state.jsonl');
  const latest = new Map<string, Finding>();
  for (let part = 0; part <= bounds.length; part++) {
    const from = part === 0 ? -Infinity : (bounds[part - 1] as number);
    const to = part === bounds.length ? Infinity : (bounds[part] as number);
    const slice = records.filter((r) => r.time >= from && r.time < to).map((r) => r.record);
    const s = await replay([jsonlFile(dir, `part-${part}.jsonl`, slice)], { state });
    expect({ part, late: s.late, quarantined: s.quarantined }).toEqual({ part, late: 0, quarantined: 0 });
    for (const f of s.findings) latest.set(f.id, f);
  }
  return [...latest.values()];
}

const sorted = (fs: Finding[]) => fs.map(essence).sort((a, b) => String(a.id).localeCompare(String(b.id)));

describe('the example story replayed in parts into one state file', () => {
  it.each([
    ['in the brute force, at 09:44', '2026-03-02T09:44:00Z'],
    ['while the app reads, at 11:00', '2026-03-02T11:00:00Z'],
    ['at the StopLogging record itself, 02:14:07', '2026-03-03T02:14:07Z'],
    ['at midnight UTC', '2026-03-03T00:00:00Z'],
  ])('split %s, finds exactly what one replay finds', async (_what, cut) => {
    expect(sorted(await splitReplay([cut]))).toEqual(sorted(whole.findings));
  });

  it('split at six hours at once, finds exactly what one replay finds', async () => {
    const cuts = [
      '2026-03-02T09:15:00Z',
      '2026-03-02T09:44:00Z',
      '2026-03-02T10:31:40Z',
      '2026-03-02T12:11:30Z',
      '2026-03-03T02:14:07Z',
      '2026-03-03T08:00:12Z',
    ];
    expect(sorted(await splitReplay(cuts))).toEqual(sorted(whole.findings));
  });
});
