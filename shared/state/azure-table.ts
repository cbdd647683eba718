/**
 * The Azure Table Storage StateStore: one table, one entity per state key, for deployments that run
 * entirely in Azure (no DynamoDB).
 *
 * ## Entity layout
 *
 * | property | EDM type | meaning |
 * |----------|----------|---------|
 * | `PartitionKey` | String | two hex digits of SHA-256(key): 256 partitions, so load spreads over partition servers |
 * | `RowKey` | String | the key, with `%`, `~`, `/`, `\`, `#`, `?` and control characters written `%XX` (Table Storage forbids the four and the controls in keys); `~` + SHA-256 hex when that is longer than {@link MAX_ROW_KEY_CHARS} |
 * | `k` | String | the key exactly as the engine built it (read back and checked: the row key is an encoding, or a hash) |
 * | `v` | Int32 | version; 1 on create or unconditional write, +1 per replace |
 * | `exp` | Int64 | `expiresAt`, epoch ms: the authority for liveness (`exp <= now` is dead) |
 * | `val` | String | the value as JSON text, when it is at most {@link INLINE_VALUE_CHARS} characters |
 * | `z0`..`zN`, `zn` | Binary, Int32 | otherwise: the JSON text raw-deflated, in chunks of at most 64 KiB (`zn` chunks) |
 *
 * Table Storage limits (1 MiB per entity, 64 KiB per property, 255 properties, 1 KiB keys) decide
 * this: a String property holds at most 32 K UTF-16 characters, so larger values are compressed and
 * split into binary chunks; a value whose compressed JSON needs more than {@link MAX_VALUE_CHUNKS}
 * chunks (960 KiB) is refused before anything is written.
 *
 * ## Versions and ETags
 *
 * Table Storage's optimistic concurrency is the ETag: an update or delete with `If-Match: <etag>`
 * fails with 412 when the entity changed since it was read. The port speaks in versions, so the store
 * keeps the last ETag it saw per key (from reads and from its own writes, at most `etagCacheSize`
 * keys). A replace or delete at version N sends the remembered ETag when it belongs to version N;
 * otherwise, or when that ETag is refused, it reads the entity, compares its `v` with N, and sends the
 * fresh ETag. A write lands only if nobody changed the entity since the version was checked, which is
 * the port's guarantee. A create is an insert (409 when the key exists); over a dead item it becomes a
 * replace conditional on the dead item's ETag.
 *
 * ## Expiry
 *
 * Table Storage has no TTL. Readers filter on `exp` (they never see a dead item), creates reuse dead
 * keys, and {@link AzureTableStateStore.sweepExpired} deletes dead entities (each conditional on its
 * ETag, so an item revived meanwhile stays); the Azure deployment runs it daily.
 *
 * ## Calls and cost
 *
 * Every read is a point read (`GET Tables(PartitionKey,RowKey)`) and every write one request, at most
 * `concurrency` in flight: Table Storage bills per transaction, not per KB, and point reads are its
 * cheapest and fastest query. Throttling (429/503) and 5xx are retried by the SDK's own policy.
 */
import type {
  NamedKeyCredential,
  TableClient,
  TableEntityResult,
  TableServiceClientOptions,
} from '@azure/data-tables';
import { TableClient as TableClientImpl } from '@azure/data-tables';
import type { TokenCredential } from '@azure/identity';
import { createHash } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import {
  checkDeletes,
  checkKey,
  checkNow,
  checkWrites,
  encodeValue,
  forEachLimit,
  isLive,
  uniqueKeys,
} from './common';
import type { StateDelete, StateItem, StateStore, StateWrite, WriteResult } from './port';
import { StateStoreError } from './port';

const STORE = 'azure-table';

/** Longest RowKey written as the encoded key; longer keys are stored under `~` + SHA-256 hex. */
export const MAX_ROW_KEY_CHARS = 512;
/** Longest state key accepted, in UTF-8 bytes (the DynamoDB adapter's limit, so keys stay portable). */
export const MAX_KEY_BYTES = 2048;
/** JSON text up to this many characters is stored as a String property (`val`). */
export const INLINE_VALUE_CHARS = 16_384;
/** Table Storage's limit on one Binary property. */
export const CHUNK_BYTES = 64 * 1024;
/** Most binary chunks of one value: 960 KiB, leaving room under the 1 MiB entity limit. */
export const MAX_VALUE_CHUNKS = 15;

/** The properties a Tripline state entity has (besides PartitionKey, RowKey, Timestamp). */
interface StateEntity {
  partitionKey: string;
  rowKey: string;
  k: string;
  v: number;
  exp: { value: string; type: 'Int64' };
  val?: string;
  zn?: number;
  [chunk: `z${number}`]: Uint8Array | number | undefined;
}

type Stored = TableEntityResult<Record<string, unknown>>;

/** Options of {@link AzureTableStateStore}. */
export interface AzureTableStateStoreOptions {
  /**
   * A client for the state table (tests, shared clients). Otherwise give `endpoint`, `tableName` and
   * `credential`.
   */
  client?: TableClient;
  /** The Table service endpoint, `https://<account>.table.core.windows.net`. */
  endpoint?: string;
  /** The state table's name (3-63 letters and digits, starting with a letter). */
  tableName?: string;
  /** A managed identity or other Entra credential (`ManagedIdentityCredential`); keys only for local emulators. */
  credential?: TokenCredential | NamedKeyCredential;
  /** Options for the client the store creates (retry policy, `allowInsecureConnection` for azurite). */
  clientOptions?: TableServiceClientOptions;
  /** Requests in flight per call (default 16). */
  concurrency?: number;
  /** How many keys' ETags are remembered to save a read before a replace (default 10000). */
  etagCacheSize?: number;
}

const TABLE_NAME_RE = /^[A-Za-z][A-Za-z0-9]{2,62}$/;

function statusOf(err: unknown): number | undefined {
  if (typeof err === 'object' && err !== null && 'statusCode' in err) {
    const s = (err as { statusCode?: unknown }).statusCode;
    if (typeof s === 'number') return s;
  }
  return undefined;
}

function errMessage(err: unknown): string {
  const status = statusOf(err);
  const base = err instanceof Error ? `${err.name}: ${err.message.split('\n')[0]}` : String(err);
  return status !== undefined ? `${base} (HTTP ${status})` : base;
}

/**
 * Encodes a state key as a RowKey: `%`, `~`, `/`, `\`, `#`, `?` and control characters (U+0000 to
 * U+001F, U+007F to U+009F) become `%XX`; everything else is kept, so keys stay readable in Storage
 * Explorer. Keys whose encoding is longer than {@link MAX_ROW_KEY_CHARS} become `~` + SHA-256 hex
 * (a `~` never starts an encoded key, so the two forms cannot meet).
 *
 * @example encodeRowKey('s|rule|t1|a/b#c') === 's|rule|t1|a%2Fb%23c'
 */
export function encodeRowKey(key: string): string {
  const encoded = key.replace(
    /[%~/\\#?\u0000-\u001f\u007f-\u009f]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
  );
  if (encoded.length <= MAX_ROW_KEY_CHARS) return encoded;
  return `~${createHash('sha256').update(key, 'utf8').digest('hex')}`;
}

/** The PartitionKey of a state key: two hex digits of its SHA-256. */
export function partitionKeyOf(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex').slice(0, 2);
}

interface CachedTag {
  version: number;
  etag: string;
}

/**
 * StateStore on one Azure Table Storage table (layout and concurrency in the module comment and
 * docs/state.md).
 *
 * @example
 * ```ts
 * import { ManagedIdentityCredential } from '@azure/identity';
 * const store = new AzureTableStateStore({
 *   endpoint: 'https://tripline1234.table.core.windows.net',
 *   tableName: 'triplinestate',
 *   credential: new ManagedIdentityCredential(),
 * });
 * const now = Date.now();
 * const { conflicts } = await store.write(
 *   [{ key: 'f|inbox-forwarding|t1|alice', expectedVersion: 0, expiresAt: now + 86_400_000, value: { first: now } }],
 *   now,
 * );
 * ```
 */
export class AzureTableStateStore implements StateStore {
  readonly name = STORE;
  readonly tableName: string;
  private readonly client: TableClient;
  private readonly concurrency: number;
  private readonly etagCacheSize: number;
  private readonly etags = new Map<string, CachedTag>();
  private closed = false;

  constructor(options: AzureTableStateStoreOptions) {
    if (options.client) {
      this.client = options.client;
    } else {
      const problems: string[] = [];
      if (!options.endpoint || !/^https?:\/\/\S+$/.test(options.endpoint))
        problems.push(`endpoint must be the Table service URL, got ${JSON.stringify(options.endpoint)}`);
      if (!options.tableName || !TABLE_NAME_RE.test(options.tableName))
        problems.push(
          `tableName must be 3-63 letters and digits starting with a letter, got ${JSON.stringify(options.tableName)}`,
        );
      if (!options.credential) problems.push('credential is required (a ManagedIdentityCredential in Azure)');
      if (problems.length > 0) throw new StateStoreError(`${STORE}: ${problems.join('; ')}`, STORE);
      this.client = new TableClientImpl(
        options.endpoint as string,
        options.tableName as string,
        options.credential as TokenCredential,
        options.clientOptions,
      );
    }
    this.tableName = this.client.tableName;
    this.concurrency = Math.max(1, options.concurrency ?? 16);
    this.etagCacheSize = Math.max(0, options.etagCacheSize ?? 10_000);
  }

  async get(keys: readonly string[], now: number): Promise<Map<string, StateItem>> {
    this.checkOpen();
    checkNow(STORE, now);
    const unique = uniqueKeys(STORE, keys);
    const out = new Map<string, StateItem>();
    await forEachLimit(unique, this.concurrency, async (key) => {
      const found = await this.read(key);
      if (found && isLive(found.item.expiresAt, now)) out.set(key, found.item);
    });
    return out;
  }

  async write(writes: readonly StateWrite[], now: number): Promise<WriteResult> {
    this.checkOpen();
    checkNow(STORE, now);
    checkWrites(STORE, writes);
    // Encode and size-check everything first, so a bad value fails the call before anything is sent.
    const encoded = writes.map((w) => ({ w, entity: this.encode(w) }));
    const failed = new Set<string>();
    await forEachLimit(encoded, this.concurrency, async ({ w, entity }) => {
      let applied: boolean;
      if (w.expectedVersion === null) {
        const res = await this.call('upsert', w.key, () => this.client.upsertEntity(entity, 'Replace'));
        this.remember(w.key, entity.v, res.etag);
        applied = true;
      } else if (w.expectedVersion === 0) {
        applied = await this.create(w.key, entity, now);
      } else {
        applied = await this.replace(w.key, entity, w.expectedVersion);
      }
      if (!applied) failed.add(w.key);
    });
    return { conflicts: failed.size ? writes.filter((w) => failed.has(w.key)).map((w) => w.key) : [] };
  }

  async delete(deletes: readonly StateDelete[]): Promise<WriteResult> {
    this.checkOpen();
    checkDeletes(STORE, deletes);
    const failed = new Set<string>();
    await forEachLimit(deletes, this.concurrency, async (d) => {
      const applied = await this.withEtag(d.key, d.expectedVersion, async (etag) => {
        await this.client.deleteEntity(partitionKeyOf(d.key), encodeRowKey(d.key), { etag });
        this.etags.delete(d.key);
      });
      if (!applied) failed.add(d.key);
    });
    return { conflicts: failed.size ? deletes.filter((d) => failed.has(d.key)).map((d) => d.key) : [] };
  }

  /** Nothing to do: every acknowledged write is already durable in Table Storage. */
  async flush(): Promise<void> {
    this.checkOpen();
  }

  /** Marks the store closed (the client holds no connection that needs closing). Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    this.etags.clear();
  }

  /**
   * Deletes entities that expired at or before `now` (Table Storage has no TTL). Each delete is
   * conditional on the ETag the scan saw, so an item rewritten meanwhile is kept.
   *
   * @param maxItems stop after deleting this many (bounds one run; the next run continues). Default 10000.
   * @returns how many entities were deleted, and whether the scan stopped early.
   */
  async sweepExpired(now: number, maxItems = 10_000): Promise<{ deleted: number; complete: boolean }> {
    this.checkOpen();
    checkNow(STORE, now);
    const dead: Array<{ partitionKey: string; rowKey: string; etag: string }> = [];
    let complete = true;
    try {
      const pages = this.client
        .listEntities<Record<string, unknown>>({
          queryOptions: { filter: `exp le ${Math.floor(now)}L`, select: ['PartitionKey', 'RowKey'] },
        })
        .byPage({ maxPageSize: 1000 });
      outer: for await (const page of pages) {
        for (const e of page) {
          if (dead.length >= maxItems) {
            complete = false;
            break outer;
          }
          if (e.partitionKey !== undefined && e.rowKey !== undefined)
            dead.push({ partitionKey: e.partitionKey, rowKey: e.rowKey, etag: e.etag });
        }
      }
    } catch (err) {
      throw this.failure('scan for expired entities', undefined, err);
    }
    let deleted = 0;
    await forEachLimit(dead, this.concurrency, async (e) => {
      try {
        await this.client.deleteEntity(e.partitionKey, e.rowKey, { etag: e.etag });
        deleted++;
      } catch (err) {
        const s = statusOf(err);
        if (s === 404 || s === 412) return; // gone already, or revived since the scan
        throw this.failure('delete expired entity', e.rowKey, err);
      }
    });
    return { deleted, complete };
  }

  private checkOpen(): void {
    if (this.closed) throw new StateStoreError(`${STORE}: the store is closed`, STORE);
  }

  private remember(key: string, version: number, etag: string | undefined): void {
    if (etag === undefined || this.etagCacheSize === 0) return;
    this.etags.delete(key); // re-insert: Map order is the eviction order
    this.etags.set(key, { version, etag });
    if (this.etags.size > this.etagCacheSize) {
      const oldest = this.etags.keys().next().value;
      if (oldest !== undefined) this.etags.delete(oldest);
    }
  }

  /** Point read of one key (dead or alive); undefined when absent. Remembers the ETag. */
  private async read(key: string): Promise<{ item: StateItem; etag: string } | undefined> {
    let raw: Stored;
    try {
      raw = await this.client.getEntity<Record<string, unknown>>(partitionKeyOf(key), encodeRowKey(key));
    } catch (err) {
      if (statusOf(err) === 404) {
        this.etags.delete(key);
        return undefined;
      }
      throw this.failure('read', key, err);
    }
    const item = this.decode(raw);
    // A hashed row key could in theory belong to another key: then this key is absent.
    if (item.key !== key) return undefined;
    this.remember(key, item.version, raw.etag);
    return { item, etag: raw.etag };
  }

  /** Insert; over a dead item, replace it conditionally on the ETag it was read with. */
  private async create(key: string, entity: StateEntity, now: number): Promise<boolean> {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const res = await this.client.createEntity(entity);
        this.remember(key, entity.v, res.etag);
        return true;
      } catch (err) {
        if (statusOf(err) !== 409) throw this.failure('insert', key, err);
      }
      const cur = await this.read(key);
      if (cur === undefined) continue; // deleted since the insert failed: insert again
      if (isLive(cur.item.expiresAt, now)) return false;
      try {
        const res = await this.client.updateEntity(entity, 'Replace', { etag: cur.etag });
        this.remember(key, entity.v, res.etag);
        return true;
      } catch (err) {
        const s = statusOf(err);
        if (s === 412) return false; // rewritten since it was read: someone else got there first
        if (s !== 404) throw this.failure('replace a dead item of', key, err);
      }
    }
    return false;
  }

  private replace(key: string, entity: StateEntity, expected: number): Promise<boolean> {
    return this.withEtag(key, expected, async (etag) => {
      const res = await this.client.updateEntity(entity, 'Replace', { etag });
      this.remember(key, entity.v, res.etag);
    });
  }

  /**
   * Runs `op` with the ETag of `key` at version `expected`: the remembered one first, then a fresh
   * read's. True when `op` succeeded; false when the stored version is not `expected`, the key is
   * absent, or the entity changed under us (412/404).
   */
  private async withEtag(
    key: string,
    expected: number,
    op: (etag: string) => Promise<void>,
  ): Promise<boolean> {
    const cached = this.etags.get(key);
    if (cached && cached.version === expected) {
      const r = await this.attempt(key, cached.etag, op);
      if (r !== 'stale') return r === 'ok';
    }
    const cur = await this.read(key);
    if (cur === undefined || cur.item.version !== expected) return false;
    return (await this.attempt(key, cur.etag, op)) === 'ok';
  }

  private async attempt(
    key: string,
    etag: string,
    op: (etag: string) => Promise<void>,
  ): Promise<'ok' | 'stale' | 'gone'> {
    try {
      await op(etag);
      return 'ok';
    } catch (err) {
      const s = statusOf(err);
      if (s === 412) {
        this.etags.delete(key);
        return 'stale';
      }
      if (s === 404) {
        this.etags.delete(key);
        return 'gone';
      }
      throw this.failure('conditional write of', key, err);
    }
  }

  private async call<T>(op: string, key: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw this.failure(op, key, err);
    }
  }

  private failure(op: string, key: string | undefined, err: unknown): StateStoreError {
    const what = key === undefined ? op : `${op} key ${JSON.stringify(key)}`;
    const hint =
      statusOf(err) === 404 && /TableNotFound/i.test(String((err as { code?: unknown }).code ?? err))
        ? ` (does table ${this.tableName} exist? The deployment template creates it)`
        : statusOf(err) === 403
          ? ' (the identity needs the Storage Table Data Contributor role on the storage account)'
          : '';
    return new StateStoreError(
      `${STORE}: ${what} in table ${this.tableName} failed: ${errMessage(err)}${hint} ` +
        '(other writes of this call may have been applied)',
      STORE,
      { cause: err },
    );
  }

  private encode(w: StateWrite): StateEntity {
    const keyBytes = Buffer.byteLength(w.key, 'utf8');
    if (keyBytes > MAX_KEY_BYTES) {
      throw new StateStoreError(
        `${STORE}: key ${JSON.stringify(w.key.slice(0, 80))}… is ${keyBytes} bytes; state keys are limited to ${MAX_KEY_BYTES}`,
        STORE,
      );
    }
    const text = encodeValue(STORE, w.key, w.value);
    const entity: StateEntity = {
      partitionKey: partitionKeyOf(w.key),
      rowKey: encodeRowKey(w.key),
      k: w.key,
      v: w.expectedVersion === null ? 1 : w.expectedVersion + 1,
      exp: { value: String(Math.trunc(w.expiresAt)), type: 'Int64' },
    };
    if (text.length <= INLINE_VALUE_CHARS) {
      entity.val = text;
      return entity;
    }
    const packed = deflateRawSync(text, { level: 1 });
    const chunks = Math.ceil(packed.length / CHUNK_BYTES);
    if (chunks > MAX_VALUE_CHUNKS) {
      throw new StateStoreError(
        `${STORE}: the value for key ${JSON.stringify(w.key)} is ${packed.length} bytes compressed; ` +
          `a Table Storage entity holds at most ${MAX_VALUE_CHUNKS * CHUNK_BYTES} (1 MiB per entity). ` +
          'Bound the state this key keeps (e.g. fewer baseline terms).',
        STORE,
      );
    }
    entity.zn = chunks;
    for (let i = 0; i < chunks; i++) {
      entity[`z${i}`] = new Uint8Array(packed.subarray(i * CHUNK_BYTES, (i + 1) * CHUNK_BYTES));
    }
    return entity;
  }

  private decode(raw: Stored): StateItem {
    const key = raw['k'];
    const version = raw['v'];
    const expiresAt = int64(raw['exp']);
    const text = raw['val'];
    const zn = raw['zn'];
    const bad = (what: string, cause?: unknown): StateStoreError =>
      new StateStoreError(
        `${STORE}: entity ${JSON.stringify(typeof key === 'string' ? key : raw.rowKey)} in table ${this.tableName} ${what}`,
        STORE,
        cause === undefined ? undefined : { cause },
      );
    if (
      typeof key !== 'string' ||
      typeof version !== 'number' ||
      !Number.isSafeInteger(version) ||
      expiresAt === undefined ||
      (typeof text !== 'string' && typeof zn !== 'number')
    ) {
      throw bad(
        'is not a Tripline state item (needs k, v, exp, and val or z0..zN); was the table written by something else?',
      );
    }
    try {
      checkKey(STORE, key, 'stored');
    } catch (err) {
      throw bad('has an empty key', err);
    }
    let json: string;
    if (typeof text === 'string') {
      json = text;
    } else {
      const parts: Uint8Array[] = [];
      for (let i = 0; i < (zn as number); i++) {
        const part = raw[`z${i}`];
        if (!(part instanceof Uint8Array)) throw bad(`is missing value chunk z${i} of ${zn as number}`);
        parts.push(part);
      }
      try {
        json = inflateRawSync(Buffer.concat(parts)).toString('utf8');
      } catch (err) {
        throw bad('has a value that is not deflated JSON (z0..zN)', err);
      }
    }
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch (err) {
      throw bad(`has a value that is not JSON (${typeof text === 'string' ? 'val' : 'z0..zN'})`, err);
    }
    return { key, version, expiresAt, value };
  }
}

/** An Int64 property as the SDK returns it (bigint, `{value, type}`, string or number), as a number. */
function int64(v: unknown): number | undefined {
  let n: number;
  if (typeof v === 'bigint') n = Number(v);
  else if (typeof v === 'number') n = v;
  else if (typeof v === 'string') n = Number(v);
  else if (typeof v === 'object' && v !== null && 'value' in v) n = Number((v as { value: unknown }).value);
  else return undefined;
  return Number.isFinite(n) ? n : undefined;
}

/**
 * Creates the state table if it does not exist. For tests and local setups; the Azure deployment
 * template creates it.
 *
 * @example
 * ```ts
 * await createStateTable(client);
 * const store = new AzureTableStateStore({ client });
 * ```
 */
export async function createStateTable(client: TableClient): Promise<void> {
  try {
    await client.createTable();
  } catch (err) {
    throw new StateStoreError(
      `${STORE}: cannot create table ${client.tableName}: ${errMessage(err)}`,
      STORE,
      { cause: err },
    );
  }
}
