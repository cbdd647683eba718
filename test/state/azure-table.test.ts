import type { TableClient } from '@azure/data-tables';
import { randomBytes } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import {
  AzureTableStateStore,
  CHUNK_BYTES,
  INLINE_VALUE_CHARS,
  MAX_ROW_KEY_CHARS,
  createStateTable,
  encodeRowKey,
  partitionKeyOf,
} from '../../shared/state/azure-table';
import type { StateStore } from '../../shared/state/port';
import { StateStoreError } from '../../shared/state/port';
import { describeStateStoreContract } from '../contract/state-store.contract';
import type { LocalAzurite } from '../support/azurite';
import { startAzuriteTables } from '../support/azurite';

const HOUR = 3_600_000;
const table = `state${randomBytes(4).toString('hex')}`;
let azurite: LocalAzurite;
let client: TableClient;

beforeAll(async () => {
  azurite = await startAzuriteTables();
  client = azurite.tableClient(table);
  await createStateTable(client);
});

afterAll(async () => {
  await azurite.stop();
});

function fixture(options: { concurrency?: number; etagCacheSize?: number } = {}) {
  return async () => {
    const store = new AzureTableStateStore({ client, ...options });
    let current: StateStore = store;
    return {
      store,
      reopen: async () => (current = new AzureTableStateStore({ client })),
      cleanup: async () => {
        await store.close();
        await current.close();
      },
    };
  };
}

describeStateStoreContract('azure-table (azurite)', fixture(), { persistent: true });
describeStateStoreContract(
  'azure-table (azurite, no ETag cache: every replace reads first)',
  fixture({ etagCacheSize: 0 }),
  { persistent: true },
);

async function errorOf(fn: () => Promise<unknown>): Promise<StateStoreError> {
  try {
    await fn();
  } catch (err) {
    expect(err).toBeInstanceOf(StateStoreError);
    return err as StateStoreError;
  }
  throw new Error('expected a StateStoreError');
}

async function raw(key: string): Promise<Record<string, unknown>> {
  return client.getEntity<Record<string, unknown>>(partitionKeyOf(key), encodeRowKey(key));
}

describe('AzureTableStateStore on azurite', () => {
  let store: AzureTableStateStore;
  let now: number;
  const key = (s: string): string => `az-${randomBytes(3).toString('hex')}|${s}`;
  beforeEach(() => {
    store = new AzureTableStateStore({ client });
    now = Date.now();
  });
  afterEach(() => store.close());

  describe('keys', () => {
    it('writes the characters Table Storage forbids in keys (/ \\ # ?, controls) and % ~ as %XX, and keeps the rest', () => {
      expect(encodeRowKey('s|rule|t1|a/b\\c#d?e%f~g\u0000\u001f\u007f\u0085 ü漢🎉')).toBe(
        's|rule|t1|a%2Fb%5Cc%23d%3Fe%25f%7Eg%00%1F%7F%85 ü漢🎉',
      );
      expect(encodeRowKey('plain|key')).toBe('plain|key');
    });

    it('hashes keys whose encoding is longer than the row key budget, and still reads them back', async () => {
      const long = key(`${'x/'.repeat(MAX_ROW_KEY_CHARS)}end`);
      expect(encodeRowKey(long)).toMatch(/^~[0-9a-f]{64}$/);
      await store.write([{ key: long, expectedVersion: 0, expiresAt: now + HOUR, value: 'long' }], now);
      expect((await store.get([long], now)).get(long)).toMatchObject({ key: long, value: 'long' });
      expect((await raw(long))['k']).toBe(long);
    });

    it('spreads keys over 256 partitions by hash', () => {
      const parts = new Set(Array.from({ length: 2000 }, (_, i) => partitionKeyOf(`s|rule|t|user${i}`)));
      expect(parts.size).toBe(256);
      for (const p of parts) expect(p).toMatch(/^[0-9a-f]{2}$/);
    });

    it('refuses a key over 2048 bytes before writing anything', async () => {
      const ok = key('ok');
      const err = await errorOf(() =>
        store.write(
          [
            { key: ok, expectedVersion: 0, expiresAt: now + HOUR, value: 1 },
            { key: key('ü'.repeat(1100)), expectedVersion: 0, expiresAt: now + HOUR, value: 1 },
          ],
          now,
        ),
      );
      expect(err.message).toContain('state keys are limited to 2048');
      expect((await store.get([ok], now)).size).toBe(0);
    });
  });

  describe('values', () => {
    it('stores small values as JSON text in val, with k, v and exp (Int64 epoch ms)', async () => {
      const k = key('layout');
      await store.write(
        [{ key: k, expectedVersion: 0, expiresAt: 1_900_000_000_123, value: { a: [1, 'ü'] } }],
        now,
      );
      const e = await raw(k);
      expect(e).toMatchObject({ k, v: 1, val: '{"a":[1,"ü"]}' });
      expect(String(e['exp'])).toBe('1900000000123');
      expect(e['z0']).toBeUndefined();
    });

    it('compresses values over the inline limit into 64 KiB binary chunks and reads them back exactly', async () => {
      // Random base64 text compresses by a quarter at most: 300 KB of it still needs several chunks.
      const noise = randomBytes(225_000).toString('base64');
      const chunks = Math.ceil(deflateRawSync(JSON.stringify(noise), { level: 1 }).length / CHUNK_BYTES);
      expect(chunks).toBeGreaterThanOrEqual(3);
      const compressible = {
        terms: Array.from({ length: 3000 }, (_, i) => [`10.0.${i % 256}.${i}`, now + i]),
      };
      expect(JSON.stringify(compressible).length).toBeGreaterThan(INLINE_VALUE_CHARS);
      const [kn, kc] = [key('noise'), key('compressible')];
      await store.write(
        [
          { key: kn, expectedVersion: 0, expiresAt: now + HOUR, value: noise },
          { key: kc, expectedVersion: null, expiresAt: now + HOUR, value: compressible },
        ],
        now,
      );
      const en = await raw(kn);
      expect(en['val']).toBeUndefined();
      expect(en['zn']).toBe(chunks);
      expect((en['z0'] as Uint8Array).byteLength).toBe(CHUNK_BYTES);
      expect((await raw(kc))['zn']).toBe(1);
      const got = await store.get([kn, kc], now);
      expect(got.get(kn)?.value).toBe(noise);
      expect(got.get(kc)?.value).toStrictEqual(compressible);
    });

    it('refuses a value that would not fit in one entity (1 MiB), writing nothing', async () => {
      const small = key('small');
      const err = await errorOf(() =>
        store.write(
          [
            { key: small, expectedVersion: 0, expiresAt: now + HOUR, value: 1 },
            {
              key: key('huge'),
              expectedVersion: 0,
              expiresAt: now + HOUR,
              value: randomBytes(1_000_000).toString('base64'),
            },
          ],
          now,
        ),
      );
      expect(err.message).toMatch(/at most 983040 \(1 MiB per entity\)/);
      expect((await store.get([small], now)).size).toBe(0);
    });
  });

  describe('versions over ETags', () => {
    it('replaces at the right version after another writer overwrote the item unconditionally (its remembered ETag is stale)', async () => {
      const k = key('stale-etag');
      const other = new AzureTableStateStore({ client });
      await store.write([{ key: k, expectedVersion: 0, expiresAt: now + HOUR, value: 'mine' }], now);
      // Another process rewrites the item: the version is 1 again, the ETag is new.
      await other.write([{ key: k, expectedVersion: null, expiresAt: now + HOUR, value: 'theirs' }], now);
      const res = await store.write(
        [{ key: k, expectedVersion: 1, expiresAt: now + HOUR, value: 'next' }],
        now,
      );
      expect(res.conflicts).toEqual([]);
      expect((await other.get([k], now)).get(k)).toMatchObject({ version: 2, value: 'next' });
      // And a stale version still conflicts, with or without a remembered ETag.
      expect(
        (await other.write([{ key: k, expectedVersion: 1, expiresAt: now + HOUR, value: 'x' }], now))
          .conflicts,
      ).toEqual([k]);
      await other.close();
    });

    it('a create over an item that expired conflicts if someone revived it first', async () => {
      const k = key('revive');
      await store.write([{ key: k, expectedVersion: 0, expiresAt: now + 10, value: 'old' }], now);
      const later = now + 10;
      const racers = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          new AzureTableStateStore({ client }).write(
            [{ key: k, expectedVersion: 0, expiresAt: later + HOUR, value: i }],
            later,
          ),
        ),
      );
      expect(racers.filter((r) => r.conflicts.length === 0)).toHaveLength(1);
    });
  });

  describe('sweepExpired', () => {
    it('deletes dead entities only, and the keys can be created again', async () => {
      const sweeper = new AzureTableStateStore({ client });
      const [dead1, dead2, live] = [key('dead1'), key('dead2'), key('live')];
      await store.write(
        [
          { key: dead1, expectedVersion: 0, expiresAt: 1_000, value: 1 },
          { key: dead2, expectedVersion: null, expiresAt: 2_000, value: 2 },
          { key: live, expectedVersion: 0, expiresAt: now + HOUR, value: 3 },
        ],
        now,
      );
      const res = await sweeper.sweepExpired(3_000);
      expect(res.complete).toBe(true);
      expect(res.deleted).toBeGreaterThanOrEqual(2);
      await expect(raw(dead1)).rejects.toMatchObject({ statusCode: 404 });
      await expect(raw(dead2)).rejects.toMatchObject({ statusCode: 404 });
      expect((await store.get([live], now)).get(live)?.value).toBe(3);
      expect(
        (await store.write([{ key: dead1, expectedVersion: 0, expiresAt: now + HOUR, value: 'again' }], now))
          .conflicts,
      ).toEqual([]);
      await sweeper.close();
    });

    it('stops after maxItems and says the sweep is not complete', async () => {
      const keys = Array.from({ length: 5 }, (_, i) => key(`bulk${i}`));
      await store.write(
        keys.map((k) => ({ key: k, expectedVersion: null, expiresAt: 500, value: 0 })),
        now,
      );
      const res = await store.sweepExpired(600, 2);
      expect(res).toEqual({ deleted: 2, complete: false });
    });
  });

  describe('errors', () => {
    it('names the table, the key and what to do when the table does not exist', async () => {
      const gone = new AzureTableStateStore({ client: azurite.tableClient('nosuchtable') });
      const err = await errorOf(() =>
        gone
          .get(['a'], now)
          .then(() => gone.write([{ key: 'a', expectedVersion: 0, expiresAt: now + HOUR, value: 1 }], now)),
      );
      expect(err.message).toContain('nosuchtable');
      expect(err.message).toContain('key "a"');
      expect(err.store).toBe('azure-table');
    });

    it('reports an entity that is not a Tripline state item', async () => {
      const k = key('foreign');
      await client.createEntity({ partitionKey: partitionKeyOf(k), rowKey: encodeRowKey(k), other: 'x' });
      expect((await errorOf(() => store.get([k], now))).message).toContain('is not a Tripline state item');
      const j = key('badjson');
      await client.createEntity({
        partitionKey: partitionKeyOf(j),
        rowKey: encodeRowKey(j),
        k: j,
        v: 1,
        exp: { value: String(now + HOUR), type: 'Int64' },
        val: '{nope',
      });
      const err = await errorOf(() => store.get([j], now));
      expect(err.message).toContain('has a value that is not JSON (val)');
      expect(err.cause).toBeInstanceOf(SyntaxError);
    });

    it('validates its options with every problem at once', () => {
      expect(() => new AzureTableStateStore({ endpoint: 'nope', tableName: '1bad' })).toThrow(
        /endpoint must be the Table service URL.*tableName must be 3-63 letters.*credential is required/,
      );
    });

    it('creates its own client from endpoint, table name and credential', async () => {
      const own = new AzureTableStateStore({
        endpoint: azurite.endpoint,
        tableName: table,
        credential: azurite.credential,
        clientOptions: { allowInsecureConnection: true },
      });
      const k = key('own');
      await own.write([{ key: k, expectedVersion: 0, expiresAt: now + HOUR, value: 1 }], now);
      expect((await store.get([k], now)).get(k)?.value).toBe(1);
      await own.close();
    });
  });
});
