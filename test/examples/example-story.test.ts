/**
 * The Contoso example (examples/, told in examples/README.md) replayed the way a user replays it:
 * the real file reader, the real normalizers, every shipped rule and the embedded state store.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  ARCHIVER_APP_ID,
  AWS_ACCOUNT,
  BRUTE_IP,
  EXAMPLE_FILES,
  GOOGLE_CUSTOMER,
  PDF_CLIENT_ID,
  SPRAY_IP,
  TENANT_ID,
  buildExampleFiles,
} from '../../bench/example-story';
import type { Finding } from '../../shared/engine/findings';
import { replay } from '../../shared/replay/replay';
import type { ReplaySummary } from '../../shared/replay/replay';

const ROOT = join(__dirname, '..', '..');

/** What Tripline must find in the story, and nothing else: `ruleId principal`. */
const EXPECTED = [
  'brute-force finance@contoso.com',
  'cloud-logging-disabled ci-deploy',
  'inbox-forwarding bob@contoso.com',
  'mail-unusual-client bob@contoso.com',
  `oauth-chain Mail Archiver Pro (${ARCHIVER_APP_ID})`,
  'oauth-risky-consent bob@contoso.com',
  'oauth-risky-consent carol@contoso-labs.com',
  `password-spray ${SPRAY_IP}`,
  `password-spray-success ${SPRAY_IP}`,
].sort();

/**
 * Bob's 14 days of mailbox history hold only first-party clients (Outlook desktop, Outlook on the
 * web), which never fire but build his baseline: the app's first read is a new term for a learned
 * user.
 */
const BOB_UNUSUAL_CLIENT = 'mail-unusual-client bob@contoso.com';

let summary: ReplaySummary;

function key(f: Finding): string {
  return `${f.ruleId} ${f.principal}`;
}

function only(ruleId: string): Finding[] {
  return summary.findings.filter((f) => f.ruleId === ruleId);
}

beforeAll(async () => {
  summary = await replay(['examples/'], { cwd: ROOT });
});

describe('the example files', () => {
  it('are exactly what bench/example-story.ts writes', () => {
    for (const f of buildExampleFiles()) {
      const raw = readFileSync(join(ROOT, f.path));
      const text = f.path.endsWith('.gz') ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
      expect({ path: f.path, same: text === f.text }).toEqual({ path: f.path, same: true });
    }
  });

  it('are small enough to read on GitHub (under 1 MB together)', () => {
    const total = Object.values(EXAMPLE_FILES).reduce((n, p) => n + readFileSync(join(ROOT, p)).length, 0);
    expect(total).toBeLessThan(1_000_000);
  });

  it('replay without a single quarantined record', () => {
    expect(summary.quarantineReasons).toEqual([]);
    expect(summary.quarantined).toBe(0);
    expect(summary.ruleErrors).toEqual([]);
  });

  it('read every record of every data file, one event per record', () => {
    const built = new Map(buildExampleFiles().map((f) => [f.path, f.records]));
    const got = new Map(summary.files.map((f) => [f.file, f]));
    for (const [path, records] of built) {
      const r = got.get(path);
      expect({ path, status: r?.status, records: r?.records, events: r?.events }).toEqual({
        path,
        status: 'replayed',
        records,
        events: records,
      });
    }
    expect(summary.eventsNormalized).toBe([...built.values()].reduce((a, b) => a + b, 0));
  });

  it('give no file problem: the folder walk passes over the README', () => {
    expect(summary.fileProblems).toEqual([]);
    expect(summary.files.map((f) => f.file).sort()).toEqual(Object.values(EXAMPLE_FILES).sort());
  });
});

describe('what Tripline finds in the Contoso story', () => {
  it('finds the expected set and nothing else in the benign noise', () => {
    const got = summary.findings.map(key).sort();
    expect(got).toEqual(EXPECTED);
  });

  it('oauth-chain fires once for "Mail Archiver Pro", its evidence the chain in time order', () => {
    const chain = only('oauth-chain');
    expect(chain).toHaveLength(1);
    const f = chain[0] as Finding;
    expect(f.principal).toContain('Mail Archiver Pro');
    expect(f.tenant).toBe(TENANT_ID);
    const times = f.evidence.map((e) => e.time);
    expect(times).toEqual([...times].sort());
    const steps = f.evidence.map((e) => e.step);
    expect(steps.slice(0, 3)).toEqual([1, 2, 3]);
    expect(steps).toEqual([...steps].sort());
    expect(f.evidence[0]).toMatchObject({
      action: 'Consent to application',
      actor: 'bob@contoso.com',
      ip: SPRAY_IP,
    });
    expect(f.evidence[2]?.stepRule).toBe('oauth-app-mass-access');
    // 140 mailbox reads and 25 downloads: the 100th crosses the threshold, later ones raise the count.
    expect(f.count).toBeGreaterThan(1);
    expect(f.firstSeen.startsWith('2026-03-02T10:05')).toBe(true);
  });

  it('password-spray names the spraying address and its eight accounts', () => {
    const [f] = only('password-spray');
    expect(f).toMatchObject({ principal: SPRAY_IP, tenant: TENANT_ID, count: 8 });
    expect(new Set(f?.evidence.map((e) => e.actor)).size).toBe(8);
  });

  it('brute-force names the finance account, with every try from one address', () => {
    const [f] = only('brute-force');
    expect(f).toMatchObject({ principal: 'finance@contoso.com', tenant: TENANT_ID });
    expect(f?.count).toBeGreaterThanOrEqual(10);
    expect(new Set(f?.evidence.map((e) => e.ip))).toEqual(new Set([BRUTE_IP]));
  });

  it('inbox-forwarding catches the "." rule forwarding to protonmail, not the internal forward', () => {
    const found = only('inbox-forwarding');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ principal: 'bob@contoso.com', tenant: TENANT_ID });
    expect(found[0]?.title).toContain('bob.archive@protonmail.com');
    expect(found[0]?.evidence[0]).toMatchObject({ action: 'New-InboxRule', ip: SPRAY_IP });
  });

  it('cloud-logging-disabled names ci-deploy stopping the trail from the spray address', () => {
    const [f] = only('cloud-logging-disabled');
    expect(f).toMatchObject({ principal: 'ci-deploy', tenant: AWS_ACCOUNT });
    expect(f?.evidence[0]).toMatchObject({
      action: 'StopLogging',
      ip: SPRAY_IP,
      time: '2026-03-03T02:14:07.000Z',
    });
  });

  it('oauth-risky-consent fires for the Entra consent and for the Workspace authorize', () => {
    const found = only('oauth-risky-consent');
    const byTenant = new Map(found.map((f) => [f.tenant, f]));
    expect(found).toHaveLength(2);
    expect(byTenant.get(TENANT_ID)).toMatchObject({ principal: 'bob@contoso.com', severity: 'high' });
    expect(byTenant.get(TENANT_ID)?.title).toContain('Mail Archiver Pro');
    expect(byTenant.get(GOOGLE_CUSTOMER)).toMatchObject({
      principal: 'carol@contoso-labs.com',
      severity: 'critical',
    });
    expect(byTenant.get(GOOGLE_CUSTOMER)?.why).toContain(PDF_CLIENT_ID);
  });

  it('mail-unusual-client fires for bob: the app id is absent from his 14-day mailbox history', () => {
    const found = only('mail-unusual-client');
    expect(found.map(key)).toEqual([BOB_UNUSUAL_CLIENT]);
    expect(found[0]?.title).toContain(ARCHIVER_APP_ID);
  });
});
