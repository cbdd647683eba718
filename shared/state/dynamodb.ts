/**
 * The DynamoDB StateStore: one table, one item per state key.
 *
 * ## Key design
 *
 * | attribute | type | meaning |
 * |-----------|------|---------|
 * | `pk`   | S (partition key, no sort key) | the state key exactly as the engine builds it (`s|rule|tenant|value`, `f|…`) |
 * | `v`    | N | version; 1 on create or unconditional write, +1 per replace |
 * | `exp`  | N | `expiresAt`, epoch **milliseconds**: the authority for liveness (`exp <= now` is dead) |
 * | `ttl`  | N | `ceil(expiresAt / 1000)`, epoch **seconds**: the table's TTL attribute, so DynamoDB eventually deletes dead items for free |
 * | `val`  | S | the value as JSON text (values whose JSON is at most `compressAboveBytes`, default 1024) |
 * | `valz` | B | instead of `val` for larger values: the JSON text, raw-deflated (only when that is smaller) |
 *
 * The keys the engine reads together are unrelated principals, so a single hash key spreads load
 * evenly and BatchGetItem fetches any set of them; nothing is queried by range, so there is no sort
 * key. TTL deletion is lazy (up to days late), so readers filter on `exp`, and creates use
 * `attribute_not_exists(pk) OR exp <= :now` to reuse a dead item's key.
 *
 * Why JSON text and not a native map: measured on the engine's values (threshold buckets, new_terms
 * baselines, sequences), a native map is 15–25% smaller than JSON text (a 13-digit timestamp is 8
 * bytes as N, 13 as text) but 4–9× slower to marshal and unmarshal, has a 32-level nesting limit and
 * its own number rules; JSON text round-trips every JSON value exactly and keeps the value opaque.
 * On-demand tables bill 1 write unit per started KB, so what matters is the larger items: deflated
 * JSON is 3–6× smaller than either (a 2.3 KB baseline of 50 terms: 3 WCU as text, 2 as a map, 1
 * deflated; 1000 terms: 42 / 31 / 8 WCU) for ~60 µs of CPU per 2 KB. Values under 1 KB already cost
 * the minimum 1 WCU and stay readable text.
 *
 * ## Calls
 *
 * - get: BatchGetItem, 100 keys per request, strongly consistent by default; `UnprocessedKeys` are
 *   retried with exponential backoff and full jitter, a bounded number of times, then StateStoreError.
 * - conditional writes: one PutItem each (`attribute_not_exists(pk) OR exp <= :now` for create,
 *   `v = :expected` for replace), at most `concurrency` in flight; ConditionalCheckFailedException is a
 *   conflict, not an error. Throttling and 5xx are retried by the SDK's own retry strategy.
 * - unconditional writes: BatchWriteItem, 25 items per request, `UnprocessedItems` retried like above.
 * - deletes: DeleteItem with `v = :expected`.
 */
import type {
  AttributeValue,
  DynamoDBClientConfig,
  KeysAndAttributes,
  WriteRequest,
} from '@aws-sdk/client-dynamodb';
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import {
  checkDeletes,
  checkNow,
  checkWrites,
  chunk,
  encodeValue,
  forEachLimit,
  isLive,
  uniqueKeys,
} from './common';
import { dynamoItemSize } from './dynamodb-units';
import type { StateDelete, StateItem, StateStore, StateWrite, WriteResult } from './port';
import { StateStoreError } from './port';

export { countWriteUnits, dynamoItemSize, writeUnitsFor } from './dynamodb-units';
export type { WriteUnitCounter } from './dynamodb-units';

const STORE = 'dynamodb';
/** BatchGetItem accepts at most 100 keys per request. */
export const BATCH_GET_MAX = 100;
/** BatchWriteItem accepts at most 25 items per request. */
export const BATCH_WRITE_MAX = 25;
/** DynamoDB's item size limit (attribute names + values). */
export const MAX_ITEM_BYTES = 400 * 1024;
/** DynamoDB's partition key size limit. */
export const MAX_KEY_BYTES = 2048;

const NAMES = { '#pk': 'pk', '#v': 'v', '#exp': 'exp', '#val': 'val', '#valz': 'valz' };
const CREATE_CONDITION = 'attribute_not_exists(#pk) OR #exp <= :now';
const VERSION_CONDITION = '#v = :expected';

/** Options of {@link DynamoStateStore}. */
export interface DynamoStateStoreOptions {
  /** The state table (see {@link createStateTable} or the CDK stack). */
  tableName: string;
  /** A client to use (tests, shared clients). It is not destroyed by `close()`. */
  client?: DynamoDBClient;
  /** Config for the client the store creates when `client` is not given (destroyed by `close()`). */
  clientConfig?: DynamoDBClientConfig;
  /** Strongly consistent reads (default true): a conflict retry then sees the winning write at once. */
  consistentRead?: boolean;
  /** Conditional PutItem/DeleteItem calls in flight per call (default 16). */
  concurrency?: number;
  /** BatchGetItem/BatchWriteItem requests in flight per call (default 4). */
  batchConcurrency?: number;
  /** Requests per batch before unprocessed keys/items give up with a StateStoreError (default 8). */
  maxBatchAttempts?: number;
  /** Backoff before the first retry of unprocessed keys/items, in ms (default 50); doubles per retry. */
  backoffBaseMs?: number;
  /** Upper bound of one backoff, in ms (default 2000). */
  backoffMaxMs?: number;
  /**
   * Values whose JSON text is longer than this many bytes are stored deflated in `valz` (B) when that
   * is smaller (default 1024: smaller values cost the minimum 1 WCU anyway). `Infinity` turns it off.
   * Readers handle both forms whatever this is set to.
   */
  compressAboveBytes?: number;
  /** Sleep used between retries (tests pass a fake). */
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function errName(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'name' in err && typeof err.name === 'string')
    return err.name;
  return 'Error';
}

function errMessage(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/**
 * StateStore on one DynamoDB table (key design in the module comment and docs/state.md).
 *
 * @example
 * ```ts
 * const store = new DynamoStateStore({ tableName: process.env.STATE_TABLE ?? 'tripline-state' });
 * const now = Date.now();
 * const cur = (await store.get(['f|inbox-forwarding|t1|alice'], now)).get('f|inbox-forwarding|t1|alice');
 * if (!cur) {
 *   // claim the finding dedup key for 24 h; exactly one parallel invocation wins
 *   const { conflicts } = await store.write(
 *     [{ key: 'f|inbox-forwarding|t1|alice', expectedVersion: 0, expiresAt: now + 86_400_000, value: { first: now } }],
 *     now,
 *   );
 *   if (conflicts.length === 0) {
 *     // publish the finding
 *   }
 * }
 * await store.close();
 * ```
 */
export class DynamoStateStore implements StateStore {
  readonly name = STORE;
  readonly tableName: string;
  private readonly client: DynamoDBClient;
  private readonly ownsClient: boolean;
  private readonly consistentRead: boolean;
  private readonly concurrency: number;
  private readonly batchConcurrency: number;
  private readonly maxBatchAttempts: number;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;
  private readonly compressAboveBytes: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private closed = false;

  constructor(options: DynamoStateStoreOptions) {
    if (typeof options.tableName !== 'string' || options.tableName.length < 3) {
      throw new StateStoreError(
        `dynamodb: tableName must be a DynamoDB table name, got ${JSON.stringify(options.tableName)}`,
        STORE,
      );
    }
    this.tableName = options.tableName;
    this.ownsClient = options.client === undefined;
    this.client = options.client ?? new DynamoDBClient(options.clientConfig ?? {});
    this.consistentRead = options.consistentRead ?? true;
    this.concurrency = Math.max(1, options.concurrency ?? 16);
    this.batchConcurrency = Math.max(1, options.batchConcurrency ?? 4);
    this.maxBatchAttempts = Math.max(1, options.maxBatchAttempts ?? 8);
    this.backoffBaseMs = options.backoffBaseMs ?? 50;
    this.backoffMaxMs = options.backoffMaxMs ?? 2000;
    this.compressAboveBytes = options.compressAboveBytes ?? 1024;
    this.sleep = options.sleep ?? defaultSleep;
  }

  async get(keys: readonly string[], now: number): Promise<Map<string, StateItem>> {
    this.checkOpen();
    checkNow(STORE, now);
    const unique = uniqueKeys(STORE, keys);
    const out = new Map<string, StateItem>();
    await forEachLimit(chunk(unique, BATCH_GET_MAX), this.batchConcurrency, async (part) => {
      let request: KeysAndAttributes = {
        Keys: part.map((k) => ({ pk: { S: k } })),
        ConsistentRead: this.consistentRead,
        ProjectionExpression: '#pk, #v, #exp, #val, #valz',
        ExpressionAttributeNames: NAMES,
      };
      for (let attempt = 1; ; attempt++) {
        const res = await this.send('BatchGetItem', () =>
          this.client.send(new BatchGetItemCommand({ RequestItems: { [this.tableName]: request } })),
        );
        for (const raw of res.Responses?.[this.tableName] ?? []) {
          const item = this.decode(raw);
          if (isLive(item.expiresAt, now)) out.set(item.key, item);
        }
        const left = res.UnprocessedKeys?.[this.tableName]?.Keys;
        if (left === undefined || left.length === 0) return;
        if (attempt >= this.maxBatchAttempts) {
          throw new StateStoreError(
            `dynamodb: BatchGetItem on table ${this.tableName} still had ${left.length} unprocessed keys after ${attempt} attempts ` +
              '(the table is throttling reads; raise its capacity or retry the batch later)',
            STORE,
          );
        }
        request = { ...request, Keys: left };
        await this.sleep(this.backoff(attempt));
      }
    });
    return out;
  }

  async write(writes: readonly StateWrite[], now: number): Promise<WriteResult> {
    this.checkOpen();
    checkNow(STORE, now);
    checkWrites(STORE, writes);
    const conditional: Array<{ w: StateWrite; item: Record<string, AttributeValue> }> = [];
    const unconditional: Array<Record<string, AttributeValue>> = [];
    // Encode and size-check everything first, so a bad value fails the call before anything is sent.
    for (const w of writes) {
      const item = this.encode(w);
      if (w.expectedVersion === null) unconditional.push(item);
      else conditional.push({ w, item });
    }
    const failed = new Set<string>();
    const nowValue: AttributeValue = { N: String(now) };
    const puts = forEachLimit(conditional, this.concurrency, async ({ w, item }) => {
      const create = w.expectedVersion === 0;
      const applied = await this.conditional('PutItem', w.key, () =>
        this.client.send(
          new PutItemCommand({
            TableName: this.tableName,
            Item: item,
            ConditionExpression: create ? CREATE_CONDITION : VERSION_CONDITION,
            ExpressionAttributeNames: create ? { '#pk': 'pk', '#exp': 'exp' } : { '#v': 'v' },
            ExpressionAttributeValues: create
              ? { ':now': nowValue }
              : { ':expected': { N: String(w.expectedVersion) } },
          }),
        ),
      );
      if (!applied) failed.add(w.key);
    });
    const batches = forEachLimit(chunk(unconditional, BATCH_WRITE_MAX), this.batchConcurrency, (part) =>
      this.batchWrite(part.map((Item) => ({ PutRequest: { Item } }))),
    );
    const settled = await Promise.allSettled([puts, batches]);
    for (const s of settled) if (s.status === 'rejected') throw s.reason;
    // In call order, whatever order the parallel puts finished in.
    return { conflicts: failed.size ? writes.filter((w) => failed.has(w.key)).map((w) => w.key) : [] };
  }

  async delete(deletes: readonly StateDelete[]): Promise<WriteResult> {
    this.checkOpen();
    checkDeletes(STORE, deletes);
    const failed = new Set<string>();
    await forEachLimit(deletes, this.concurrency, async (d) => {
      const applied = await this.conditional('DeleteItem', d.key, () =>
        this.client.send(
          new DeleteItemCommand({
            TableName: this.tableName,
            Key: { pk: { S: d.key } },
            ConditionExpression: VERSION_CONDITION,
            ExpressionAttributeNames: { '#v': 'v' },
            ExpressionAttributeValues: { ':expected': { N: String(d.expectedVersion) } },
          }),
        ),
      );
      if (!applied) failed.add(d.key);
    });
    return { conflicts: failed.size ? deletes.filter((d) => failed.has(d.key)).map((d) => d.key) : [] };
  }

  /** Nothing to do: every acknowledged write is already durable in DynamoDB. */
  async flush(): Promise<void> {
    this.checkOpen();
  }

  /** Marks the store closed; destroys the client only if the store created it. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsClient) this.client.destroy();
  }

  private checkOpen(): void {
    if (this.closed) throw new StateStoreError('dynamodb: the store is closed', STORE);
  }

  /** Full-jitter exponential backoff: uniform in [0, min(max, base * 2^(attempt-1))]. */
  private backoff(attempt: number): number {
    return Math.random() * Math.min(this.backoffMaxMs, this.backoffBaseMs * 2 ** (attempt - 1));
  }

  private encode(w: StateWrite): Record<string, AttributeValue> {
    const keyBytes = Buffer.byteLength(w.key, 'utf8');
    if (keyBytes > MAX_KEY_BYTES) {
      throw new StateStoreError(
        `dynamodb: key ${JSON.stringify(w.key.slice(0, 80))}… is ${keyBytes} bytes; DynamoDB partition keys are limited to ${MAX_KEY_BYTES}`,
        STORE,
      );
    }
    const text = encodeValue(STORE, w.key, w.value);
    const item: Record<string, AttributeValue> = {
      pk: { S: w.key },
      v: { N: String(w.expectedVersion === null ? 1 : w.expectedVersion + 1) },
      exp: { N: String(w.expiresAt) },
      ttl: { N: String(Math.ceil(w.expiresAt / 1000)) },
    };
    const bytes = Buffer.byteLength(text, 'utf8');
    const packed = bytes > this.compressAboveBytes ? deflateRawSync(text, { level: 1 }) : undefined;
    if (packed !== undefined && packed.length < bytes) item['valz'] = { B: packed };
    else item['val'] = { S: text };
    const size = dynamoItemSize(item);
    if (size > MAX_ITEM_BYTES) {
      throw new StateStoreError(
        `dynamodb: the item for key ${JSON.stringify(w.key)} is ${size} bytes; DynamoDB items are limited to 400 KB. ` +
          'Bound the state this key keeps (e.g. fewer baseline terms).',
        STORE,
      );
    }
    return item;
  }

  private decode(raw: Record<string, AttributeValue>): StateItem {
    const key = raw['pk']?.S;
    const version = Number(raw['v']?.N);
    const expiresAt = Number(raw['exp']?.N);
    const text = raw['val']?.S;
    const packed = raw['valz']?.B;
    if (
      key === undefined ||
      !Number.isSafeInteger(version) ||
      !Number.isFinite(expiresAt) ||
      (text === undefined && packed === undefined)
    ) {
      throw new StateStoreError(
        `dynamodb: item ${JSON.stringify(key ?? '?')} in table ${this.tableName} is not a Tripline state item ` +
          '(needs pk S, v N, exp N, and val S or valz B); was the table written by something else?',
        STORE,
      );
    }
    let value: unknown;
    try {
      value = JSON.parse(text ?? inflateRawSync(packed as Uint8Array).toString('utf8'));
    } catch (err) {
      throw new StateStoreError(
        `dynamodb: item ${JSON.stringify(key)} in table ${this.tableName} has a value that is not ` +
          (text === undefined ? 'deflated JSON (valz)' : 'JSON (val)'),
        STORE,
        { cause: err },
      );
    }
    return { key, version, expiresAt, value };
  }

  private async batchWrite(requests: WriteRequest[]): Promise<void> {
    let pending = requests;
    for (let attempt = 1; ; attempt++) {
      const res = await this.send('BatchWriteItem', () =>
        this.client.send(new BatchWriteItemCommand({ RequestItems: { [this.tableName]: pending } })),
      );
      const left = res.UnprocessedItems?.[this.tableName];
      if (left === undefined || left.length === 0) return;
      if (attempt >= this.maxBatchAttempts) {
        throw new StateStoreError(
          `dynamodb: BatchWriteItem on table ${this.tableName} still had ${left.length} unprocessed items after ${attempt} attempts ` +
            '(the table is throttling writes; the other writes of this call were applied)',
          STORE,
        );
      }
      pending = left;
      await this.sleep(this.backoff(attempt));
    }
  }

  /** Runs a conditional call: true if applied, false on ConditionalCheckFailedException. */
  private async conditional(op: string, key: string, call: () => Promise<unknown>): Promise<boolean> {
    try {
      await call();
      return true;
    } catch (err) {
      if (errName(err) === 'ConditionalCheckFailedException') return false;
      throw new StateStoreError(
        `dynamodb: ${op} of key ${JSON.stringify(key)} on table ${this.tableName} failed: ${errMessage(err)} ` +
          '(other writes of this call may have been applied)',
        STORE,
        { cause: err },
      );
    }
  }

  private async send<T>(op: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      throw new StateStoreError(
        `dynamodb: ${op} on table ${this.tableName} failed: ${errMessage(err)}`,
        STORE,
        {
          cause: err,
        },
      );
    }
  }
}

/** Options of {@link createStateTable}. */
export interface CreateStateTableOptions {
  /** Turn on TTL on the `ttl` attribute (default true). */
  ttl?: boolean;
  /** How long to wait for the table to become ACTIVE, in seconds (default 60). */
  maxWaitSeconds?: number;
}

/**
 * Creates the state table (on-demand billing, `pk` string hash key), waits until it is ACTIVE and
 * turns on TTL on `ttl`. For tests and local setups; deployments get the table from the CDK stack.
 * Local emulators that do not implement UpdateTimeToLive (dynalite) are tolerated.
 *
 * @example
 * ```ts
 * await createStateTable(client, 'tripline-state-test');
 * const store = new DynamoStateStore({ client, tableName: 'tripline-state-test' });
 * ```
 */
export async function createStateTable(
  client: DynamoDBClient,
  tableName: string,
  options: CreateStateTableOptions = {},
): Promise<void> {
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      }),
    );
    await waitUntilTableExists(
      { client, maxWaitTime: options.maxWaitSeconds ?? 60, minDelay: 1 },
      { TableName: tableName },
    );
  } catch (err) {
    throw new StateStoreError(`dynamodb: cannot create table ${tableName}: ${errMessage(err)}`, STORE, {
      cause: err,
    });
  }
  if (options.ttl === false) return;
  try {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      }),
    );
  } catch (err) {
    if (errName(err) === 'UnknownOperationException') return;
    throw new StateStoreError(
      `dynamodb: cannot enable TTL on table ${tableName}: ${errMessage(err)}`,
      STORE,
      {
        cause: err,
      },
    );
  }
}
