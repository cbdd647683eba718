/**
 * The per-tenant circuit breaker, pure: at most `max` actions in any hour; the action that would go
 * over trips it, and from then on the tenant's responses are dry-runs until a person resets it. A
 * detection bug, a poisoned log or an attacker who makes Tripline see many "risky apps" cannot turn
 * the responder into a tool that revokes a whole tenant.
 *
 * @module
 */

/** The breaker's state item (`resp|cb|<tenant>`). */
export interface BreakerState {
  /** Epoch ms of each real action in the last hour, oldest first. */
  readonly actions: readonly number[];
  /** Set once tripped; cleared only by a reset. */
  readonly trippedAt?: number | undefined;
  readonly trippedReason?: string | undefined;
}

export const HOUR_MS = 3_600_000;

/** The answer to "may these `n` actions run now?". */
export type Admission =
  | { readonly ok: true; readonly next: BreakerState }
  | {
      readonly ok: false;
      readonly next: BreakerState;
      readonly reason: string;
      readonly trippedNow: boolean;
    };

/**
 * Admits `n` actions at `now`, or refuses (and trips the breaker when this is what goes over).
 */
export function admit(state: BreakerState | undefined, n: number, now: number, max: number): Admission {
  const recent = (state?.actions ?? []).filter((t) => t > now - HOUR_MS && t <= now);
  if (state?.trippedAt !== undefined) {
    return {
      ok: false,
      next: { ...state, actions: recent },
      reason: `the circuit breaker of this tenant is tripped since ${new Date(state.trippedAt).toISOString()} (${state.trippedReason ?? 'too many actions'}); every response is a dry-run until a person resets it`,
      trippedNow: false,
    };
  }
  if (recent.length + n > max) {
    const reason = `${recent.length} action${recent.length === 1 ? '' : 's'} in the last hour and ${n} more would exceed the limit of ${max} per hour`;
    return {
      ok: false,
      next: { actions: recent, trippedAt: now, trippedReason: reason },
      reason: `the circuit breaker tripped: ${reason}; this and every later response of this tenant is a dry-run until a person resets it`,
      trippedNow: true,
    };
  }
  return { ok: true, next: { actions: [...recent, ...Array.from({ length: n }, () => now)] } };
}

/** The state after a person resets the breaker: closed, with a fresh hour. */
export function reset(): BreakerState {
  return { actions: [] };
}
