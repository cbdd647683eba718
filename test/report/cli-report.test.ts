/**
 * `tripline replay --report FILE`, and the replay hook it uses (`keepEvidence`, `eventsBySource`).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ARCHIVER_APP_ID } from '../../bench/example-story';
import { replay } from '#shared/replay/replay';
import { ALL_RULES } from '#shared/rules/index';
import { BASE, cloudTrail } from '#shared/rules/testing/records';
import { cleanupTempDirs, run, tempDir, write } from '../cli/helpers';

const ROOT = join(__dirname, '..', '..');
const EXAMPLES = join(ROOT, 'examples');

afterAll(cleanupTempDirs);

describe('replay keepEvidence', () => {
  it("keeps exactly the events the findings' evidence names, with their raw records, and counts events per source", async () => {
    const s = await replay([EXAMPLES], { keepEvidence: true });
    const named = new Set(s.findings.flatMap((f) => f.evidence.map((e) => `${e.source}|${e.id}`)));
    const kept = (s.evidenceEvents ?? []).map((e) => `${e.source}|${e.id}`);
    expect(new Set(kept)).toEqual(named);
    expect(kept).toHaveLength(named.size);
    expect((s.evidenceEvents ?? []).every((e) => typeof e.raw === 'object' && e.raw !== null)).toBe(true);
    expect(s.eventsBySource).toEqual({
      'aws.cloudtrail': 164,
      'entra.audit': 18,
      'entra.signin': 164,
      'm365.audit': 299,
      'google.workspace': 68,
    });
  });

  it('keeps nothing unless asked', async () => {
    const s = await replay([EXAMPLES]);
    expect(s.evidenceEvents).toBeUndefined();
  });
});

describe('tripline replay --report', () => {
  it('writes one HTML file beside the usual output and says where, leaving stdout to the findings', async () => {
    const dir = tempDir();
    const r = await run(
      ['replay', EXAMPLES, '--state', ':memory:', '--format', 'jsonl', '--report', 'out/incident.html'],
      {
        cwd: dir,
        rules: ALL_RULES,
      },
    );
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(9);
    expect(r.stderr).toMatch(/tripline: report written to out\/incident\.html \(\d+\.\d KB\)/);
    const html = readFileSync(join(dir, 'out', 'incident.html'), 'utf8');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('Content-Security-Policy');
    expect(html).toContain(ARCHIVER_APP_ID);
    // Self-contained: no reference to anything outside the page but the ATT&CK links a reader may click.
    expect(
      html
        .match(/\b(?:src|href)="(?!#)[^"]*"/g)
        ?.every((a) => a.startsWith('href="https://attack.mitre.org/')),
    ).toBe(true);
  });

  it('refuses a path it cannot write before reading anything', async () => {
    const dir = tempDir();
    write(dir, 'blocker', 'a file, not a folder');
    const r = await run(['replay', EXAMPLES, '--state', ':memory:', '--report', 'blocker/report.html'], {
      cwd: dir,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /cannot write the report to blocker\/report\.html: .*Choose another --report path\./,
    );
    expect(r.stdout).toBe('');
  });

  it('leaves no empty report behind when nothing could be read', async () => {
    const dir = tempDir();
    write(dir, 'notes.txt', 'hello');
    const r = await run(['replay', 'notes.txt', '--state', ':memory:', '--report', 'report.html'], {
      cwd: dir,
    });
    expect(r.code).toBe(2);
    expect(existsSync(join(dir, 'report.html'))).toBe(false);
  });

  it('never reads the report back as input when it is written inside the replayed folder', async () => {
    const dir = tempDir();
    write(
      dir,
      'trail.json',
      JSON.stringify({
        Records: [
          cloudTrail({ eventName: 'StopLogging', eventSource: 'cloudtrail.amazonaws.com', at: BASE }),
        ],
      }),
    );
    const args = ['replay', '.', '--state', ':memory:', '--format', 'jsonl', '--report', 'incident.report'];
    const first = await run(args, { cwd: dir, rules: ALL_RULES });
    const second = await run(args, { cwd: dir, rules: ALL_RULES });
    expect(first.code).toBe(0);
    expect(second.code).toBe(0);
    expect(second.stderr).not.toMatch(/incident\.report:/);
    expect(second.stderr).toMatch(/from 1 events? \(1 records? read, 0 quarantined\)/);
  });

  it('is listed in the replay help', async () => {
    const r = await run(['replay', '--help']);
    expect(r.stdout).toMatch(/--report FILE +Also write an HTML incident report to FILE/);
  });
});
