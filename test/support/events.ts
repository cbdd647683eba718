/** Builders for normalized events in engine tests (rule tests use raw source records instead). */
import type { TriplineEvent } from '#shared/events/types';

let seq = 0;
export const T0 = Date.parse('2026-03-02T09:00:00Z');
export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;

export function ev(partial: Partial<TriplineEvent> & { at?: number }): TriplineEvent {
  seq++;
  const { at, ...rest } = partial;
  return {
    id: `ev-${seq}`,
    source: 'entra.signin',
    time: T0 + (at ?? 0),
    tenant: 'tenant-1',
    action: 'UserLoginFailed',
    outcome: 'failure',
    actor: { id: 'alice@contoso.com', name: 'alice@contoso.com', ip: '203.0.113.7' },
    params: {},
    raw: {},
    ...rest,
  };
}
