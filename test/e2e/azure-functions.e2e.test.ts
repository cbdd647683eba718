/**
 * The Azure deployment end to end, with the example story's attack: Bob's consent to "Mail Archiver
 * Pro" streams from Entra's diagnostic settings through the Event Hub function at 10:05, and the
 * app's mail reads and file downloads (10:20 to 13:30) arrive hours later through the timer poller of
 * the Management Activity API. Both functions share the Table Storage state (azurite), read with the
 * managed identity only (fake identity endpoint), and publish to the fake Service Bus: the oauth-chain
 * finding is published once, however often the batch is redelivered or the poller runs again.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Timer } from '@azure/functions';
import type { Finding } from '#shared/engine/findings';
import { createStateTable } from '#shared/state/azure-table';
import type { EntraBatchSummary } from '../../functions/azure/entra-eventhub';
import type { AzurePollSummary } from '../../functions/azure/pollers';
import { registerFunctions } from '../../functions/azure/register';
import { invocation, registrations } from '../functions/azure/host';
import type { Registration } from '../functions/azure/host';
import { identityIssuer } from '../functions/azure/identity-tokens';
import { startAzuriteTables } from '../support/azurite';
import type { LocalAzurite } from '../support/azurite';
import { startFakeIdentity } from '../support/fake-identity';
import type { FakeIdentity } from '../support/fake-identity';
import { contentId, startFakeManagement } from '../support/fake-management';
import type { FakeManagement } from '../support/fake-management';
import { startFakeServiceBus } from '../support/fake-service-bus';
import type { FakeServiceBus } from '../support/fake-service-bus';
import { testCaFetch } from '../support/https-fetch';

jest.mock(
  '@azure/functions-core',
  () =>
    (
      jest.requireActual('../functions/azure/host') as { coreApiMock: () => Record<string, unknown> }
    ).coreApiMock(),
  { virtual: true },
);

const MIN = 60_000;
const TENANT = '7d3e4c2a-91b5-4f0e-8a6d-2c9b1e5f4a70';
const ARCHIVER_APP = '6f2d8c41-3a9e-4b7d-9c15-e0a4b2f7d381';
const EXAMPLES = join(__dirname, '..', '..', 'examples');

/** The Entra audit log as diagnostic settings stream it (one Azure Monitor record per line). */
const AUDIT = readFileSync(join(EXAMPLES, 'entra', 'audit-logs.json'), 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as Record<string, unknown>);
/** 10:05:02 on 2 March: Add service principal, Add delegated permission grant, Consent to application. */
const CONSENT = AUDIT.filter((r) => String(r['time']).startsWith('2026-03-02T10:05:02'));
/** The unified audit log records of the app: 140 mail reads, 25 file downloads. */
const APP_ACTIVITY = (
  JSON.parse(readFileSync(join(EXAMPLES, 'm365', 'unified-audit.json'), 'utf8')) as Array<
    Record<string, unknown>
  >
).filter((r) => JSON.stringify(r).includes(ARCHIVER_APP));

let azurite: LocalAzurite;
let identity: FakeIdentity;
let sb: FakeServiceBus;
let m365: FakeManagement;
let clock = Date.parse('2026-03-02T10:06:00Z');
const savedEnv = { ...process.env };

beforeAll(async () => {
  azurite = await startAzuriteTables();
  identity = await startFakeIdentity();
  Object.assign(process.env, identity.env());
  sb = await startFakeServiceBus({
    queues: ['findings'],
    duplicateDetection: ['findings'],
    authorize: (t) => identity.resourceOf(t) === 'https://servicebus.azure.net',
  });
  m365 = await startFakeManagement(identityIssuer(identity, TENANT).entra, TENANT, () => clock);
});
afterAll(async () => {
  process.env = savedEnv;
  await m365.close();
  await sb.close();
  await azurite.stop();
  await identity.close();
});

/**
 * The API lists content in blobs by content type, each blob about 30 minutes of records, available
 * 20 minutes after its newest record.
 */
function publishBlobs(records: Array<Record<string, unknown>>): void {
  const groups = new Map<string, Array<Record<string, unknown>>>();
  for (const r of records) {
    const type = r['Workload'] === 'Exchange' ? 'Audit.Exchange' : 'Audit.SharePoint';
    const at = Date.parse(`${String(r['CreationTime'])}Z`);
    const key = `${type}|${Math.floor(at / (30 * MIN))}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  for (const [key, recs] of groups) {
    const contentType = key.split('|')[0] as string;
    const newest = Math.max(...recs.map((r) => Date.parse(`${String(r['CreationTime'])}Z`)));
    const created = newest + 20 * MIN;
    m365.blobs.push({
      contentType,
      contentId: contentId(contentType, created),
      contentCreated: created,
      records: recs,
    });
  }
}

const TIMER: Timer = {
  isPastDue: false,
  schedule: { adjustForDST: true },
  scheduleStatus: { last: '', next: '', lastUpdated: '' },
};

const chainFindings = (): Finding[] =>
  sb.messages.map((m) => JSON.parse(m.body) as Finding).filter((f) => f.ruleId === 'oauth-chain');

it('publishes the oauth-chain finding once when the consent streams through Event Hub and the reads come through the Management API poller', async () => {
  const table = azurite.tableClient('e2echain');
  await createStateTable(table);
  registerFunctions({
    env: {
      STATE_TABLE_ENDPOINT: 'https://triplinetest.table.core.windows.net',
      STATE_TABLE_NAME: 'unused',
      FINDINGS_QUEUE_URL: sb.queueUrl('findings'),
      TENANT_ID: TENANT,
      ENTRA_EVENTHUB_NAME: 'entra-logs',
      ENTRA_EVENTHUB__fullyQualifiedNamespace: 'tripline-test.servicebus.windows.net',
      TRIPLINE_POLL_SOURCES: 'm365',
    },
    tableClient: table,
    serviceBusHttp: { sleep: async () => {}, baseDelayMs: 1, maxAttempts: 2 },
    endpoints: { managementBase: m365.base },
    fetch: testCaFetch,
    // The collectors wait (rate limits, Retry-After) on the clock they are given: waiting moves it.
    sleep: async (ms: number) => {
      clock += ms;
    },
    now: () => clock,
  });
  const fns = registrations();
  const eventHub = fns.get('entraEventHub') as Registration;
  const poller = fns.get('pollM365') as Registration;
  expect(eventHub).toBeDefined();
  expect(poller).toBeDefined();

  // 10:05:10: the consent's three records arrive in two Event Hub events.
  const events = [{ records: CONSENT.slice(0, 2) }, { records: CONSENT.slice(2) }];
  const trigger = {
    partitionContext: { partitionId: '0', eventHubName: 'entra-logs', consumerGroup: '$Default' },
    sequenceNumberArray: [7, 8],
    offsetArray: ['0', '4096'],
    enqueuedTimeUtcArray: ['2026-03-02T10:05:10Z', '2026-03-02T10:05:10Z'],
  };
  const first = invocation({ functionName: 'entraEventHub', triggerMetadata: trigger });
  const batch = (await eventHub.handler(events, first.context)) as EntraBatchSummary;
  expect(batch).toMatchObject({ records: 3, normalized: 3, quarantined: [] });
  expect(chainFindings()).toHaveLength(0); // consent and grant alone are steps 1 and 2

  // 13:55: the unified audit log has listed the app's reads and downloads; the poller runs.
  publishBlobs(APP_ACTIVITY);
  clock = Date.parse('2026-03-02T13:55:00Z');
  const run = invocation({ functionName: 'pollM365' });
  const summary = (await poller.handler(TIMER, run.context)) as AzurePollSummary;
  const read = summary.feeds.reduce((n, f) => n + ('events' in f ? f.events : 0), 0);
  expect(read).toBe(APP_ACTIVITY.length);

  const [chain, ...more] = chainFindings();
  expect(more).toEqual([]);
  expect(chain).toMatchObject({ ruleId: 'oauth-chain', tenant: TENANT });
  expect(JSON.stringify(chain)).toContain(ARCHIVER_APP);
  expect(JSON.stringify(chain?.evidence)).toContain('Consent to application');

  // The host redelivers the Event Hub batch, and the poller runs again five minutes later: nothing new.
  const before = sb.messages.length;
  const again = invocation({ functionName: 'entraEventHub', triggerMetadata: trigger });
  await eventHub.handler(events, again.context);
  clock += 5 * MIN;
  await poller.handler(TIMER, invocation({ functionName: 'pollM365' }).context);
  expect(sb.messages).toHaveLength(before);
  expect(chainFindings()).toHaveLength(1);
  // Every token came from the managed identity: Service Bus and the Management API, nothing else.
  expect(new Set(identity.requests)).toEqual(new Set(['https://servicebus.azure.net', m365.base]));
});
