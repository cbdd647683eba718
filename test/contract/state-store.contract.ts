/**
 * The StateStore contract: the behaviour every adapter (embedded, DynamoDB, Azure Tables) must show.
 * An adapter's test file calls {@link describeStateStoreContract} once per configuration.
 *
 * Keys are namespaced per test (a random run id plus a counter), so the factory may hand out stores
 * that share one backing table; it does not have to create fresh storage per test. Times are relative
 * to the real clock (items live an hour), so the suite is also safe to run against a real DynamoDB
 * table whose TTL sweeper is on.
 *
 * @example
 * ```ts
 * describeStateStoreContract('embedded (:memory:)', async () => {
 *   const store = await EmbeddedStateStore.open(':memory:');
 *   return { store, cleanup: () => store.close() };
 * });
 * describeStateStoreContract(
 *   'embedded (file)',
 *   async () => {
 *     const path = join(await mkdtemp(join(tmpdir(), 'state-')), 'state.jsonl');
 *     const store = await EmbeddedStateStore.open(path);
 *     let current: StateStore = store;
 *     return {
 *       store,
 *       reopen: async () => (current = await EmbeddedStateStore.open(path)),
 *       cleanup: () => current.close(),
 *     };
 *   },
 *   { persistent: true },
 * );
 * ```
 */
import { randomBytes } from 'node:crypto';
import type { StateItem, StateStore, StateWrite } from '../../shared/state/port';
import { StateStoreError } from '../../shared/state/port';

/** What an adapter's factory returns for one test. */
export interface StateStoreFixture {
  store: StateStore;
  /** Releases everything the fixture made (closing an already-closed store must be harmless). */
  cleanup: () => Promise<void>;
  /**
   * Persistent adapters set this: it opens a new store over the same backing storage (file, table).
   * The contract closes `store` before calling it and closes the store it returns. Required when the
   * contract runs with `{ persistent: true }`.
   */
  reopen?: () => Promise<StateStore>;
}

const HOUR = 3_600_000;
const runId = randomBytes(3).toString('hex');
let testSeq = 0;

/** ~100 KB of realistic state: a baseline of IP terms with first/last seen. */
function bigValue(): unknown {
  const terms: Record<string, [number, number]> = {};
  for (let i = 0; i < 2600; i++)
    terms[`10.${(i >> 8) & 255}.${i & 255}.${i % 7}`] = [1736150400000 + i, 1736236800000 - i];
  return { kind: 'new_terms', principal: 'alice@contoso.com', terms, note: 'ü✓🎉'.repeat(100) };
}

/** How to run the contract for one adapter configuration. */
export interface StateStoreContractOptions {
  /**
   * The adapter keeps data across a close and reopen (a file, a table). Turns on the "flush then
   * reopen keeps data" test, which needs the fixture's {@link StateStoreFixture.reopen}. Default false:
   * an in-memory configuration has nothing to reopen, so that test is not registered.
   */
  persistent?: boolean;
}

/**
 * Registers the StateStore contract tests for one adapter configuration.
 *
 * @param name - shown in the describe title, e.g. `'embedded (file)'`.
 * @param makeStore - called before every test; returns a store and how to clean up after it (and,
 *   for persistent adapters, how to reopen the same storage: see {@link StateStoreFixture.reopen}).
 * @param options - `{ persistent: true }` for adapters whose data survives a reopen.
 */
export function describeStateStoreContract(
  name: string,
  makeStore: () => Promise<StateStoreFixture>,
  options: StateStoreContractOptions = {},
): void {
  describe(`StateStore contract: ${name}`, () => {
    let fx: StateStoreFixture;
    let store: StateStore;
    let prefix: string;
    const k = (s: string): string => `${prefix}${s}`;
    let now: number;

    beforeEach(async () => {
      prefix = `ct-${runId}-${++testSeq}|`;
      now = Date.now();
      fx = await makeStore();
      store = fx.store;
    });
    afterEach(async () => {
      await fx.cleanup();
    });

    const create = (key: string, value: unknown, expiresAt = now + HOUR): StateWrite => ({
      key,
      expectedVersion: 0,
      expiresAt,
      value,
    });

    async function getOne(key: string, at = now): Promise<StateItem | undefined> {
      return (await store.get([key], at)).get(key);
    }

    describe('get', () => {
      it('returns an empty map for missing keys and for an empty key list', async () => {
        expect((await store.get([k('missing-1'), k('missing-2')], now)).size).toBe(0);
        expect((await store.get([], now)).size).toBe(0);
      });

      it('tolerates a key requested twice', async () => {
        await store.write([create(k('a'), 1)], now);
        const got = await store.get([k('a'), k('a'), k('nope')], now);
        expect([...got.keys()]).toEqual([k('a')]);
      });

      it('has a non-empty adapter name', () => {
        expect(typeof store.name).toBe('string');
        expect(store.name.length).toBeGreaterThan(0);
      });
    });

    describe('create (expectedVersion 0)', () => {
      it('stores version 1 and get returns key, version, expiresAt and value', async () => {
        const exp = now + HOUR;
        const res = await store.write([create(k('c'), { n: 1 }, exp)], now);
        expect(res.conflicts).toEqual([]);
        expect(await getOne(k('c'))).toEqual({ key: k('c'), version: 1, expiresAt: exp, value: { n: 1 } });
      });

      it('conflicts when a live item exists and leaves it unchanged', async () => {
        await store.write([create(k('c'), 'first')], now);
        const res = await store.write([create(k('c'), 'second', now + 2 * HOUR)], now + 1);
        expect(res.conflicts).toEqual([k('c')]);
        expect(await getOne(k('c'), now + 1)).toEqual({
          key: k('c'),
          version: 1,
          expiresAt: now + HOUR,
          value: 'first',
        });
      });

      it('succeeds over an expired item, restarting at version 1', async () => {
        await store.write([create(k('c'), 'old', now + 1000)], now);
        await store.write([{ key: k('c'), expectedVersion: 1, expiresAt: now + 1000, value: 'old2' }], now);
        expect((await getOne(k('c')))?.version).toBe(2);
        const later = now + 1000; // expiresAt <= now: dead
        const res = await store.write([create(k('c'), 'new', later + HOUR)], later);
        expect(res.conflicts).toEqual([]);
        expect(await getOne(k('c'), later)).toEqual({
          key: k('c'),
          version: 1,
          expiresAt: later + HOUR,
          value: 'new',
        });
      });
    });

    describe('replace (expectedVersion N)', () => {
      it('applies at the stored version and increments it', async () => {
        await store.write([create(k('r'), 0)], now);
        for (let v = 1; v <= 3; v++) {
          const res = await store.write(
            [{ key: k('r'), expectedVersion: v, expiresAt: now + HOUR, value: v }],
            now,
          );
          expect(res.conflicts).toEqual([]);
          expect(await getOne(k('r'))).toMatchObject({ version: v + 1, value: v });
        }
      });

      it('conflicts on a stale version and leaves the item unchanged', async () => {
        await store.write([create(k('r'), 'a')], now);
        await store.write([{ key: k('r'), expectedVersion: 1, expiresAt: now + HOUR, value: 'b' }], now);
        const res = await store.write(
          [{ key: k('r'), expectedVersion: 1, expiresAt: now + 2 * HOUR, value: 'stale' }],
          now,
        );
        expect(res.conflicts).toEqual([k('r')]);
        expect(await getOne(k('r'))).toEqual({ key: k('r'), version: 2, expiresAt: now + HOUR, value: 'b' });
        const ahead = await store.write(
          [{ key: k('r'), expectedVersion: 7, expiresAt: now + HOUR, value: 'x' }],
          now,
        );
        expect(ahead.conflicts).toEqual([k('r')]);
        expect((await getOne(k('r')))?.value).toBe('b');
      });

      it('conflicts for a key that does not exist', async () => {
        const res = await store.write(
          [{ key: k('ghost'), expectedVersion: 1, expiresAt: now + HOUR, value: 1 }],
          now,
        );
        expect(res.conflicts).toEqual([k('ghost')]);
        expect(await getOne(k('ghost'))).toBeUndefined();
      });
    });

    it('applies the writes of a partial batch that meet their condition and lists the others', async () => {
      await store.write([create(k('live'), 'L'), create(k('rep'), 'R1'), create(k('stale'), 'S1')], now);
      await store.write([{ key: k('stale'), expectedVersion: 1, expiresAt: now + HOUR, value: 'S2' }], now);
      const res = await store.write(
        [
          create(k('new1'), 'N1'),
          create(k('live'), 'L-again'), // conflict: live item
          { key: k('rep'), expectedVersion: 1, expiresAt: now + HOUR, value: 'R2' },
          { key: k('stale'), expectedVersion: 1, expiresAt: now + HOUR, value: 'S-stale' }, // conflict
          { key: k('uncond'), expectedVersion: null, expiresAt: now + HOUR, value: 'U' },
          create(k('new2'), 'N2'),
        ],
        now,
      );
      expect([...res.conflicts].sort()).toEqual([k('live'), k('stale')].sort());
      const got = await store.get([k('new1'), k('live'), k('rep'), k('stale'), k('uncond'), k('new2')], now);
      const view = Object.fromEntries(
        [...got.values()].map((i) => [i.key.slice(prefix.length), [i.version, i.value]]),
      );
      expect(view).toEqual({
        new1: [1, 'N1'],
        live: [1, 'L'],
        rep: [2, 'R2'],
        stale: [2, 'S2'],
        uncond: [1, 'U'],
        new2: [1, 'N2'],
      });
    });

    it('unconditional writes (expectedVersion null) store version 1 and overwrite whatever is there', async () => {
      await store.write([create(k('u'), 'a')], now);
      for (let v = 1; v <= 3; v++) {
        await store.write([{ key: k('u'), expectedVersion: v, expiresAt: now + HOUR, value: v }], now);
      }
      await store.write([create(k('dead'), 'd', now + 10)], now);
      const res = await store.write(
        [
          { key: k('u'), expectedVersion: null, expiresAt: now + 2 * HOUR, value: 'over' },
          { key: k('fresh'), expectedVersion: null, expiresAt: now + HOUR, value: 'f' },
          { key: k('dead'), expectedVersion: null, expiresAt: now + HOUR, value: 'revived' },
        ],
        now + 10,
      );
      expect(res.conflicts).toEqual([]);
      const got = await store.get([k('u'), k('fresh'), k('dead')], now + 10);
      expect(got.get(k('u'))).toEqual({ key: k('u'), version: 1, expiresAt: now + 2 * HOUR, value: 'over' });
      expect(got.get(k('fresh'))).toMatchObject({ version: 1, value: 'f' });
      expect(got.get(k('dead'))).toMatchObject({ version: 1, value: 'revived' });
    });

    it('get never returns an item with expiresAt <= now, though the store still holds it', async () => {
      const exp = now + 5000;
      await store.write([create(k('e'), 'v', exp), create(k('keep'), 'k', now + HOUR)], now);
      expect(await getOne(k('e'), exp - 1)).toMatchObject({ value: 'v' });
      const atExpiry = await store.get([k('e'), k('keep')], exp);
      expect(atExpiry.has(k('e'))).toBe(false);
      expect(atExpiry.has(k('keep'))).toBe(true);
      expect(await getOne(k('e'), exp + HOUR)).toBeUndefined();
      // Reading filtered it; it did not delete it: the version is still there for a conditional delete.
      expect((await store.delete([{ key: k('e'), expectedVersion: 1 }])).conflicts).toEqual([]);
    });

    describe('delete', () => {
      it('deletes at the right version; the key can then be created again', async () => {
        await store.write([create(k('d'), 'x')], now);
        await store.write([{ key: k('d'), expectedVersion: 1, expiresAt: now + HOUR, value: 'y' }], now);
        const res = await store.delete([{ key: k('d'), expectedVersion: 2 }]);
        expect(res.conflicts).toEqual([]);
        expect(await getOne(k('d'))).toBeUndefined();
        expect((await store.write([create(k('d'), 'z')], now)).conflicts).toEqual([]);
        expect(await getOne(k('d'))).toMatchObject({ version: 1, value: 'z' });
      });

      it('conflicts at a wrong version or a missing key and deletes nothing', async () => {
        await store.write([create(k('d'), 'x'), create(k('d2'), 'x2')], now);
        const res = await store.delete([
          { key: k('d'), expectedVersion: 2 },
          { key: k('missing'), expectedVersion: 1 },
          { key: k('d2'), expectedVersion: 1 },
        ]);
        expect([...res.conflicts].sort()).toEqual([k('d'), k('missing')].sort());
        expect(await getOne(k('d'))).toMatchObject({ version: 1, value: 'x' });
        expect(await getOne(k('d2'))).toBeUndefined();
      });

      it('accepts an empty list', async () => {
        expect(await store.delete([])).toEqual({ conflicts: [] });
        expect(await store.write([], now)).toEqual({ conflicts: [] });
      });
    });

    describe('values', () => {
      const samples: Record<string, unknown> = {
        nested: { a: { b: { c: [1, { d: 'x', e: [true, false, null] }] } }, empty: {}, list: [] },
        array: [1, 'two', null, true, false, { three: 3 }, [[]], [{}]],
        unicode: 'héllo wörld — ✓ 漢字 русский עברית 🎉👩‍👩‍👧 e\u0301 \u0000 \u2028 \n\t"quoted" \\ back\\slash',
        loneSurrogate: 'a\ud800b',
        emptyString: '',
        zero: 0,
        negative: -42,
        negativeFloat: -123.456,
        tiny: 1.5e-7,
        huge: 1e300,
        maxSafe: Number.MAX_SAFE_INTEGER,
        minSafe: Number.MIN_SAFE_INTEGER,
        pointOne: 0.1,
        true: true,
        false: false,
        topLevelNull: null,
        nullsInside: { a: null, b: [null, { c: null }], 'key with spaces & ünicode': 1 },
        numbersInside: { zero: 0, neg: -1, float: 2.5, exp: 6.02e23, list: [0, -0.5, 1e-300] },
        big: bigValue(),
      };

      it('round-trips JSON values exactly', async () => {
        const big = JSON.stringify(samples['big']);
        expect(big.length).toBeGreaterThan(90_000);
        expect(big.length).toBeLessThan(150_000);
        const writes = Object.entries(samples).map(([name, value]) => create(k(name), value));
        expect((await store.write(writes, now)).conflicts).toEqual([]);
        const got = await store.get(Object.keys(samples).map(k), now);
        for (const [name, value] of Object.entries(samples)) {
          expect({ name, value: got.get(k(name))?.value }).toStrictEqual({ name, value });
        }
        // And again after a replace and an unconditional write.
        await store.write(
          [
            { key: k('nested'), expectedVersion: 1, expiresAt: now + HOUR, value: samples['big'] },
            { key: k('big'), expectedVersion: null, expiresAt: now + HOUR, value: samples['nested'] },
          ],
          now,
        );
        const again = await store.get([k('nested'), k('big')], now);
        expect(again.get(k('nested'))?.value).toStrictEqual(samples['big']);
        expect(again.get(k('big'))?.value).toStrictEqual(samples['nested']);
      });

      it('does not alias values between caller and store', async () => {
        const value = { counts: [1, 2], meta: { who: 'alice' } };
        await store.write([create(k('alias'), value)], now);
        value.counts.push(3);
        value.meta.who = 'mallory';
        const first = await getOne(k('alias'));
        expect(first?.value).toEqual({ counts: [1, 2], meta: { who: 'alice' } });
        (first?.value as { counts: number[] }).counts.push(99);
        (first?.value as { meta: { who: string } }).meta.who = 'eve';
        expect((await getOne(k('alias')))?.value).toEqual({ counts: [1, 2], meta: { who: 'alice' } });
      });
    });

    it('handles 250 keys in one get, write and delete (more than one DynamoDB batch)', async () => {
      const keys = Array.from({ length: 250 }, (_, i) => k(`many-${i}`));
      const c = await store.write(
        keys.map((key, i) => create(key, { i })),
        now,
      );
      expect(c.conflicts).toEqual([]);
      const missing = Array.from({ length: 10 }, (_, i) => k(`many-missing-${i}`));
      const got = await store.get([...keys, ...missing], now);
      expect(got.size).toBe(250);
      keys.forEach((key, i) => expect(got.get(key)).toMatchObject({ version: 1, value: { i } }));

      const r = await store.write(
        keys.map((key, i) => ({
          key,
          expectedVersion: i % 5 === 0 ? 7 : 1,
          expiresAt: now + HOUR,
          value: { i, r: 1 },
        })),
        now,
      );
      expect([...r.conflicts].sort()).toEqual(keys.filter((_, i) => i % 5 === 0).sort());

      const u = await store.write(
        keys.map((key, i) => ({ key, expectedVersion: null, expiresAt: now + HOUR, value: { i, u: 1 } })),
        now,
      );
      expect(u.conflicts).toEqual([]);
      const after = await store.get(keys, now);
      keys.forEach((key, i) => expect(after.get(key)).toMatchObject({ version: 1, value: { i, u: 1 } }));

      const d = await store.delete(keys.map((key) => ({ key, expectedVersion: 1 })));
      expect(d.conflicts).toEqual([]);
      expect((await store.get(keys, now)).size).toBe(0);
    });

    it("accepts keys with '#', '|', spaces, quotes, slashes, newlines and unicode", async () => {
      const odd = [
        'a#b#c',
        'tenant|user|ip',
        'has spaces  and\ttabs',
        'quote"s and \\backslash/slash',
        'line\nbreak',
        'ünïcødé-漢字-🎉-e\u0301',
        `${'long-'.repeat(80)}end`,
        '#',
        '|',
        ' ',
      ].map(k);
      expect(
        (
          await store.write(
            odd.map((key, i) => create(key, i)),
            now,
          )
        ).conflicts,
      ).toEqual([]);
      const got = await store.get(odd, now);
      expect(got.size).toBe(odd.length);
      odd.forEach((key, i) => expect(got.get(key)).toMatchObject({ key, version: 1, value: i }));
      expect(
        (
          await store.write(
            odd.map((key) => create(key, 'again')),
            now,
          )
        ).conflicts.sort(),
      ).toEqual([...odd].sort());
      expect((await store.delete(odd.map((key) => ({ key, expectedVersion: 1 })))).conflicts).toEqual([]);
    });

    describe('concurrency', () => {
      it('exactly one of N parallel creates of one key wins', async () => {
        const N = 16;
        const results = await Promise.all(
          Array.from({ length: N }, (_, i) => store.write([create(k('race'), { winner: i })], now)),
        );
        const winners = results.map((r, i) => (r.conflicts.length === 0 ? i : -1)).filter((i) => i >= 0);
        expect(winners).toHaveLength(1);
        results.forEach((r, i) => {
          if (i !== winners[0]) expect(r.conflicts).toEqual([k('race')]);
        });
        expect(await getOne(k('race'))).toMatchObject({ version: 1, value: { winner: winners[0] } });
      });

      it('8 read-modify-write workers x 10 increments with retry on conflict end at exactly 80', async () => {
        const key = k('counter');
        const worker = async (): Promise<void> => {
          for (let n = 0; n < 10; n++) {
            for (let attempt = 0; ; attempt++) {
              if (attempt > 500) throw new Error('no progress after 500 attempts');
              const cur = (await store.get([key], now)).get(key);
              const res = await store.write(
                [
                  {
                    key,
                    expectedVersion: cur?.version ?? 0,
                    expiresAt: now + HOUR,
                    value: ((cur?.value as number) ?? 0) + 1,
                  },
                ],
                now,
              );
              if (res.conflicts.length === 0) break;
            }
          }
        };
        await Promise.all(Array.from({ length: 8 }, worker));
        expect(await getOne(key)).toMatchObject({ version: 80, value: 80 });
      });
    });

    describe('invalid calls', () => {
      it('rejects a write call that names a key twice, writing nothing', async () => {
        await expect(
          store.write([create(k('dup'), 1), create(k('other'), 2), create(k('dup'), 3)], now),
        ).rejects.toBeInstanceOf(StateStoreError);
        expect((await store.get([k('dup'), k('other')], now)).size).toBe(0);
      });

      it('rejects empty keys, a non-finite now and negative versions', async () => {
        await expect(store.get([k('a'), ''], now)).rejects.toBeInstanceOf(StateStoreError);
        await expect(store.write([create('', 1)], now)).rejects.toBeInstanceOf(StateStoreError);
        await expect(store.write([create(k('a'), 1)], Number.NaN)).rejects.toBeInstanceOf(StateStoreError);
        await expect(
          store.write([{ key: k('a'), expectedVersion: -1, expiresAt: now + HOUR, value: 1 }], now),
        ).rejects.toBeInstanceOf(StateStoreError);
        await expect(store.delete([{ key: k('a'), expectedVersion: 0 }])).rejects.toBeInstanceOf(
          StateStoreError,
        );
        expect((await store.get([k('a')], now)).size).toBe(0);
      });

      it('rejects a value that is not JSON, writing nothing', async () => {
        await expect(
          store.write([create(k('ok'), 1), create(k('bad'), undefined)], now),
        ).rejects.toBeInstanceOf(StateStoreError);
        expect((await store.get([k('ok'), k('bad')], now)).size).toBe(0);
      });
    });

    it('rejects calls after close with StateStoreError; closing twice is harmless', async () => {
      await store.write([create(k('x'), 1)], now);
      await store.close();
      await store.close();
      await expect(store.get([k('x')], now)).rejects.toBeInstanceOf(StateStoreError);
      await expect(store.write([create(k('y'), 1)], now)).rejects.toBeInstanceOf(StateStoreError);
      await expect(store.delete([{ key: k('x'), expectedVersion: 1 }])).rejects.toBeInstanceOf(
        StateStoreError,
      );
      await expect(store.flush()).rejects.toBeInstanceOf(StateStoreError);
    });

    if (options.persistent === true)
      it('flush then reopen keeps data (persistent adapters)', async () => {
        if (fx.reopen === undefined)
          throw new Error(`${name}: persistent: true needs the fixture to provide reopen()`);
        const reopen = fx.reopen;
        await store.write(
          [
            create(k('p1'), { baseline: ['1.2.3.4'], ü: '🎉' }),
            create(k('p2'), 1),
            create(k('short'), 'expires', now + 1000),
          ],
          now,
        );
        await store.write([{ key: k('p2'), expectedVersion: 1, expiresAt: now + HOUR, value: 2 }], now);
        await store.delete([{ key: k('p1'), expectedVersion: 2 }]); // conflict: nothing happens
        await store.flush();
        await store.flush(); // nothing changed: harmless
        await store.close();
        const reopened = await reopen();
        try {
          const got = await reopened.get([k('p1'), k('p2'), k('short')], now);
          expect(got.get(k('p1'))).toEqual({
            key: k('p1'),
            version: 1,
            expiresAt: now + HOUR,
            value: { baseline: ['1.2.3.4'], ü: '🎉' },
          });
          expect(got.get(k('p2'))).toMatchObject({ version: 2, value: 2 });
          expect((await reopened.get([k('short')], now + 1000)).size).toBe(0);
          const res = await reopened.write(
            [{ key: k('p2'), expectedVersion: 2, expiresAt: now + HOUR, value: 3 }],
            now,
          );
          expect(res.conflicts).toEqual([]);
        } finally {
          await reopened.close();
        }
      });
  });
}
