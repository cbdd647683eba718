/**
 * AWS cost figures for the replay benchmark (called from bench/replay.bench.ts):
 *
 * - dynamoWriteUnitsPer1kEvents: events through the Detector with every shipped rule and the DynamoDB
 *   StateStore on dynalite (in-process, over HTTP), in batches of 100 events (the real-time path's SQS
 *   batch size), counting write units with `countWriteUnits` (1 unit per started KB per item written;
 *   conditional writes that fail are billed too), broken down by item kind and rule (`t|brute-force`; kinds: t
 *   threshold, d distinct, n new_terms, s sequence, f finding) with item counts and sizes.
 *   The headline is the whole corpus from an empty table (cut at 60 s, then it is the first events it
 *   got through). Two 20,000-event slices tell the cost apart: `...Steady` is the LAST slice, with the
 *   table seeded with the live state the earlier events left (computed in memory, then written in
 *   bulk, not counted): what a running deployment pays; `...ColdStart` is the FIRST slice from an empty
 *   table, where every principal's baselines are created: a one-time cost per principal.
 * - bundleBytes: each functions/aws/<name>/index.ts bundled the way the CDK NodejsFunction of
 *   infra/constructs/handler-function.ts does it (esbuild, platform node, target node24 for the
 *   nodejs24.x runtime, cjs, minified, source map beside it, `@aws-sdk/*` external since the runtime
 *   ships SDK v3, the project tsconfig for the `#shared/*` alias): the size of index.js.
 */
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { build } from 'esbuild';
import dynalite from 'dynalite';
import { Detector } from '../shared/engine/detector';
import { normalize } from '../shared/events/normalize';
import type { TriplineEvent } from '../shared/events/types';
import { ALL_RULES } from '../shared/rules/index';
import {
  DynamoStateStore,
  countWriteUnits,
  createStateTable,
  dynamoItemSize,
  writeUnitsFor,
} from '../shared/state/dynamodb';
import { EmbeddedStateStore } from '../shared/state/embedded';
import type { StateDelete, StateItem, StateStore, StateWrite, WriteResult } from '../shared/state/port';

const ROOT = join(__dirname, '..');
/** Records per batch on the real-time path (RealtimePath batchSize default). */
const LAMBDA_BATCH = 100;
/** Lateness the functions run with by default (LAMBDA_CONFIG_DEFAULTS.lateness). */
const LAMBDA_LATENESS = '15m';

/** Write cost of one item kind. */
export interface KindCost {
  items: number;
  units: number;
  avgBytes: number;
  maxBytes: number;
  /** Items written per 1,000 events. */
  itemsPer1kEvents: number;
  unitsPer1kEvents: number;
}

/** What {@link measureAws} adds to the bench line. */
export interface AwsFigures {
  /** The whole corpus from an empty table (or as much of it as the deadline allowed: see `dynamoWrite.corpus`). */
  dynamoWriteUnitsPer1kEvents: number;
  /** Items read per 1,000 events in the same run (each a strongly consistent read unit up to 4 KB). */
  dynamoReadItemsPer1kEvents: number;
  /** The last slice, with the table holding the state the earlier events left: what a running deployment pays. */
  dynamoWriteUnitsPer1kEventsSteady: number | undefined;
  /** The first slice from an empty table: every principal's baselines are created (a one-time cost). */
  dynamoWriteUnitsPer1kEventsColdStart: number | undefined;
  dynamoWrite: {
    corpusEvents: number;
    corpus: WriteRun;
    steady: WriteRun | undefined;
    coldStart: WriteRun | undefined;
  };
  /** Bytes of index.js per function folder under functions/aws. */
  bundleBytes: Record<string, number>;
  bundle: {
    target: string;
    sourceMapBytes: Record<string, number>;
    largestInputs: Record<string, Array<[string, number]>>;
  };
}

/** Options of {@link measureAws}. */
export interface MeasureAwsOptions {
  /** Events per measured slice (time-contiguous); the whole corpus when it is no larger. Default 20,000. */
  maxEvents?: number;
  batchSize?: number;
  /** The whole-corpus run stops after this long and reports the events it got through. Default 60 s. */
  deadlineMs?: number;
  log?: (msg: string) => void;
}

/**
 * Measures DynamoDB write units per 1,000 events and the Lambda bundle sizes.
 *
 * @example
 * ```ts
 * Object.assign(out, await measureAws(parsedRecords, { log }));
 * ```
 */
export async function measureAws(
  records: readonly unknown[],
  opts: MeasureAwsOptions = {},
): Promise<AwsFigures> {
  const log = opts.log ?? (() => undefined);
  const write = await measureWriteUnits(
    records,
    opts.maxEvents ?? 20_000,
    opts.batchSize ?? LAMBDA_BATCH,
    opts.deadlineMs ?? 60_000,
    log,
  );
  const bundles = await measureBundles(log);
  return {
    dynamoWriteUnitsPer1kEvents: write.corpus.unitsPer1kEvents,
    dynamoReadItemsPer1kEvents: write.corpus.readItemsPer1kEvents,
    dynamoWriteUnitsPer1kEventsSteady: write.steady?.unitsPer1kEvents,
    dynamoWriteUnitsPer1kEventsColdStart: write.coldStart?.unitsPer1kEvents,
    dynamoWrite: write,
    bundleBytes: bundles.bytes,
    bundle: { target: bundles.target, sourceMapBytes: bundles.mapBytes, largestInputs: bundles.largest },
  };
}

/** A StateStore wrapper that remembers the last value written per key (to seed another store). */
class Recorder implements StateStore {
  readonly name = 'recorder';
  readonly last = new Map<string, StateWrite>();
  constructor(private readonly inner: StateStore) {}
  get(keys: readonly string[], now: number): Promise<Map<string, StateItem>> {
    return this.inner.get(keys, now);
  }
  async write(writes: readonly StateWrite[], now: number): Promise<WriteResult> {
    const res = await this.inner.write(writes, now);
    const failed = new Set(res.conflicts);
    for (const w of writes) if (!failed.has(w.key)) this.last.set(w.key, w);
    return res;
  }
  delete(deletes: readonly StateDelete[]): Promise<WriteResult> {
    return this.inner.delete(deletes);
  }
  flush(): Promise<void> {
    return this.inner.flush();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/** The state the Detector leaves after `events` (in batches of 5,000, in memory): live items only. */
async function warmState(events: readonly TriplineEvent[], liveAt: number): Promise<StateWrite[]> {
  const rec = new Recorder(await EmbeddedStateStore.open(':memory:'));
  const detector = new Detector({ rules: ALL_RULES, store: rec, lateness: LAMBDA_LATENESS });
  for (let i = 0; i < events.length; i += 5000) await detector.process(events.slice(i, i + 5000));
  await rec.close();
  return [...rec.last.values()]
    .filter((w) => w.expiresAt > liveAt)
    .map((w) => ({ ...w, expectedVersion: null }));
}

async function measureWriteUnits(
  records: readonly unknown[],
  sliceEvents: number,
  batchSize: number,
  deadlineMs: number,
  log: (m: string) => void,
): Promise<AwsFigures['dynamoWrite']> {
  const all: TriplineEvent[] = [];
  for (const r of records) {
    const res = normalize(r);
    if (res.ok) for (const e of res.events) all.push(e);
  }
  all.sort((a, b) => a.time - b.time);
  const corpus = await writeRun(all, [], batchSize, log, 'all', deadlineMs);
  if (all.length <= sliceEvents)
    return { corpusEvents: all.length, corpus, steady: undefined, coldStart: undefined };
  const head = all.slice(0, sliceEvents);
  const tail = all.slice(all.length - sliceEvents);
  const t0 = performance.now();
  const seed = await warmState(all.slice(0, all.length - sliceEvents), (tail[0] as TriplineEvent).time);
  log(
    `dynamodb: state after the ${all.length - sliceEvents} earlier events: ${seed.length} live items (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
  );
  const steady = await writeRun(tail, seed, batchSize, log, 'last');
  const coldStart =
    corpus.slice === 'all' && corpus.events <= sliceEvents
      ? corpus
      : await writeRun(head, [], batchSize, log, 'first');
  return { corpusEvents: all.length, corpus, steady, coldStart };
}

/** Write cost of one slice through DynamoDB. */
export interface WriteRun {
  /**
   * Which events: the whole corpus (`all`; when the deadline cut it short, `first` with the events it
   * got through), or the first / last `events` of it by time.
   */
  slice: 'all' | 'first' | 'last';
  events: number;
  /** Items seeded into the table before counting (the state the earlier events left). */
  seededItems: number;
  batchSize: number;
  units: number;
  items: number;
  unitsPer1kEvents: number;
  /** Items asked for by BatchGetItem (strongly consistent: 1 read unit per item up to 4 KB). */
  readItemsPer1kEvents: number;
  byKind: Record<string, KindCost>;
  seconds: number;
}

async function writeRun(
  events: readonly TriplineEvent[],
  seed: readonly StateWrite[],
  batchSize: number,
  log: (m: string) => void,
  slice: WriteRun['slice'],
  deadlineMs = Infinity,
): Promise<WriteRun> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    maxAttempts: 3,
  });
  try {
    const table = 'tripline-bench-state';
    await createStateTable(client, table);
    const store = new DynamoStateStore({ client, tableName: table });
    if (seed.length > 0) await store.write(seed, (events[0] as TriplineEvent).time);
    const counter = countWriteUnits(client);
    let readItems = 0;
    const kinds = new Map<string, { items: number; units: number; bytes: number; max: number }>();
    client.middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as {
          Item?: Record<string, AttributeValue>;
          RequestItems?: Record<string, { Keys?: unknown[] }>;
        };
        for (const req of Object.values(input.RequestItems ?? {})) readItems += req.Keys?.length ?? 0;
        const key = input.Item?.['pk']?.S;
        if (key !== undefined) {
          const bytes = dynamoItemSize(input.Item ?? {});
          // `t|brute-force`: the item kind and the rule that owns it.
          const kind = key.split('|').slice(0, 2).join('|');
          const k = kinds.get(kind) ?? { items: 0, units: 0, bytes: 0, max: 0 };
          k.items++;
          k.units += writeUnitsFor(bytes);
          k.bytes += bytes;
          k.max = Math.max(k.max, bytes);
          kinds.set(kind, k);
        }
        return next(args);
      },
      { step: 'initialize', name: 'benchWriteKinds' },
    );
    const detector = new Detector({ rules: ALL_RULES, store, lateness: LAMBDA_LATENESS });
    const t0 = performance.now();
    let done = 0;
    while (done < events.length) {
      if (performance.now() - t0 > deadlineMs) {
        slice = 'first';
        break;
      }
      const part = events.slice(done, done + batchSize);
      await detector.process(part);
      done += part.length;
    }
    const seconds = (performance.now() - t0) / 1000;
    const n = done || 1;
    const byKind: Record<string, KindCost> = {};
    for (const [kind, k] of [...kinds].sort((a, b) => b[1].units - a[1].units)) {
      byKind[kind] = {
        items: k.items,
        units: k.units,
        avgBytes: Math.round(k.bytes / k.items),
        maxBytes: k.max,
        itemsPer1kEvents: round1((k.items / n) * 1000),
        unitsPer1kEvents: round1((k.units / n) * 1000),
      };
    }
    log(
      `dynamodb (${slice} ${done} events, batches of ${batchSize}): ${counter.units} WCU for ${counter.items} items in ${seconds.toFixed(1)} s`,
    );
    await store.close();
    return {
      slice,
      events: done,
      seededItems: seed.length,
      batchSize,
      units: counter.units,
      items: counter.items,
      unitsPer1kEvents: round1((counter.units / n) * 1000),
      readItemsPer1kEvents: round1((readItems / n) * 1000),
      byKind,
      seconds: round1(seconds),
    };
  } finally {
    client.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

async function measureBundles(log: (m: string) => void): Promise<{
  target: string;
  bytes: Record<string, number>;
  mapBytes: Record<string, number>;
  largest: Record<string, Array<[string, number]>>;
}> {
  const target = 'node24';
  const dir = join(ROOT, 'functions', 'aws');
  const names = readdirSync(dir)
    .filter((d) => existsSync(join(dir, d, 'index.ts')))
    .sort();
  const out = mkdtempSync(join(tmpdir(), 'tripline-bundle-'));
  const bytes: Record<string, number> = {};
  const mapBytes: Record<string, number> = {};
  const largest: Record<string, Array<[string, number]>> = {};
  try {
    for (const name of names) {
      const outfile = join(out, name, 'index.js');
      const res = await build({
        entryPoints: [join(dir, name, 'index.ts')],
        bundle: true,
        platform: 'node',
        target,
        format: 'cjs',
        minify: true,
        sourcemap: true,
        sourcesContent: false,
        external: ['@aws-sdk/*'],
        tsconfig: join(ROOT, 'tsconfig.json'),
        outfile,
        metafile: true,
        logLevel: 'warning',
      });
      bytes[name] = statSync(outfile).size;
      mapBytes[name] = statSync(`${outfile}.map`).size;
      const inputs =
        res.metafile.outputs[Object.keys(res.metafile.outputs).find((k) => k.endsWith('index.js')) ?? '']
          ?.inputs ?? {};
      const byPackage = new Map<string, number>();
      for (const [path, v] of Object.entries(inputs)) {
        const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
        const label = m ? (m[1] ?? path) : path.split('/').slice(0, 2).join('/');
        byPackage.set(label, (byPackage.get(label) ?? 0) + v.bytesInOutput);
      }
      largest[name] = [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 5);
      log(`bundle: ${name} ${bytes[name]} bytes (${target}, minified, @aws-sdk/* external)`);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  return { target, bytes, mapBytes, largest };
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
