/** Compiles FieldRefs once into accessors, so nothing is parsed per event. */
import type { TriplineEvent } from '../events/types';
import type { FieldRef } from './rule';

export type Accessor = (e: TriplineEvent) => string | undefined;

function scalar(v: unknown): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return v.length ? v.map(String).join(',') : undefined;
  return undefined;
}

/** Returns an accessor for a dotted path ('actor.ip', 'params.ForwardTo', 'raw.userIdentity.arn') or function. */
export function compileField(ref: FieldRef): Accessor {
  if (typeof ref === 'function') {
    return (e) => {
      const v = ref(e);
      return v === '' ? undefined : v;
    };
  }
  const parts = ref.split('.');
  const [a, b, c] = parts;
  // Unrolled for the common depths; the generic loop covers the rest.
  if (parts.length === 1) return (e) => scalar((e as unknown as Record<string, unknown>)[a as string]);
  if (parts.length === 2)
    return (e) => {
      const o = (e as unknown as Record<string, unknown>)[a as string];
      return o && typeof o === 'object' ? scalar((o as Record<string, unknown>)[b as string]) : undefined;
    };
  if (parts.length === 3)
    return (e) => {
      const o = (e as unknown as Record<string, unknown>)[a as string];
      if (!o || typeof o !== 'object') return undefined;
      const p = (o as Record<string, unknown>)[b as string];
      return p && typeof p === 'object' ? scalar((p as Record<string, unknown>)[c as string]) : undefined;
    };
  return (e) => {
    let cur: unknown = e;
    for (const k of parts) {
      if (!cur || typeof cur !== 'object') return undefined;
      cur = (cur as Record<string, unknown>)[k];
    }
    return scalar(cur);
  };
}

/** Reads a raw value by dotted path (for rule predicates that need non-scalar values). */
export function readPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const k of path.split('.')) {
    if (!cur || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}
