/**
 * Helpers shared by the StateStore adapters: argument validation (so every adapter rejects the same
 * bad calls with the same message), the liveness rule, and a small bounded-parallelism runner.
 * Not part of the port; adapters import it, callers should not need to.
 */
import type { StateDelete, StateWrite } from './port';
import { StateStoreError } from './port';

/** The one liveness rule of the port: an item is dead once `expiresAt <= now`. */
export function isLive(expiresAt: number, now: number): boolean {
  return expiresAt > now;
}

/** Throws a StateStoreError unless `now` is a finite number (epoch ms). */
export function checkNow(store: string, now: number): void {
  if (typeof now !== 'number' || !Number.isFinite(now)) {
    throw new StateStoreError(`${store}: 'now' must be a finite epoch-ms number, got ${String(now)}`, store);
  }
}

/** Throws a StateStoreError unless `key` is a non-empty string. */
export function checkKey(store: string, key: unknown, what: string): asserts key is string {
  if (typeof key !== 'string' || key.length === 0) {
    throw new StateStoreError(
      `${store}: ${what} key must be a non-empty string, got ${JSON.stringify(key)}`,
      store,
    );
  }
}

/**
 * Serializes a value to JSON text, the form every adapter stores. Rejects values JSON cannot
 * represent at the top level (undefined, functions, symbols, BigInt, cycles) with a StateStoreError
 * naming the key. Note: like JSON itself, NaN/Infinity become null and undefined object members are
 * dropped; the port only promises to round-trip JSON values.
 */
export function encodeValue(store: string, key: string, value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (err) {
    throw new StateStoreError(
      `${store}: value for key ${JSON.stringify(key)} is not JSON-serializable`,
      store,
      {
        cause: err,
      },
    );
  }
  if (text === undefined) {
    throw new StateStoreError(
      `${store}: value for key ${JSON.stringify(key)} is not a JSON value (got ${typeof value})`,
      store,
    );
  }
  return text;
}

/**
 * Validates a write call: non-empty string keys, each key at most once, expectedVersion null or a
 * non-negative integer, finite expiresAt. Throws StateStoreError before anything is written.
 */
export function checkWrites(store: string, writes: readonly StateWrite[]): void {
  const seen = new Set<string>();
  for (const w of writes) {
    checkKey(store, w.key, 'write');
    if (seen.has(w.key)) {
      throw new StateStoreError(
        `${store}: key ${JSON.stringify(w.key)} appears more than once in one write call; merge the writes per key`,
        store,
      );
    }
    seen.add(w.key);
    const ev = w.expectedVersion;
    if (ev !== null && !(Number.isSafeInteger(ev) && ev >= 0)) {
      throw new StateStoreError(
        `${store}: expectedVersion for key ${JSON.stringify(w.key)} must be null or an integer >= 0, got ${String(ev)}`,
        store,
      );
    }
    if (typeof w.expiresAt !== 'number' || !Number.isFinite(w.expiresAt)) {
      throw new StateStoreError(
        `${store}: expiresAt for key ${JSON.stringify(w.key)} must be a finite epoch-ms number, got ${String(w.expiresAt)}`,
        store,
      );
    }
  }
}

/** Validates a delete call like {@link checkWrites} (expectedVersion must be an integer >= 1). */
export function checkDeletes(store: string, deletes: readonly StateDelete[]): void {
  const seen = new Set<string>();
  for (const d of deletes) {
    checkKey(store, d.key, 'delete');
    if (seen.has(d.key)) {
      throw new StateStoreError(
        `${store}: key ${JSON.stringify(d.key)} appears more than once in one delete call`,
        store,
      );
    }
    seen.add(d.key);
    if (!(Number.isSafeInteger(d.expectedVersion) && d.expectedVersion >= 1)) {
      throw new StateStoreError(
        `${store}: expectedVersion for delete of key ${JSON.stringify(d.key)} must be an integer >= 1, got ${String(d.expectedVersion)}`,
        store,
      );
    }
  }
}

/** Validates get keys (non-empty strings); returns them de-duplicated in first-seen order. */
export function uniqueKeys(store: string, keys: readonly string[]): string[] {
  const out = new Set<string>();
  for (const k of keys) {
    checkKey(store, k, 'get');
    out.add(k);
  }
  return [...out];
}

/**
 * Runs `fn` over `items` with at most `limit` calls in flight. Every call is allowed to finish (so no
 * request is left running unobserved); if any failed, the first failure is rethrown afterwards.
 */
export async function forEachLimit<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failed = false;
  let firstError: unknown;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      try {
        await fn(items[i] as T, i);
      } catch (err) {
        if (!failed) {
          failed = true;
          firstError = err;
        }
      }
    }
  };
  const n = Math.max(1, Math.min(limit, items.length));
  await Promise.all(Array.from({ length: n }, worker));
  if (failed) throw firstError;
}

/** Splits an array into chunks of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
