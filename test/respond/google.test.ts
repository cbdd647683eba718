/**
 * Google Workspace: the example story's critical oauth-risky-consent (Carol authorized "PDF Converter
 * Pro" for all of Gmail and Drive) against a Directory API that keeps each user's tokens, reached with
 * the responder's own service account through the collector's JWT client and the fake token service.
 */
import { join } from 'node:path';
import { GOOGLE_CUSTOMER, PDF_CLIENT_ID } from '../../bench/example-story';
import { parseResponderPolicy } from '#shared/config/responder';
import type { Finding } from '#shared/engine/findings';
import { GOOGLE_RESPONDER_SCOPE, googleClientsFromSecret } from '#shared/respond/google';
import { respond, undoAction } from '#shared/respond/responder';
import type { ResponderDeps } from '#shared/respond/responder';
import { replay } from '#shared/replay/replay';
import { EmbeddedStateStore } from '#shared/state/embedded';
import { startFakeGoogle } from '../support/fake-google';
import type { DirectoryToken, FakeGoogle } from '../support/fake-google';
import { testCaFetch } from '../support/https-fetch';
import { emailOf, recordingNotifier } from './harness';

jest.setTimeout(120_000);

let google: FakeGoogle;
let consent: Finding;

const CAROL = 'carol@contoso-labs.com';

function token(user: string, clientId: string, scopes: string[]): DirectoryToken {
  return {
    kind: 'admin#directory#token',
    clientId,
    displayText: clientId === PDF_CLIENT_ID ? 'PDF Converter Pro' : 'Calendar Sync',
    anonymous: false,
    nativeApp: false,
    userKey: user,
    scopes,
    etag: '"t"',
  };
}

beforeAll(async () => {
  const summary = await replay(['examples/'], { cwd: join(__dirname, '..', '..') });
  const found = summary.findings.filter(
    (f) => f.ruleId === 'oauth-risky-consent' && f.tenant === GOOGLE_CUSTOMER,
  );
  expect(found).toHaveLength(1);
  consent = found[0] as Finding;
  google = await startFakeGoogle();
});

afterAll(async () => {
  await google?.close();
});

beforeEach(() => {
  google.userTokens.clear();
  google.userTokens.set(CAROL, [
    token(CAROL, PDF_CLIENT_ID, ['https://mail.google.com/', 'https://www.googleapis.com/auth/drive']),
    token(CAROL, 'calendar-sync.apps.googleusercontent.com', [
      'https://www.googleapis.com/auth/calendar.readonly',
    ]),
  ]);
  google.directoryMutations.length = 0;
  google.script.length = 0;
});

async function deps(
  mode: 'dry-run' | 'on',
): Promise<ResponderDeps & { notifier: ReturnType<typeof recordingNotifier> }> {
  const secret = {
    serviceAccountKey: JSON.stringify(google.responderKeyFile),
    delegatedAdminEmail: 'secadmin@contoso-labs.com',
    tokenUrl: google.tokenUrl,
    apiBase: google.base,
  };
  let clock = Date.parse('2026-03-03T08:30:00Z');
  return {
    store: await EmbeddedStateStore.open(':memory:'),
    policy: parseResponderPolicy({ mode }, 'test'),
    google: googleClientsFromSecret(secret, 'test secret', {
      fetch: testCaFetch,
      sleep: async () => undefined,
    }),
    notifier: recordingNotifier(),
    now: () => (clock += 1000),
  };
}

const pdfTokens = (): DirectoryToken[] =>
  (google.userTokens.get(CAROL) ?? []).filter((t) => t.clientId === PDF_CLIENT_ID);

describe("the story's Google consent", () => {
  it('is critical and names the client id and the user who authorized it', () => {
    expect(consent.severity).toBe('critical');
    expect(JSON.stringify(consent)).toContain(PDF_CLIENT_ID);
  });

  it('in dry-run snapshots the tokens with the responder scope only, deleting nothing', async () => {
    const d = await deps('dry-run');
    const out = await respond(consent, d);
    expect(out.result).toBe('dry-run');
    expect(google.directoryMutations).toEqual([]);
    expect(pdfTokens()).toHaveLength(1);
    expect(google.lastClaims?.['scope']).toBe(GOOGLE_RESPONDER_SCOPE);
    expect(google.lastClaims?.['sub']).toBe('secadmin@contoso-labs.com');
    const rec = out.records.find((r) => r.kind === 'google-tokens');
    expect(rec?.status).toBe('dry-run');
    expect(rec?.snapshot).toMatchObject({ kind: 'google-tokens', users: [CAROL] });
    expect(emailOf(d.notifier.sent[0])).toMatch(/would have/i);
  });

  it("in on-mode deletes the app's tokens of each user, leaves other apps' tokens, and says where to block the app", async () => {
    const d = await deps('on');
    google.script.push({
      status: 403,
      body: {
        error: { code: 403, message: 'Quota exceeded', errors: [{ reason: 'userRateLimitExceeded' }] },
      },
    });
    const out = await respond(consent, d);
    expect(out.result).toBe('on');
    expect(pdfTokens()).toEqual([]);
    expect(google.userTokens.get(CAROL)).toHaveLength(1);
    expect(google.directoryMutations).toEqual([
      `DELETE /admin/directory/v1/users/${encodeURIComponent(CAROL)}/tokens/${encodeURIComponent(PDF_CLIENT_ID)}`,
    ]);
    expect(out.records.find((r) => r.kind === 'google-tokens')?.status).toBe('done');
    const email = emailOf(d.notifier.sent[0]);
    expect(email).toMatch(/Admin console/);
    expect(email).toMatch(/authoriz/i);
  });

  it('counts tokens someone else deleted first as already gone', async () => {
    const d = await deps('on');
    google.userTokens.set(CAROL, []);
    const out = await respond(consent, d);
    const rec = out.records.find((r) => r.kind === 'google-tokens');
    expect(['done', 'skipped']).toContain(rec?.status);
    expect(rec?.status === 'done' ? rec.results.every((r) => r.outcome !== 'failed') : true).toBe(true);
  });

  it('refuses to undo token deletion (Google has no API to recreate a token) and says so', async () => {
    const d = await deps('on');
    const out = await respond(consent, d);
    const id = out.records.find((r) => r.kind === 'google-tokens')?.actionId ?? '';
    const undone = await undoAction(id, d, 'test').then(
      (u) => u.results.map((r) => r.outcome),
      (e: Error) => e.message,
    );
    expect(JSON.stringify(undone)).toMatch(/not-undoable|cannot|re-authoriz|no API/i);
  });

  it('stops and reports when the service account is not delegated the scope', async () => {
    google.unauthorizedClients = true;
    try {
      const d = await deps('on');
      const out = await respond(consent, d);
      const rec = out.records.find((r) => r.kind === 'google-tokens');
      expect(rec?.status).toBe('failed');
      expect(rec?.error ?? '').toMatch(/Domain-wide delegation/);
      expect(google.directoryMutations).toEqual([]);
      expect(out.retryable).toBe(false);
    } finally {
      google.unauthorizedClients = false;
    }
  });
});
