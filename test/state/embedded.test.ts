import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedStateStore, STATE_FILE_FORMAT, STATE_FILE_VERSION } from '../../shared/state/embedded';
import type { StateStore } from '../../shared/state/port';
import { StateStoreError } from '../../shared/state/port';
import { describeStateStoreContract } from '../contract/state-store.contract';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const dirs: string[] = [];

async function tempPath(name = 'state.jsonl'): Promise<string> {
  const dir = await fs.mkdtemp(join(tmpdir(), 'tripline-state-'));
  dirs.push(dir);
  return join(dir, name);
}

afterAll(async () => {
  await Promise.all(dirs.map((d) => fs.rm(d, { recursive: true, force: true })));
});

describeStateStoreContract('embedded (:memory:)', async () => {
  const store = await EmbeddedStateStore.open(':memory:');
  return { store, cleanup: () => store.close() };
});

describeStateStoreContract(
  'embedded (file)',
  async () => {
    const path = await tempPath();
    const store = await EmbeddedStateStore.open(path);
    let current: StateStore = store;
    return {
      store,
      reopen: async () => (current = await EmbeddedStateStore.open(path)),
      cleanup: async () => {
        await store.close();
        await current.close();
      },
    };
  },
  { persistent: true },
);

/** Asserts `fn` rejects with a StateStoreError and returns its message. */
async function errorOf(fn: () => Promise<unknown>): Promise<StateStoreError> {
  try {
    await fn();
  } catch (err) {
    expect(err).toBeInstanceOf(StateStoreError);
    return err as StateStoreError;
  }
  throw new Error('expected a StateStoreError');
}

describe('EmbeddedStateStore persistence', () => {
  // Event time of a replay: long before the wall clock.
  const monday = Date.UTC(2025, 0, 6, 9);
  const tuesday = monday + DAY;

  it("keeps Monday's baselines, windows and sequences for Tuesday's replay (event-time clock)", async () => {
    const path = await tempPath();
    const mon = await EmbeddedStateStore.open(path);
    await mon.write(
      [
        {
          key: 'base|t1|alice',
          expectedVersion: 0,
          expiresAt: monday + 30 * DAY,
          value: { terms: { '1.2.3.4': [monday, monday] } },
        },
        { key: 'win|t1|bob|h9', expectedVersion: 0, expiresAt: monday + HOUR, value: 3 },
        { key: 'seq|t1|carol', expectedVersion: 0, expiresAt: monday + 2 * DAY, value: { step: 1 } },
      ],
      monday,
    );
    await mon.write(
      [{ key: 'base|t1|alice', expectedVersion: 1, expiresAt: monday + 30 * DAY, value: { terms: {} } }],
      monday + 1,
    );
    await mon.close(); // close flushes

    const tue = await EmbeddedStateStore.open(path);
    const got = await tue.get(['base|t1|alice', 'win|t1|bob|h9', 'seq|t1|carol'], tuesday);
    expect(got.get('base|t1|alice')).toMatchObject({ version: 2, value: { terms: {} } });
    expect(got.get('seq|t1|carol')).toMatchObject({ version: 1, value: { step: 1 } });
    expect(got.has('win|t1|bob|h9')).toBe(false); // its hour is over on Tuesday
    expect(tue.size).toBe(3); // still held (not yet saved at Tuesday's clock)
    await tue.write(
      [{ key: 'seq|t1|carol', expectedVersion: 1, expiresAt: monday + 2 * DAY, value: { step: 2 } }],
      tuesday,
    );
    await tue.close();

    const lines = (await fs.readFile(path, 'utf8')).trimEnd().split('\n');
    const header = JSON.parse(lines[0] as string) as Record<string, unknown>;
    expect(header).toMatchObject({
      format: STATE_FILE_FORMAT,
      version: STATE_FILE_VERSION,
      clock: tuesday,
      items: 2,
    });
    expect(
      lines
        .slice(1)
        .map((l) => (JSON.parse(l) as { key: string }).key)
        .sort(),
    ).toEqual(['base|t1|alice', 'seq|t1|carol']);
    expect(JSON.parse(lines.find((l) => l.includes('seq|t1|carol')) as string)).toEqual({
      key: 'seq|t1|carol',
      version: 2,
      expiresAt: monday + 2 * DAY,
      value: { step: 2 },
    });
    if (process.platform !== 'win32') expect((await fs.stat(path)).mode & 0o777).toBe(0o600);
  });

  it('flush writes only when something changed, and leaves no temp file behind', async () => {
    const path = await tempPath();
    const store = await EmbeddedStateStore.open(path);
    await store.flush();
    await expect(fs.stat(path)).rejects.toMatchObject({ code: 'ENOENT' }); // nothing written yet
    await store.write([{ key: 'a', expectedVersion: 0, expiresAt: Date.now() + HOUR, value: 1 }], Date.now());
    await store.flush();
    const first = await fs.stat(path);
    await store.get(['a'], Date.now());
    await store.write([{ key: 'a', expectedVersion: 5, expiresAt: Date.now() + HOUR, value: 2 }], Date.now()); // conflict
    await store.delete([{ key: 'a', expectedVersion: 9 }]); // conflict
    await store.flush();
    expect((await fs.stat(path)).ino).toBe(first.ino); // not rewritten
    await store.write([{ key: 'a', expectedVersion: 1, expiresAt: Date.now() + HOUR, value: 2 }], Date.now());
    await Promise.all([store.flush(), store.flush()]);
    expect((await fs.stat(path)).ino).not.toBe(first.ino); // replaced by rename
    const names = await fs.readdir(join(path, '..'));
    expect(names.sort()).toEqual(['state.jsonl', 'state.jsonl.lock']);
    await store.close();
    expect(await fs.readdir(join(path, '..'))).toEqual(['state.jsonl']);
  });

  it('removes temp files a crashed save left behind', async () => {
    const path = await tempPath();
    await fs.writeFile(`${path}.tmp-99999-deadbeef`, 'half a file');
    const store = await EmbeddedStateStore.open(path);
    expect(await fs.readdir(join(path, '..'))).not.toContain('state.jsonl.tmp-99999-deadbeef');
    await store.close();
  });

  it('creates missing parent directories', async () => {
    const path = join(await tempPath('x'), 'deeper', 'state.jsonl');
    const store = await EmbeddedStateStore.open(path);
    await store.write(
      [{ key: 'a', expectedVersion: null, expiresAt: Date.now() + HOUR, value: 1 }],
      Date.now(),
    );
    await store.close();
    const again = await EmbeddedStateStore.open(path);
    expect((await again.get(['a'], Date.now())).get('a')?.value).toBe(1);
    await again.close();
  });

  it('reports a failed save as StateStoreError with cause and stays dirty', async () => {
    const path = await tempPath();
    const store = await EmbeddedStateStore.open(path);
    await fs.mkdir(path); // rename(tmp, path) must now fail
    await store.write([{ key: 'a', expectedVersion: 0, expiresAt: Date.now() + HOUR, value: 1 }], Date.now());
    const err = await errorOf(() => store.flush());
    expect(err.message).toContain(`Cannot save state file ${path}`);
    expect(err.cause).toBeDefined();
    expect(err.store).toBe('embedded');
    await expect(store.close()).rejects.toBeInstanceOf(StateStoreError); // stays open and locked
    await store.write([{ key: 'b', expectedVersion: 0, expiresAt: Date.now() + HOUR, value: 2 }], Date.now());
    await fs.rmdir(path);
    await store.close(); // still dirty: the retry writes it, then unlocks
    expect((await fs.readFile(path, 'utf8')).trimEnd().split('\n')).toHaveLength(3);
    await expect(fs.stat(`${path}.lock`)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it(':memory: never touches the disk', async () => {
    const store = await EmbeddedStateStore.open(':memory:');
    expect(store.path).toBeUndefined();
    await store.write([{ key: 'a', expectedVersion: 0, expiresAt: Date.now() + HOUR, value: 1 }], Date.now());
    await store.flush();
    await store.close();
    await expect(fs.stat(':memory:')).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('EmbeddedStateStore bad state files', () => {
  const header = (o: Record<string, unknown> = {}): string =>
    JSON.stringify({
      format: STATE_FILE_FORMAT,
      version: 1,
      savedAt: '2025-01-06T00:00:00.000Z',
      items: 1,
      ...o,
    });
  const item = JSON.stringify({ key: 'a', version: 1, expiresAt: 4102444800000, value: { x: 1 } });

  async function openWith(content: string): Promise<{ path: string; err: StateStoreError }> {
    const path = await tempPath();
    await fs.writeFile(path, content);
    const err = await errorOf(() => EmbeddedStateStore.open(path));
    // The failed open released its lock: nothing else is left next to the file.
    expect(await fs.readdir(join(path, '..'))).toEqual(['state.jsonl']);
    return { path, err };
  }

  it.each([
    ['an invalid JSON line', `${header()}\n{"key":"a","vers`, /line 2 is not valid JSON/],
    [
      'a truncated file',
      `${header({ items: 3 })}\n${item}\n`,
      /announces 3 items but the file holds 1; it was probably truncated/,
    ],
    ['an empty file', '', /the file is empty/],
    [
      'a malformed item',
      `${header()}\n{"key":"a","version":0,"expiresAt":1,"value":1}\n`,
      /line 2 is not an item/,
    ],
    ['a repeated key', `${header({ items: 2 })}\n${item}\n${item}\n`, /line 3 repeats key "a"/],
    [
      'a bad item count',
      `${JSON.stringify({ format: STATE_FILE_FORMAT, version: 1 })}\n`,
      /no valid item count/,
    ],
  ])('refuses %s as corrupt, naming the file and what to do', async (_what, content, detail) => {
    const { path, err } = await openWith(content);
    expect(err.message).toContain(`State file ${path} is corrupt`);
    expect(err.message).toMatch(detail);
    expect(err.message).toContain('Move it aside');
    expect(err.store).toBe('embedded');
  });

  it('keeps the cause of a JSON parse error', async () => {
    const { err } = await openWith(`${header()}\nnot json\n`);
    expect(err.cause).toBeInstanceOf(SyntaxError);
  });

  it('refuses a file from a newer Tripline, saying to upgrade', async () => {
    const { path, err } = await openWith(`${header({ version: STATE_FILE_VERSION + 1 })}\n${item}\n`);
    expect(err.message).toBe(
      `State file ${path} has format version ${STATE_FILE_VERSION + 1}, but this Tripline reads version ${STATE_FILE_VERSION} and older. ` +
        'It was written by a newer Tripline: upgrade Tripline, or use a different state path.',
    );
  });

  it.each([
    ['a JSON document of another tool', '{"foo":1}\n'],
    ['plain text', 'hello world\n'],
    ['binary', '\u0000\u0001\u0002'],
  ])('refuses %s as not a Tripline state file', async (_what, content) => {
    const { path, err } = await openWith(content);
    expect(err.message).toContain(`${path} is not a Tripline state file`);
  });

  it('refuses a path that is a directory with a clear message', async () => {
    const path = await tempPath();
    await fs.mkdir(path);
    const err = await errorOf(() => EmbeddedStateStore.open(path));
    expect(err.message).toContain(`Cannot read state file ${path}`);
    expect(err.cause).toBeDefined();
  });
});

describe('EmbeddedStateStore lock', () => {
  it('refuses a second open of the same file and names the lock file; works again after close', async () => {
    const path = await tempPath();
    const first = await EmbeddedStateStore.open(path);
    const err = await errorOf(() => EmbeddedStateStore.open(path));
    expect(err.message).toContain(`State file ${path} is in use by this process ${process.pid}`);
    expect(err.message).toContain(`lock file ${path}.lock`);
    const lock = JSON.parse(await fs.readFile(`${path}.lock`, 'utf8')) as Record<string, unknown>;
    expect(lock).toMatchObject({ pid: process.pid, host: hostname() });
    await first.close();
    const second = await EmbeddedStateStore.open(path);
    await second.close();
  });

  it('refuses a file locked by another live process', async () => {
    const path = await tempPath();
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    try {
      const pid = child.pid as number;
      await fs.writeFile(`${path}.lock`, JSON.stringify({ pid, host: hostname(), createdAt: 'then' }));
      const err = await errorOf(() => EmbeddedStateStore.open(path));
      expect(err.message).toContain(`State file ${path} is in use by process ${pid}`);
      expect(err.message).toContain(`delete ${path}.lock`);
    } finally {
      child.kill();
    }
  });

  it('takes over a stale lock whose process has exited', async () => {
    const path = await tempPath();
    const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    const pid = child.pid as number;
    await new Promise((r) => child.on('exit', r));
    await fs.writeFile(`${path}.lock`, JSON.stringify({ pid, host: hostname(), createdAt: 'then' }));
    const store = await EmbeddedStateStore.open(path);
    expect(JSON.parse(await fs.readFile(`${path}.lock`, 'utf8'))).toMatchObject({ pid: process.pid });
    await store.close();
    await expect(fs.stat(`${path}.lock`)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses a lock from another host and an unreadable lock', async () => {
    const path = await tempPath();
    await fs.writeFile(`${path}.lock`, JSON.stringify({ pid: 1, host: 'other-host', createdAt: 'then' }));
    expect((await errorOf(() => EmbeddedStateStore.open(path))).message).toContain(
      `is locked by process 1 on host other-host`,
    );
    await fs.writeFile(`${path}.lock`, 'garbage');
    expect((await errorOf(() => EmbeddedStateStore.open(path))).message).toContain(
      `whose content is not a Tripline lock. If no other Tripline process is using it, delete ${path}.lock`,
    );
  });

  it('only one of many concurrent opens gets the lock', async () => {
    const path = await tempPath();
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => EmbeddedStateStore.open(path)));
    const ok = results.filter((r) => r.status === 'fulfilled');
    expect(ok).toHaveLength(1);
    await (ok[0] as PromiseFulfilledResult<EmbeddedStateStore>).value.close();
  });
});
