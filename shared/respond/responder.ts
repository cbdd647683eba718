/**
 * The responder: a finding in, the policy's answer applied, every action recorded and told.
 *
 * For a finding the policy lets it act on:
 * 1. **Idempotent**: the finding's action records are read first; actions already finished for this
 *    mode are not run again (a redelivered message, a second subscription, a replayed finding).
 * 2. **Circuit breaker** (on mode): the tenant's breaker admits the actions or trips, and the response
 *    becomes a dry-run that says why.
 * 3. **Snapshot, then act**: everything an action would remove (the service principal's state, every
 *    grant, every app role assignment, the users, their tokens) is read and written to the action's
 *    record, durably, before the first change. Dry-run stops here.
 * 4. **Act**, in order: disable the app, delete the grants, delete the app roles, revoke the sessions
 *    (Entra), or delete the tokens (Google). "Already gone" is success. A 429 or 5xx is retried by the
 *    HTTP layer; when retries run out the record keeps what was done and the call is retryable, and
 *    the next attempt skips what was already removed. Any other 4xx stops everything that is left,
 *    marked "not attempted", and the record says partial or failed.
 * 5. **Tell**: one action message per finding on the findings topic (dry-run or real), naming what was
 *    and was not done, and how to undo.
 *
 * {@link undoAction} puts back what an action removed, from its snapshot.
 *
 * Nothing here changes anything outside the state table unless the decision's mode is `on`: dry-run
 * only reads (GET) from the vendor APIs (test/respond/no-act.test.ts proves it against the fakes).
 *
 * @module
 */
import type { ResponderPolicy, ResponseActionKind } from '../config/responder';
import type { Finding } from '../engine/findings';
import type { StateItem, StateStore } from '../state/port';
import { admit, reset } from './core/breaker';
import type { BreakerState } from './core/breaker';
import { renderResponseMessage } from './core/message';
import type { RenderedResponseMessage, UndoHint } from './core/message';
import { decide, ownedByMicrosoft } from './core/policy';
import type { Decision } from './core/policy';
import { FINAL_STATUSES, actionIdOf, actionKey, breakerKey, parseActionId, summaryKey } from './core/types';
import type {
  ActionRecord,
  ActionSnapshot,
  ItemResult,
  ResponseSummary,
  ResponseTarget,
  UndoItemResult,
} from './core/types';
import { ActionError } from './ports';
import type { EntraDirectory, GoogleDirectory, ServicePrincipal } from './ports';

const DAY = 86_400_000;
/** An `in-progress` record older than this belongs to a run that died; another run may resume it. */
export const ACTION_LEASE_MS = 15 * 60_000;

/** Publishes an action message; resolves with the message id. */
export interface ResponseNotifier {
  publish(message: RenderedResponseMessage): Promise<string | undefined>;
}

/** Dependencies of {@link respond} and {@link undoAction}. */
export interface ResponderDeps {
  /** Action records, summaries and breakers live here (keys under `resp|`). */
  store: StateStore;
  policy: ResponderPolicy;
  /** Graph for a tenant, or undefined when the responder has no credentials for it. */
  entra?: ((tenant: string) => Promise<EntraDirectory | undefined>) | undefined;
  /** The Directory API for a customer, or undefined when the responder has no credentials for it. */
  google?: ((tenant: string) => Promise<GoogleDirectory | undefined>) | undefined;
  /** Where action messages go; none (the CLI prints instead). */
  notifier?: ResponseNotifier | undefined;
  /** Wall clock, epoch ms (breaker, record times, leases). @default Date.now */
  now?: (() => number) | undefined;
  /** App ids of Tripline's own app registrations: never acted on. */
  selfAppIds?: readonly string[] | undefined;
  /** How the message tells a person to undo. */
  undoHint?: UndoHint | undefined;
}

/** What {@link respond} did with one finding. */
export interface ResponseOutcome {
  findingId: string;
  /**
   * - `ignored`: the policy does not apply (off, another rule, below the floor);
   * - `unusable`: it applies but the finding names nothing to act on;
   * - `protected`: the app is protected; recorded as skipped and told;
   * - `dry-run` / `on`: acted in that mode (see `records`);
   * - `already-handled`: a previous run finished it; nothing changed;
   * - `busy`: another run holds it right now; retry later.
   */
  result: 'ignored' | 'unusable' | 'protected' | 'dry-run' | 'on' | 'already-handled' | 'busy';
  reason?: string | undefined;
  records: ActionRecord[];
  /** True when the caller should hand the finding back for a retry (SQS redelivery). */
  retryable: boolean;
  /** The action message, when one was rendered (published when a notifier is given). */
  message?: RenderedResponseMessage | undefined;
  messageId?: string | undefined;
  /** Set when the message could not be published (the finding is retryable for that alone). */
  notifyError?: string | undefined;
}

/** An undo that cannot run: unknown action, nothing to undo, no credentials. */
export class UndoError extends Error {
  override readonly name = 'UndoError';
}

/** Decides and acts on one finding; see the module comment. Never throws for vendor errors. */
export async function respond(finding: Finding, deps: ResponderDeps): Promise<ResponseOutcome> {
  const decision = decide(finding, deps.policy, deps.selfAppIds ?? []);
  return applyDecision(finding, decision, deps);
}

async function applyDecision(
  finding: Finding,
  decision: Decision,
  deps: ResponderDeps,
): Promise<ResponseOutcome> {
  const base = { findingId: finding.id, records: [] as ActionRecord[], retryable: false };
  if (decision.kind === 'ignore') return { ...base, result: 'ignored', reason: decision.reason };
  if (decision.kind === 'unusable') return { ...base, result: 'unusable', reason: decision.reason };

  const now = (deps.now ?? Date.now)();
  const target = decision.target;
  const kinds = decision.actions;
  const keys = kinds.map((k) => actionKey(target.findingId, k));
  const existing = await deps.store.get([...keys, summaryKey(target.findingId)], now);
  const prior = new Map<ResponseActionKind, StateItem>();
  for (const k of kinds) {
    const item = existing.get(actionKey(target.findingId, k));
    if (item) prior.set(k, item);
  }
  const summaryItem = existing.get(summaryKey(target.findingId));

  if (decision.kind === 'protected') {
    if (prior.size > 0) return alreadyHandled(base, prior, summaryItem, deps, now);
    const records = kinds.map((k) => newRecord(target, k, 'dry-run', now, 'skipped', decision.reason));
    return finish(base, 'protected', records, new Map(), deps, now, decision.reason);
  }

  let mode: 'dry-run' | 'on' = decision.mode;
  let pending = kinds.filter((k) => !isFinished(prior.get(k), mode));
  const busy = kinds.filter((k) => isBusy(prior.get(k), now));
  if (busy.length > 0)
    return {
      ...base,
      result: 'busy',
      reason: `another run is acting on ${busy.join(', ')} right now`,
      retryable: true,
    };
  if (pending.length === 0) return alreadyHandled(base, prior, summaryItem, deps, now);

  let reason: string | undefined;
  if (mode === 'on') {
    // Resumed actions were counted when they started.
    const fresh = pending.filter((k) => !isOnRecord(prior.get(k)));
    const verdict = await admitActions(
      deps.store,
      target.tenant,
      fresh.length,
      now,
      deps.policy.maxActionsPerHour,
    );
    if (!verdict.ok) {
      mode = 'dry-run';
      reason = verdict.reason;
      pending = kinds.filter((k) => !isFinished(prior.get(k), mode));
      if (pending.length === 0) return alreadyHandled(base, prior, summaryItem, deps, now);
    }
  }

  const records: ActionRecord[] = kinds.map((k) => {
    const old = prior.get(k)?.value as ActionRecord | undefined;
    if (old && !pending.includes(k)) return old;
    return resumeOrNew(old, target, k, mode, now, reason);
  });

  // Snapshot.
  const client = await clientFor(target, deps).catch((e: unknown) => e as Error);
  if (client instanceof Error || client === undefined) {
    const why =
      client instanceof Error
        ? `the ${target.platform === 'entra' ? 'Entra' : 'Google'} credentials of tenant ${target.tenant} are unusable: ${client.message}`
        : `the responder has no ${target.platform === 'entra' ? 'Entra' : 'Google'} credentials for tenant ${target.tenant}`;
    for (const r of records) {
      if (!pending.includes(r.kind)) continue;
      if (mode === 'dry-run') {
        r.status = 'dry-run';
        r.reason = [reason, `${why}; the plan could not read what exists`].filter(Boolean).join('; ');
      } else {
        r.status = 'failed';
        r.error = why;
        r.retryable = false;
      }
    }
    return finish(base, mode, records, prior, deps, now, reason);
  }

  let sp: ServicePrincipal | undefined;
  try {
    if (client.kind === 'entra' && kinds.some((k) => k !== 'entra-sessions')) {
      sp = await client.api.findServicePrincipal(target.appId);
      if (sp && ownedByMicrosoft(sp.appOwnerOrganizationId)) {
        const why = `app ${target.appId} ("${sp.displayName ?? ''}") is owned by Microsoft (appOwnerOrganizationId ${sp.appOwnerOrganizationId}), a first-party app`;
        const skipped = kinds.map((k) => newRecord(target, k, 'dry-run', now, 'skipped', why));
        return finish(base, 'protected', skipped, prior, deps, now, why);
      }
    }
    for (const r of records) {
      if (!pending.includes(r.kind)) continue;
      r.snapshot = mergeSnapshot(r.snapshot, await snapshotOf(r.kind, target, client, sp));
      if (r.kind !== 'entra-sessions' && r.kind !== 'google-tokens' && client.kind === 'entra' && !sp)
        r.reason = joinReasons(
          r.reason,
          `no service principal for app ${target.appId} in tenant ${target.tenant}: nothing to remove`,
        );
    }
  } catch (e) {
    const err = asActionError(e);
    if (err.retryable) {
      if (mode === 'on') {
        // Recorded, so the retry resumes these actions instead of counting them again.
        for (const r of records) {
          if (!pending.includes(r.kind)) continue;
          r.status = 'failed';
          r.error = `what exists could not be read yet: ${err.message}`;
          r.retryable = true;
        }
        await saveRecords(
          deps,
          records.filter((r) => pending.includes(r.kind)),
          prior,
          now,
        ).catch(() => 'conflict');
      }
      return { ...base, result: mode, reason: err.message, retryable: true, records };
    }
    for (const r of records) {
      if (!pending.includes(r.kind)) continue;
      if (mode === 'dry-run') {
        r.status = 'dry-run';
        r.reason = joinReasons(reason, `what exists could not be read: ${err.message}`);
      } else {
        r.status = 'failed';
        r.error = `what exists could not be read, so nothing was changed: ${err.message}`;
        r.retryable = false;
      }
    }
    return finish(base, mode, records, prior, deps, now, reason);
  }

  for (const r of records) {
    if (!pending.includes(r.kind)) continue;
    r.status = mode === 'on' ? 'in-progress' : 'dry-run';
    r.updatedAt = iso(now);
  }
  // The snapshot is durable before the first change.
  const versions = await saveRecords(
    deps,
    records.filter((r) => pending.includes(r.kind)),
    prior,
    now,
  );
  if (versions === 'conflict')
    return { ...base, result: 'busy', reason: 'another run recorded this finding first', retryable: true };
  if (mode === 'dry-run') return finish(base, mode, records, versions, deps, now, reason);

  // Act.
  let stop: ActionError | undefined;
  for (const r of records) {
    if (!pending.includes(r.kind)) continue;
    if (stop) {
      markNotAttempted(r, stop);
      continue;
    }
    stop = await execute(r, client, target);
    r.updatedAt = iso((deps.now ?? Date.now)());
  }
  const retryable = stop?.retryable === true;
  if (retryable) {
    // Keep what was done; the next attempt finishes it.
    await saveRecords(
      deps,
      records.filter((r) => pending.includes(r.kind)),
      versions,
      now,
    ).catch(() => 'conflict');
    return { ...base, result: 'on', reason: stop?.message, retryable: true, records };
  }
  return finish(base, 'on', records, versions, deps, now, reason);
}

type Client = { kind: 'entra'; api: EntraDirectory } | { kind: 'google'; api: GoogleDirectory };

async function clientFor(target: ResponseTarget, deps: ResponderDeps): Promise<Client | undefined> {
  if (target.platform === 'entra') {
    const api = await deps.entra?.(target.tenant);
    return api ? { kind: 'entra', api } : undefined;
  }
  const api = await deps.google?.(target.tenant);
  return api ? { kind: 'google', api } : undefined;
}

async function snapshotOf(
  kind: ResponseActionKind,
  target: ResponseTarget,
  client: Client,
  sp: ServicePrincipal | undefined,
): Promise<ActionSnapshot> {
  if (client.kind === 'google') {
    const tokens = [];
    for (const user of target.users) {
      const got = await client.api.listTokens(user, target.appId);
      if (got !== 'gone') tokens.push(...got);
    }
    return { kind: 'google-tokens', users: [...target.users], tokens };
  }
  const api = client.api;
  switch (kind) {
    case 'entra-sessions':
      return { kind, users: [...target.users] };
    case 'entra-disable-app':
      return {
        kind,
        servicePrincipalId: sp?.id ?? '',
        displayName: sp?.displayName,
        accountEnabled: sp ? sp.accountEnabled : false,
      };
    case 'entra-grants':
      return { kind, servicePrincipalId: sp?.id ?? '', grants: sp ? await api.listGrants(sp.id) : [] };
    case 'entra-app-roles':
      return {
        kind,
        servicePrincipalId: sp?.id ?? '',
        assignments: sp ? await api.listAppRoleAssignments(sp.id) : [],
      };
    default:
      throw new ActionError(`action ${kind} does not apply to Entra ID`, 0, false);
  }
}

/** A resumed action keeps what its first run saw (items it already removed are gone from a re-read). */
function mergeSnapshot(old: ActionSnapshot | undefined, fresh: ActionSnapshot): ActionSnapshot {
  if (!old || old.kind !== fresh.kind) return fresh;
  if (old.kind === 'entra-grants' && fresh.kind === 'entra-grants') {
    const ids = new Set(old.grants.map((g) => g.id));
    return { ...fresh, grants: [...old.grants, ...fresh.grants.filter((g) => !ids.has(g.id))] };
  }
  if (old.kind === 'entra-app-roles' && fresh.kind === 'entra-app-roles') {
    const ids = new Set(old.assignments.map((a) => a.id));
    return {
      ...fresh,
      assignments: [...old.assignments, ...fresh.assignments.filter((a) => !ids.has(a.id))],
    };
  }
  if (old.kind === 'google-tokens' && fresh.kind === 'google-tokens') {
    const seen = new Set(old.tokens.map((t) => t.userKey));
    return { ...fresh, tokens: [...old.tokens, ...fresh.tokens.filter((t) => !seen.has(t.userKey))] };
  }
  if (old.kind === 'entra-disable-app' && fresh.kind === 'entra-disable-app')
    // The first run saw the state before it disabled the app.
    return { ...fresh, accountEnabled: old.accountEnabled || fresh.accountEnabled };
  return fresh;
}

/** Runs one action; returns the error that must stop the rest, if any. */
async function execute(
  r: ActionRecord,
  client: Client,
  target: ResponseTarget,
): Promise<ActionError | undefined> {
  const done = new Map(
    r.results.filter((x) => x.outcome !== 'failed' && x.outcome !== 'not-attempted').map((x) => [x.item, x]),
  );
  const results: ItemResult[] = [];
  const items = itemsOf(r);
  let stop: ActionError | undefined;
  for (const item of items) {
    const prev = done.get(item.name);
    if (prev) {
      results.push(prev);
      continue;
    }
    if (stop) {
      results.push({ item: item.name, outcome: 'not-attempted' });
      continue;
    }
    try {
      results.push({ item: item.name, outcome: await item.run(client, target) });
    } catch (e) {
      const err = asActionError(e);
      results.push({ item: item.name, outcome: 'failed', error: err.message });
      stop = err;
    }
  }
  r.results = results;
  r.error = stop?.message;
  r.retryable = stop?.retryable;
  r.status = statusOf(results, stop);
  return stop;
}

interface Item {
  name: string;
  run(client: Client, target: ResponseTarget): Promise<ItemResult['outcome']>;
}

function itemsOf(r: ActionRecord): Item[] {
  const s = r.snapshot;
  if (!s) return [];
  const entra = (c: Client): EntraDirectory => {
    if (c.kind !== 'entra') throw new ActionError('an Entra action needs Entra credentials', 0, false);
    return c.api;
  };
  switch (s.kind) {
    case 'entra-disable-app':
      if (!s.servicePrincipalId) return [];
      return [
        {
          name: `service principal ${s.servicePrincipalId}`,
          run: async (c) => {
            if (!s.accountEnabled) return 'already-disabled';
            return (await entra(c).setAccountEnabled(s.servicePrincipalId, false)) === 'gone'
              ? 'already-gone'
              : 'disabled';
          },
        },
      ];
    case 'entra-grants':
      return s.grants.map((g) => ({
        name: `grant ${g.id}`,
        run: async (c) => ((await entra(c).deleteGrant(g.id)) === 'gone' ? 'already-gone' : 'removed'),
      }));
    case 'entra-app-roles':
      return s.assignments.map((a) => ({
        name: `app role assignment ${a.id}`,
        run: async (c) =>
          (await entra(c).deleteAppRoleAssignment(a)) === 'gone' ? 'already-gone' : 'removed',
      }));
    case 'entra-sessions':
      return s.users.map((u) => ({
        name: `sessions of ${u}`,
        run: async (c) => ((await entra(c).revokeSignInSessions(u)) === 'gone' ? 'already-gone' : 'revoked'),
      }));
    case 'google-tokens': {
      const holders = new Set(s.tokens.map((t) => t.userKey));
      return s.users.map((u) => ({
        name: `tokens of ${u}`,
        run: async (c, target) => {
          if (!holders.has(u)) return 'already-gone';
          if (c.kind !== 'google')
            throw new ActionError('a Google action needs Google credentials', 0, false);
          return (await c.api.deleteTokens(u, target.appId)) === 'gone' ? 'already-gone' : 'removed';
        },
      }));
    }
  }
}

function statusOf(results: readonly ItemResult[], stop: ActionError | undefined): ActionRecord['status'] {
  const ok = results.filter((x) => x.outcome !== 'failed' && x.outcome !== 'not-attempted');
  if (!stop) return 'done';
  return ok.some((x) => x.outcome !== 'already-gone' && x.outcome !== 'already-disabled')
    ? 'partial'
    : 'failed';
}

function markNotAttempted(r: ActionRecord, stop: ActionError): void {
  const done = new Map(
    r.results.filter((x) => x.outcome !== 'failed' && x.outcome !== 'not-attempted').map((x) => [x.item, x]),
  );
  r.results = itemsOf(r).map((i) => done.get(i.name) ?? { item: i.name, outcome: 'not-attempted' as const });
  r.error = `not attempted: an earlier action stopped (${stop.message})`;
  r.retryable = stop.retryable;
  r.status = [...done.values()].length > 0 ? 'partial' : 'failed';
}

function newRecord(
  target: ResponseTarget,
  kind: ResponseActionKind,
  mode: 'dry-run' | 'on',
  now: number,
  status: ActionRecord['status'],
  reason?: string,
): ActionRecord {
  return {
    schemaVersion: 1,
    actionId: actionIdOf(target.findingId, kind),
    findingId: target.findingId,
    ruleId: target.ruleId,
    severity: target.severity,
    title: target.title,
    tenant: target.tenant,
    platform: target.platform,
    appId: target.appId,
    appName: target.appName,
    kind,
    mode,
    status,
    ...(reason ? { reason } : {}),
    results: [],
    createdAt: iso(now),
    updatedAt: iso(now),
  };
}

function resumeOrNew(
  old: ActionRecord | undefined,
  target: ResponseTarget,
  kind: ResponseActionKind,
  mode: 'dry-run' | 'on',
  now: number,
  reason: string | undefined,
): ActionRecord {
  if (old && old.mode === 'on' && mode === 'on') {
    // A real run that stopped on a retryable error, or died: resume it with its snapshot and results.
    return { ...old, status: 'in-progress', error: undefined, retryable: undefined, updatedAt: iso(now) };
  }
  // A dry-run record is replaced by a real run (or a fresh dry-run), keeping its creation time.
  const fresh = newRecord(target, kind, mode, now, mode === 'on' ? 'in-progress' : 'dry-run', reason);
  return old ? { ...fresh, createdAt: old.createdAt } : fresh;
}

/** Whether an action needs nothing more in `mode`. */
function isFinished(item: StateItem | undefined, mode: 'dry-run' | 'on'): boolean {
  const r = item?.value as ActionRecord | undefined;
  if (!r) return false;
  if (mode === 'dry-run') return true;
  if (r.mode !== 'on') return false;
  if (FINAL_STATUSES.has(r.status)) return true;
  if (r.status === 'failed') return r.retryable !== true;
  // in-progress: a run died (or is running: see isBusy) and this one resumes it.
  return false;
}

function isBusy(item: StateItem | undefined, now: number): boolean {
  const r = item?.value as ActionRecord | undefined;
  return r?.status === 'in-progress' && Date.parse(r.updatedAt) > now - ACTION_LEASE_MS;
}

function isOnRecord(item: StateItem | undefined): boolean {
  return (item?.value as ActionRecord | undefined)?.mode === 'on';
}

async function admitActions(
  store: StateStore,
  tenant: string,
  n: number,
  now: number,
  max: number,
): Promise<{ ok: true } | { ok: false; reason: string }> {
  const key = breakerKey(tenant);
  for (let attempt = 0; attempt < 8; attempt++) {
    const item = (await store.get([key], now)).get(key);
    const verdict = admit(item?.value as BreakerState | undefined, n, now, max);
    if (verdict.ok && n === 0) return { ok: true };
    const write = await store.write(
      [{ key, expectedVersion: item?.version ?? 0, expiresAt: now + 30 * DAY, value: verdict.next }],
      now,
    );
    if (write.conflicts.length > 0) continue;
    await store.flush();
    return verdict.ok ? { ok: true } : { ok: false, reason: verdict.reason };
  }
  // Contended for too long: act as if tripped for this one, without changing the breaker.
  return {
    ok: false,
    reason: 'the circuit breaker could not be updated (too many concurrent responses); dry-run to be safe',
  };
}

/**
 * Resets a tenant's circuit breaker (a person decided the responder may act again).
 *
 * @returns whether it was tripped.
 */
export async function resetBreaker(store: StateStore, tenant: string, now = Date.now()): Promise<boolean> {
  const key = breakerKey(tenant);
  for (let attempt = 0; attempt < 8; attempt++) {
    const item = (await store.get([key], now)).get(key);
    const was = (item?.value as BreakerState | undefined)?.trippedAt !== undefined;
    const write = await store.write(
      [{ key, expectedVersion: item?.version ?? 0, expiresAt: now + 30 * DAY, value: reset() }],
      now,
    );
    if (write.conflicts.length === 0) {
      await store.flush();
      return was;
    }
  }
  throw new UndoError(`the circuit breaker of ${tenant} could not be reset (concurrent updates); try again`);
}

/** Reads a tenant's breaker. */
export async function readBreaker(
  store: StateStore,
  tenant: string,
  now = Date.now(),
): Promise<BreakerState | undefined> {
  return (await store.get([breakerKey(tenant)], now)).get(breakerKey(tenant))?.value as
    BreakerState | undefined;
}

/** Writes records (conditionally on the versions read) and flushes; returns the new versions. */
async function saveRecords(
  deps: ResponderDeps,
  records: readonly ActionRecord[],
  versions: ReadonlyMap<ResponseActionKind, StateItem | { version: number }>,
  now: number,
): Promise<Map<ResponseActionKind, { version: number }> | 'conflict'> {
  const expiresAt = now + deps.policy.retentionDays * DAY;
  const writes = records.map((r) => ({
    key: actionKey(r.findingId, r.kind),
    expectedVersion: versions.get(r.kind)?.version ?? 0,
    expiresAt,
    value: JSON.parse(JSON.stringify(r)) as unknown,
  }));
  const res = await deps.store.write(writes, now);
  if (res.conflicts.length > 0) return 'conflict';
  await deps.store.flush();
  const out = new Map<ResponseActionKind, { version: number }>();
  for (const [kind, v] of versions) out.set(kind, { version: v.version });
  for (const w of writes) {
    const kind = records.find((r) => actionKey(r.findingId, r.kind) === w.key)?.kind as ResponseActionKind;
    out.set(kind, { version: (w.expectedVersion ?? 0) + 1 });
  }
  return out;
}

async function finish(
  base: { findingId: string; records: ActionRecord[]; retryable: boolean },
  result: ResponseOutcome['result'],
  records: ActionRecord[],
  versions: ReadonlyMap<ResponseActionKind, StateItem | { version: number }>,
  deps: ResponderDeps,
  now: number,
  reason: string | undefined,
): Promise<ResponseOutcome> {
  const saved = await saveRecords(deps, records, versions, now);
  if (saved === 'conflict')
    return { ...base, result: 'busy', reason: 'another run recorded this finding first', retryable: true };
  const outcome: ResponseOutcome = { ...base, result, reason, records };
  return notify(outcome, records, deps, now);
}

async function notify(
  outcome: ResponseOutcome,
  records: ActionRecord[],
  deps: ResponderDeps,
  now: number,
): Promise<ResponseOutcome> {
  const first = records[0];
  if (!first) return outcome;
  const message = renderResponseMessage(records, deps.undoHint ?? {});
  outcome.message = message;
  const summary: ResponseSummary = {
    schemaVersion: 1,
    findingId: first.findingId,
    tenant: first.tenant,
    mode: records.every((r) => r.mode === 'on') ? 'on' : 'dry-run',
    actionIds: records.map((r) => r.actionId),
    at: iso(now),
  };
  if (deps.notifier) {
    try {
      summary.messageId = await deps.notifier.publish(message);
      outcome.messageId = summary.messageId;
    } catch (e) {
      outcome.notifyError = (e as Error).message;
      outcome.retryable = true;
    }
  }
  // The finding's id leads here: its summary names every action and the message sent.
  await deps.store.write(
    [
      {
        key: summaryKey(first.findingId),
        expectedVersion: null,
        expiresAt: now + deps.policy.retentionDays * DAY,
        value: { ...summary, ...(deps.notifier && !summary.messageId ? { messagePending: true } : {}) },
      },
    ],
    now,
  );
  await deps.store.flush();
  return outcome;
}

async function alreadyHandled(
  base: { findingId: string; records: ActionRecord[]; retryable: boolean },
  prior: ReadonlyMap<ResponseActionKind, StateItem>,
  summaryItem: StateItem | undefined,
  deps: ResponderDeps,
  now: number,
): Promise<ResponseOutcome> {
  const records = [...prior.values()].map((i) => i.value as ActionRecord);
  const summary = summaryItem?.value as (ResponseSummary & { messagePending?: boolean }) | undefined;
  const outcome: ResponseOutcome = { ...base, result: 'already-handled', records };
  // The message of the first run was never sent: send it now.
  if (deps.notifier && (!summary || summary.messagePending)) return notify(outcome, records, deps, now);
  return outcome;
}

function asActionError(e: unknown): ActionError {
  if (e instanceof ActionError) return e;
  return new ActionError(e instanceof Error ? `${e.name}: ${e.message}` : String(e), 0, true, { cause: e });
}

function joinReasons(...parts: Array<string | undefined>): string | undefined {
  const out = parts.filter((p): p is string => !!p);
  return out.length > 0 ? out.join('; ') : undefined;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

// ---------------------------------------------------------------------------------------------------
// Undo
// ---------------------------------------------------------------------------------------------------

/** What {@link undoAction} did. */
export interface UndoOutcome {
  actionId: string;
  record: ActionRecord;
  results: UndoItemResult[];
  /** `undone`: everything put back; `undo-partial`: some items failed (see results). */
  status: 'undone' | 'undo-partial';
  message?: RenderedResponseMessage | undefined;
  messageId?: string | undefined;
}

/**
 * Puts back what an action removed, from its snapshot: recreates the delegated grants and app role
 * assignments (they get new ids, reported) and re-enables the service principal if it was enabled
 * before. Revoked sessions and deleted Google tokens cannot be restored; the outcome says so. Running
 * it again recreates only what the previous undo could not.
 *
 * @param by who asked (a user name, `lambda`), recorded with the undo.
 * @throws {@link UndoError} for an unknown action id, an action with nothing to undo, or no credentials.
 */
export async function undoAction(actionId: string, deps: ResponderDeps, by = 'cli'): Promise<UndoOutcome> {
  const parsed = parseActionId(actionId);
  if (!parsed)
    throw new UndoError(
      `${JSON.stringify(actionId)} is not an action id; it looks like <finding-id>/<action>, e.g. oauth-chain-3b0f6c1d9e2a4f57/entra-grants (the action message lists them)`,
    );
  const now = (deps.now ?? Date.now)();
  const key = actionKey(parsed.findingId, parsed.kind);
  const item = (await deps.store.get([key], now)).get(key);
  if (!item)
    throw new UndoError(
      `no action ${actionId} in this state (records are kept ${deps.policy.retentionDays} days; check the state table or file you pointed at)`,
    );
  const record = item.value as ActionRecord;
  if (record.mode !== 'on' || record.status === 'dry-run' || record.status === 'skipped')
    throw new UndoError(
      `action ${actionId} changed nothing (status ${record.status}), so there is nothing to undo`,
    );
  if (record.status === 'in-progress')
    throw new UndoError(`action ${actionId} is still running; wait for it to finish, then undo`);

  const previous = new Map(
    (record.undo?.results ?? []).filter((r) => r.outcome !== 'failed').map((r) => [r.item, r]),
  );
  const results: UndoItemResult[] = [];
  const removed = record.results.filter((r) => r.outcome === 'removed' || r.outcome === 'disabled');
  if (record.kind === 'entra-sessions' || record.kind === 'google-tokens') {
    for (const r of record.results.filter((x) => x.outcome === 'revoked' || x.outcome === 'removed'))
      results.push({
        item: r.item,
        outcome: 'not-undoable',
        error:
          record.kind === 'entra-sessions'
            ? 'revoked sessions cannot be restored; the user signs in again'
            : 'deleted tokens cannot be restored; the user authorizes the app again if it is wanted',
      });
  } else {
    const client = record.platform === 'entra' ? await deps.entra?.(record.tenant) : undefined;
    if (!client)
      throw new UndoError(`no Entra credentials for tenant ${record.tenant}: set them, then undo again`);
    let stop: ActionError | undefined;
    for (const r of removed) {
      const prev = previous.get(r.item);
      if (prev) {
        results.push(prev);
        continue;
      }
      if (stop) {
        results.push({ item: r.item, outcome: 'failed', error: `not attempted: ${stop.message}` });
        continue;
      }
      try {
        results.push(await undoItem(record, r.item, client));
      } catch (e) {
        const err = asActionError(e);
        results.push({ item: r.item, outcome: 'failed', error: err.message });
        if (!err.retryable) stop = err;
      }
    }
  }
  record.undo = { at: iso(now), by, results };
  record.status = results.some((r) => r.outcome === 'failed') ? 'undo-partial' : 'undone';
  record.updatedAt = iso(now);
  const write = await deps.store.write(
    [
      {
        key,
        expectedVersion: item.version,
        expiresAt: now + deps.policy.retentionDays * DAY,
        value: JSON.parse(JSON.stringify(record)) as unknown,
      },
    ],
    now,
  );
  if (write.conflicts.length > 0)
    throw new UndoError(`action ${actionId} changed while it was being undone; run undo again`);
  await deps.store.flush();
  const outcome: UndoOutcome = { actionId, record, results, status: record.status };
  const message = renderResponseMessage([record], deps.undoHint ?? {});
  outcome.message = message;
  if (deps.notifier) outcome.messageId = await deps.notifier.publish(message).catch(() => undefined);
  return outcome;
}

async function undoItem(record: ActionRecord, item: string, api: EntraDirectory): Promise<UndoItemResult> {
  const s = record.snapshot;
  if (s?.kind === 'entra-grants') {
    const g = s.grants.find((x) => `grant ${x.id}` === item);
    if (!g) return { item, outcome: 'failed', error: 'not in the snapshot' };
    const made = await api.createGrant({
      clientId: g.clientId,
      consentType: g.consentType,
      principalId: g.principalId,
      resourceId: g.resourceId,
      scope: g.scope,
    });
    return { item, outcome: made.existed ? 'already-present' : 'recreated', newId: made.id };
  }
  if (s?.kind === 'entra-app-roles') {
    const a = s.assignments.find((x) => `app role assignment ${x.id}` === item);
    if (!a) return { item, outcome: 'failed', error: 'not in the snapshot' };
    const made = await api.createAppRoleAssignment({
      principalId: a.principalId,
      resourceId: a.resourceId,
      appRoleId: a.appRoleId,
    });
    return { item, outcome: made.existed ? 'already-present' : 'recreated', newId: made.id };
  }
  if (s?.kind === 'entra-disable-app') {
    if (!s.accountEnabled) return { item, outcome: 'already-enabled' };
    const r = await api.setAccountEnabled(s.servicePrincipalId, true);
    return r === 'gone'
      ? { item, outcome: 'failed', error: 'the service principal no longer exists' }
      : { item, outcome: 're-enabled' };
  }
  return { item, outcome: 'not-undoable' };
}
