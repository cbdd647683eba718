/**
 * Record-id de-duplication for APIs that duplicate records by design (the Management Activity API
 * serves the same record in several content blobs, hours or days apart; Graph can repeat a sign-in
 * across pages while new ones push the list down). The poller's overlap memory only covers the
 * overlap; this ledger remembers every record id for as long as the API can serve it again.
 *
 * ## Storage (bounded, append-only)
 *
 * Ids are hashed (66 bits, 11 characters) and bucketed by the event's own time (1 h by default). A
 * bucket is an index item `ids|<scope>|<bucket>` holding the number of its chunks, and immutable chunk
 * items `ids|<scope>|<bucket>|<i>`, one per committed page, holding that page's new hashes. Every item
 * expires `retentionMs` after its bucket ends (DynamoDB TTL).
 *
 * Cost, per page: one read of the index items of the buckets the page touches; chunks are read once
 * per process and kept (they never change); a commit writes one chunk (11 bytes per new record, so
 * about 11 write units for a page of 1,000 records) and rewrites one small index item per bucket.
 * Nothing is ever rewritten in full, so a busy tenant pays per new record, not per record stored.
 *
 * Writers: pollers run with reserved concurrency 1, but a crash can leave a chunk written and not
 * indexed; the next commit finds the slot taken, takes the next one and indexes both, so the orphan's
 * ids count too (they belong to records whose page is then read again).
 */
import { createHash } from 'node:crypto';
import type { TriplineEvent } from '../events/types';
import type { StateStore } from '../state/port';
import type { RecordLedger } from './poller';

/** Options of {@link StoreRecordLedger}. */
export interface StoreRecordLedgerOptions {
  store: StateStore;
  /** What the ids belong to: `<source>|<tenant>` (a poller's checkpoint scope). */
  scope: string;
  /** How long an id is remembered after its event time: as long as the API can serve it again. */
  retentionMs: number;
  /** Width of one bucket of event time. @default 1 hour */
  bucketMs?: number;
  /** Chunks kept in memory, at most. @default 2000 */
  maxCachedChunks?: number;
  /** @default Date.now */
  now?: () => number;
}

const HASH_CHARS = 11;
const MAX_ATTEMPTS = 8;

interface IndexValue {
  n: number;
}
interface ChunkValue {
  h: string;
}

/** The hash the ledger keeps for an event (its source and id). */
export function ledgerHash(e: Pick<TriplineEvent, 'source' | 'id'>): string {
  return createHash('sha256').update(`${e.source}|${e.id}`).digest('base64url').slice(0, HASH_CHARS);
}

/**
 * {@link RecordLedger} over a {@link StateStore} (the detection state table).
 *
 * @example
 * ```ts
 * const ledger = new StoreRecordLedger({ store, scope: `m365-exchange|${tenant}`, retentionMs: 8 * DAY });
 * await runPoller({ ...options, ledger });
 * ```
 */
export class StoreRecordLedger implements RecordLedger {
  private readonly store: StateStore;
  private readonly scope: string;
  private readonly retentionMs: number;
  private readonly bucketMs: number;
  private readonly maxCached: number;
  private readonly now: () => number;
  /** Immutable chunks read or written by this process, oldest first (a Map keeps insertion order). */
  private readonly chunks = new Map<string, Set<string>>();

  constructor(opts: StoreRecordLedgerOptions) {
    if (!(opts.retentionMs > 0)) throw new RangeError('StoreRecordLedger: retentionMs must be positive');
    this.store = opts.store;
    this.scope = opts.scope;
    this.retentionMs = opts.retentionMs;
    this.bucketMs = Math.max(60_000, opts.bucketMs ?? 3_600_000);
    this.maxCached = Math.max(1, opts.maxCachedChunks ?? 2000);
    this.now = opts.now ?? Date.now;
  }

  async filter(events: readonly TriplineEvent[]): Promise<{ fresh: TriplineEvent[]; duplicates: number }> {
    const now = this.now();
    const buckets = new Set<number>();
    for (const e of events) if (this.remembered(e.time, now)) buckets.add(this.bucketOf(e.time));
    const known = await this.hashesOf([...buckets], now);
    const fresh: TriplineEvent[] = [];
    const inPage = new Set<string>();
    let duplicates = 0;
    for (const e of events) {
      const h = ledgerHash(e);
      const bucket = this.bucketOf(e.time);
      if (inPage.has(h) || known.get(bucket)?.has(h)) {
        duplicates++;
        continue;
      }
      inPage.add(h);
      fresh.push(e);
    }
    return { fresh, duplicates };
  }

  async commit(events: readonly TriplineEvent[]): Promise<void> {
    const now = this.now();
    const byBucket = new Map<number, Set<string>>();
    for (const e of events) {
      if (!this.remembered(e.time, now)) continue;
      const b = this.bucketOf(e.time);
      let set = byBucket.get(b);
      if (!set) byBucket.set(b, (set = new Set()));
      set.add(ledgerHash(e));
    }
    for (const [bucket, hashes] of byBucket) await this.commitBucket(bucket, hashes, now);
  }

  private remembered(time: number, now: number): boolean {
    return this.bucketOf(time) + this.bucketMs + this.retentionMs > now;
  }

  private bucketOf(time: number): number {
    return Math.floor(time / this.bucketMs) * this.bucketMs;
  }

  private indexKey(bucket: number): string {
    return `ids|${this.scope}|${bucket}`;
  }

  private chunkKey(bucket: number, i: number): string {
    return `ids|${this.scope}|${bucket}|${i}`;
  }

  private expiresAt(bucket: number): number {
    return bucket + this.bucketMs + this.retentionMs;
  }

  /** The ids known per bucket: index items read now, chunks from memory or read once. */
  private async hashesOf(buckets: number[], now: number): Promise<Map<number, Set<string>>> {
    const out = new Map<number, Set<string>>();
    if (buckets.length === 0) return out;
    const index = await this.store.get(
      buckets.map((b) => this.indexKey(b)),
      now,
    );
    const missing: string[] = [];
    const chunkKeys = new Map<number, string[]>();
    for (const b of buckets) {
      const n = countOf(index.get(this.indexKey(b))?.value);
      const keys = Array.from({ length: n }, (_, i) => this.chunkKey(b, i));
      chunkKeys.set(b, keys);
      for (const k of keys) if (!this.chunks.has(k)) missing.push(k);
    }
    if (missing.length > 0) {
      const read = await this.store.get(missing, now);
      for (const k of missing) {
        const got = read.get(k);
        // An indexed chunk not readable yet (an eventually consistent read) is asked for again next time.
        if (got) this.remember(k, splitHashes((got.value as ChunkValue | undefined)?.h));
      }
    }
    for (const [b, keys] of chunkKeys) {
      const set = new Set<string>();
      for (const k of keys) for (const h of this.chunks.get(k) ?? []) set.add(h);
      out.set(b, set);
    }
    return out;
  }

  private async commitBucket(bucket: number, hashes: Set<string>, now: number): Promise<void> {
    const indexKey = this.indexKey(bucket);
    const expiresAt = this.expiresAt(bucket);
    const value: ChunkValue = { h: [...hashes].join('') };
    let item = (await this.store.get([indexKey], now)).get(indexKey);
    let slot = countOf(item?.value);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const chunkKey = this.chunkKey(bucket, slot);
      const { conflicts } = await this.store.write(
        [{ key: chunkKey, expectedVersion: 0, expiresAt, value }],
        now,
      );
      if (conflicts.length > 0) {
        slot++; // taken by an orphan or another writer: the next slot, and index both
        continue;
      }
      this.remember(chunkKey, hashes);
      for (let i = 0; i < MAX_ATTEMPTS; i++) {
        const want = Math.max(slot + 1, countOf(item?.value));
        if (countOf(item?.value) >= want && item !== undefined) return;
        const res = await this.store.write(
          [{ key: indexKey, expectedVersion: item?.version ?? 0, expiresAt, value: { n: want } }],
          now,
        );
        if (res.conflicts.length === 0) return;
        item = (await this.store.get([indexKey], now)).get(indexKey);
      }
      throw new Error(`record ledger ${indexKey}: the index kept changing under ${MAX_ATTEMPTS} attempts`);
    }
    throw new Error(`record ledger ${indexKey}: no free chunk slot after ${MAX_ATTEMPTS} attempts`);
  }

  private remember(key: string, hashes: Iterable<string>): void {
    this.chunks.delete(key);
    this.chunks.set(key, hashes instanceof Set ? (hashes as Set<string>) : new Set(hashes));
    while (this.chunks.size > this.maxCached) {
      const oldest = this.chunks.keys().next().value;
      if (oldest === undefined) break;
      this.chunks.delete(oldest);
    }
  }
}

function countOf(v: unknown): number {
  const n = (v as IndexValue | undefined)?.n;
  return typeof n === 'number' && Number.isInteger(n) && n > 0 ? n : 0;
}

function splitHashes(s: string | undefined): string[] {
  const out: string[] = [];
  if (typeof s !== 'string') return out;
  for (let i = 0; i + HASH_CHARS <= s.length; i += HASH_CHARS) out.push(s.slice(i, i + HASH_CHARS));
  return out;
}
