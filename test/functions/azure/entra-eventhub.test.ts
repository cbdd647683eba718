/**
 * The Event Hub function for Entra diagnostic settings, invoked the way the Functions host invokes it:
 * registered through `app.eventHub` (binding metadata included), called with a batch and a real
 * InvocationContext, with state in azurite, findings to the fake Service Bus and the real
 * ManagedIdentityCredential talking to a fake managed identity endpoint.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TableClient } from '@azure/data-tables';
import type { Finding } from '#shared/engine/findings';
import { createStateTable } from '#shared/state/azure-table';
import {
  DEAD_LETTER_CONTAINER,
  ENTRA_EVENTHUB_RETRY,
  entraDeadLetter,
} from '../../../functions/azure/entra-eventhub';
import type { EntraBatchSummary } from '../../../functions/azure/entra-eventhub';
import { registerFunctions } from '../../../functions/azure/register';
import { startAzuriteTables } from '../../support/azurite';
import type { LocalAzurite } from '../../support/azurite';
import { startFakeIdentity } from '../../support/fake-identity';
import type { FakeIdentity } from '../../support/fake-identity';
import { startFakeServiceBus } from '../../support/fake-service-bus';
import type { FakeServiceBus } from '../../support/fake-service-bus';
import { invocation, registrations } from './host';
import type { Registration } from './host';

jest.mock(
  '@azure/functions-core',
  () => (jest.requireActual('./host') as { coreApiMock: () => Record<string, unknown> }).coreApiMock(),
  {
    virtual: true,
  },
);

const TENANT = '7d3e4c2a-91b5-4f0e-8a6d-2c9b1e5f4a70';
const ARCHIVER_APP = '6f2d8c41-3a9e-4b7d-9c15-e0a4b2f7d381';
/** The example story's Entra audit log, as diagnostic settings stream it (one record per line). */
const AUDIT = readFileSync(join(__dirname, '..', '..', '..', 'examples', 'entra', 'audit-logs.json'), 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as Record<string, unknown>);
/** Bob consents to "Mail Archiver Pro" at 10:05:02 on 2 March: three records, one correlation id. */
const CONSENT = AUDIT.filter((r) => String(r['time']).startsWith('2026-03-02T10:05:02'));
const STORY_NOW = Date.UTC(2026, 2, 2, 10, 6, 0);

let azurite: LocalAzurite;
let identity: FakeIdentity;
let sb: FakeServiceBus;
let tableNo = 0;
const savedEnv = { ...process.env };

beforeAll(async () => {
  azurite = await startAzuriteTables();
  identity = await startFakeIdentity();
  // The Functions host gives the worker these two for its system-assigned identity.
  Object.assign(process.env, identity.env());
});
afterAll(async () => {
  process.env = savedEnv;
  await azurite.stop();
  await identity.close();
});
beforeEach(async () => {
  sb = await startFakeServiceBus({
    queues: ['findings'],
    duplicateDetection: ['findings'],
    authorize: (t) => identity.resourceOf(t) === 'https://servicebus.azure.net',
  });
});
afterEach(() => sb.close());

function settings(extra: Record<string, string> = {}): Record<string, string> {
  return {
    STATE_TABLE_ENDPOINT: 'https://triplinetest.table.core.windows.net',
    STATE_TABLE_NAME: 'unused',
    FINDINGS_QUEUE_URL: sb.queueUrl('findings'),
    TENANT_ID: TENANT,
    ENTRA_EVENTHUB_NAME: 'entra-logs',
    ENTRA_EVENTHUB__fullyQualifiedNamespace: 'tripline-test.servicebus.windows.net',
    ...extra,
  };
}

/** Registers the functions against a fresh state table and returns the Event Hub function. */
async function deploy(
  extra: Record<string, string> = {},
  tableClient?: TableClient,
): Promise<{ fn: Registration; all: Map<string, Registration>; table: TableClient }> {
  const table = tableClient ?? azurite.tableClient(`entra${++tableNo}`);
  if (!tableClient) await createStateTable(table);
  registerFunctions({
    env: settings(extra),
    tableClient: table,
    serviceBusHttp: { sleep: async () => {}, baseDelayMs: 1, maxAttempts: 2 },
    now: () => STORY_NOW,
  });
  const all = registrations();
  const fn = all.get('entraEventHub');
  if (!fn) throw new Error('entraEventHub was not registered');
  return { fn, all, table };
}

/** Diagnostic settings send records in `{"records": [...]}` envelopes; the host hands them over parsed. */
function eventsOf(records: unknown[], perEvent = 2): unknown[] {
  const out: unknown[] = [];
  for (let i = 0; i < records.length; i += perEvent) out.push({ records: records.slice(i, i + perEvent) });
  return out;
}

function trigger(n: number, partition = '3'): Record<string, unknown> {
  return {
    partitionContext: { partitionId: partition, eventHubName: 'entra-logs', consumerGroup: '$Default' },
    sequenceNumberArray: Array.from({ length: n }, (_, i) => 1000 + i),
    offsetArray: Array.from({ length: n }, (_, i) => String(4096 * i)),
    enqueuedTimeUtcArray: Array.from({ length: n }, () => '2026-03-02T10:05:10Z'),
  };
}

async function invoke(
  fn: Registration,
  events: unknown[],
  retry?: { retryCount: number; maxRetryCount: number },
): Promise<{
  summary: EntraBatchSummary;
  logs: Array<{ level: string; text: string }>;
  deadLetter: unknown;
}> {
  const { context, logs } = invocation({
    functionName: 'entraEventHub',
    triggerMetadata: trigger(events.length),
    ...(retry ? { retryContext: retry } : {}),
  });
  const summary = (await fn.handler(events, context)) as EntraBatchSummary;
  return { summary, logs, deadLetter: context.extraOutputs.get(entraDeadLetter) };
}

describe('registration', () => {
  it('registers a batched Event Hub trigger on the identity-based connection, with a retry policy and a dead-letter blob output', async () => {
    const { fn, all } = await deploy();
    expect([...all.keys()].sort()).toEqual(['entraEventHub', 'stateSweep']);
    const bindings = Object.values(fn.metadata.bindings);
    expect(bindings).toContainEqual(
      expect.objectContaining({
        type: 'eventHubTrigger',
        direction: 'in',
        connection: 'ENTRA_EVENTHUB',
        eventHubName: '%ENTRA_EVENTHUB_NAME%',
        consumerGroup: '$Default',
        cardinality: 'many',
      }),
    );
    expect(bindings).toContainEqual(
      expect.objectContaining({
        type: 'blob',
        direction: 'out',
        connection: 'AzureWebJobsStorage',
        path: expect.stringMatching(new RegExp(`^${DEAD_LETTER_CONTAINER}/entra-eventhub/`)),
      }),
    );
    expect(fn.metadata.retryOptions).toMatchObject({
      retryStrategy: ENTRA_EVENTHUB_RETRY.strategy,
      maxRetryCount: ENTRA_EVENTHUB_RETRY.maxRetryCount,
    });
    expect(Object.values(all.get('stateSweep')?.metadata.bindings ?? {})).toContainEqual(
      expect.objectContaining({ type: 'timerTrigger', schedule: '0 30 3 * * *' }),
    );
  });

  it('registers no Event Hub function when no Event Hub is configured', async () => {
    registerFunctions({ env: { ...settings(), ENTRA_EVENTHUB_NAME: '' } });
    expect([...registrations().keys()]).toEqual(['stateSweep']);
  });
});

describe('entraEventHub', () => {
  it("publishes the example story's risky consent once, as it streams in, with the managed identity's token", async () => {
    const { fn } = await deploy();
    const { summary } = await invoke(fn, eventsOf(CONSENT));
    expect(summary).toMatchObject({
      events: 2,
      records: 3,
      normalized: 3,
      quarantined: [],
      failedPublishes: 0,
    });
    expect(sb.messages.map((m) => m.properties['ruleId'])).toEqual(['oauth-risky-consent']);
    const finding = JSON.parse(sb.messages[0]?.body ?? '{}') as Finding;
    expect(finding).toMatchObject({
      ruleId: 'oauth-risky-consent',
      tenant: TENANT,
      principal: 'bob@contoso.com',
    });
    expect(JSON.stringify(finding.evidence)).toContain('Consent to application');
    expect(identity.requests).toContain('https://servicebus.azure.net');

    // The same batch again (the host retried it, or a partition was rebalanced mid-batch): nothing new.
    const again = await invoke(fn, eventsOf(CONSENT));
    expect(again.summary.published).toBe(0);
    expect(sb.messages).toHaveLength(1);
  });

  it('quarantines a bad event or record alone, skips other log categories, and processes the rest', async () => {
    const { fn } = await deploy();
    const badTime = {
      ...(CONSENT[0] as object),
      time: '6/1/2023 1:12:18 PM',
      properties: {
        ...(CONSENT[0] as { properties: object }).properties,
        activityDateTime: '6/1/2023 1:12:18 PM',
      },
    };
    const provisioning = {
      time: '2026-03-02T10:05:00Z',
      category: 'ProvisioningLogs',
      operationName: 'Provisioning activity',
      tenantId: TENANT,
      properties: { id: 'p1', activityDateTime: undefined, jobId: 'job', cycleId: 'c1' },
    };
    const events = [
      '{"records": [ this is not json',
      { records: [badTime, provisioning] },
      ...eventsOf(CONSENT, 3),
      Buffer.from(JSON.stringify({ records: [AUDIT[0]] }), 'utf8'),
    ];
    const { summary, logs } = await invoke(fn, events);
    expect(summary.events).toBe(4);
    expect(summary.normalized).toBe(4);
    expect(summary.ignored).toBe(1);
    expect(summary.quarantined.map((q) => [q.event, q.record])).toEqual([
      [0, undefined],
      [1, 0],
    ]);
    expect(summary.quarantined[0]?.reason).toMatch(/event body is not JSON/);
    expect(summary.quarantined[1]?.reason).toMatch(/6\/1\/2023 1:12:18 PM/);
    const warned = logs.filter((l) => l.level === 'warning' && l.text.includes('Record quarantined'));
    expect(warned).toHaveLength(2);
    expect(warned[0]?.text).toContain('"partition":"3"');
    expect(warned[0]?.text).toContain('"sequenceNumber":1000');
    expect(sb.messages.map((m) => m.properties['ruleId'])).toEqual(['oauth-risky-consent']);
  });

  it('throws when a finding cannot be published, so the retry policy runs the batch again, which publishes it once', async () => {
    const { fn } = await deploy();
    sb.failNext(2, 'internal');
    await expect(invoke(fn, eventsOf(CONSENT))).rejects.toThrow(/could not be published\); retrying/);
    expect(sb.messages).toHaveLength(0);
    const retried = await invoke(fn, eventsOf(CONSENT), { retryCount: 1, maxRetryCount: 5 });
    expect(retried.summary.published).toBe(1);
    expect(sb.messages.map((m) => m.properties['ruleId'])).toEqual(['oauth-risky-consent']);
    expect(JSON.parse(sb.messages[0]?.body ?? '{}')).toMatchObject({ principal: 'bob@contoso.com' });
    expect(JSON.stringify(sb.messages[0]?.body)).toContain(ARCHIVER_APP);
  });

  it('writes the batch to the dead-letter container on the last retry when state stays unreachable, and lets the checkpoint move on', async () => {
    const { fn } = await deploy({}, azurite.tableClient('nosuchtable'));
    await expect(invoke(fn, eventsOf(CONSENT), { retryCount: 2, maxRetryCount: 5 })).rejects.toThrow(
      /detection failed/,
    );
    const last = await invoke(fn, eventsOf(CONSENT), { retryCount: 5, maxRetryCount: 5 });
    expect(last.summary.deadLettered).toBe(true);
    const letter = JSON.parse(String(last.deadLetter)) as {
      partition: string;
      sequences: number[];
      error: string;
      events: unknown[];
    };
    expect(letter.partition).toBe('3');
    expect(letter.sequences).toEqual([1000, 1001]);
    expect(letter.error).toContain('nosuchtable');
    expect(letter.events).toEqual(eventsOf(CONSENT));
    expect(last.logs.some((l) => l.level === 'error' && l.text.includes('dead-letter'))).toBe(true);
    expect(sb.messages).toHaveLength(0);
  });

  it('reports every configuration problem at once on the first invocation', async () => {
    registerFunctions({ env: { ENTRA_EVENTHUB_NAME: 'entra-logs', LATENESS: 'soon' } });
    const fn = registrations().get('entraEventHub');
    const { context, logs } = invocation();
    const err = await fn?.handler([], context).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    for (const line of [
      'STATE_TABLE_ENDPOINT is not set',
      'FINDINGS_QUEUE_URL is not set',
      'ENTRA_EVENTHUB__fullyQualifiedNamespace is not set',
      'LATENESS is "soon"',
    ])
      expect(err?.message).toContain(line);
    expect(logs.some((l) => l.level === 'error' && l.text.includes('Tripline cannot start'))).toBe(true);
  });
});
