/**
 * `tripline pull` as an incident responder runs it: the real command (bin/tripline.cjs, a child
 * process) with credentials in the environment and every endpoint set by flags, trusting the test CA
 * through NODE_EXTRA_CA_CERTS, against local servers that behave like Entra ID, Microsoft Graph, the
 * Management Activity API and Google's token endpoint and Reports API. What it writes, `tripline
 * replay` reads; running it again writes no record twice.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startFakeEntra } from '../support/fake-entra';
import type { FakeEntra } from '../support/fake-entra';
import { activity, startFakeGoogle } from '../support/fake-google';
import type { FakeGoogle } from '../support/fake-google';
import { directoryAudit, graphSignIn, startFakeGraph } from '../support/fake-graph';
import type { FakeGraph } from '../support/fake-graph';
import { contentId, startFakeManagement, ualRecord } from '../support/fake-management';
import type { FakeManagement } from '../support/fake-management';
import { TEST_CA_FILE } from '../support/https-server';

jest.setTimeout(180_000);

const ROOT = path.join(__dirname, '..', '..');
const TENANT = '2f4a9c1e-7b3d-4e5f-a6b7-c8d9e0f1a2b3';
const CLIENT = '6c1f3b0e-9d2a-4e8f-b7c6-5a4d3e2f1b0c';
const MIN = 60_000;
const HOUR = 60 * MIN;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the installed-style command line in a child process (NODE_EXTRA_CA_CERTS is read at start). */
function tripline(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(ROOT, 'bin', 'tripline.cjs'), ...args],
      {
        cwd: work,
        env: { PATH: process.env['PATH'] ?? '', NODE_EXTRA_CA_CERTS: TEST_CA_FILE, ...env },
        timeout: 150_000,
        maxBuffer: 16 << 20,
      },
      (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

const lines = (file: string): Array<Record<string, unknown>> =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, unknown>);

let work: string;
let entra: FakeEntra;
let graph: FakeGraph;
let m365: FakeManagement;
let google: FakeGoogle;

beforeAll(async () => {
  entra = await startFakeEntra();
  entra.register({ tenantId: TENANT, clientId: CLIENT, secret: 's3cr3t' });
  graph = await startFakeGraph(entra, TENANT);
  m365 = await startFakeManagement(entra, TENANT);
  google = await startFakeGoogle();
});
afterAll(async () => {
  await Promise.all([graph.close(), m365.close(), google.close()]);
  await entra.close();
});
beforeEach(() => {
  work = mkdtempSync(path.join(tmpdir(), 'tripline-pull-'));
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

const azure = (secret = 's3cr3t'): Record<string, string> => ({
  AZURE_TENANT_ID: TENANT,
  AZURE_CLIENT_ID: CLIENT,
  AZURE_CLIENT_SECRET: secret,
});

describe('tripline pull graph', () => {
  it('writes the last days of directory audits and sign-ins for replay, and a second run adds only what is new', async () => {
    const now = Date.now();
    graph.audits.length = 0;
    graph.signIns.length = 0;
    graph.audits.push(directoryAudit(now - 3 * 24 * HOUR), directoryAudit(now - 2 * HOUR));
    // Ten failures for one user: replay's brute-force fires on what pull wrote.
    for (let i = 0; i < 12; i++)
      graph.signIns.push(graphSignIn(now - 30 * MIN + i * 20_000, { upn: 'grace@contoso.com' }));
    // Older than --since: not read.
    graph.audits.push(directoryAudit(now - 9 * 24 * HOUR));
    const flags = [
      'pull',
      'graph',
      '--out',
      'pulled',
      '--since',
      '7d',
      '--feeds',
      'directoryAudits,signIns',
      '--authority-host',
      entra.base,
      '--graph-url',
      graph.base,
    ];
    const first = await tripline(flags, azure());
    expect(first.stderr).toContain('graph-directory-audits');
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(/14 new records written to pulled/);
    const files = readdirSync(path.join(work, 'pulled')).sort();
    expect(files).toEqual([
      '.tripline-pull-state.jsonl',
      `graph-directory-audits_${TENANT}.jsonl`,
      `graph-signins_${TENANT}.jsonl`,
    ]);
    expect(lines(path.join(work, 'pulled', `graph-signins_${TENANT}.jsonl`))).toHaveLength(12);

    // Run again: nothing new is written; one new sign-in arrives and only it is added.
    const again = await tripline(flags, azure());
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/0 new records written/);
    graph.signIns.push(graphSignIn(Date.now() - 5 * MIN, { ok: true }));
    const third = await tripline(flags, azure());
    expect(third.stderr).toMatch(/1 new record written/);
    expect(lines(path.join(work, 'pulled', `graph-signins_${TENANT}.jsonl`))).toHaveLength(13);

    const replay = await tripline(['replay', 'pulled', '--state', ':memory:', '--format', 'jsonl'], {});
    expect(replay.stderr).toMatch(/15 records read/);
    const findings = replay.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { ruleId: string; principal: string });
    expect(findings.map((f) => `${f.ruleId} ${f.principal}`)).toEqual(['brute-force grace@contoso.com']);
  });

  it('says which credential is wrong, and exits 2', async () => {
    const res = await tripline(
      ['pull', 'graph', '--out', 'pulled', '--authority-host', entra.base, '--graph-url', graph.base],
      azure('expired-secret'),
    );
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/graph-directory-audits \(.*\) failed after 0 new records: .*AADSTS7000215/);
    expect(res.stderr).toMatch(/feeds failed \(run again to continue\)/);
  });

  it('names the missing environment variables before calling anything', async () => {
    const tokens = entra.issued.length;
    const res = await tripline(['pull', 'graph', '--out', 'pulled'], { AZURE_TENANT_ID: TENANT });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('set AZURE_CLIENT_ID, AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH');
    expect(entra.issued).toHaveLength(tokens);
  });

  it('reports a tenant without Entra ID P1/P2 once and still writes the directory audits', async () => {
    graph.licensed = false;
    try {
      const res = await tripline(
        [
          'pull',
          'graph',
          '--out',
          'pulled',
          '--feeds',
          'directoryAudits,signIns',
          '--authority-host',
          entra.base,
          '--graph-url',
          graph.base,
        ],
        azure(),
      );
      expect(res.code).toBe(0);
      expect(res.stderr).toMatch(/graph-signins: skipped: Sign-in logs need an Entra ID P1 or P2 licence/);
      expect(
        lines(path.join(work, 'pulled', `graph-directory-audits_${TENANT}.jsonl`)).length,
      ).toBeGreaterThan(0);
    } finally {
      graph.licensed = true;
    }
  });
});

describe('tripline pull m365', () => {
  it('starts the subscriptions, takes each blob once and writes a record the API repeats only once', async () => {
    const now = Date.now();
    const dup = ualRecord(now - 3 * HOUR, { tenant: TENANT, user: 'bob@contoso.com' });
    m365.blobs.push(
      {
        contentType: 'Audit.Exchange',
        contentId: contentId('Audit.Exchange', now - 2 * HOUR),
        contentCreated: now - 2 * HOUR,
        records: [dup, ualRecord(now - 3 * HOUR, { tenant: TENANT })],
      },
      {
        contentType: 'Audit.Exchange',
        contentId: contentId('Audit.Exchange', now - 30 * 60_000),
        contentCreated: now - 30 * MIN,
        records: [dup, ualRecord(now - HOUR, { tenant: TENANT })],
      },
    );
    const flags = [
      'pull',
      'm365',
      '--out',
      'pulled',
      '--feeds',
      'Audit.Exchange',
      '--authority-host',
      entra.base,
      '--management-url',
      m365.base,
    ];
    const res = await tripline(flags, azure());
    expect(res.code).toBe(0);
    expect(res.stderr).toContain('started the Management Activity API subscription to Audit.Exchange');
    const written = lines(path.join(work, 'pulled', `m365-audit-exchange_${TENANT}.jsonl`));
    expect(written.map((r) => r['Id'])).toHaveLength(3);
    expect(new Set(written.map((r) => r['Id'])).size).toBe(3);
    expect(m365.requests.every((r) => r.publisher === TENANT)).toBe(true);

    const again = await tripline(flags, azure());
    expect(again.stderr).toMatch(/0 new records written/);
    expect(lines(path.join(work, 'pulled', `m365-audit-exchange_${TENANT}.jsonl`))).toHaveLength(3);
  });
});

describe('tripline pull workspace', () => {
  it('reads each application with the service account key from GOOGLE_APPLICATION_CREDENTIALS', async () => {
    const now = Date.now();
    google.add(
      'login',
      activity('login', now - 2 * HOUR, { name: 'login_success', customerId: 'C03x9k2m1' }),
    );
    google.add('token', activity('token', now - 3 * HOUR, { name: 'authorize', customerId: 'C03x9k2m1' }));
    writeFileSync(path.join(work, 'key.json'), JSON.stringify(google.keyFile));
    const flags = [
      'pull',
      'workspace',
      '--out',
      'pulled',
      '--feeds',
      'login,token',
      '--tenant',
      'C03x9k2m1',
      '--google-token-url',
      google.tokenUrl,
      '--google-api-url',
      google.base,
    ];
    const env = {
      GOOGLE_APPLICATION_CREDENTIALS: 'key.json',
      TRIPLINE_GOOGLE_ADMIN_EMAIL: 'admin@contoso-labs.com',
    };
    const res = await tripline(flags, env);
    expect(res.code).toBe(0);
    expect(lines(path.join(work, 'pulled', 'workspace-login_C03x9k2m1.jsonl'))).toHaveLength(1);
    expect(lines(path.join(work, 'pulled', 'workspace-token_C03x9k2m1.jsonl'))).toHaveLength(1);
    expect(google.lastClaims).toMatchObject({ sub: 'admin@contoso-labs.com' });

    const unauthorized = await tripline(flags, { ...env, TRIPLINE_GOOGLE_ADMIN_EMAIL: '' });
    expect(unauthorized.code).toBe(2);
    expect(unauthorized.stderr).toContain('set TRIPLINE_GOOGLE_ADMIN_EMAIL');
  });
});

describe('tripline pull, usage', () => {
  it('lists the sources it reads when given another', async () => {
    const res = await tripline(['pull', 'okta', '--out', 'x'], {});
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(
      "unknown source 'okta'; tripline pull reads graph, m365, workspace, cloudtrail-lookup",
    );
  });
});
