/**
 * A tenant for responder tests: a fake Entra token service and a stateful fake Graph over HTTPS, the
 * responder's own app registration with the documented permissions, a malicious app with grants and
 * app roles, consenting users, and findings that name them as the OAuth rules do.
 */
import type { ResponderPolicy } from '#shared/config/responder';
import { parseResponderPolicy } from '#shared/config/responder';
import type { EvidenceItem, Finding, Severity } from '#shared/engine/findings';
import { GraphDirectory } from '#shared/respond/entra';
import type { ResponderDeps, ResponseNotifier } from '#shared/respond/responder';
import type { RenderedResponseMessage } from '#shared/respond/core/message';
import { EntraTokenSource } from '#shared/sources/microsoft/auth';
import { EmbeddedStateStore } from '#shared/state/embedded';
import type { StateStore } from '#shared/state/port';
import { startFakeEntra } from '../support/fake-entra';
import type { FakeEntra } from '../support/fake-entra';
import { testCaFetch } from '../support/https-fetch';
import { RESPONDER_GRAPH_PERMISSIONS, startFakeGraphDirectory } from './fake-graph-directory';
import type { FakeGraphDirectory, FakeServicePrincipal } from './fake-graph-directory';

export const TENANT = '7d3e4c2a-91b5-4f0e-8a6d-2c9b1e5f4a70';
export const RESPONDER_APP = '5b2c9d1e-3f4a-4b6c-8d7e-9f0a1b2c3d4e';
export const RESPONDER_SECRET = 'responder-secret';
export const EVIL_APP = '6f2d8c41-3a9e-4b7d-9c15-e0a4b2f7d381';
export const GRAPH_APP = '00000003-0000-0000-c000-000000000000';
export const T0 = Date.parse('2026-03-02T12:50:00Z');

export interface Tenant {
  entra: FakeEntra;
  graph: FakeGraphDirectory;
  /** Microsoft Graph's own service principal in the tenant (the resource of the grants). */
  graphSp: FakeServicePrincipal;
  /** The malicious app's service principal. */
  evil: FakeServicePrincipal;
  tokens: EntraTokenSource;
  directory: GraphDirectory;
  close(): Promise<void>;
}

/** Starts the tenant: Mail Archiver Pro consented by bob and carol, holding Mail.Read as an app role. */
export async function startTenant(): Promise<Tenant> {
  const entra = await startFakeEntra();
  entra.register({ tenantId: TENANT, clientId: RESPONDER_APP, secret: RESPONDER_SECRET });
  const graph = await startFakeGraphDirectory(entra, TENANT);
  graph.permissions.set(RESPONDER_APP, new Set(RESPONDER_GRAPH_PERMISSIONS));
  const graphSp = graph.addServicePrincipal({
    appId: GRAPH_APP,
    displayName: 'Microsoft Graph',
    appOwnerOrganizationId: 'f8cdef31-a31e-4b4a-93e4-5f571e91255a',
  });
  const evil = graph.addServicePrincipal({ appId: EVIL_APP, displayName: 'Mail Archiver Pro' });
  const bob = graph.addUser('bob@contoso.com');
  const carol = graph.addUser('carol@contoso.com');
  graph.addUser('alice@contoso.com');
  for (const u of [bob, carol]) {
    graph.addGrant({
      clientId: evil.id,
      consentType: 'Principal',
      principalId: u.id,
      resourceId: graphSp.id,
      scope: ' Mail.ReadWrite Files.Read.All offline_access User.Read',
    });
  }
  graph.addAssignment({
    principalId: evil.id,
    principalType: 'ServicePrincipal',
    resourceId: graphSp.id,
    appRoleId: '810c84a8-4a9e-49e6-bf7d-12d183f40d01', // Mail.Read (application)
    resourceDisplayName: 'Microsoft Graph',
  });
  const tokens = new EntraTokenSource(
    { tenantId: TENANT, clientId: RESPONDER_APP, clientSecret: RESPONDER_SECRET },
    { authorityHost: entra.base, fetch: testCaFetch },
  );
  const directory = new GraphDirectory({
    tokens,
    graphBase: graph.base,
    fetch: testCaFetch,
    sleep: async () => undefined,
  });
  return {
    entra,
    graph,
    graphSp,
    evil,
    tokens,
    directory,
    close: async () => {
      await graph.close();
      await entra.close();
    },
  };
}

/** A finding as oauth-chain writes it: consent (steps 1, 2) by each user, then mass reads (step 3). */
export function chainFinding(
  opts: {
    id?: string;
    severity?: Severity;
    appId?: string;
    users?: string[];
    ruleId?: string;
    tenant?: string;
  } = {},
): Finding {
  const appId = opts.appId ?? EVIL_APP;
  const users = opts.users ?? ['bob@contoso.com', 'carol@contoso.com'];
  const tenant = opts.tenant ?? TENANT;
  const evidence: EvidenceItem[] = [];
  users.forEach((u, i) => {
    const time = new Date(Date.parse('2026-03-02T10:05:02Z') + i * 60_000).toISOString();
    evidence.push(
      {
        id: `Directory_c${i}`,
        time,
        source: 'entra.audit',
        action: 'Consent to application',
        actor: u,
        ip: '185.220.101.47',
        target: 'Mail Archiver Pro',
        step: 1,
        stepRule: 'oauth-app-consent',
      },
      {
        id: `Directory_g${i}`,
        time,
        source: 'entra.audit',
        action: 'Add delegated permission grant',
        actor: u,
        target: 'Microsoft Graph',
        step: 2,
        stepRule: 'oauth-scope-grant',
      },
    );
  });
  evidence.push({
    id: 'ual-1',
    time: '2026-03-02T12:11:00.000Z',
    source: 'm365.audit',
    action: 'MailItemsAccessed',
    actor: 'bob@contoso.com',
    ip: '20.42.128.17',
    target: appId,
    step: 3,
    stepRule: 'oauth-app-mass-access',
  });
  return {
    schemaVersion: 1,
    id: opts.id ?? 'oauth-chain-3b0f6c1d9e2a4f57',
    ruleId: opts.ruleId ?? 'oauth-chain',
    title: `App "Mail Archiver Pro" consented, granted Mail.ReadWrite, Files.Read.All, then read or exported data at volume`,
    severity: opts.severity ?? 'critical',
    attack: ['T1528'],
    tenant,
    principal: `Mail Archiver Pro (${appId})`,
    firstSeen: evidence[0]?.time ?? '',
    lastSeen: '2026-03-02T12:11:00.000Z',
    count: 1,
    evidence,
    why: 'test',
    runbook: [],
    dedupKey: `${tenant}|${appId}`,
  };
}

/** A notifier that keeps what it was asked to publish. */
export function recordingNotifier(): ResponseNotifier & { sent: RenderedResponseMessage[] } {
  const sent: RenderedResponseMessage[] = [];
  return {
    sent,
    publish: async (m) => {
      sent.push(m);
      return `msg-${sent.length}`;
    },
  };
}

/** Responder dependencies over the tenant, policy `on` at critical unless told otherwise. */
export async function depsFor(
  t: Tenant,
  policy: Partial<ResponderPolicy> = {},
  extra: Partial<ResponderDeps> & { store?: StateStore } = {},
): Promise<ResponderDeps & { store: StateStore; notifier: ReturnType<typeof recordingNotifier> }> {
  const store = extra.store ?? (await EmbeddedStateStore.open(':memory:'));
  const notifier = recordingNotifier();
  let clock = T0;
  return {
    store,
    policy: { ...parseResponderPolicy({ mode: 'on' }, 'test'), ...policy },
    entra: async (tenant) => (tenant === TENANT ? t.directory : undefined),
    notifier,
    now: () => (clock += 1000),
    selfAppIds: [RESPONDER_APP],
    ...extra,
  } as ResponderDeps & { store: StateStore; notifier: ReturnType<typeof recordingNotifier> };
}

/** The email text of a rendered message. */
export function emailOf(m: RenderedResponseMessage | undefined): string {
  return m ? (JSON.parse(m.Message) as { email: string }).email : '';
}
