/**
 * The Google Workspace collector against a local HTTPS server that behaves like Google's token endpoint
 * and the Reports API (test/support/fake-google.ts).
 */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { EmbeddedStateStore } from '#shared/state/embedded';
import { Detector } from '#shared/engine/detector';
import { runBatch } from '#shared/pipeline/run-batch';
import { HttpError } from '#shared/sources/http';
import { runPoller } from '#shared/sources/poller';
import { RateLimiter } from '#shared/sources/rate-limit';
import type { PollSource, PollWindow } from '#shared/sources/poller';
import {
  GOOGLE_REPORTS_BASE,
  GOOGLE_TOKEN_URL,
  WorkspaceConfigError,
  createWorkspaceSources,
  parseWorkspaceOptions,
} from '#shared/sources/workspace';
import type { WorkspaceDeps, WorkspaceNotice, WorkspaceOptionsInput } from '#shared/sources/workspace';
import { activity, startFakeGoogle } from '../support/fake-google';
import type { FakeGoogle } from '../support/fake-google';
import { testCaFetch } from '../support/https-fetch';
import { TEST_CA_FILE } from '../support/https-server';
import { MemorySink } from '../pipeline/helpers';
import {
  GROUP,
  KILL_POINTS,
  countingRule,
  describeKill,
  mayRedeliver,
  pollKilledThenResumed,
} from './kill-harness';

const MIN = 60_000;
const HOUR = 60 * MIN;
const NOW = Date.parse('2026-03-04T12:00:00Z');

let google: FakeGoogle;
let notices: WorkspaceNotice[];
let sleeps: number[];

beforeEach(async () => {
  google = await startFakeGoogle();
  notices = [];
  sleeps = [];
});
afterEach(() => google.close());

const input = (extra: Partial<WorkspaceOptionsInput> = {}): WorkspaceOptionsInput => ({
  serviceAccountKey: JSON.stringify(google.keyFile),
  delegatedAdminEmail: 'admin@example.com',
  apiBase: google.base,
  tokenUrl: google.tokenUrl,
  ...extra,
});

const deps = (extra: Partial<WorkspaceDeps> = {}): WorkspaceDeps => ({
  fetch: testCaFetch,
  sleep: async (ms) => {
    sleeps.push(ms);
  },
  onNotice: (n) => notices.push(n),
  http: { baseDelayMs: 1 },
  limiter: new RateLimiter({ requests: 1000, perMs: 1000 }),
  ...extra,
});

function sourceFor(
  app: string,
  extra: Partial<WorkspaceOptionsInput> = {},
  d: Partial<WorkspaceDeps> = {},
): PollSource {
  const s = createWorkspaceSources(parseWorkspaceOptions(input(extra)), deps(d)).find(
    (x) => x.name === `workspace-${app}`,
  );
  if (!s) throw new Error(app);
  return s;
}

const W: PollWindow = { from: NOW - HOUR, to: NOW };

describe('parseWorkspaceOptions', () => {
  it('lists every bad field at once, saying what each must be', () => {
    let err: unknown;
    try {
      parseWorkspaceOptions({
        serviceAccountKey: '{}',
        delegatedAdminEmail: 'not-an-address',
        applications: ['login', 'calendar'],
        apiBase: 'http://admin.example.com',
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(WorkspaceConfigError);
    const msg = (err as Error).message;
    expect(msg).toContain('delegatedAdminEmail is not an e-mail address');
    expect(msg).toContain('applications.1');
    expect(msg).toContain('apiBase must be an https:// URL');
  });

  it('says to paste the whole key file when the key is not JSON or lacks its private key', () => {
    expect(() => parseWorkspaceOptions(input({ serviceAccountKey: 'AIza-not-json' }))).toThrow(
      /serviceAccountKey is not JSON: paste the whole key file/,
    );
    expect(() =>
      parseWorkspaceOptions(input({ serviceAccountKey: { client_email: 'sa@p.iam.gserviceaccount.com' } })),
    ).toThrow(/serviceAccountKey.private_key .*JSON key file/);
  });

  it("defaults to every application, Google's endpoints, and 1000 activities per page", () => {
    const o = parseWorkspaceOptions({
      serviceAccountKey: { ...google.keyFile, token_uri: undefined },
      delegatedAdminEmail: 'admin@example.com',
    });
    expect(o.applications).toEqual(['token', 'login', 'admin', 'drive', 'user_accounts', 'saml', 'gmail']);
    expect([o.tokenUrl, o.apiBase, o.maxResults]).toEqual([GOOGLE_TOKEN_URL, GOOGLE_REPORTS_BASE, 1000]);
  });

  it("uses the key file's token_uri when no token URL is given", () => {
    const o = parseWorkspaceOptions({
      serviceAccountKey: google.keyFile,
      delegatedAdminEmail: 'a@example.com',
    });
    expect(o.tokenUrl).toBe(google.tokenUrl);
  });
});

describe('Workspace Reports API source', () => {
  it('signs the delegation JWT locally and gets one token from the configured URL for every application and page', async () => {
    google.add('login', activity('login', NOW - 30 * MIN), activity('login', NOW - 20 * MIN));
    google.add('admin', activity('admin', NOW - 10 * MIN));
    google.pageSize = 1;
    const sources = createWorkspaceSources(
      parseWorkspaceOptions(input({ applications: ['login', 'admin'] })),
      deps(),
    );
    const [login, admin] = sources as [PollSource, PollSource];
    const p1 = await login.fetchPage(W);
    const p2 = await login.fetchPage(W, p1.next);
    const p3 = await admin.fetchPage(W);
    expect([p1.records.length, p2.records.length, p3.records.length]).toEqual([1, 1, 1]);
    expect(p2.next).toBeUndefined();
    expect(google.tokenRequests).toBe(1);
    expect(google.lastClaims).toMatchObject({
      iss: google.keyFile.client_email,
      sub: 'admin@example.com',
      scope: 'https://www.googleapis.com/auth/admin.reports.audit.readonly',
    });
  });

  it('asks for each window with RFC 3339 startTime and endTime, maxResults 1000 and the customer id', async () => {
    const s = sourceFor('gmail', { customerId: 'C03az79cb' });
    await s.fetchPage(W);
    const q = google.requests[0]?.query;
    expect(google.requests[0]?.app).toBe('gmail');
    expect(q?.get('startTime')).toBe('2026-03-04T11:00:00.000Z');
    expect(q?.get('endTime')).toBe('2026-03-04T12:00:00.000Z');
    expect(q?.get('maxResults')).toBe('1000');
    expect(q?.get('customerId')).toBe('C03az79cb');
  });

  it('refuses a gmail window over 30 days before calling the API', async () => {
    const s = sourceFor('gmail');
    await expect(s.fetchPage({ from: NOW - 31 * 24 * HOUR, to: NOW })).rejects.toThrow(/more than 30 days/);
    expect(google.requests).toHaveLength(0);
  });

  it('replaces an access token the API refuses (401) once, then carries on', async () => {
    google.add('token', activity('token', NOW - 5 * MIN, { name: 'authorize' }));
    const s = sourceFor('token');
    await s.fetchPage(W);
    google.revoked.add(google.issued[0] as string);
    const page = await s.fetchPage(W);
    expect(page.records).toHaveLength(1);
    expect(google.issued).toHaveLength(2);
  });

  it('fails with what to do when domain-wide delegation is not granted', async () => {
    google.unauthorizedClients = true;
    await expect(sourceFor('login').fetchPage(W)).rejects.toThrow(
      /unauthorized_client.*Domain-wide delegation.*admin\.reports\.audit\.readonly/s,
    );
  });

  it('waits out quota answers (503 with Retry-After, 403 rateLimitExceeded) and gets the page', async () => {
    google.add('login', activity('login', NOW - 5 * MIN));
    google.script.push(
      {
        status: 503,
        headers: { 'retry-after': '2' },
        body: { error: { code: 503, message: 'Quota exceeded' } },
      },
      {
        status: 403,
        body: {
          error: { code: 403, message: 'Rate limit exceeded', errors: [{ reason: 'rateLimitExceeded' }] },
        },
      },
    );
    const page = await sourceFor('login').fetchPage(W);
    expect(page.records).toHaveLength(1);
    expect(sleeps).toContain(2000);
    expect(sleeps).toHaveLength(2);
  });

  it('reports drive once as unavailable on an edition without it, reads it as empty, and asks again a day later', async () => {
    google.unavailable.add('drive');
    let clock = NOW;
    const s = sourceFor('drive', {}, { now: () => clock });
    expect(await s.fetchPage(W)).toEqual({ records: [] });
    expect(await s.fetchPage(W)).toEqual({ records: [] });
    expect(google.requests.filter((r) => r.app === 'drive')).toHaveLength(1);
    expect(notices).toHaveLength(1);
    expect(notices[0]?.message).toMatch(/Business and Enterprise editions/);
    clock += 25 * HOUR;
    google.unavailable.delete('drive');
    google.add('drive', activity('drive', clock - 5 * MIN));
    expect((await s.fetchPage({ from: clock - HOUR, to: clock })).records).toHaveLength(1);
  });

  it('does not swallow a 403 on login: that is a permission problem to fix, not an edition', async () => {
    google.unavailable.add('login');
    const err = await sourceFor('login')
      .fetchPage(W)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect((err as HttpError).status).toBe(403);
  });

  it('reads the window again from its first page when the API refuses a saved page token', async () => {
    google.add('admin', activity('admin', NOW - 5 * MIN));
    const page = await sourceFor('admin').fetchPage(W, 'expired-token');
    expect(page.records).toHaveLength(1);
    expect(notices.map((n) => n.kind)).toEqual(['page-token-refused']);
  });
});

describe('Workspace collector under the poller template', () => {
  const TIMING = { overlapMs: 10 * MIN, maxWindowMs: HOUR, initialLookbackMs: 2 * HOUR, delayMs: 2 * MIN };

  it('keeps a checkpoint per application, so a token event indexed late is read by the token watermark', async () => {
    const store = await EmbeddedStateStore.open(':memory:');
    const sink = new MemorySink();
    const rule = countingRule('google.workspace', ['authorize', 'login_success'], 1000);
    const detector = new Detector({ rules: [rule], store, lateness: '2h' });
    const seen: string[] = [];
    let clock = NOW;
    const sources = createWorkspaceSources(
      parseWorkspaceOptions(input({ applications: ['login', 'token'] })),
      deps(),
    );
    const poll = async (): Promise<void> => {
      for (const source of sources) {
        const res = await runPoller({
          source,
          tenant: 'C01abc2de',
          store,
          ...TIMING,
          now: () => clock,
          remainingMs: () => 600_000,
          batch: async (events) => {
            seen.push(...events.map((e) => `${e.action}@${new Date(e.time).toISOString()}`));
            return runBatch(events, { detector, store, sink, now: clock, claimTtlMs: 86_400_000 });
          },
        });
        expect(res.status).toBe('caught-up');
      }
    };
    google.add('login', activity('login', NOW - 30 * MIN, { name: 'login_success' }));
    await poll();
    clock += 5 * MIN;
    // Indexed only now, 6 minutes after it happened: inside token's overlap, past login's checkpoint.
    google.add('token', activity('token', NOW - 4 * MIN, { name: 'authorize' }));
    await poll();
    expect(seen).toEqual(['login_success@2026-03-04T11:30:00.000Z', 'authorize@2026-03-04T11:56:00.000Z']);
    await store.close();
  });

  it('drops an activity repeated across pages', async () => {
    const store = await EmbeddedStateStore.open(':memory:');
    google.pageSize = 2;
    google.duplicateAcrossPages = true;
    for (let i = 0; i < 5; i++) google.add('admin', activity('admin', NOW - (10 + i) * MIN));
    const ids: string[] = [];
    const res = await runPoller({
      source: sourceFor('admin'),
      tenant: 'C01abc2de',
      store,
      ...TIMING,
      initialLookbackMs: HOUR,
      now: () => NOW,
      remainingMs: () => 600_000,
      batch: async (events) => {
        ids.push(...events.map((e) => e.id));
        return {
          findings: [],
          updated: [],
          published: [],
          duplicates: [],
          failedPublishes: [],
          abandoned: [],
          outboxErrors: [],
          ruleErrors: [],
          stats: {} as never,
        };
      },
    });
    expect(res.overlapDuplicates).toBe(2);
    expect(new Set(ids).size).toBe(5);
    expect(ids).toHaveLength(5);
    await store.close();
  });

  describe('killed in the middle of a poll, the next polls lose no record and count none twice', () => {
    const N = 40;
    it.each(KILL_POINTS.map((k) => [describeKill(k), k] as const))('when %s', async (_label, kill) => {
      google.pageSize = 6;
      // 40 failed logins of 4 users over 80 minutes: two windows, seven pages.
      for (let i = 0; i < N; i++) {
        google.add(
          'login',
          activity('login', NOW - 90 * MIN + i * 2 * MIN, {
            name: 'login_failure',
            actor: `user${i % (N / GROUP)}@example.com`,
          }),
        );
      }
      const { sink, delivered, first } = await pollKilledThenResumed(kill, {
        makeSource: (hooks) => {
          const inner = sourceFor('login', {}, { http: { maxAttempts: 1 } });
          return {
            name: inner.name,
            sourceId: inner.sourceId,
            fetchPage: async (w, c) => (hooks.beforeFetch(0), inner.fetchPage(w, c)),
          };
        },
        rule: countingRule('google.workspace', ['login_failure']),
        timing: { ...TIMING, initialLookbackMs: 2 * HOUR },
        now: NOW,
        tenant: 'C01abc2de',
      });
      if (kill.kind === 'budget') expect(first).toMatchObject({ status: 'budget' });
      else expect(first).toBeInstanceOf(Error);
      expect(new Set(delivered).size).toBe(N);
      expect(delivered.length - N).toBeLessThanOrEqual(mayRedeliver(kill, 6));
      expect(sink.sent).toHaveLength(N / GROUP);
      expect(sink.sent.map((f) => f.count)).toEqual(Array(N / GROUP).fill(GROUP));
    });
  });
});

describe('Workspace collector in a process trusting an extra CA through NODE_EXTRA_CA_CERTS', () => {
  it('reaches any https token URL and API base with the default fetch, unchanged', async () => {
    google.add('saml', activity('saml', NOW - 5 * MIN, { name: 'login_success' }));
    const script = `
      const { createWorkspaceSources, parseWorkspaceOptions } = require(${JSON.stringify(path.resolve(__dirname, '../../shared/sources/workspace'))});
      const opts = parseWorkspaceOptions(JSON.parse(process.env.OPTS));
      const [saml] = createWorkspaceSources(opts);
      saml.fetchPage({ from: ${NOW - HOUR}, to: ${NOW} }).then(
        (p) => process.stdout.write(String(p.records.length)),
        (e) => process.stdout.write('failed: ' + e.message));`;
    const run = promisify(execFile);
    const { stdout } = await run(process.execPath, ['--require', 'tsx/cjs', '-e', script], {
      cwd: path.resolve(__dirname, '../..'),
      env: {
        ...process.env,
        NODE_EXTRA_CA_CERTS: TEST_CA_FILE,
        OPTS: JSON.stringify(input({ applications: ['saml'] })),
      },
    });
    expect(stdout).toBe('1');
    expect(google.tokenRequests).toBe(1);
  });
});
