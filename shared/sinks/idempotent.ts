/**
 * Publish each finding at most once across redelivered batches, using the StateStore's conditional
 * writes as a claim.
 *
 * Per finding, keyed `pub#<finding.id>` (see {@link publishClaimKey}):
 * 1. CLAIM: create the key (expectedVersion 0) with state `publishing` and a short lease, before
 *    anything is sent. The claim is flushed before publishing.
 * 2. If the create conflicts, read the key: `published` means another run already sent it, so the
 *    finding is a `duplicate` and nothing is sent; `publishing` means another run holds the lease
 *    right now (or crashed holding it), so the finding `failed` with a retryable error: the caller
 *    retries later and by then the claim is either `published` (duplicate) or its lease has expired
 *    (the retry claims and publishes). Skipping it as a duplicate would lose the alert when the other
 *    run crashed before publishing.
 * 3. PUBLISH the claimed findings through the sink.
 * 4. Success: CONFIRM (version 1 -> 2, state `published`, expires after `claimTtlMs`).
 *    Failure: RELEASE (conditional delete at version 1) so a retry publishes.
 *
 * Guarantee: no duplicate SNS message for a redelivered batch or a concurrent run. The one window for a
 * duplicate is a crash after SNS accepted the message and before the confirm write; the lease then
 * expires and a retry publishes again (at-least-once there, rather than losing an alert).
 */
import type { Finding } from '../engine/findings';
import type { StateStore } from '../state/port';
import type { FindingSink, PublishResult } from './types';

/** Default lease on a claim while its finding is being published. */
export const DEFAULT_PUBLISH_LEASE_MS = 10 * 60_000;

/** Options for {@link publishOnce}. */
export interface PublishOnceOptions {
  store: StateStore;
  sink: FindingSink;
  /** Epoch ms for the store's expiry decisions; the caller's clock, so tests are deterministic. */
  now: number;
  /**
   * How long a published claim is remembered: at least as long as a batch can be redelivered and the
   * engine can re-emit the same finding id (its suppression window), or duplicates become possible.
   */
  claimTtlMs: number;
  /**
   * How long an unconfirmed claim blocks others (publishing in progress or crashed). Default
   * min(claimTtlMs, {@link DEFAULT_PUBLISH_LEASE_MS}); must exceed the longest Publish with retries.
   */
  leaseMs?: number;
  /** The claim key for a finding. Default {@link publishClaimKey}. */
  claimKey?: (finding: Finding) => string;
}

/** What happened to one finding. One per input finding, in input order. */
export type PublishOutcome =
  | {
      findingId: string;
      key: string;
      status: 'published';
      messageId?: string;
      /** Published, but the claim could not be confirmed: a retry after the lease may publish again. */
      warning?: string;
    }
  | { findingId: string; key: string; status: 'duplicate'; messageId?: string }
  | {
      findingId: string;
      key: string;
      status: 'failed';
      error: string;
      /** True when retrying the finding later may succeed (all failures here are, today). */
      retryable: boolean;
    };

/** The value stored under a claim key. */
export interface PublishClaim {
  state: 'publishing' | 'published';
  findingId: string;
  /** Epoch ms (the caller's `now`) of the claim / of the confirmation. */
  claimedAt: number;
  publishedAt?: number;
  messageId?: string;
}

/**
 * `pub#<finding.id>`. The finding id is stable for a rule, dedup key and window start, so a
 * redelivered batch, a replay, or a later batch re-emitting the same finding with a higher `count`
 * maps to the same key: one message per finding per suppression window. Use
 * {@link escalationClaimKey} to be notified again when the count grows by an order of magnitude.
 */
export function publishClaimKey(finding: Finding): string {
  return `pub#${finding.id}`;
}

/**
 * `pub#<finding.id>#x<bucket>` with buckets 1, 10, 100, ...: one message when the finding appears and
 * one more each time its count reaches the next power of ten; re-deliveries within a bucket stay silent.
 */
export function escalationClaimKey(finding: Finding): string {
  const count = Math.max(1, Math.floor(finding.count));
  return `pub#${finding.id}#x${10 ** Math.floor(Math.log10(count))}`;
}

/**
 * Publishes each finding unless an earlier run already did; see the module comment for the protocol.
 * Never rejects: store and sink errors become `failed` outcomes.
 */
export async function publishOnce(findings: Finding[], opts: PublishOnceOptions): Promise<PublishOutcome[]> {
  if (findings.length === 0) return [];
  const { store, sink, now } = opts;
  const keyOf = opts.claimKey ?? publishClaimKey;
  const leaseMs = Math.max(1, opts.leaseMs ?? Math.min(opts.claimTtlMs, DEFAULT_PUBLISH_LEASE_MS));
  const outcomes = new Map<string, PublishOutcome>();
  const failed = (f: Finding, key: string, error: string): PublishOutcome => ({
    findingId: f.id,
    key,
    status: 'failed',
    error,
    retryable: true,
  });

  // One claim per key: a finding repeated within the batch follows the first one's outcome.
  const first = new Map<string, Finding>();
  for (const f of findings) {
    const key = keyOf(f);
    if (!first.has(key)) first.set(key, f);
  }
  const candidates = [...first.entries()];

  // 1. Claim.
  let conflicts: Set<string>;
  try {
    const res = await store.write(
      candidates.map(([key, f]) => ({
        key,
        expectedVersion: 0,
        expiresAt: now + leaseMs,
        value: { state: 'publishing', findingId: f.id, claimedAt: now } satisfies PublishClaim,
      })),
      now,
    );
    conflicts = new Set(res.conflicts);
  } catch (e) {
    return findings.map((f) => failed(f, keyOf(f), `could not claim: ${errorText(e)}`));
  }

  // 2. Conflicts: already published, or somebody holds the lease.
  const conflicted = candidates.filter(([key]) => conflicts.has(key));
  if (conflicted.length > 0) {
    let existing: Map<string, { version: number; expiresAt: number; value: unknown }> | undefined;
    let readError = '';
    try {
      existing = await store.get(
        conflicted.map(([key]) => key),
        now,
      );
    } catch (e) {
      readError = errorText(e);
    }
    for (const [key, f] of conflicted) {
      const item = existing?.get(key);
      const claim = asClaim(item?.value);
      if (!existing) {
        outcomes.set(key, failed(f, key, `claim conflicted and could not be read: ${readError}`));
      } else if (!item) {
        outcomes.set(key, failed(f, key, 'claim conflicted but has expired since; retry'));
      } else if (claim?.state === 'publishing') {
        outcomes.set(
          key,
          failed(
            f,
            key,
            `another publisher claimed this finding at ${iso(claim.claimedAt)} and has not confirmed it; ` +
              `retry after its lease expires at ${iso(item.expiresAt)}`,
          ),
        );
      } else {
        // 'published', or a claim written in a shape this version does not know: never send twice.
        const dup: PublishOutcome = { findingId: f.id, key, status: 'duplicate' };
        if (claim?.messageId) dup.messageId = claim.messageId;
        outcomes.set(key, dup);
      }
    }
  }

  const claimed = candidates.filter(([key]) => !conflicts.has(key));
  const release = async (keys: string[]): Promise<Set<string>> => {
    // Returns the keys whose release did not happen.
    if (keys.length === 0) return new Set();
    try {
      const res = await store.delete(keys.map((key) => ({ key, expectedVersion: 1 })));
      return new Set(res.conflicts);
    } catch {
      return new Set(keys);
    }
  };
  const releaseNote = (key: string, notReleased: Set<string>): string =>
    notReleased.has(key)
      ? `; the claim could not be released, so a retry publishes after its lease expires at ${iso(now + leaseMs)}`
      : '';

  if (claimed.length > 0) {
    // Claims must be durable before anything is sent.
    let flushError: string | undefined;
    try {
      await store.flush();
    } catch (e) {
      flushError = errorText(e);
    }

    let results: PublishResult[] | undefined;
    let sinkError: string | undefined;
    if (flushError === undefined) {
      try {
        results = await sink.publish(claimed.map(([, f]) => f));
      } catch (e) {
        sinkError = errorText(e);
      }
    }

    const byId = new Map<string, PublishResult>();
    for (const r of results ?? []) if (!byId.has(r.findingId)) byId.set(r.findingId, r);

    const ok: Array<[string, Finding, PublishResult]> = [];
    const notOk: Array<[string, Finding, string]> = [];
    for (const [i, [key, f]] of claimed.entries()) {
      // Sinks answer in input order; fall back to the id if one does not.
      const r = results?.[i]?.findingId === f.id ? results[i] : byId.get(f.id);
      if (flushError !== undefined) notOk.push([key, f, `could not make the claim durable: ${flushError}`]);
      else if (sinkError !== undefined) notOk.push([key, f, `sink failed: ${sinkError}`]);
      else if (!r) notOk.push([key, f, 'sink returned no result for this finding']);
      else if (r.ok) ok.push([key, f, r]);
      else notOk.push([key, f, r.error ?? 'sink reported failure without an error']);
    }

    // 3. Failure: release so a retry publishes.
    const notReleased = await release(notOk.map(([key]) => key));
    for (const [key, f, error] of notOk)
      outcomes.set(key, failed(f, key, error + releaseNote(key, notReleased)));

    // 4. Success: confirm, remembered for claimTtlMs.
    let confirmConflicts = new Set<string>();
    let confirmError: string | undefined;
    if (ok.length > 0) {
      try {
        const res = await store.write(
          ok.map(([key, f, r]) => {
            const value: PublishClaim = {
              state: 'published',
              findingId: f.id,
              claimedAt: now,
              publishedAt: now,
            };
            if (r.messageId) value.messageId = r.messageId;
            return { key, expectedVersion: 1, expiresAt: now + opts.claimTtlMs, value };
          }),
          now,
        );
        confirmConflicts = new Set(res.conflicts);
      } catch (e) {
        confirmError = errorText(e);
      }
    }
    for (const [key, f, r] of ok) {
      const out: PublishOutcome = { findingId: f.id, key, status: 'published' };
      if (r.messageId) out.messageId = r.messageId;
      if (confirmError !== undefined || confirmConflicts.has(key)) {
        out.warning =
          `published, but the claim was not confirmed (${confirmError ?? 'version conflict'}); ` +
          `a retry after ${iso(now + leaseMs)} may publish it again`;
      }
      outcomes.set(key, out);
    }

    try {
      await store.flush();
    } catch (e) {
      for (const [key] of ok) {
        const o = outcomes.get(key);
        if (o?.status === 'published' && !o.warning) {
          o.warning = `published, but the confirmation may not be durable (${errorText(e)})`;
        }
      }
    }
  }

  return findings.map((f) => {
    const key = keyOf(f);
    const o = outcomes.get(key);
    if (!o) return failed(f, key, 'internal error: no outcome recorded');
    if (first.get(key) === f) return o;
    // A repeat of a finding earlier in the same batch.
    if (o.status === 'failed')
      return { ...o, findingId: f.id, error: `same claim key as a failed finding: ${o.error}` };
    const dup: PublishOutcome = { findingId: f.id, key, status: 'duplicate' };
    if (o.messageId) dup.messageId = o.messageId;
    return dup;
  });
}

function asClaim(v: unknown): PublishClaim | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const c = v as Partial<PublishClaim>;
  if (c.state !== 'publishing' && c.state !== 'published') return undefined;
  return c as PublishClaim;
}

function iso(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms);
}

function errorText(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}
