/**
 * Allow lists: exceptions to a rule (or to every rule) for one principal, one app or one address
 * range, each with a reason and an expiry date. Written in a rule file (`allow:`) or in the config
 * file (`allow:` with `rule:` / `rules:`).
 *
 * An entry applies to events whose own time is before its expiry, so replaying old logs judges them
 * as the live feed did then; an entry past its expiry on the wall clock is reported (run summary,
 * weekly operations message) so someone renews or removes it.
 */
import { z } from 'zod';
import type { RuleDefinition } from '../../engine/rule';
import type { TriplineEvent } from '../../events/types';
import { inCidrs, parseCidr } from './cidr';
import type { Cidr } from './cidr';

/** One exception, as written. */
export interface AllowEntry {
  /** Rule ids it applies to (config only; in a rule file it applies to that rule). */
  rules?: string[] | undefined;
  /** The acting user or principal: matched against actor.id and actor.name, ignoring case. */
  principal?: string | undefined;
  /** An OAuth app / client id: matched against app.id and actor.appId, ignoring case. */
  app?: string | undefined;
  /** An address or range the actor's IP falls in. */
  cidr?: string | undefined;
  /** Why this is not a threat; shown when the entry is reported. */
  reason: string;
  /** Last day it applies (`2026-12-31`, through the end of that day UTC), an ISO time, or `never`. */
  expires: string;
}

const DAY = 86_400_000;

/**
 * The first instant an entry no longer applies, epoch ms (Infinity for `never`), or undefined when
 * `expires` is not a date.
 * @example expiryOf('2026-12-31') === Date.parse('2027-01-01T00:00:00Z')
 */
export function expiryOf(expires: string): number | undefined {
  const t = expires.trim();
  if (t.toLowerCase() === 'never') return Infinity;
  if (/^\d{4}-\d{2}-\d{2}$/.test(t)) {
    const ms = Date.parse(`${t}T00:00:00Z`);
    return Number.isFinite(ms) && new Date(ms).toISOString().startsWith(t) ? ms + DAY : undefined;
  }
  if (/^\d{4}-\d{2}-\d{2}T/.test(t)) {
    const ms = Date.parse(t);
    return Number.isFinite(ms) ? ms : undefined;
  }
  return undefined;
}

/** The fields of an entry, without its scope: shared by rule files and the config. */
export const allowFields = {
  principal: z.string().min(1).optional().describe('User or principal (actor.id or actor.name), any case'),
  app: z.string().min(1).optional().describe('OAuth app / client id (app.id or actor.appId)'),
  cidr: z.string().min(1).optional().describe('IP address or range of the actor: 203.0.113.0/24'),
  reason: z.string().min(1, { message: 'say why this is not a threat' }).describe('Why this is allowed'),
  expires: z
    .string()
    .describe('Last day it applies (2026-12-31, through its end UTC), an ISO time, or never'),
};

/** Checks what zod's shape cannot: exactly one matcher, a valid range and a valid date. */
export function refineAllow(
  e: { principal?: string | undefined; app?: string | undefined; cidr?: string | undefined; expires: string },
  ctx: z.RefinementCtx,
): void {
  // Runs even when the entry has other problems (see ALWAYS), so fields may be of any type here.
  const set = (['principal', 'app', 'cidr'] as const).filter((k) => e[k] !== undefined);
  if (set.length !== 1)
    ctx.addIssue({
      code: 'custom',
      message:
        set.length === 0
          ? 'needs one of principal, app or cidr'
          : `has ${set.join(' and ')}; write one entry for each`,
    });
  if (typeof e.cidr === 'string' && !parseCidr(e.cidr))
    ctx.addIssue({
      code: 'custom',
      path: ['cidr'],
      message: `'${e.cidr}' is not an IP range like 203.0.113.0/24`,
    });
  if (typeof e.expires === 'string' && expiryOf(e.expires) === undefined)
    ctx.addIssue({
      code: 'custom',
      path: ['expires'],
      message: `'${e.expires}' is not a date like 2026-12-31, an ISO time, or never`,
    });
}

/** Refinements run even when a field is wrong, so one pass reports every problem of an entry. */
export const ALWAYS = { when: (p: { value: unknown }) => !!p.value && typeof p.value === 'object' };

/** An allow entry in a rule file (it applies to that rule). */
export const ruleAllowSchema = z.strictObject(allowFields).superRefine(refineAllow, ALWAYS);

interface CompiledAllow {
  principal?: string | undefined;
  app?: string | undefined;
  cidr?: Cidr | undefined;
  until: number;
}

function compileEntry(a: AllowEntry): CompiledAllow {
  return {
    principal: a.principal?.toLowerCase(),
    app: a.app?.toLowerCase(),
    cidr: a.cidr !== undefined ? parseCidr(a.cidr) : undefined,
    until: expiryOf(a.expires) ?? 0,
  };
}

/** True when one of `entries` covers the event (and has not expired at the event's time). */
export function compileAllow(entries: readonly AllowEntry[]): (e: TriplineEvent) => boolean {
  const compiled = entries.map(compileEntry);
  return (e) => {
    for (const a of compiled) {
      if (e.time >= a.until) continue;
      if (a.principal !== undefined) {
        if (e.actor.id?.toLowerCase() === a.principal || e.actor.name?.toLowerCase() === a.principal)
          return true;
      } else if (a.app !== undefined) {
        if (e.app?.id?.toLowerCase() === a.app || e.actor.appId?.toLowerCase() === a.app) return true;
      } else if (a.cidr !== undefined && inCidrs(e.actor.ip, [a.cidr])) return true;
    }
    return false;
  };
}

/**
 * ENGINE-ALLOW-SHIM. The engine's own allow lists (issue 6) are not there yet for every rule kind,
 * so allow entries become part of the rule's `when`: an allow-listed event is no candidate, before
 * any state is touched. This is the one place to switch to the engine's native allow lists.
 *
 * Sequences are left alone: allow-list their step rules instead (the caller refuses such entries).
 */
export function withAllowList(rule: RuleDefinition, entries: readonly AllowEntry[]): RuleDefinition {
  if (!entries.length || rule.kind === 'sequence') return rule;
  const allowed = compileAllow(entries);
  const inner = rule.when as ((e: TriplineEvent, p: Record<string, unknown>) => boolean) | undefined;
  const when = inner
    ? (e: TriplineEvent, p: Record<string, unknown>) => !allowed(e) && inner(e, p)
    : (e: TriplineEvent) => !allowed(e);
  return { ...rule, when } as RuleDefinition;
}

/** Entries already past their expiry at `now` (wall clock), for the run summary and ops message. */
export function expiredEntries<T extends AllowEntry>(entries: readonly T[], now: number): T[] {
  return entries.filter((a) => (expiryOf(a.expires) ?? 0) <= now);
}
