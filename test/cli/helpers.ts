/** Helpers for CLI tests: run `main` in-process with captured output, temp folders, raw records. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '#shared/cli/main';
import type { CliIO } from '#shared/cli/main';
import { TEST_RULES } from './test-rules';

/** The committed fixtures: Graph sign-ins (day 1 page, day 2 JSON lines) and M365 UAL records. */
export const FIXTURES = join(__dirname, 'fixtures');
export const DAY1 = join(FIXTURES, 'signins-day1.json');
export const DAY2 = join(FIXTURES, 'signins-day2.jsonl');
export const UAL = join(FIXTURES, 'ual.jsonl');

/** What one in-process run printed and returned. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `main` with captured stdout/stderr, the test rule set, and a non-TTY, color-free world whose
 * cwd is a fresh temp folder (so the default state file never lands in the repository).
 */
export async function run(argv: string[], io: Partial<CliIO> = {}): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    isTTY: { stdout: false, stderr: false },
    env: {},
    rules: TEST_RULES,
    cwd: tempDir(),
    ...io,
  });
  return { code, stdout, stderr };
}

const dirs: string[] = [];

/** A fresh temp folder, removed by {@link cleanupTempDirs}. */
export function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'tripline-cli-'));
  dirs.push(d);
  return d;
}

/** Removes every folder {@link tempDir} made. */
export function cleanupTempDirs(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** Writes `content` to `dir/name` and returns the path. */
export function write(dir: string, name: string, content: string | Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

let n = 0;

/** A Microsoft Graph signIn object as GET /auditLogs/signIns returns it (50126: bad password). */
export function signIn(
  time: string,
  upn: string,
  errorCode = 50126,
  ip = '198.51.100.23',
): Record<string, unknown> {
  n++;
  return {
    id: `5c1d3f0e-7a2b-4c9d-8e6f-${String(n).padStart(12, '0')}`,
    createdDateTime: time,
    userDisplayName: upn.split('@')[0],
    userPrincipalName: upn,
    userId: '0b7e1c2d-3f4a-4b5c-9d6e-7f8091a2b3c4',
    appId: '00000002-0000-0ff1-ce00-000000000000',
    appDisplayName: 'Office 365 Exchange Online',
    ipAddress: ip,
    clientAppUsed: 'Browser',
    correlationId: `c0ffee00-0000-4000-8000-${String(n).padStart(12, '0')}`,
    conditionalAccessStatus: 'notApplied',
    isInteractive: true,
    riskDetail: 'none',
    riskLevelAggregated: 'none',
    riskLevelDuringSignIn: 'none',
    riskState: 'none',
    riskEventTypes_v2: [],
    resourceDisplayName: 'Office 365 Exchange Online',
    resourceId: '00000002-0000-0ff1-ce00-000000000000',
    status: {
      errorCode,
      failureReason: errorCode
        ? 'Error validating credentials due to invalid username or password.'
        : 'Other.',
      additionalDetails: null,
    },
    deviceDetail: {
      deviceId: '',
      displayName: '',
      operatingSystem: 'Linux',
      browser: 'Python Requests 2.31',
    },
    location: {
      city: 'Amsterdam',
      state: 'Noord-Holland',
      countryOrRegion: 'NL',
      geoCoordinates: { altitude: null, latitude: 52.3676, longitude: 4.9041 },
    },
    appliedConditionalAccessPolicies: [],
  };
}

/** An M365 unified audit log New-InboxRule record that forwards mail outside the tenant. */
export function inboxRule(
  time: string,
  user: string,
  forwardTo = 'drop@mailbox-archive.example',
): Record<string, unknown> {
  n++;
  return {
    CreationTime: time,
    Id: `9e8d7c6b-5a4f-4e3d-8c2b-${String(n).padStart(12, '0')}`,
    Operation: 'New-InboxRule',
    OrganizationId: '4f1e7a2c-9b3d-4c5e-8f6a-1b2c3d4e5f60',
    RecordType: 1,
    ResultStatus: 'True',
    UserKey: '10032001A2B3C4D5',
    UserType: 0,
    Version: 1,
    Workload: 'Exchange',
    ClientIP: '198.51.100.23:50874',
    ObjectId: `${user}\\Forward`,
    UserId: user,
    AppId: '00000002-0000-0ff1-ce00-000000000000',
    ClientAppId: '',
    ExternalAccess: false,
    OrganizationName: 'contoso.onmicrosoft.com',
    OriginatingServer: 'AM0PR01MB6417 (15.20.7362.000)',
    Parameters: [
      { Name: 'Force', Value: 'False' },
      { Name: 'Name', Value: 'Forward' },
      { Name: 'ForwardTo', Value: forwardTo },
      { Name: 'StopProcessingRules', Value: 'True' },
    ],
  };
}

/** Records as JSON lines. */
export function jsonl(records: readonly unknown[]): string {
  return records.map((r) => JSON.stringify(r)).join('\n') + '\n';
}

/** Lines of `text`, without the empty one after the final newline. */
export function lines(text: string): string[] {
  return text.split('\n').filter((l) => l !== '');
}

/** The lines of stderr that name a problem (`tripline: <file>...`). */
export function problemLines(stderr: string, file: string): string[] {
  return lines(stderr).filter((l) => l.startsWith(`tripline: ${file}`));
}
