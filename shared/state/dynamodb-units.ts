/**
 * DynamoDB item sizes and a write-unit counter for benchmarks: on-demand tables bill one write request
 * unit per started KB of each item written (minimum 1), so the state layout's cost is measured by
 * counting what goes over the wire. Re-exported by ./dynamodb.
 */
import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';

const utf8 = (s: string): number => Buffer.byteLength(s, 'utf8');

/** DynamoDB's size of a number: 1 byte per two significant digits, plus 1 (plus 1 if negative). */
function numberSize(n: string): number {
  let s = n.trim();
  const negative = s.startsWith('-');
  s = s.replace(/^[+-]/, '').replace(/[eE].*$/, '');
  const [int = '', frac = ''] = s.split('.');
  const digits = `${int}${frac}`.replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(digits.length, 1) / 2) + 1 + (negative ? 1 : 0);
}

function valueSize(v: AttributeValue): number {
  if (v.S !== undefined) return utf8(v.S);
  if (v.N !== undefined) return numberSize(v.N);
  if (v.B !== undefined) return v.B.byteLength;
  if (v.BOOL !== undefined || v.NULL !== undefined) return 1;
  if (v.SS !== undefined) return v.SS.reduce((n, s) => n + utf8(s), 0);
  if (v.NS !== undefined) return v.NS.reduce((n, s) => n + numberSize(s), 0);
  if (v.BS !== undefined) return v.BS.reduce((n, b) => n + b.byteLength, 0);
  if (v.L !== undefined) return v.L.reduce((n, e) => n + 1 + valueSize(e), 3);
  if (v.M !== undefined) return Object.entries(v.M).reduce((n, [k, e]) => n + utf8(k) + 1 + valueSize(e), 3);
  return 0;
}

/**
 * The size DynamoDB bills and limits (400 KB) for an item: UTF-8 attribute names plus value sizes,
 * following the rules in the DynamoDB developer guide ("Item sizes and formats").
 */
export function dynamoItemSize(item: Record<string, AttributeValue>): number {
  let n = 0;
  for (const [name, v] of Object.entries(item)) n += utf8(name) + valueSize(v);
  return n;
}

/** Write units for one item of `bytes` bytes: one per started KB, minimum 1. */
export function writeUnitsFor(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / 1024));
}

/** What {@link countWriteUnits} has counted. */
export interface WriteUnitCounter {
  /** Write units so far: ceil(itemBytes / 1024), minimum 1, per item written. */
  readonly units: number;
  /** Items written so far (including conditional writes whose condition failed: DynamoDB bills those). */
  readonly items: number;
  /** The same, per command name ('PutItemCommand', 'BatchWriteItemCommand', ...). */
  readonly byCommand: Readonly<Record<string, { units: number; items: number }>>;
  /** Sets everything back to 0. */
  reset(): void;
  /** Removes the middleware from the client. */
  detach(): void;
}

/**
 * The slice of the SDK's middleware types this file needs, spelled out structurally (the client's
 * `middlewareStack.add` is overloaded per step, and the smithy types package is not a direct dependency).
 */
type Handler = (args: { input: object }) => Promise<{ output: unknown }>;
type InitializeMiddleware = (next: Handler, context: { commandName?: string }) => Handler;
interface InitializeStack {
  add(mw: InitializeMiddleware, options: { step: 'initialize'; name: string; override: boolean }): void;
  remove(name: string): boolean;
}
type Item = Record<string, AttributeValue>;
type WriteRequest = { PutRequest?: { Item?: Item }; DeleteRequest?: { Key?: Item } };

const COMMANDS = new Set([
  'PutItemCommand',
  'BatchWriteItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
]);
const MIDDLEWARE_NAME = 'triplineCountWriteUnits';

/**
 * Adds an SDK middleware to `client` that counts the write units of PutItem, BatchWriteItem,
 * UpdateItem and DeleteItem calls: ceil(itemBytes / 1024), minimum 1, per item.
 *
 * Counted per logical call (SDK retries of throttled requests are not double-counted; items returned
 * in `UnprocessedItems` are not counted, since their retry is). A conditional write that fails its
 * condition is counted, as DynamoDB bills it. Client-side approximations: a delete counts 1 (the
 * deleted item's size is not known to the client), an UpdateItem counts its key plus its expression
 * values, and a PutItem counts the new item (DynamoDB bills the larger of old and new).
 *
 * @example
 * ```ts
 * const counter = countWriteUnits(client);
 * await store.write(writes, Date.now());
 * console.log(`${counter.units} WCU for ${counter.items} items`);
 * counter.detach();
 * ```
 */
export function countWriteUnits(client: DynamoDBClient): WriteUnitCounter {
  let units = 0;
  let items = 0;
  let byCommand: Record<string, { units: number; items: number }> = {};

  const add = (command: string, u: number, n: number): void => {
    units += u;
    items += n;
    const c = (byCommand[command] ??= { units: 0, items: 0 });
    c.units += u;
    c.items += n;
  };

  const count = (
    command: string,
    input: Record<string, unknown>,
    output: Record<string, unknown> | undefined,
  ): void => {
    switch (command) {
      case 'PutItemCommand':
        add(command, writeUnitsFor(dynamoItemSize((input['Item'] as Item | undefined) ?? {})), 1);
        return;
      case 'UpdateItemCommand': {
        const size =
          dynamoItemSize((input['Key'] as Item | undefined) ?? {}) +
          dynamoItemSize((input['ExpressionAttributeValues'] as Item | undefined) ?? {});
        add(command, writeUnitsFor(size), 1);
        return;
      }
      case 'DeleteItemCommand':
        add(command, 1, 1);
        return;
      case 'BatchWriteItemCommand': {
        const sum = (req: Record<string, WriteRequest[]> | undefined): [number, number] => {
          let u = 0;
          let n = 0;
          for (const list of Object.values(req ?? {})) {
            for (const r of list) {
              u += r.PutRequest ? writeUnitsFor(dynamoItemSize(r.PutRequest.Item ?? {})) : 1;
              n++;
            }
          }
          return [u, n];
        };
        const [u, n] = sum(input['RequestItems'] as Record<string, WriteRequest[]> | undefined);
        const [uu, un] = sum(output?.['UnprocessedItems'] as Record<string, WriteRequest[]> | undefined);
        add(command, u - uu, n - un);
        return;
      }
    }
  };

  const middleware: InitializeMiddleware = (next, context) => async (args) => {
    const command = context.commandName;
    if (command === undefined || !COMMANDS.has(command)) return next(args);
    const input = args.input as Record<string, unknown>;
    try {
      const result = await next(args);
      count(command, input, result.output as Record<string, unknown>);
      return result;
    } catch (err) {
      if ((err as { name?: unknown }).name === 'ConditionalCheckFailedException')
        count(command, input, undefined);
      throw err;
    }
  };
  const stack = client.middlewareStack as unknown as InitializeStack;
  stack.add(middleware, { step: 'initialize', name: MIDDLEWARE_NAME, override: true });

  return {
    get units() {
      return units;
    },
    get items() {
      return items;
    },
    get byCommand() {
      return byCommand;
    },
    reset() {
      units = 0;
      items = 0;
      byCommand = {};
    },
    detach() {
      stack.remove(MIDDLEWARE_NAME);
    },
  };
}
