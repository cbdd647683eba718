import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  ProvisionedThroughputExceededException,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { randomBytes } from 'node:crypto';
import {
  BATCH_GET_MAX,
  BATCH_WRITE_MAX,
  countWriteUnits,
  createStateTable,
  DynamoStateStore,
  dynamoItemSize,
  writeUnitsFor,
} from '../../shared/state/dynamodb';
import type { StateStore } from '../../shared/state/port';
import { StateStoreError } from '../../shared/state/port';
import { describeStateStoreContract } from '../contract/state-store.contract';
import type { LocalDynamo } from './local-dynamodb';
import { localClientConfig, startDynalite } from './local-dynamodb';

const HOUR = 3_600_000;
const table = `tripline-state-${randomBytes(4).toString('hex')}`;
let local: LocalDynamo;
let client: DynamoDBClient;

beforeAll(async () => {
  local = await startDynalite();
  client = local.client();
  await createStateTable(client, table);
});

afterAll(async () => {
  await local.stop();
});

function fixture(options: { concurrency?: number; batchConcurrency?: number } = {}) {
  return async () => {
    const store = new DynamoStateStore({ client, tableName: table, ...options });
    let current: StateStore = store;
    return {
      store,
      reopen: async () => (current = new DynamoStateStore({ client, tableName: table })),
      cleanup: async () => {
        await store.close();
        await current.close();
      },
    };
  };
}

describeStateStoreContract('dynamodb (dynalite)', fixture(), { persistent: true });
describeStateStoreContract(
  'dynamodb (dynalite, one request in flight)',
  fixture({ concurrency: 1, batchConcurrency: 1 }),
  {
    persistent: true,
  },
);

async function rawGet(key: string): Promise<Record<string, AttributeValue> | undefined> {
  return (
    await client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: key } }, ConsistentRead: true }))
  ).Item;
}

async function errorOf(fn: () => Promise<unknown>): Promise<StateStoreError> {
  try {
    await fn();
  } catch (err) {
    expect(err).toBeInstanceOf(StateStoreError);
    return err as StateStoreError;
  }
  throw new Error('expected a StateStoreError');
}

describe('DynamoStateStore on dynalite', () => {
  let store: DynamoStateStore;
  let now: number;
  const key = (s: string): string => `dyn-${randomBytes(3).toString('hex')}|${s}`;
  beforeEach(() => {
    store = new DynamoStateStore({ client, tableName: table });
    now = Date.now();
  });
  afterEach(() => store.close());

  it('creates an on-demand table with a string hash key pk', async () => {
    const t = (await client.send(new DescribeTableCommand({ TableName: table }))).Table;
    expect(t?.KeySchema).toEqual([{ AttributeName: 'pk', KeyType: 'HASH' }]);
    expect(t?.AttributeDefinitions).toEqual([{ AttributeName: 'pk', AttributeType: 'S' }]);
    expect(t?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    const err = await errorOf(() => createStateTable(client, table));
    expect(err.message).toContain(`cannot create table ${table}`);
  });

  it('stores pk, v, exp (ms), ttl = ceil(expiresAt / 1000) (s) and val as JSON text', async () => {
    const k = key('layout');
    const expiresAt = 1_900_000_000_123;
    await store.write([{ key: k, expectedVersion: 0, expiresAt, value: { a: [1, 'ü'] } }], now);
    expect(await rawGet(k)).toEqual({
      pk: { S: k },
      v: { N: '1' },
      exp: { N: '1900000000123' },
      ttl: { N: '1900000001' },
      val: { S: '{"a":[1,"ü"]}' },
    });
    await store.write([{ key: k, expectedVersion: 1, expiresAt: 1_900_000_000_000, value: null }], now);
    expect(await rawGet(k)).toMatchObject({ v: { N: '2' }, ttl: { N: '1900000000' }, val: { S: 'null' } });
    await store.write([{ key: k, expectedVersion: null, expiresAt: 1_900_000_000_001, value: 'u' }], now);
    expect(await rawGet(k)).toMatchObject({ v: { N: '1' }, ttl: { N: '1900000001' }, val: { S: '"u"' } });
  });

  it('stores values over compressAboveBytes deflated in valz when that is smaller, and reads both forms', async () => {
    const big = {
      terms: Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`10.0.${i}.1`, [now + i, now]])),
    };
    const mid = 'ü'.repeat(600); // 600 characters but 1202 bytes of JSON: over the limit, and compressible
    const [kb, km, kn, ks] = [key('big'), key('mid'), key('short'), key('small')];
    await store.write(
      [
        { key: kb, expectedVersion: 0, expiresAt: now + HOUR, value: big },
        { key: km, expectedVersion: null, expiresAt: now + HOUR, value: mid },
        { key: ks, expectedVersion: 0, expiresAt: now + HOUR, value: { small: true } },
      ],
      now,
    );
    const rb = await rawGet(kb);
    expect(rb?.['val']).toBeUndefined();
    expect(rb?.['valz']?.B?.byteLength).toBeLessThan(JSON.stringify(big).length / 3);
    expect((await rawGet(km))?.['valz']).toBeDefined();
    expect((await rawGet(ks))?.['val']?.S).toBe('{"small":true}');
    const got = await store.get([kb, km, ks], now);
    expect(got.get(kb)?.value).toStrictEqual(big);
    expect(got.get(km)?.value).toBe(mid);
    // Over a (tiny) limit, but deflate makes it longer: stays text.
    const eager = new DynamoStateStore({ client, tableName: table, compressAboveBytes: 10 });
    await eager.write(
      [{ key: kn, expectedVersion: 0, expiresAt: now + HOUR, value: 'abcdefghijklmnop' }],
      now,
    );
    expect((await rawGet(kn))?.['val']?.S).toBe('"abcdefghijklmnop"');

    // A store with compression off still reads deflated items, and writes text.
    const plain = new DynamoStateStore({ client, tableName: table, compressAboveBytes: Infinity });
    expect((await plain.get([kb], now)).get(kb)?.value).toStrictEqual(big);
    await plain.write([{ key: kb, expectedVersion: 1, expiresAt: now + HOUR, value: big }], now);
    expect(await rawGet(kb)).toMatchObject({ v: { N: '2' }, val: { S: JSON.stringify(big) } });
    expect((await rawGet(kb))?.['valz']).toBeUndefined();
  });

  it('hides an item past exp that dynalite still stores (no TTL sweeper) and lets it be re-created', async () => {
    const k = key('ttl');
    await store.write([{ key: k, expectedVersion: 0, expiresAt: now + 1000, value: 'old' }], now);
    const later = now + 1000;
    expect((await store.get([k], later)).size).toBe(0);
    expect(await rawGet(k)).toMatchObject({ val: { S: '"old"' } }); // still physically there
    const res = await store.write(
      [{ key: k, expectedVersion: 0, expiresAt: later + HOUR, value: 'new' }],
      later,
    );
    expect(res.conflicts).toEqual([]);
    expect((await store.get([k], later)).get(k)).toEqual({
      key: k,
      version: 1,
      expiresAt: later + HOUR,
      value: 'new',
    });
    expect(await rawGet(k)).toMatchObject({ ttl: { N: String(Math.ceil((later + HOUR) / 1000)) } });
  });

  it('refuses an item over 400 KB and a key over 2048 bytes before sending anything', async () => {
    const ok = key('ok');
    const big = key('big');
    let err = await errorOf(() =>
      store.write(
        [
          { key: ok, expectedVersion: 0, expiresAt: now + HOUR, value: 1 },
          // ~590 KB of base64 noise: still over 400 KB deflated.
          {
            key: big,
            expectedVersion: 0,
            expiresAt: now + HOUR,
            value: randomBytes(440 * 1024).toString('base64'),
          },
        ],
        now,
      ),
    );
    expect(err.message).toContain(`the item for key ${JSON.stringify(big)} is`);
    expect(err.message).toContain('limited to 400 KB');
    expect(await rawGet(ok)).toBeUndefined();
    err = await errorOf(() =>
      store.write([{ key: 'k'.repeat(2049), expectedVersion: null, expiresAt: now, value: 1 }], now),
    );
    expect(err.message).toContain('partition keys are limited to 2048');
  });

  it('reports a missing table as StateStoreError with the cause, for every call', async () => {
    const gone = new DynamoStateStore({ client, tableName: 'no-such-table' });
    for (const call of [
      () => gone.get(['a'], now),
      () => gone.write([{ key: 'a', expectedVersion: 0, expiresAt: now + HOUR, value: 1 }], now),
      () => gone.write([{ key: 'a', expectedVersion: null, expiresAt: now + HOUR, value: 1 }], now),
      () => gone.delete([{ key: 'a', expectedVersion: 1 }]),
    ]) {
      const err = await errorOf(call);
      expect(err.message).toContain('no-such-table');
      expect(err.store).toBe('dynamodb');
      expect((err.cause as Error).name).toBe('ResourceNotFoundException');
    }
  });

  it('reports an item that is not a Tripline state item', async () => {
    const k = key('foreign');
    await client.send(new PutItemCommand({ TableName: table, Item: { pk: { S: k }, other: { S: 'x' } } }));
    expect((await errorOf(() => store.get([k], now))).message).toContain('is not a Tripline state item');
    const j = key('badjson');
    await client.send(
      new PutItemCommand({
        TableName: table,
        Item: { pk: { S: j }, v: { N: '1' }, exp: { N: String(now + HOUR) }, val: { S: '{nope' } },
      }),
    );
    const err = await errorOf(() => store.get([j], now));
    expect(err.message).toContain('has a value that is not JSON (val)');
    expect(err.cause).toBeInstanceOf(SyntaxError);
    const z = key('badzip');
    await client.send(
      new PutItemCommand({
        TableName: table,
        Item: {
          pk: { S: z },
          v: { N: '1' },
          exp: { N: String(now + HOUR) },
          valz: { B: new Uint8Array([1, 2, 3]) },
        },
      }),
    );
    expect((await errorOf(() => store.get([z], now))).message).toContain(
      'has a value that is not deflated JSON (valz)',
    );
  });

  it('creates its own client from clientConfig and destroys it on close', async () => {
    const own = new DynamoStateStore({ tableName: table, clientConfig: localClientConfig(local.endpoint) });
    const k = key('own');
    await own.write([{ key: k, expectedVersion: 0, expiresAt: now + HOUR, value: 1 }], now);
    expect((await own.get([k], now)).get(k)?.value).toBe(1);
    await own.close();
  });
});

describe('countWriteUnits', () => {
  it('adds ceil(itemBytes / 1024), minimum 1, per item written, and stops when detached', async () => {
    const counted = local.client();
    const counter = countWriteUnits(counted);
    const store = new DynamoStateStore({ client: counted, tableName: table, compressAboveBytes: Infinity });
    const now = Date.now();
    const p = `wcu-${randomBytes(3).toString('hex')}|`;
    const expiresAt = now + HOUR;
    const itemOf = (key: string, value: unknown, v = 1): Record<string, AttributeValue> => ({
      pk: { S: key },
      v: { N: String(v) },
      exp: { N: String(expiresAt) },
      ttl: { N: String(Math.ceil(expiresAt / 1000)) },
      val: { S: JSON.stringify(value) },
    });
    const small = itemOf(`${p}small`, 1);
    const large = itemOf(`${p}large`, 'x'.repeat(3000));
    expect(writeUnitsFor(dynamoItemSize(small))).toBe(1);
    expect(writeUnitsFor(dynamoItemSize(large))).toBe(3);

    await store.write(
      [
        { key: `${p}small`, expectedVersion: 0, expiresAt, value: 1 },
        { key: `${p}large`, expectedVersion: 0, expiresAt, value: 'x'.repeat(3000) },
      ],
      now,
    );
    expect(counter.units).toBe(4);
    expect(counter.byCommand['PutItemCommand']).toEqual({ units: 4, items: 2 });

    // A failed condition is billed too.
    const conflict = await store.write(
      [{ key: `${p}large`, expectedVersion: 0, expiresAt, value: 'x'.repeat(3000) }],
      now,
    );
    expect(conflict.conflicts).toEqual([`${p}large`]);
    expect(counter.units).toBe(7);

    // The same value with compression on (the default) costs 1 unit instead of 3.
    const zipped = new DynamoStateStore({ client: counted, tableName: table });
    counter.reset();
    await zipped.write([{ key: `${p}zipped`, expectedVersion: 0, expiresAt, value: 'x'.repeat(3000) }], now);
    expect(counter.units).toBe(1);
    await zipped.close();

    counter.reset();
    const many = Array.from({ length: 30 }, (_, i) => ({
      key: `${p}u${i}`,
      expectedVersion: null,
      expiresAt,
      value: i,
    }));
    await store.write(many, now);
    expect(counter.byCommand).toEqual({ BatchWriteItemCommand: { units: 30, items: 30 } });

    await store.delete([{ key: `${p}small`, expectedVersion: 1 }]);
    expect(counter.byCommand['DeleteItemCommand']).toEqual({ units: 1, items: 1 });
    expect(counter.units).toBe(31);
    expect(counter.items).toBe(31);

    await store.get([`${p}large`], now); // reads are not counted
    counter.detach();
    await store.write([{ key: `${p}after`, expectedVersion: 0, expiresAt, value: 1 }], now);
    expect(counter.units).toBe(31);
    await store.close();
  });

  it('sizes items by the DynamoDB rules', () => {
    expect(dynamoItemSize({ ab: { S: 'héllo' } })).toBe(2 + 6);
    expect(dynamoItemSize({ n: { N: '12345' } })).toBe(1 + 4); // 5 digits -> 3 bytes + 1
    expect(dynamoItemSize({ n: { N: '-0.000120' } })).toBe(1 + 3); // "12": 1 + 1 + 1 (negative)
    expect(dynamoItemSize({ b: { BOOL: true }, z: { NULL: true } })).toBe(4);
    expect(dynamoItemSize({ l: { L: [{ S: 'ab' }, { N: '1' }] } })).toBe(1 + 3 + (1 + 2) + (1 + 2));
    expect(dynamoItemSize({ m: { M: { k: { S: 'v' } } } })).toBe(1 + 3 + 1 + 1 + 1);
    expect(dynamoItemSize({ bin: { B: new Uint8Array(10) } })).toBe(3 + 10);
    expect(writeUnitsFor(0)).toBe(1);
    expect(writeUnitsFor(1024)).toBe(1);
    expect(writeUnitsFor(1025)).toBe(2);
  });
});

describe('DynamoStateStore request wiring (mocked client)', () => {
  const mockedClient = new DynamoDBClient(localClientConfig('http://127.0.0.1:9'));
  const mock = mockClient(mockedClient);
  const TABLE = 'state';
  const now = 1_736_150_400_000;
  let sleeps: number[];
  const make = (extra: { maxBatchAttempts?: number } = {}) =>
    new DynamoStateStore({
      client: mockedClient,
      tableName: TABLE,
      backoffBaseMs: 100,
      backoffMaxMs: 400,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      ...extra,
    });
  const raw = (k: string, v = 1) => ({
    pk: { S: k },
    v: { N: String(v) },
    exp: { N: String(now + HOUR) },
    val: { S: JSON.stringify({ k }) },
  });

  beforeEach(() => {
    mock.reset();
    sleeps = [];
  });
  afterAll(() => mock.restore());

  it('retries UnprocessedKeys with backoff and merges the results', async () => {
    mock
      .on(BatchGetItemCommand)
      .resolvesOnce({
        Responses: { [TABLE]: [raw('a')] },
        UnprocessedKeys: {
          [TABLE]: { Keys: [{ pk: { S: 'b' } }, { pk: { S: 'c' } }], ConsistentRead: true },
        },
      })
      .resolvesOnce({
        Responses: { [TABLE]: [raw('b')] },
        UnprocessedKeys: { [TABLE]: { Keys: [{ pk: { S: 'c' } }] } },
      })
      .resolvesOnce({ Responses: { [TABLE]: [{ ...raw('c'), exp: { N: String(now) } }] } });
    const got = await make().get(['a', 'b', 'c'], now);
    expect([...got.keys()].sort()).toEqual(['a', 'b']); // c came back expired
    const calls = mock.commandCalls(BatchGetItemCommand);
    expect(calls).toHaveLength(3);
    expect(calls[1]?.args[0].input.RequestItems?.[TABLE]).toMatchObject({
      Keys: [{ pk: { S: 'b' } }, { pk: { S: 'c' } }],
      ConsistentRead: true,
      ProjectionExpression: '#pk, #v, #exp, #val, #valz',
    });
    expect(calls[2]?.args[0].input.RequestItems?.[TABLE]?.Keys).toEqual([{ pk: { S: 'c' } }]);
    expect(sleeps).toHaveLength(2);
    expect(sleeps[0]).toBeLessThanOrEqual(100);
    expect(sleeps[1]).toBeLessThanOrEqual(200);
  });

  it('gives up on UnprocessedKeys after maxBatchAttempts with a StateStoreError', async () => {
    mock.on(BatchGetItemCommand).resolves({ UnprocessedKeys: { [TABLE]: { Keys: [{ pk: { S: 'a' } }] } } });
    const err = await errorOf(() => make({ maxBatchAttempts: 5 }).get(['a'], now));
    expect(err.message).toContain('still had 1 unprocessed keys after 5 attempts');
    expect(mock.commandCalls(BatchGetItemCommand)).toHaveLength(5);
    expect(sleeps).toHaveLength(4);
    sleeps.forEach((ms, i) => expect(ms).toBeLessThanOrEqual(Math.min(400, 100 * 2 ** i)));
  });

  it('retries UnprocessedItems of unconditional writes and gives up after bounded attempts', async () => {
    mock
      .on(BatchWriteItemCommand)
      .callsFakeOnce(async (input: { RequestItems: Record<string, unknown[]> }) => ({
        UnprocessedItems: { [TABLE]: input.RequestItems[TABLE]?.slice(1) },
      }))
      .resolves({});
    const writes = ['a', 'b', 'c'].map((key) => ({
      key,
      expectedVersion: null,
      expiresAt: now + HOUR,
      value: key,
    }));
    expect(await make().write(writes, now)).toEqual({ conflicts: [] });
    const calls = mock.commandCalls(BatchWriteItemCommand);
    expect(calls).toHaveLength(2);
    expect(calls[1]?.args[0].input.RequestItems?.[TABLE]?.map((r) => r.PutRequest?.Item?.['pk']?.S)).toEqual([
      'b',
      'c',
    ]);
    expect(sleeps).toHaveLength(1);

    mock.reset();
    mock.on(BatchWriteItemCommand).callsFake(async (input: { RequestItems: Record<string, unknown[]> }) => ({
      UnprocessedItems: input.RequestItems,
    }));
    const err = await errorOf(() => make({ maxBatchAttempts: 3 }).write(writes, now));
    expect(err.message).toContain('still had 3 unprocessed items after 3 attempts');
    expect(mock.commandCalls(BatchWriteItemCommand)).toHaveLength(3);
  });

  it('chunks 250 keys into BatchGetItem requests of 100 and 60 unconditional writes into BatchWriteItem requests of 25', async () => {
    mock.on(BatchGetItemCommand).resolves({ Responses: { [TABLE]: [] } });
    mock.on(BatchWriteItemCommand).resolves({});
    const store = make();
    await store.get(
      Array.from({ length: 250 }, (_, i) => `k${i}`),
      now,
    );
    expect(
      mock.commandCalls(BatchGetItemCommand).map((c) => c.args[0].input.RequestItems?.[TABLE]?.Keys?.length),
    ).toEqual([BATCH_GET_MAX, BATCH_GET_MAX, 50]);
    await store.write(
      Array.from({ length: 60 }, (_, i) => ({
        key: `k${i}`,
        expectedVersion: null,
        expiresAt: now + HOUR,
        value: i,
      })),
      now,
    );
    expect(
      mock.commandCalls(BatchWriteItemCommand).map((c) => c.args[0].input.RequestItems?.[TABLE]?.length),
    ).toEqual([BATCH_WRITE_MAX, BATCH_WRITE_MAX, 10]);
  });

  it('sends create and replace conditions; ConditionalCheckFailedException is a conflict, other errors are StateStoreErrors', async () => {
    mock
      .on(PutItemCommand, { Item: { pk: { S: 'lost' } } }, false)
      .rejects(
        new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }),
      )
      .on(PutItemCommand, { Item: { pk: { S: 'boom' } } }, false)
      .rejects(new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }))
      .on(PutItemCommand, { Item: { pk: { S: 'won' } } }, false)
      .resolves({});
    const store = make();
    const res = await store.write(
      [
        { key: 'won', expectedVersion: 0, expiresAt: now + HOUR, value: 1 },
        { key: 'lost', expectedVersion: 3, expiresAt: now + HOUR, value: 1 },
      ],
      now,
    );
    expect(res.conflicts).toEqual(['lost']);
    const inputs = mock.commandCalls(PutItemCommand).map((c) => c.args[0].input);
    expect(inputs.find((i) => i.Item?.['pk']?.S === 'won')).toMatchObject({
      ConditionExpression: 'attribute_not_exists(#pk) OR #exp <= :now',
      ExpressionAttributeValues: { ':now': { N: String(now) } },
      Item: { v: { N: '1' } },
    });
    expect(inputs.find((i) => i.Item?.['pk']?.S === 'lost')).toMatchObject({
      ConditionExpression: '#v = :expected',
      ExpressionAttributeValues: { ':expected': { N: '3' } },
      Item: { v: { N: '4' } },
    });
    const err = await errorOf(() =>
      store.write([{ key: 'boom', expectedVersion: 1, expiresAt: now + HOUR, value: 1 }], now),
    );
    expect(err.message).toContain('PutItem of key "boom"');
    expect(err.cause).toBeInstanceOf(ProvisionedThroughputExceededException);
  });

  it('deletes with a version condition', async () => {
    mock
      .on(DeleteItemCommand, { Key: { pk: { S: 'stale' } } }, false)
      .rejects(new ConditionalCheckFailedException({ message: 'no', $metadata: {} }))
      .on(DeleteItemCommand, { Key: { pk: { S: 'ok' } } }, false)
      .resolves({});
    const res = await make().delete([
      { key: 'ok', expectedVersion: 2 },
      { key: 'stale', expectedVersion: 1 },
    ]);
    expect(res.conflicts).toEqual(['stale']);
    expect(mock.commandCalls(DeleteItemCommand)[0]?.args[0].input).toMatchObject({
      ConditionExpression: '#v = :expected',
      ExpressionAttributeValues: { ':expected': { N: '2' } },
    });
  });
});
