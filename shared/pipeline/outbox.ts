/**
 * The publish outbox: findings the detector has committed to state but that are not yet known to be
 * published, kept in the StateStore (one item per tenant, `outbox|<tenant>`) until a publish succeeds.
 *
 * Why it exists: the detector commits its state before anything is published, and it does not emit a
 * finding a second time for the same events. A redelivered threshold event is recognised by its id and
 * not counted again (so no fire), and a new_terms value is already known; a retry of the same batch
 * would therefore detect nothing and the alert would be lost. {@link runBatch} writes every finding it is
 * about to publish here first (write-ahead), publishes, and removes what was published; what failed stays
 * and is retried by the next batch that carries an event of the same tenant, whether that is the SQS
 * redelivery of the failed records or any later batch.
 *
 * Cost: one read per tenant per batch; two writes (add, then remove) per batch that publishes
 * something. Findings are rare, so contention on a tenant's outbox item is rare; a conflicting write
 * is re-read and re-applied (adds and removes are set operations, so order does not matter).
 */
import type { Finding } from '../engine/findings';
import type { StateItem, StateStore } from '../state/port';
import { StateStoreError } from '../state/port';

/** Most findings one tenant's outbox holds; beyond it the oldest are abandoned (and logged by the caller). */
export const MAX_PENDING_PER_TENANT = 50;

/** Publish attempts after which a pending finding is abandoned (a permanent failure, such as a rendering error). */
export const MAX_PUBLISH_ATTEMPTS = 25;

/** Conditional write attempts per outbox update before giving up with a {@link StateStoreError}. */
const MAX_WRITE_ATTEMPTS = 6;

/** One finding waiting to be published. */
export interface PendingFinding {
  /** The finding as last seen (the highest `count` wins when versions meet). */
  finding: Finding;
  /** Epoch ms (the caller's clock) when it entered the outbox. */
  since: number;
  /** Publish attempts that failed so far. */
  attempts: number;
  /** The last publish error, for logs. */
  lastError?: string | undefined;
}

interface OutboxValue {
  v: 1;
  p: PendingFinding[];
}

/** The StateStore key of a tenant's outbox. */
export function outboxKey(tenant: string): string {
  return `outbox|${tenant}`;
}

/** A tenant's outbox as read: the stored item (for its version) and the pending findings. */
export interface OutboxSnapshot {
  tenant: string;
  item: StateItem | undefined;
  pending: PendingFinding[];
}

/** What an {@link updateOutbox} call should change. */
export interface OutboxChange {
  /** Findings to add, or to update when already pending (attempts are added up). */
  add?: PendingFinding[];
  /** Finding ids to remove (published, or found to be duplicates). */
  remove?: ReadonlySet<string>;
}

/** The result of {@link updateOutbox}. */
export interface OutboxUpdate {
  /** The outbox after the update. */
  snapshot: OutboxSnapshot;
  /** Findings pushed out by the size cap or the attempt cap: they will not be retried. */
  abandoned: PendingFinding[];
}

function decode(tenant: string, item: StateItem | undefined): OutboxSnapshot {
  const v = item?.value as Partial<OutboxValue> | undefined;
  const pending = Array.isArray(v?.p) ? v.p.filter(isPending) : [];
  return { tenant, item, pending };
}

function isPending(x: unknown): x is PendingFinding {
  if (typeof x !== 'object' || x === null) return false;
  const p = x as Partial<PendingFinding>;
  return typeof p.finding === 'object' && p.finding !== null && typeof p.finding.id === 'string';
}

/**
 * Reads the outboxes of `tenants` (one BatchGet for all of them).
 *
 * @example
 * ```ts
 * const boxes = await readOutboxes(store, ['111122223333'], Date.now());
 * boxes.get('111122223333')?.pending.length; // findings still to publish
 * ```
 */
export async function readOutboxes(
  store: StateStore,
  tenants: Iterable<string>,
  now: number,
): Promise<Map<string, OutboxSnapshot>> {
  const list = [...new Set(tenants)];
  const out = new Map<string, OutboxSnapshot>();
  if (list.length === 0) return out;
  const items = await store.get(list.map(outboxKey), now);
  for (const t of list) out.set(t, decode(t, items.get(outboxKey(t))));
  return out;
}

/** Applies a change to a pending list; returns the new list and what the caps pushed out. */
export function applyOutboxChange(
  pending: readonly PendingFinding[],
  change: OutboxChange,
): { pending: PendingFinding[]; abandoned: PendingFinding[] } {
  const byId = new Map<string, PendingFinding>();
  for (const p of pending) byId.set(p.finding.id, p);
  for (const id of change.remove ?? []) byId.delete(id);
  const abandoned: PendingFinding[] = [];
  for (const add of change.add ?? []) {
    const cur = byId.get(add.finding.id);
    const next: PendingFinding = cur
      ? {
          finding: add.finding.count >= cur.finding.count ? add.finding : cur.finding,
          since: Math.min(cur.since, add.since),
          attempts: Math.max(cur.attempts, add.attempts),
          lastError: add.lastError ?? cur.lastError,
        }
      : add;
    if (next.attempts >= MAX_PUBLISH_ATTEMPTS) {
      byId.delete(add.finding.id);
      abandoned.push(next);
    } else byId.set(add.finding.id, next);
  }
  let list = [...byId.values()].sort((a, b) => a.since - b.since);
  if (list.length > MAX_PENDING_PER_TENANT) {
    abandoned.push(...list.slice(0, list.length - MAX_PENDING_PER_TENANT));
    list = list.slice(list.length - MAX_PENDING_PER_TENANT);
  }
  return { pending: list, abandoned };
}

/**
 * Applies `change` to a tenant's outbox with a conditional write (or a conditional delete when it
 * becomes empty), re-reading and re-applying on a version conflict.
 *
 * @param snapshot the outbox as last read (its version is the write condition).
 * @param ttlMs how long the item lives after this write.
 * @throws {@link StateStoreError} when the store fails or the item keeps conflicting.
 */
export async function updateOutbox(
  store: StateStore,
  snapshot: OutboxSnapshot,
  change: OutboxChange,
  now: number,
  ttlMs: number,
): Promise<OutboxUpdate> {
  const key = outboxKey(snapshot.tenant);
  let cur = snapshot;
  for (let attempt = 1; ; attempt++) {
    const { pending, abandoned } = applyOutboxChange(cur.pending, change);
    const unchanged =
      abandoned.length === 0 &&
      pending.length === cur.pending.length &&
      pending.every((p, i) => sameEntry(p, cur.pending[i]));
    if (unchanged) return { snapshot: cur, abandoned };
    let conflicts: string[];
    let next: OutboxSnapshot;
    if (pending.length === 0) {
      // Nothing left: remove the item (a missing item is an empty outbox).
      conflicts = cur.item
        ? (await store.delete([{ key, expectedVersion: cur.item.version }])).conflicts
        : [];
      next = { tenant: cur.tenant, item: undefined, pending: [] };
    } else {
      const value: OutboxValue = { v: 1, p: pending };
      const expiresAt = now + ttlMs;
      const expectedVersion = cur.item?.version ?? 0;
      conflicts = (await store.write([{ key, expectedVersion, expiresAt, value }], now)).conflicts;
      next = { tenant: cur.tenant, item: { key, version: expectedVersion + 1, expiresAt, value }, pending };
    }
    if (conflicts.length === 0) return { snapshot: next, abandoned };
    if (attempt >= MAX_WRITE_ATTEMPTS) {
      throw new StateStoreError(
        `outbox ${key} still conflicting after ${attempt} attempts (many parallel batches of one tenant publishing at once)`,
        store.name,
      );
    }
    cur = decode(cur.tenant, (await store.get([key], now)).get(key));
  }
}

function sameEntry(a: PendingFinding, b: PendingFinding | undefined): boolean {
  return (
    b !== undefined &&
    a.finding.id === b.finding.id &&
    a.finding.count === b.finding.count &&
    a.attempts === b.attempts &&
    a.since === b.since
  );
}
