/**
 * The sources that joined with the catalogue: GitHub audit log (REST API / streaming), Slack Audit
 * Logs API, and Kubernetes API server audit events (EKS / self-managed, AKS diagnostic settings,
 * GKE Cloud Audit Logs). Fixtures are in the shapes the vendors document.
 */
import { readFileSync } from 'node:fs';
import { detectSource, normalize } from '#shared/events/normalize';
import { events, fixture, fixturePath, only, reasonOf } from './helpers';

const gh = fixture<Record<string, unknown>[]>('../shapes/github/audit-log.json');
const slack = fixture<{ entries: Record<string, unknown>[] }>('../shapes/slack/audit-logs-page.json');
const eks = readFileSync(fixturePath('../shapes/k8s/eks-audit.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as Record<string, unknown>);
const aks = fixture<{ records: Record<string, unknown>[] }>('../shapes/k8s/aks-diagnostic.json');
const gke = fixture<Record<string, unknown>>('../shapes/k8s/gke-audit.json');

describe('github.audit', () => {
  it('reads a git clone made with a personal access token', () => {
    const e = only(gh[0]);
    expect(e).toMatchObject({
      id: 'Zr1kYQx9T3mE4w8bJk2pHw',
      source: 'github.audit',
      time: 1709630400123,
      tenant: 'octo-enterprise',
      action: 'git.clone',
      service: 'git',
      category: 'access',
      outcome: 'success',
      actor: {
        id: 'mona',
        name: 'mona',
        type: 'user',
        ip: '203.0.113.50',
        userAgent: 'git/2.43.0',
        sessionId: 'kq3RkQ0G1m2lSxS9gq5o1uJ8dB2n9p3z0vYcHqk7wE4=',
      },
      target: { type: 'repository', id: 'octo-org/payments-api', name: 'octo-org/payments-api' },
      geo: { country: 'US' },
    });
    expect(e.params).toMatchObject({
      programmatic_access_type: 'Personal access token (classic)',
      repository_public: false,
      token_scopes: 'repo,workflow',
    });
    expect(e.raw).toBe(gh[0]);
  });

  it('names the member whose role changed as the target, and keeps the permissions', () => {
    const e = only(gh[1]);
    expect(e.tenant).toBe('octo-org');
    expect(e.target).toEqual({ type: 'user', id: 'mallory-dev', name: 'Mallory-Dev' });
    expect(e.params).toMatchObject({ permission: 'admin', old_permission: 'read' });
  });

  it('reads event data nested under data, ISO times and bot actors', () => {
    expect(only(gh[2]).params.repository_selection).toBe('all');
    expect(only(gh[2]).actor.appId).toBe('repo-backup-pro');
    const bot = only(gh[3]);
    expect(bot.time).toBe(Date.parse('2024-03-05T09:23:11.000Z'));
    expect(bot.actor.type).toBe('app');
    expect(bot.id).toMatch(/^github\.audit:/);
  });

  it('is told apart from other logs, and says what is missing', () => {
    expect(detectSource(gh[0])).toBe('github.audit');
    expect(events(gh)).toHaveLength(4);
    const { ['@timestamp']: _t, created_at: _c, ...noTime } = gh[1] as Record<string, unknown>;
    expect(reasonOf({ ...noTime, _document_id: 'x' })).toBe(
      'no @timestamp or created_at (the record looks like a GitHub audit log event)',
    );
  });
});

describe('slack.audit', () => {
  it('reads a login with the session, address and enterprise', () => {
    const e = only(slack.entries[0]);
    expect(e).toMatchObject({
      id: '0123a45b-6c7d-8900-e12f-3456789gh0i1',
      source: 'slack.audit',
      time: 1709630400000,
      tenant: 'E0AB12CD3',
      action: 'user_login',
      category: 'user',
      outcome: 'success',
      actor: {
        id: 'lee.gu@example.org',
        name: 'Lee.Gu@example.org',
        type: 'user',
        ip: '198.51.100.77',
        sessionId: '7392837461',
      },
      target: { type: 'user', id: 'W0123ABCD', name: 'Lee.Gu@example.org' },
    });
  });

  it('reads an app scope expansion as the app with its new scopes', () => {
    const e = only(slack.entries[1]);
    expect(e.app).toEqual({
      id: 'A05B2C3D4E',
      name: 'Drive Sync',
      scopes: ['channels:read', 'users:read', 'channels:history', 'files:read'],
    });
    expect(e.params.previous_scopes).toEqual(['channels:read', 'users:read']);
    expect(e.tenant).toBe('T01234N56GB');
  });

  it('reads the Audit Logs API page, and Panther-style text dates', () => {
    expect(events(slack).map((e) => e.action)).toEqual([
      'user_login',
      'app_scopes_expanded',
      'role_change_to_admin',
    ]);
    const e = only({ ...slack.entries[2], date_create: '2022-07-28 16:48:14' });
    expect(e.time).toBe(Date.parse('2022-07-28T16:48:14Z'));
    expect(e.target?.name).toBe('mal.lory@example.org');
  });
});

describe('k8s.audit', () => {
  it('reads a service account reading a secret (EKS / API server audit log)', () => {
    const e = only(eks[0]);
    expect(e).toMatchObject({
      id: '3c6c2b6e-7f3a-4e41-9d3b-6d0a1f2e9a10',
      source: 'k8s.audit',
      time: Date.parse('2024-03-05T09:00:00.125Z'),
      tenant: 'unknown',
      action: 'secrets.get',
      service: 'core',
      category: 'secrets',
      outcome: 'success',
      actor: {
        id: 'system:serviceaccount:payments:api',
        type: 'service',
        ip: '10.0.12.34',
        userAgent: 'payments-api/1.4.2 (linux/amd64) kubernetes/v1.29.1',
      },
      target: { type: 'secrets', id: 'payments/db-credentials', name: 'db-credentials' },
    });
    expect(e.params).toMatchObject({ verb: 'get', namespace: 'payments', decision: 'allow' });
  });

  it('names token requests and refusals, and takes the cluster from the caller', () => {
    const t = only(eks[1], { tenant: 'eks-prod' });
    expect(t).toMatchObject({
      action: 'serviceaccounts.token.create',
      tenant: 'eks-prod',
      outcome: 'success',
    });
    const denied = only(eks[2]);
    expect(denied).toMatchObject({ action: 'secrets.list', outcome: 'failure', errorCode: '403' });
  });

  it('reads the AKS diagnostic record (the event as JSON text in properties.log)', () => {
    const e = only(aks.records[0]);
    expect(e).toMatchObject({
      source: 'k8s.audit',
      tenant: 'AKS-PROD',
      action: 'pods.exec.create',
      actor: { id: 'mallory@example.org', ip: '203.0.113.66' },
    });
    expect(String(e.params.requestURI)).toContain('serviceaccount%2Ftoken');
  });

  it("reads GKE's Cloud Audit Log entry", () => {
    const e = only(gke);
    expect(e).toMatchObject({
      source: 'k8s.audit',
      tenant: 'prod-gke',
      action: 'secrets.list',
      outcome: 'success',
      actor: { id: 'ci-deployer@acme-prod.iam.gserviceaccount.com', type: 'user', ip: '34.120.10.20' },
      target: { type: 'secrets' },
    });
    expect(e.params.namespace).toBe('billing');
  });

  it('reads an audit webhook batch and says what is missing', () => {
    expect(events({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: eks })).toHaveLength(3);
    const { requestReceivedTimestamp: _r, stageTimestamp: _s, ...noTime } = eks[0] as Record<string, unknown>;
    expect(reasonOf(noTime)).toBe(
      'no requestReceivedTimestamp or stageTimestamp (the record looks like a Kubernetes audit event)',
    );
    const broken = { ...aks.records[0], properties: { log: '{"kind":"Event",' } };
    expect(normalize(broken)).toMatchObject({ ok: false });
    expect(reasonOf(broken)).toMatch(/^properties\.log is not valid JSON.*AKS kube-audit/);
  });
});
