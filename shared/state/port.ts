/**
 * The StateStore port: everything Tripline remembers between batches (baselines, window counters,
 * open sequences, finding dedup claims, poller checkpoints) goes through these few calls.
 *
 * Every adapter (embedded file, DynamoDB, Azure Tables) must pass test/contract/state-store.contract.ts.
 *
 * Semantics every adapter guarantees:
 * - Items carry `expiresAt` (epoch ms). `get` never returns an item whose `expiresAt <= now`, even
 *   when the backing store has not deleted it yet (DynamoDB deletes expired items up to days late).
 * - Writes are conditional on `expectedVersion`: 0 means "must not exist (or exists but expired)";
 *   N means "the stored version is N". A write that does not meet its condition is not applied and its
 *   key is returned in `conflicts`; the other writes of the call are applied. A successful write stores
 *   `version = expectedVersion + 1`.
 * - `value` is JSON: adapters round-trip it exactly (objects, arrays, strings, finite numbers, booleans, null).
 */
export interface StateItem<V = unknown> {
  key: string;
  version: number;
  /** Epoch ms after which the item is dead. */
  expiresAt: number;
  value: V;
}

export interface StateWrite<V = unknown> {
  key: string;
  /**
   * 0: create (no live item may exist). N: replace the item stored at version N.
   * null: unconditional (last writer wins; adapters may batch these, e.g. DynamoDB BatchWriteItem);
   * the stored version becomes 1.
   */
  expectedVersion: number | null;
  expiresAt: number;
  value: V;
}

export interface StateDelete {
  key: string;
  /** Delete only if the stored version is this one. */
  expectedVersion: number;
}

export interface WriteResult {
  /** Keys whose condition failed; nothing was written for them. */
  conflicts: string[];
}

export interface StateStore {
  /** Short adapter name for logs: 'embedded', 'dynamodb'. */
  readonly name: string;
  /** Reads live items by key; missing and expired keys are absent from the map. `now` is epoch ms. */
  get(keys: readonly string[], now: number): Promise<Map<string, StateItem>>;
  /**
   * Conditional writes; see the class comment. `now` decides which stored items count as expired.
   * A call names each key at most once (merge per key first); adapters reject a call that repeats a
   * key, and other invalid arguments, with a StateStoreError before writing anything.
   */
  write(writes: readonly StateWrite[], now: number): Promise<WriteResult>;
  /** Conditional deletes (release a claim); returns the keys whose condition failed. */
  delete(deletes: readonly StateDelete[]): Promise<WriteResult>;
  /** Makes everything written so far durable (the embedded store writes its file). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** Thrown by adapters for failures that are not condition failures (I/O, throttling after retries). */
export class StateStoreError extends Error {
  override readonly name = 'StateStoreError';
  constructor(
    message: string,
    readonly store: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
