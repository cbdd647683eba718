import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { normalize } from '#shared/events/normalize';
import type { NormalizeOptions } from '#shared/events/normalize';
import type { TriplineEvent } from '#shared/events/types';

/** Path of a file under test/fixtures/files. */
export function fixturePath(rel: string): string {
  return join(__dirname, '..', 'fixtures', 'files', rel);
}

/** A JSON fixture, parsed. */
export function fixture<T = unknown>(rel: string): T {
  return JSON.parse(readFileSync(fixturePath(rel), 'utf8')) as T;
}

/** Normalizes `record` and fails the test with the reason when it cannot. */
export function events(record: unknown, opts?: NormalizeOptions): TriplineEvent[] {
  const r = normalize(record, opts);
  if (!r.ok) throw new Error(`expected the record to normalize, got: ${r.reason}`);
  return r.events;
}

/** The single event of `record`. */
export function only(record: unknown, opts?: NormalizeOptions): TriplineEvent {
  const es = events(record, opts);
  if (es.length !== 1) throw new Error(`expected one event, got ${es.length}`);
  return es[0] as TriplineEvent;
}

/** The failure reason of `record`. */
export function reasonOf(record: unknown, opts?: NormalizeOptions): string {
  const r = normalize(record, opts);
  if (r.ok) throw new Error('expected the record to be refused');
  return r.reason;
}
