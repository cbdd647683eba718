import { mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { defineRule } from '#shared/engine/rule';
import { REPLAY_FILE_KEY_PREFIX, replay } from '#shared/replay/replay';
import type { ReplayProgress } from '#shared/replay/replay';
import { EmbeddedStateStore } from '#shared/state/embedded';
import { DAY1, DAY2, FIXTURES, UAL, cleanupTempDirs, jsonl, signIn, tempDir, write } from './helpers';
import { FIXTURE_TENANT, TEST_RULES, bruteForce } from './test-rules';

afterAll(cleanupTempDirs);

const meta = {
  description: 'Test rule.',
  severity: 'low' as const,
  attack: ['T1110'],
  runbook: ['Look.'],
  falsePositives: [],
};

describe('replay()', () => {
  it('evaluates the events of all files in time order, whatever the file order', async () => {
    const seen: number[] = [];
    const spy = defineRule({
      ...meta,
      id: 'spy',
      title: 'spy',
      kind: 'match',
      sources: ['entra.signin'],
      when: (e) => {
        seen.push(e.time);
        return false;
      },
    });
    const dir = tempDir();
    // 'a' sorts first but holds the later day.
    write(dir, 'a-day2.jsonl', readFileSync(DAY2));
    write(dir, 'b-day1.json', readFileSync(DAY1));
    const s = await replay([dir], { rules: [spy], batchSize: 3 });
    expect(seen).toHaveLength(14);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(s.firstEvent).toBe(Date.parse('2026-03-02T16:41:55Z'));
    expect(s.lastEvent).toBe(Date.parse('2026-03-03T00:06:02Z'));
  });

  it('finds across files and batches what needs both, keeping the latest version of each finding', async () => {
    const s = await replay([DAY2, DAY1], { rules: [bruteForce], batchSize: 4 });
    expect(s.findings).toHaveLength(1);
    expect(s.findings[0]).toMatchObject({
      ruleId: 'test-brute-force',
      count: 11,
      lastSeen: '2026-03-03T00:04:44.000Z',
    });
    expect(s.newFindings).toBe(1);
    expect(s.findingsBySeverity).toEqual({ info: 0, low: 0, medium: 1, high: 0, critical: 0 });
  });

  it('orders findings most severe first', async () => {
    const s = await replay([FIXTURES], { rules: TEST_RULES, tenant: FIXTURE_TENANT });
    expect(s.findings.map((f) => f.severity)).toEqual(['critical', 'high', 'medium']);
  });

  it('counts files, records, events and quarantine reasons', async () => {
    const dir = tempDir();
    write(
      dir,
      'mixed.jsonl',
      jsonl([signIn('2026-03-04T10:00:00Z', 'eve@contoso.com'), { a: 1 }, { a: 2 }, { b: 1 }, 'text']),
    );
    write(dir, 'empty.json', '');
    const s = await replay([dir, UAL], { rules: TEST_RULES, quarantineSample: 2 });
    expect(s.files.map((f) => [f.file, f.status, f.records, f.events])).toEqual([
      [join(dir, 'empty.json'), 'failed', 0, 0],
      [join(dir, 'mixed.jsonl'), 'replayed', 5, 1],
      [UAL, 'replayed', 3, 3],
    ]);
    expect(s.recordsRead).toBe(8);
    expect(s.eventsNormalized).toBe(4);
    expect(s.quarantined).toBe(4);
    expect(s.quarantineReasons).toEqual([
      { reason: 'unknown record shape: keys a', count: 2 },
      { reason: 'unknown record shape: keys b', count: 1 },
      { reason: 'not an object (string)', count: 1 },
    ]);
    expect(s.quarantine).toHaveLength(2);
    expect(s.fileProblems).toEqual([{ file: join(dir, 'empty.json'), reason: 'empty file' }]);
  });

  it('reads a file once when it is given twice or two files have the same content', async () => {
    const dir = tempDir();
    const copy = write(dir, 'copy.json', readFileSync(DAY1));
    const s = await replay([DAY1, DAY1, copy], { rules: TEST_RULES });
    expect(s.files.map((f) => f.status)).toEqual(['replayed', 'duplicate']);
    expect(s.duplicates).toBe(1);
    expect(s.eventsNormalized).toBe(8);
  });

  it('merges rule errors over batches: the first failing event, and how many failed', async () => {
    const boom = defineRule({
      ...meta,
      id: 'boom',
      title: 'boom',
      kind: 'match',
      sources: ['entra.signin'],
      when: () => {
        throw new Error('kaput');
      },
    });
    const s = await replay([DAY1], { rules: [boom], batchSize: 3 });
    expect(s.ruleErrors).toEqual([
      { ruleId: 'boom', eventId: expect.any(String), message: 'kaput', count: 8 },
    ]);
  });

  it('reports progress: bytes while reading, events while detecting, ending at the total', async () => {
    const seen: ReplayProgress[] = [];
    await replay([DAY1, DAY2], { rules: TEST_RULES, batchSize: 5, onProgress: (p) => seen.push({ ...p }) });
    const read = seen.filter((p) => p.phase === 'read');
    const detect = seen.filter((p) => p.phase === 'detect');
    const bytes = readFileSync(DAY1).length + readFileSync(DAY2).length;
    expect(read.at(-1)).toEqual({ phase: 'read', done: bytes, total: bytes });
    expect(detect.map((p) => p.done)).toEqual([5, 10, 14]);
    expect(seen.indexOf(read.at(-1) as ReplayProgress)).toBeLessThan(
      seen.indexOf(detect[0] as ReplayProgress),
    );
  });

  it('remembers each file taken in by content hash, and uses an open store as it is', async () => {
    const store = await EmbeddedStateStore.open(':memory:');
    const first = await replay([DAY1], { rules: TEST_RULES, state: store });
    expect(first.state).toBe('embedded');
    const sha = first.files[0]?.sha256 as string;
    const items = await store.get([REPLAY_FILE_KEY_PREFIX + sha], 0);
    expect(items.get(REPLAY_FILE_KEY_PREFIX + sha)?.value).toMatchObject({
      file: DAY1,
      records: 8,
      events: 8,
    });
    const again = await replay([DAY1], { rules: TEST_RULES, state: store });
    expect(again.skipped).toBe(1);
    expect(again.recordsRead).toBe(0);
    await store.close();
  });

  it('keeps the state file between runs and releases its lock', async () => {
    const state = join(tempDir(), 'state.json');
    await replay([DAY1], { rules: TEST_RULES, state });
    const s = await replay([DAY2], { rules: TEST_RULES, state });
    expect(s.findings.map((f) => f.ruleId)).toEqual(['test-brute-force']);
    const reopened = await EmbeddedStateStore.open(state);
    await reopened.close();
  });
});

describe('input folders', () => {
  it('follows symbolic links, but not one back up the tree', async () => {
    const dir = tempDir();
    const sub = join(dir, 'sub');
    mkdirSync(sub);
    write(sub, 'ual.jsonl', readFileSync(UAL));
    symlinkSync(dir, join(sub, 'loop'));
    symlinkSync(UAL, join(dir, 'linked.jsonl'));
    const s = await replay([dir], { rules: TEST_RULES });
    expect(s.files.map((f) => [f.file, f.status])).toEqual([
      [join(dir, 'linked.jsonl'), 'replayed'],
      [join(dir, 'sub', 'ual.jsonl'), 'duplicate'],
    ]);
  });

  it('skips hidden entries inside folders, but reads a hidden file named on purpose', async () => {
    const dir = tempDir();
    write(dir, '.hidden.jsonl', readFileSync(UAL));
    expect((await replay([dir], { rules: TEST_RULES })).files).toEqual([]);
    expect((await replay([join(dir, '.hidden.jsonl')], { rules: TEST_RULES })).eventsNormalized).toBe(3);
  });
});
