import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  DAY1,
  UAL,
  cleanupTempDirs,
  jsonl,
  lines,
  problemLines,
  run,
  signIn,
  tempDir,
  write,
} from './helpers';

afterAll(cleanupTempDirs);

/** A folder with one good UAL file and the given bad ones. */
function folderWith(bad: Record<string, string | Buffer>): string {
  const dir = tempDir();
  write(dir, 'good-ual.jsonl', readFileSync(UAL));
  for (const [name, content] of Object.entries(bad)) write(dir, name, content);
  return dir;
}

describe('unreadable files: one stderr line each, the other files still processed', () => {
  const cases: Array<[string, string, string | Buffer, RegExp]> = [
    [
      'truncated JSON',
      'truncated.json',
      readFileSync(DAY1, 'utf8').slice(0, 2500),
      /invalid JSON at line \d+: .*ends inside/,
    ],
    ['an empty file', 'empty.json', '', /: empty file$/],
    [
      'a binary file',
      'image.bin',
      Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 37) % 256)),
      /binary data/,
    ],
    [
      'a CSV without AuditData',
      'export.csv',
      'CreationDate,UserIds,Operations\n2026-03-03T00:09:40,alice@contoso.com,New-InboxRule\n',
      /CSV has no AuditData column \(found: CreationDate, UserIds, Operations\)/,
    ],
  ];

  it.each(cases)('%s', async (_what, name, content, reason) => {
    const dir = folderWith({ [name]: content });
    const r = await run(['replay', dir, '--state', ':memory:']);
    expect(r.code).toBe(0);
    const shown = join(dir, name);
    const mine = problemLines(r.stderr, shown);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatch(new RegExp(`^tripline: ${shown.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
    expect(mine[0]).toMatch(reason);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stdout).toContain('test-forwarding');
    expect(r.stdout).toMatch(/files {8}1 read \([^)]*\), 1 unreadable \(see stderr\)/);
  });

  it('all four at once, with the file names as given (relative to the working folder)', async () => {
    const dir = folderWith(Object.fromEntries(cases.map(([, n, c]) => [n, c])));
    const r = await run(['replay', '.', '--state', ':memory:'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(lines(r.stderr).sort()).toEqual([
      expect.stringMatching(/^tripline: empty\.json: empty file$/),
      expect.stringMatching(/^tripline: export\.csv: CSV has no AuditData column/),
      expect.stringMatching(/^tripline: image\.bin: binary data/),
      expect.stringMatching(/^tripline: truncated\.json: invalid JSON/),
    ]);
    expect(r.stdout).toContain('  files        1 read');
    expect(r.stdout).toContain('4 unreadable (see stderr)');
  });

  it('reads gzip-compressed exports', async () => {
    const dir = tempDir();
    write(dir, 'ual.jsonl.gz', gzipSync(readFileSync(UAL)));
    const r = await run(['replay', dir, '--state', ':memory:', '--format', 'jsonl']);
    expect(lines(r.stdout).map((l) => (JSON.parse(l) as { ruleId: string }).ruleId)).toEqual([
      'test-forwarding',
    ]);
  });

  it('a missing path is a problem line; the other paths are still read', async () => {
    const r = await run(['replay', '/no/such/folder', UAL, '--state', ':memory:']);
    expect(r.code).toBe(0);
    expect(lines(r.stderr)).toEqual(['tripline: /no/such/folder: no such file or folder']);
    expect(r.stdout).toContain('test-forwarding');
  });
});

describe('quarantined records', () => {
  it('prints the first 20 on stderr, then counts the rest, and writes every one with --quarantine', async () => {
    const dir = tempDir();
    const bad = Array.from({ length: 25 }, (_, i) => ({ note: `not an audit record ${i}` }));
    const good = [signIn('2026-03-04T10:00:00Z', 'dave@contoso.com')];
    write(dir, 'mixed.jsonl', jsonl([...good, ...bad]));
    const qfile = join(dir, 'out', 'quarantine.jsonl');
    mkdirSync(join(dir, 'out'));
    const r = await run(['replay', join(dir, 'mixed.jsonl'), '--state', ':memory:', '--quarantine', qfile]);
    expect(r.code).toBe(0);
    const err = lines(r.stderr);
    expect(
      err
        .slice(0, 20)
        .every((l) => /^tripline: .*mixed\.jsonl:\d+: unknown record shape: keys note$/.test(l)),
    ).toBe(true);
    expect(err[0]).toContain('mixed.jsonl:2:');
    expect(err[20]).toBe(`tripline: … and 5 more quarantined records (all written to ${qfile})`);
    expect(err).toHaveLength(21);
    expect(r.stdout).toContain('  records      26 read, 1 event normalized, 25 quarantined');
    expect(r.stdout).toContain('  quarantine   25 × unknown record shape: keys note');
    const q = lines(readFileSync(qfile, 'utf8')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(q).toHaveLength(25);
    expect(q[0]).toEqual({
      file: join(dir, 'mixed.jsonl'),
      line: 2,
      reason: 'unknown record shape: keys note',
      excerpt: '{"note":"not an audit record 0"}',
    });
  });

  it('without --quarantine, says how to keep them all', async () => {
    const dir = tempDir();
    write(
      dir,
      'bad.jsonl',
      jsonl(
        Array.from({ length: 21 }, () => ({
          CreationTime: 'yesterday',
          Operation: 'X',
          Workload: 'Exchange',
        })),
      ),
    );
    write(dir, 'ok.jsonl', readFileSync(UAL));
    const r = await run(['replay', dir, '--state', ':memory:']);
    expect(lines(r.stderr).pop()).toBe('tripline: … and 1 more quarantined record (see --quarantine FILE)');
  });

  it('--quarantine also lists unreadable files, with line null', async () => {
    const dir = tempDir();
    write(dir, 'empty.json', '');
    write(dir, 'ok.jsonl', readFileSync(UAL));
    const qfile = join(tempDir(), 'q.jsonl');
    const r = await run(['replay', dir, '--state', ':memory:', '--quarantine', qfile]);
    expect(JSON.parse(readFileSync(qfile, 'utf8'))).toEqual({
      file: join(dir, 'empty.json'),
      line: null,
      reason: 'empty file',
      excerpt: null,
    });
    expect(r.stderr).toContain(`1 problem written to ${qfile}`);
  });

  it('never reads the quarantine file or the state file as input', async () => {
    const dir = tempDir();
    write(dir, 'ok.jsonl', readFileSync(UAL));
    const args = [
      'replay',
      dir,
      '--state',
      join(dir, 'state.json'),
      '--quarantine',
      join(dir, 'q.jsonl'),
      '--reprocess',
    ];
    await run(args);
    const r = await run(args);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('  files        1 read');
    const named = await run([
      'replay',
      join(dir, 'state.json'),
      UAL,
      '--state',
      join(dir, 'state.json'),
      '--reprocess',
    ]);
    expect(lines(named.stderr)).toEqual([
      `tripline: ${join(dir, 'state.json')}: not read: it is an output of this run (state or quarantine file)`,
    ]);
  });

  it('an unwritable --quarantine path is bad usage', async () => {
    const r = await run(['replay', UAL, '--state', ':memory:', '--quarantine', '/no/such/dir/q.jsonl']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^tripline: cannot write the quarantine file \/no\/such\/dir\/q\.jsonl: .*Choose another --quarantine path\.\n$/,
    );
  });
});

describe('nothing readable', () => {
  it('exits 2 when no file gave a single event, saying what Tripline reads', async () => {
    const dir = tempDir();
    write(dir, 'empty.json', '');
    write(dir, 'notes.txt', 'hello world\n');
    const r = await run(['replay', dir, '--state', ':memory:']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(lines(r.stderr).pop()).toMatch(
      /^tripline: nothing readable in the given paths .*--source\. Run `tripline replay --help`\.$/,
    );
  });

  it('exits 2 for an empty folder', async () => {
    const r = await run(['replay', tempDir(), '--state', ':memory:']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('folder holds no files');
  });

  it('exits 0 for a valid export with no records (an empty Graph page)', async () => {
    const dir = tempDir();
    write(
      dir,
      'page.json',
      '{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#auditLogs/signIns","value":[]}',
    );
    const r = await run(['replay', dir, '--state', ':memory:']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('No findings.');
  });

  it('a file whose records all failed is not remembered, so --source can fix it without --reprocess', async () => {
    const dir = tempDir();
    const state = join(dir, 'state.json');
    // A bare sign-in (no status, IP or client): its shape alone does not say which source it is.
    const recs = [
      { id: 's1', createdDateTime: '2026-03-03T00:09:40Z', userPrincipalName: 'alice@contoso.com' },
    ];
    const file = write(dir, 'signins.jsonl', jsonl(recs));
    const first = await run(['replay', file, '--state', state]);
    expect(first.code).toBe(2);
    expect(first.stderr).toContain('signins.jsonl:1: unknown record shape');
    const second = await run(['replay', file, '--state', state, '--source', 'entra.signin']);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('  records      1 read, 1 event normalized, 0 quarantined');
  });
});
