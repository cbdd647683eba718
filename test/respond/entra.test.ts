/**
 * The responder against a tenant that keeps state like Graph: grants exist and are deleted, undo
 * recreates them with new ids, throttling, a grant deleted by someone else midway, permissions Graph
 * refuses, protected apps, the circuit breaker, re-runs that change nothing.
 */
import { respond, resetBreaker, undoAction } from '#shared/respond/responder';
import { EmbeddedStateStore } from '#shared/state/embedded';
import { EVIL_APP, TENANT, chainFinding, depsFor, emailOf, startTenant } from './harness';
import type { Tenant } from './harness';

let t: Tenant;
beforeEach(async () => {
  t = await startTenant();
});
afterEach(async () => {
  await t.close();
});

describe('responding in on mode', () => {
  it('disables the app, deletes every grant and app role, revokes the consenting users’ sessions', async () => {
    const deps = await depsFor(t);
    const out = await respond(chainFinding(), deps);
    expect(out.result).toBe('on');
    expect(out.retryable).toBe(false);
    expect(t.evil.accountEnabled).toBe(false);
    expect(t.graph.grants.filter((g) => g.clientId === t.evil.id)).toEqual([]);
    expect(t.graph.assignments.filter((a) => a.principalId === t.evil.id)).toEqual([]);
    expect(
      t.graph.users
        .filter((u) => u.sessionsRevokedAt !== undefined)
        .map((u) => u.userPrincipalName)
        .sort(),
    ).toEqual(['bob@contoso.com', 'carol@contoso.com']);
    expect(out.records.map((r) => [r.actionId, r.status])).toEqual([
      ['oauth-chain-3b0f6c1d9e2a4f57/entra-disable-app', 'done'],
      ['oauth-chain-3b0f6c1d9e2a4f57/entra-grants', 'done'],
      ['oauth-chain-3b0f6c1d9e2a4f57/entra-app-roles', 'done'],
      ['oauth-chain-3b0f6c1d9e2a4f57/entra-sessions', 'done'],
    ]);
  });

  it('snapshots every grant (client, consent type, principal, resource, scope) before deleting it', async () => {
    const before = t.graph.grants.map((g) => ({ ...g }));
    const deps = await depsFor(t);
    const out = await respond(chainFinding(), deps);
    const grants = out.records.find((r) => r.kind === 'entra-grants');
    expect(grants?.snapshot).toEqual({ kind: 'entra-grants', servicePrincipalId: t.evil.id, grants: before });
    // The snapshot was written before the first DELETE went out: the first mutation is the disable.
    expect(t.graph.mutations[0]).toBe(`PATCH /v1.0/servicePrincipals/${t.evil.id}`);
  });

  it('tells the on-call what was revoked and how to undo it, in one message', async () => {
    const deps = await depsFor(
      t,
      {},
      { undoHint: { cli: 'tripline undo {actionId} --table Tripline-State' } },
    );
    const out = await respond(chainFinding(), deps);
    expect(deps.notifier.sent).toHaveLength(1);
    const m = deps.notifier.sent[0];
    expect(m?.Subject).toBe(
      '[Tripline response] revoked 2 grants and 1 app role of "Mail Archiver Pro", disabled it, revoked...',
    );
    const text = emailOf(m);
    expect(text).toContain(
      `Tripline revoked 2 grants and 1 app role of app "Mail Archiver Pro" (${EVIL_APP}), disabled it, revoked the sessions of 2 users.`,
    );
    expect(text).toContain(`Tenant:   ${TENANT} (Entra ID)`);
    expect(text).toContain('tripline undo oauth-chain-3b0f6c1d9e2a4f57/entra-grants --table Tripline-State');
    expect(text).toContain(
      'tripline undo oauth-chain-3b0f6c1d9e2a4f57/entra-disable-app --table Tripline-State',
    );
    expect(text).not.toContain('tripline undo oauth-chain-3b0f6c1d9e2a4f57/entra-sessions');
    expect(text).toContain('cannot be restored');
    expect(m?.MessageAttributes['ruleId']).toBeUndefined();
    expect(m?.MessageAttributes['type']?.StringValue).toBe('response');
    expect(out.messageId).toBe('msg-1');
  });

  it('changes nothing and tells nobody again when the same finding comes back', async () => {
    const deps = await depsFor(t);
    await respond(chainFinding(), deps);
    const mutations = t.graph.mutations.length;
    const again = await respond(chainFinding({ severity: 'critical' }), deps);
    expect(again.result).toBe('already-handled');
    expect(t.graph.mutations.length).toBe(mutations);
    expect(deps.notifier.sent).toHaveLength(1);
  });

  it('retries a 429 after its Retry-After and finishes', async () => {
    const deps = await depsFor(t);
    t.graph.failNext({ status: 429, headers: { 'retry-after': '1' } }, (m) => m === 'DELETE');
    t.graph.failNext({ status: 503 }, (m) => m === 'DELETE');
    const out = await respond(chainFinding(), deps);
    expect(out.records.every((r) => r.status === 'done')).toBe(true);
    expect(t.graph.requests.filter((r) => / (429|503)$/.test(r))).toHaveLength(2);
    expect(t.graph.grants.filter((g) => g.clientId === t.evil.id)).toEqual([]);
  });

  it('counts a grant someone else deleted midway as already gone, and succeeds', async () => {
    const deps = await depsFor(t);
    const [first, second] = t.graph.grants.filter((g) => g.clientId === t.evil.id);
    t.graph.beforeRequest = (method, path) => {
      if (method === 'DELETE' && path.endsWith(first?.id ?? '')) {
        // An admin removes the other grant by hand while Tripline works.
        const i = t.graph.grants.findIndex((g) => g.id === second?.id);
        if (i >= 0) t.graph.grants.splice(i, 1);
      }
    };
    const out = await respond(chainFinding(), deps);
    const grants = out.records.find((r) => r.kind === 'entra-grants');
    expect(grants?.status).toBe('done');
    expect(grants?.results).toEqual([
      { item: `grant ${first?.id}`, outcome: 'removed' },
      { item: `grant ${second?.id}`, outcome: 'already-gone' },
    ]);
  });

  it('stops at a permission Graph refuses, reports what was and was not done, and calls it partial', async () => {
    t.graph.permissions
      .get('5b2c9d1e-3f4a-4b6c-8d7e-9f0a1b2c3d4e')
      ?.delete('AppRoleAssignment.ReadWrite.All');
    const deps = await depsFor(t);
    const out = await respond(chainFinding(), deps);
    expect(out.retryable).toBe(false);
    const by = new Map(out.records.map((r) => [r.kind, r]));
    expect(by.get('entra-disable-app')?.status).toBe('done');
    expect(by.get('entra-grants')?.status).toBe('done');
    expect(by.get('entra-app-roles')?.status).toBe('failed');
    expect(by.get('entra-app-roles')?.error).toMatch(/403 Authorization_RequestDenied.*docs\/respond\.md/);
    expect(by.get('entra-sessions')?.status).toBe('failed');
    expect(by.get('entra-sessions')?.results.map((r) => r.outcome)).toEqual([
      'not-attempted',
      'not-attempted',
    ]);
    expect(t.graph.users.some((u) => u.sessionsRevokedAt !== undefined)).toBe(false);
    const text = emailOf(deps.notifier.sent[0]);
    expect(deps.notifier.sent[0]?.Subject).toMatch(/PARTLY revoked/);
    expect(text).toContain('NOT attempted');
    expect(text).toContain('NOT done: 3 items');
  });

  it('hands a finding back when Graph keeps failing, and the retry finishes without counting anything twice', async () => {
    const deps = await depsFor(t);
    for (let i = 0; i < 5; i++)
      t.graph.failNext({ status: 503 }, (m, p) => m === 'DELETE' && p.includes('appRoleAssignedTo'));
    const first = await respond(chainFinding(), deps);
    expect(first.retryable).toBe(true);
    expect(deps.notifier.sent).toHaveLength(0);
    const second = await respond(chainFinding(), deps);
    expect(second.retryable).toBe(false);
    expect(second.records.map((r) => r.status)).toEqual(['done', 'done', 'done', 'done']);
    // The grants the first attempt removed are still reported as removed (so undo puts them back).
    expect(second.records.find((r) => r.kind === 'entra-grants')?.results.map((r) => r.outcome)).toEqual([
      'removed',
      'removed',
    ]);
    expect(deps.notifier.sent).toHaveLength(1);
  });

  it('reports nothing to remove when the app has no service principal in the tenant', async () => {
    const deps = await depsFor(t);
    const out = await respond(chainFinding({ appId: '11111111-2222-4333-8444-555555555555' }), deps);
    const grants = out.records.find((r) => r.kind === 'entra-grants');
    expect(grants?.status).toBe('done');
    expect(grants?.results).toEqual([]);
    expect(grants?.reason).toMatch(/no service principal/);
  });
});

describe('protected apps', () => {
  it('never touches an app on the protected list, and says so', async () => {
    const deps = await depsFor(t, { protectedApps: [EVIL_APP.toUpperCase().toLowerCase()] });
    const out = await respond(chainFinding(), deps);
    expect(out.result).toBe('protected');
    expect(t.graph.mutations).toEqual([]);
    expect(out.records.every((r) => r.status === 'skipped')).toBe(true);
    expect(deps.notifier.sent[0]?.Subject).toMatch(/did not act/);
  });

  it('never touches an app Microsoft owns, even when it is not on any list', async () => {
    t.evil.appOwnerOrganizationId = 'f8cdef31-a31e-4b4a-93e4-5f571e91255a';
    const deps = await depsFor(t);
    const out = await respond(chainFinding(), deps);
    expect(out.result).toBe('protected');
    expect(out.reason).toMatch(/owned by Microsoft/);
    expect(t.graph.mutations).toEqual([]);
  });

  it('never touches its own app registration', async () => {
    const deps = await depsFor(t);
    const out = await respond(chainFinding({ appId: '5b2c9d1e-3f4a-4b6c-8d7e-9f0a1b2c3d4e' }), deps);
    expect(out.result).toBe('protected');
    expect(t.graph.mutations).toEqual([]);
  });
});

describe('the circuit breaker', () => {
  it('lets N actions per hour through, then turns every response of the tenant into a dry-run until reset', async () => {
    const store = await EmbeddedStateStore.open(':memory:');
    const deps = await depsFor(t, { maxActionsPerHour: 4 }, { store });
    await respond(chainFinding({ id: 'oauth-chain-0000000000000001' }), deps);
    expect(t.evil.accountEnabled).toBe(false);
    t.evil.accountEnabled = true;
    const mutations = t.graph.mutations.length;
    const second = await respond(chainFinding({ id: 'oauth-chain-0000000000000002' }), deps);
    expect(second.result).toBe('dry-run');
    expect(second.records.every((r) => r.status === 'dry-run')).toBe(true);
    expect(second.records[0]?.reason).toMatch(/circuit breaker tripped: 4 actions in the last hour/);
    expect(t.graph.mutations.length).toBe(mutations);
    expect(emailOf(deps.notifier.sent[1])).toContain('Why dry-run: the circuit breaker tripped');

    // Hours later it is still tripped: a person must reset it.
    const later = await depsFor(
      t,
      { maxActionsPerHour: 4 },
      { store, now: () => Date.parse('2026-03-02T20:00:00Z') },
    );
    const third = await respond(chainFinding({ id: 'oauth-chain-0000000000000003' }), later);
    expect(third.records.every((r) => r.status === 'dry-run')).toBe(true);
    expect(t.graph.mutations.length).toBe(mutations);

    expect(await resetBreaker(store, TENANT, Date.parse('2026-03-02T20:01:00Z'))).toBe(true);
    const fourth = await respond(chainFinding({ id: 'oauth-chain-0000000000000004' }), later);
    expect(fourth.records.every((r) => r.status === 'done')).toBe(true);
    expect(t.evil.accountEnabled).toBe(false);
  });
});

describe('undo', () => {
  it('recreates the grants and app roles with new ids, re-enables the app, and reports the new ids', async () => {
    const before = t.graph.grants.filter((g) => g.clientId === t.evil.id).map(({ id: _id, ...rest }) => rest);
    const roles = t.graph.assignments
      .filter((a) => a.principalId === t.evil.id)
      .map(({ id: _id, ...rest }) => rest);
    const oldIds = t.graph.grants.map((g) => g.id);
    const deps = await depsFor(t);
    await respond(chainFinding(), deps);

    const grants = await undoAction('oauth-chain-3b0f6c1d9e2a4f57/entra-grants', deps);
    expect(grants.status).toBe('undone');
    const restored = t.graph.grants.filter((g) => g.clientId === t.evil.id);
    expect(restored.map(({ id: _id, ...rest }) => rest)).toEqual(before);
    expect(restored.some((g) => oldIds.includes(g.id))).toBe(false);
    expect(grants.results.map((r) => r.newId).sort()).toEqual(restored.map((g) => g.id).sort());

    await undoAction('oauth-chain-3b0f6c1d9e2a4f57/entra-app-roles', deps);
    expect(
      t.graph.assignments.filter((a) => a.principalId === t.evil.id).map(({ id: _id, ...rest }) => rest),
    ).toEqual(roles);
    await undoAction('oauth-chain-3b0f6c1d9e2a4f57/entra-disable-app', deps);
    expect(t.evil.accountEnabled).toBe(true);
  });

  it('run twice, recreates nothing twice', async () => {
    const deps = await depsFor(t);
    await respond(chainFinding(), deps);
    await undoAction('oauth-chain-3b0f6c1d9e2a4f57/entra-grants', deps);
    const count = t.graph.grants.length;
    const again = await undoAction('oauth-chain-3b0f6c1d9e2a4f57/entra-grants', deps);
    expect(t.graph.grants.length).toBe(count);
    expect(again.status).toBe('undone');
  });

  it('treats a grant someone already put back as present and reports its id', async () => {
    const deps = await depsFor(t);
    const out = await respond(chainFinding(), deps);
    const snap = out.records.find((r) => r.kind === 'entra-grants')?.snapshot;
    if (snap?.kind !== 'entra-grants') throw new Error('no snapshot');
    const g = snap.grants[0];
    const back = t.graph.addGrant({
      clientId: g?.clientId ?? '',
      consentType: 'Principal',
      principalId: g?.principalId ?? null,
      resourceId: g?.resourceId ?? '',
      scope: g?.scope ?? '',
    });
    const undo = await undoAction('oauth-chain-3b0f6c1d9e2a4f57/entra-grants', deps);
    expect(undo.results[0]).toEqual({ item: `grant ${g?.id}`, outcome: 'already-present', newId: back.id });
    expect(undo.results[1]?.outcome).toBe('recreated');
  });

  it('says sessions cannot be restored, and refuses ids it does not know with what to type instead', async () => {
    const deps = await depsFor(t);
    await respond(chainFinding(), deps);
    const s = await undoAction('oauth-chain-3b0f6c1d9e2a4f57/entra-sessions', deps);
    expect(s.results.every((r) => r.outcome === 'not-undoable')).toBe(true);
    await expect(undoAction('oauth-chain-3b0f6c1d9e2a4f57', deps)).rejects.toThrow(/<finding-id>\/<action>/);
    await expect(undoAction('oauth-chain-ffffffffffffffff/entra-grants', deps)).rejects.toThrow(/no action/);
  });
});
