import { AZURE_CONFIG_DEFAULTS, AzureConfigError, loadAzureConfig } from '#shared/config/azure';

const TENANT = '7d3e4c2a-91b5-4f0e-8a6d-2c9b1e5f4a70';
const AZURE_ONLY = {
  STATE_TABLE_ENDPOINT: 'https://triplineabc123.table.core.windows.net',
  STATE_TABLE_NAME: 'triplinestate',
  FINDINGS_QUEUE_URL: 'https://tripline-abc123.servicebus.windows.net/findings',
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadAzureConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(AzureConfigError);
    return (e as AzureConfigError).problems.map((p) => `${p.setting} ${p.problem}`);
  }
  throw new Error('expected an AzureConfigError');
}

describe('loadAzureConfig', () => {
  it('reads an Azure-only deployment with defaults: Table Storage state, Service Bus findings, no AWS', () => {
    const c = loadAzureConfig(AZURE_ONLY);
    expect(c.state).toEqual({
      kind: 'azure-table',
      endpoint: AZURE_ONLY.STATE_TABLE_ENDPOINT,
      tableName: 'triplinestate',
    });
    expect(c.findings).toEqual({ kind: 'service-bus', queueUrl: AZURE_ONLY.FINDINGS_QUEUE_URL });
    expect(c.aws).toBeUndefined();
    expect(c.eventHub).toBeUndefined();
    expect(c.pollSources).toEqual([]);
    expect(c.latenessMs).toBe(15 * 60_000);
    expect(c.sweepSchedule).toBe(AZURE_CONFIG_DEFAULTS.sweepSchedule);
  });

  it('needs the bridge role and region as soon as state or findings are in AWS', () => {
    expect(
      problemsOf({
        ...AZURE_ONLY,
        TRIPLINE_FINDINGS_SINK: 'sns',
        FINDINGS_TOPIC_ARN: 'arn:aws:sns:eu-west-1:111122223333:findings',
      }),
    ).toEqual(['TRIPLINE_AWS_ROLE_ARN is not set', 'TRIPLINE_AWS_REGION is not set']);
    const c = loadAzureConfig({
      TRIPLINE_STATE_STORE: 'dynamodb',
      STATE_TABLE_NAME: 'Tripline-StateTable-1ABC',
      TRIPLINE_FINDINGS_SINK: 'sns',
      FINDINGS_TOPIC_ARN: 'arn:aws:sns:eu-west-1:111122223333:findings',
      TRIPLINE_AWS_ROLE_ARN: 'arn:aws:iam::111122223333:role/Tripline-AzureBridge',
      TRIPLINE_AWS_REGION: 'eu-west-1',
    });
    expect(c.aws).toEqual({
      roleArn: 'arn:aws:iam::111122223333:role/Tripline-AzureBridge',
      region: 'eu-west-1',
      audience: 'api://AzureADTokenExchange',
    });
  });

  it('lists every bad setting at once, each with what to set', () => {
    let message = '';
    try {
      loadAzureConfig({
        STATE_TABLE_ENDPOINT: 'http://triplineabc.table.core.windows.net',
        FINDINGS_QUEUE_URL: 'https://tripline-abc123.servicebus.windows.net/findings',
        TRIPLINE_POLL_SOURCES: 'graph,workspace',
        ENTRA_EVENTHUB_NAME: 'entra-logs',
        STATE_RETENTION_DAYS: '0',
        LOG_LEVEL: 'loud',
        GRAPH_CLIENT_ID: 'not-a-guid',
      });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^Invalid Tripline Azure Functions configuration \(8 problems\):/);
    for (const line of [
      'STATE_TABLE_ENDPOINT is "http://triplineabc.table.core.windows.net", not a Table service URL. Set the Table service URL',
      'STATE_TABLE_NAME is not set.',
      'TRIPLINE_POLL_SOURCES names "workspace".',
      'TENANT_ID is not set, and the graph poller needs the tenant to read.',
      'ENTRA_EVENTHUB__fullyQualifiedNamespace is not set.',
      'STATE_RETENTION_DAYS is "0", out of range.',
      'LOG_LEVEL is "loud", not a log level.',
      'GRAPH_CLIENT_ID is "not-a-guid", not an application (client) id (GUID).',
    ]) {
      expect(message).toContain(line);
    }
  });

  it('accepts loopback http endpoints for local emulators only', () => {
    expect(
      loadAzureConfig({
        STATE_TABLE_ENDPOINT: 'http://127.0.0.1:10002/devstoreaccount1',
        STATE_TABLE_NAME: 'state',
        FINDINGS_QUEUE_URL: 'http://localhost:5672/findings',
      }).state,
    ).toMatchObject({ endpoint: 'http://127.0.0.1:10002/devstoreaccount1' });
    expect(
      problemsOf({
        ...AZURE_ONLY,
        FINDINGS_QUEUE_URL: 'http://tripline-abc123.servicebus.windows.net/findings',
      }),
    ).toEqual([
      'FINDINGS_QUEUE_URL is "http://tripline-abc123.servicebus.windows.net/findings", not a Service Bus queue URL',
    ]);
  });

  it('reads the Event Hub and poller settings', () => {
    const c = loadAzureConfig({
      ...AZURE_ONLY,
      TENANT_ID: TENANT,
      ENTRA_EVENTHUB_NAME: 'entra-logs',
      ENTRA_EVENTHUB__fullyQualifiedNamespace: 'tripline-abc123.servicebus.windows.net',
      TRIPLINE_POLL_SOURCES: 'm365, graph, m365',
      TRIPLINE_POLL_SCHEDULE: '0 */10 * * * *',
    });
    expect(c.eventHub).toEqual({ eventHubName: 'entra-logs', consumerGroup: '$Default' });
    expect(c.pollSources).toEqual(['m365', 'graph']);
    expect(c.pollSchedule).toBe('0 */10 * * * *');
  });
});
