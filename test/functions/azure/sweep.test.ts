import { AzureTableStateStore, createStateTable } from '#shared/state/azure-table';
import { registerFunctions } from '../../../functions/azure/register';
import { startAzuriteTables } from '../../support/azurite';
import type { LocalAzurite } from '../../support/azurite';
import { invocation, registrations } from './host';

jest.mock(
  '@azure/functions-core',
  () => (jest.requireActual('./host') as { coreApiMock: () => Record<string, unknown> }).coreApiMock(),
  { virtual: true },
);

let azurite: LocalAzurite;
beforeAll(async () => {
  azurite = await startAzuriteTables();
});
afterAll(() => azurite.stop());

describe('stateSweep (timer)', () => {
  it('deletes state that expired and keeps live state, on its daily schedule', async () => {
    const table = azurite.tableClient('sweep');
    await createStateTable(table);
    const now = Date.UTC(2026, 2, 2, 3, 30);
    const store = new AzureTableStateStore({ client: table });
    await store.write(
      [
        { key: 's|password-spray|t1|1.2.3.4', expectedVersion: 0, expiresAt: now - 1, value: 1 },
        { key: 'f|brute-force|t1|bob', expectedVersion: 0, expiresAt: now - 86_400_000, value: 2 },
        { key: 'n|mail-unusual-client|t1|bob', expectedVersion: 0, expiresAt: now + 86_400_000, value: 3 },
      ],
      now - 2 * 86_400_000,
    );
    registerFunctions({
      env: {
        STATE_TABLE_ENDPOINT: 'https://triplinetest.table.core.windows.net',
        STATE_TABLE_NAME: 'sweep',
        FINDINGS_QUEUE_URL: 'https://tripline-test.servicebus.windows.net/findings',
        TRIPLINE_SWEEP_SCHEDULE: '0 0 4 * * *',
      },
      tableClient: table,
      now: () => now,
    });
    const sweep = registrations().get('stateSweep');
    expect(Object.values(sweep?.metadata.bindings ?? {})).toContainEqual(
      expect.objectContaining({ type: 'timerTrigger', schedule: '0 0 4 * * *' }),
    );
    const { context, logs } = invocation({ functionName: 'stateSweep' });
    const res = await sweep?.handler({ isPastDue: false, scheduleStatus: {} }, context);
    expect(res).toEqual({ deleted: 2, complete: true });
    expect(logs.some((l) => l.text.includes('Expired state swept'))).toBe(true);
    const left = await store.get(
      ['n|mail-unusual-client|t1|bob', 's|password-spray|t1|1.2.3.4'],
      now - 2 * 86_400_000,
    );
    expect([...left.keys()]).toEqual(['n|mail-unusual-client|t1|bob']);
  });
});
