/** Shared pieces of the pipeline tests: a scriptable in-memory sink and a store wrapper that can fail. */
import type { Finding } from '#shared/engine/findings';
import type { FindingSink, PublishResult } from '#shared/sinks/types';
import type { StateDelete, StateItem, StateStore, StateWrite, WriteResult } from '#shared/state/port';
import { StateStoreError } from '#shared/state/port';

/** A sink that records what it was given; findings matching `failWhen` fail. */
export class MemorySink implements FindingSink {
  sent: Finding[] = [];
  attempts = 0;
  failWhen: ((f: Finding) => boolean) | undefined;
  async publish(findings: Finding[]): Promise<PublishResult[]> {
    return findings.map((f) => {
      this.attempts++;
      if (this.failWhen?.(f))
        return { findingId: f.id, ok: false, error: 'InternalError: injected (HTTP 500)' };
      this.sent.push(f);
      return { findingId: f.id, ok: true, messageId: `msg-${this.sent.length}` };
    });
  }
}

/** Delegates to a real store; `failNext[kind]` makes the next calls of that kind throw. */
export class FlakyStore implements StateStore {
  readonly name = 'flaky';
  failNext: { write?: number; get?: number; delete?: number } = {};
  /** Calls touching a key with this prefix throw (until cleared). */
  failPrefix: { write?: string; get?: string } = {};
  /** Keys of every write call, in order. */
  writtenKeys: string[][] = [];
  constructor(readonly inner: StateStore) {}
  private check(kind: 'write' | 'get' | 'delete', keys: readonly string[] = []): void {
    const prefix = kind === 'delete' ? undefined : this.failPrefix[kind];
    if (prefix !== undefined && keys.some((k) => k.startsWith(prefix))) {
      throw new StateStoreError(`injected ${kind} failure on ${prefix}*`, this.name);
    }
    const n = this.failNext[kind] ?? 0;
    if (n > 0) {
      this.failNext[kind] = n - 1;
      throw new StateStoreError(`injected ${kind} failure`, this.name);
    }
  }
  async get(keys: readonly string[], now: number): Promise<Map<string, StateItem>> {
    this.check('get', keys);
    return this.inner.get(keys, now);
  }
  async write(writes: readonly StateWrite[], now: number): Promise<WriteResult> {
    this.check(
      'write',
      writes.map((w) => w.key),
    );
    this.writtenKeys.push(writes.map((w) => w.key));
    return this.inner.write(writes, now);
  }
  async delete(deletes: readonly StateDelete[]): Promise<WriteResult> {
    this.check('delete');
    return this.inner.delete(deletes);
  }
  flush(): Promise<void> {
    return this.inner.flush();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
