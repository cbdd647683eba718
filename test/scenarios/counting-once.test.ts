/**
 * Observation 6 of issue 6: each source record is counted once across redelivery, poll overlaps and
 * `replay --reprocess`, whatever the threshold.
 */
import { join } from 'node:path';
import { Detector } from '#shared/engine/detector';
import { runBatch } from '#shared/pipeline/run-batch';
import { replay } from '#shared/replay/replay';
import { ALL_RULES } from '#shared/rules/index';
import { EmbeddedStateStore } from '#shared/state/embedded';
import { MemorySink } from '../pipeline/helpers';
import {
  BASE,
  DAY,
  MIN,
  cleanup,
  consentAudit,
  detector,
  events,
  mailItemsAccessed,
  rules,
  shuffled,
  signIn,
  tempDir,
} from './support';

afterAll(cleanup);

const ROOT = join(__dirname, '..', '..');
const APP = '6f2d8c41-3a9e-4b7d-9c15-e0a4b2f7d381';

describe('a record delivered more than once', () => {
  it('60 reads delivered twice do not complete the 100-read step of oauth-chain', async () => {
    const { d } = await detector({ rules: rules('oauth-chain') });
    const consent = consentAudit({
      upn: 'bob@contoso.com',
      ip: '185.220.101.47',
      at: BASE,
      appId: APP,
      appName: 'Mail Archiver Pro',
      scopes: ['Mail.ReadWrite'],
    });
    const reads = events(
      Array.from({ length: 60 }, (_, i) =>
        mailItemsAccessed({ user: 'bob@contoso.com', at: BASE + (10 + i) * 1000, appId: APP }),
      ),
    );
    await d.process([...events([consent]), ...reads], { now: BASE + 2 * MIN });
    const again = await d.process(reads, { now: BASE + 3 * MIN });
    expect(again.findings).toEqual([]);
    expect(again.stats.fires['oauth-app-mass-access']).toBeUndefined();
    expect(again.stats.duplicates).toBe(60);
  });

  it('replay --reprocess of the example story reports no finding as new and raises no count', async () => {
    const dir = tempDir();
    const state = join(dir, 'state.jsonl');
    const first = await replay(['examples/'], { cwd: ROOT, state });
    expect(first.newFindings).toBe(9);
    const again = await replay(['examples/'], { cwd: ROOT, state, reprocess: true });
    expect(again.newFindings).toBe(0);
    expect(again.findings).toEqual([]);
    expect(again.late).toBe(0);
  });

  describe('in the Lambda path (runBatch)', () => {
    const failures = (n: number) =>
      events(
        Array.from({ length: n }, (_, i) =>
          signIn({ upn: 'finance@contoso.com', ip: '45.155.205.233', at: BASE + i * 4000, errorCode: 50126 }),
        ),
      );

    async function setup() {
      const store = await EmbeddedStateStore.open(':memory:');
      const sink = new MemorySink();
      const detectorFor = () => new Detector({ rules: ALL_RULES, store, lateness: '15m' });
      const deps = (now: number) => ({ detector: detectorFor(), store, sink, now, claimTtlMs: 15 * DAY });
      return { store, sink, deps };
    }

    it('one SQS batch of 60 failed sign-ins delivered twice counts 60 and sends one message', async () => {
      const { sink, deps } = await setup();
      const batch = failures(60);
      const first = await runBatch(batch, deps(BASE + 5 * MIN));
      expect(first.findings.map((f) => f.count)).toEqual([60]);
      const again = await runBatch(batch, deps(BASE + 6 * MIN));
      expect(again.findings).toEqual([]);
      expect(again.updated).toEqual([]);
      expect(sink.sent.map((f) => [f.ruleId, f.count])).toEqual([['brute-force', 60]]);
    });

    it('150 failures shuffled over 12 batches, each delivered twice and redriven later, count 150', async () => {
      const { sink, deps } = await setup();
      const all = shuffled(failures(150), 3);
      const batches = Array.from({ length: 12 }, (_, k) => all.filter((_, i) => i % 12 === k));
      let count = 0;
      // Each batch again right away, then all of them once more (a redrive after the visibility timeout).
      const deliveries = [...batches.flatMap((b) => [b, b]), ...batches];
      for (const [k, b] of deliveries.entries()) {
        const r = await runBatch(b, deps(BASE + 11 * MIN + k * 1000));
        for (const f of [...r.findings, ...r.updated]) count = Math.max(count, f.count);
      }
      expect(count).toBe(150);
      // Announced when created and again when the count reached 100, never twice for one bucket.
      expect(sink.sent.map((f) => f.count >= 100)).toEqual([false, true]);
    });
  });
});
