/**
 * The Azure deployment template (infra/azure/main.json), asserted for intent the way the CDK tests
 * assert the AWS stack: what it creates, the identity and what that identity may do, HTTPS only, no
 * secret anywhere, and app settings the functions' own configuration check accepts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AZURE_SETTINGS, ENTRA_EVENTHUB_CONNECTION, loadAzureConfig } from '#shared/config/azure';
import { LOG_LEVELS, MAX_STATE_RETENTION_DAYS } from '#shared/config/lambda-config';
import { DEAD_LETTER_CONTAINER } from '../../functions/azure/entra-eventhub';

interface ArmResource {
  type: string;
  name: string;
  condition?: string;
  kind?: string;
  scope?: string;
  sku?: Record<string, unknown>;
  identity?: Record<string, unknown>;
  properties: Record<string, unknown>;
}
interface ArmTemplate {
  parameters: Record<
    string,
    { type: string; defaultValue?: unknown; allowedValues?: unknown[]; maxValue?: number }
  >;
  variables: Record<string, unknown>;
  resources: ArmResource[];
  outputs: Record<string, { value: string }>;
}

const TEXT = readFileSync(join(__dirname, '..', '..', 'infra', 'azure', 'main.json'), 'utf8');
const template = JSON.parse(TEXT) as ArmTemplate;

function ofType(type: string): ArmResource[] {
  return template.resources.filter((r) => r.type === type);
}
function one(type: string): ArmResource {
  const found = ofType(type);
  expect(found).toHaveLength(1);
  return found[0] as ArmResource;
}

const site = one('Microsoft.Web/sites');
const siteConfig = site.properties['siteConfig'] as {
  appSettings: Array<{ name: string; value: string }>;
  minTlsVersion: string;
  ftpsState: string;
};

// ---------------------------------------------------------------------------------------------------
// A small evaluator for the template expressions the app settings use, so they can be checked against
// the functions' configuration loader for each deployment shape.
// ---------------------------------------------------------------------------------------------------

type Value = string | number | boolean;

function evaluate(expr: string, params: Record<string, Value>): Value {
  if (!expr.startsWith('[')) return expr;
  let i = 1;
  const src = expr.slice(0, -1);
  const ws = (): void => {
    while (src[i] === ' ') i++;
  };
  const parse = (): Value => {
    ws();
    if (src[i] === "'") {
      const end = src.indexOf("'", i + 1);
      const s = src.slice(i + 1, end);
      i = end + 1;
      return s;
    }
    const name = /^[A-Za-z]+/.exec(src.slice(i))?.[0] ?? '';
    i += name.length;
    const args: Value[] = [];
    if (src[i] === '(') {
      i++;
      ws();
      while (src[i] !== ')') {
        args.push(parse());
        ws();
        if (src[i] === ',') i++;
      }
      i++;
    }
    let value = call(name, args, params);
    while (src[i] === '.') {
      const prop = /^\.([A-Za-z]+)/.exec(src.slice(i))?.[1] ?? '';
      i += prop.length + 1;
      value = property(String(value), prop);
    }
    return value;
  };
  return parse();
}

const STORAGE = 'sttriplineabc';
function call(name: string, args: Value[], params: Record<string, Value>): Value {
  switch (name) {
    case 'parameters':
      return params[String(args[0])] as Value;
    case 'variables': {
      const v = template.variables[String(args[0])];
      return typeof v === 'string' ? evaluate(v, params) : (v as Value);
    }
    case 'format':
      return String(args[0]).replace(/\{(\d+)\}/g, (_m, n: string) => String(args[Number(n) + 1]));
    case 'if':
      return args[0] ? (args[1] as Value) : (args[2] as Value);
    case 'equals':
      return args[0] === args[1];
    case 'string':
      return String(args[0]);
    case 'resourceId':
      return `/resourceId/${args.join('/')}`;
    case 'reference':
      return `reference:${String(args[0])}`;
    default:
      throw new Error(`the test evaluator does not know ${name}()`);
  }
}
function property(target: string, prop: string): Value {
  if (target.includes('Microsoft.Storage/storageAccounts') && prop === 'table')
    return `https://${STORAGE}.table.core.windows.net/`;
  if (target.includes('Microsoft.Insights/components') && prop === 'ConnectionString')
    return 'InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/';
  return target;
}

function settingsFor(overrides: Record<string, Value>): Record<string, string> {
  const params: Record<string, Value> = {
    resourceToken: 'abc',
    appName: 'func-tripline-abc',
    tenantId: '7d3e4c2a-91b5-4f0e-8a6d-2c9b1e5f4a70',
  };
  for (const [k, p] of Object.entries(template.parameters)) {
    if (!(k in params) && p.defaultValue !== undefined && !String(p.defaultValue).startsWith('['))
      params[k] = p.defaultValue as Value;
  }
  Object.assign(params, overrides);
  return Object.fromEntries(siteConfig.appSettings.map((s) => [s.name, String(evaluate(s.value, params))]));
}

describe('infra/azure/main.json', () => {
  it('is a resource-group deployment template', () => {
    expect((template as unknown as Record<string, string>)['$schema']).toMatch(/deploymentTemplate\.json#$/);
  });

  describe('the Function App', () => {
    it('runs on the Flex Consumption plan (FC1, Linux) with Node.js 22 by default', () => {
      const plan = one('Microsoft.Web/serverfarms');
      expect(plan.sku).toEqual({ tier: 'FlexConsumption', name: 'FC1' });
      expect(plan.properties['reserved']).toBe(true);
      expect(site.kind).toBe('functionapp,linux');
      expect(site.properties['serverFarmId']).toContain('Microsoft.Web/serverfarms');
      const config = site.properties['functionAppConfig'] as {
        runtime: { name: string; version: string };
        deployment: { storage: { type: string; authentication: { type: string } } };
      };
      expect(config.runtime).toEqual({ name: 'node', version: "[parameters('nodeVersion')]" });
      expect(template.parameters['nodeVersion']?.defaultValue).toBe('22');
      expect(config.deployment.storage).toMatchObject({
        type: 'blobContainer',
        authentication: { type: 'SystemAssignedIdentity' },
      });
    });

    it('has a system-assigned managed identity, and its principal id and tenant are outputs (for the AWS bridge and Graph roles)', () => {
      expect(site.identity).toEqual({ type: 'SystemAssigned' });
      expect(template.outputs['principalId']?.value).toContain('identity.principalId');
      expect(template.outputs['tenantId']?.value).toBe("[parameters('tenantId')]");
    });

    it('serves HTTPS only, TLS 1.2, no FTP and no basic-auth publishing', () => {
      expect(site.properties['httpsOnly']).toBe(true);
      expect(siteConfig.minTlsVersion).toBe('1.2');
      expect(siteConfig.ftpsState).toBe('Disabled');
      const policies = ofType('Microsoft.Web/sites/basicPublishingCredentialsPolicies');
      expect(policies.map((p) => [p.name.match(/\{0\}\/(\w+)'/)?.[1], p.properties['allow']])).toEqual([
        ['ftp', false],
        ['scm', false],
      ]);
    });
  });

  describe('no secrets', () => {
    it('puts no key, connection string with a key, SAS or password in any setting or anywhere in the template', () => {
      for (const pattern of [
        /listKeys\(/i,
        /listConnectionStrings/i,
        /AccountKey=/,
        /SharedAccessKey/,
        /password/i,
        /secret/i,
      ]) {
        expect({ pattern: String(pattern), found: pattern.test(TEXT) }).toEqual({
          pattern: String(pattern),
          found: false,
        });
      }
    });

    it('connects to storage and the Event Hub by identity, and turns key access off where nothing needs it', () => {
      const names = siteConfig.appSettings.map((s) => s.name);
      expect(names).toEqual(
        expect.arrayContaining(['AzureWebJobsStorage__accountName', 'AzureWebJobsStorage__credential']),
      );
      expect(names).not.toContain('AzureWebJobsStorage');
      expect(names).toContain(`${ENTRA_EVENTHUB_CONNECTION}__fullyQualifiedNamespace`);
      expect(one('Microsoft.Storage/storageAccounts').properties).toMatchObject({
        allowSharedKeyAccess: false,
        allowBlobPublicAccess: false,
        minimumTlsVersion: 'TLS1_2',
        supportsHttpsTrafficOnly: true,
      });
      expect(one('Microsoft.ServiceBus/namespaces').properties).toMatchObject({
        disableLocalAuth: true,
        minimumTlsVersion: '1.2',
      });
      expect(one('Microsoft.Insights/components').properties['DisableLocalAuth']).toBe(true);
      expect(settingsFor({})['APPLICATIONINSIGHTS_AUTHENTICATION_STRING']).toBe('Authorization=AAD');
    });

    it('keeps SAS on the Event Hubs namespace only because Entra diagnostic settings stream with a namespace rule', () => {
      expect(one('Microsoft.EventHub/namespaces').properties).toMatchObject({
        disableLocalAuth: false,
        minimumTlsVersion: '1.2',
      });
      expect(one('Microsoft.EventHub/namespaces/authorizationRules').properties['rights']).toEqual([
        'Manage',
        'Send',
        'Listen',
      ]);
      expect(template.outputs['eventHubAuthorizationRuleId']?.value).toContain('authorizationRules');
    });
  });

  describe('what the identity may do', () => {
    const roles = ofType('Microsoft.Authorization/roleAssignments');
    const byRole = (variable: string): ArmResource | undefined =>
      roles.find((r) =>
        String((r.properties as { roleDefinitionId: string }).roleDefinitionId).includes(
          `variables('${variable}')`,
        ),
      );

    it('gets exactly five built-in roles, each on the one resource that needs it', () => {
      expect(roles).toHaveLength(5);
      const expected: Array<[string, string, RegExp]> = [
        [
          'storageBlobDataOwner',
          'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
          /^\[format\('Microsoft\.Storage\/storageAccounts\/\{0\}'/,
        ],
        [
          'storageTableDataContributor',
          '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
          /^\[format\('Microsoft\.Storage\/storageAccounts\/\{0\}'/,
        ],
        ['serviceBusDataSender', '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39', /queues\/\{1\}'/],
        ['eventHubsDataReceiver', 'a638d3c7-ab3a-418d-83e6-5f17a39d4fde', /eventhubs\/\{1\}'/],
        [
          'monitoringMetricsPublisher',
          '3913510d-42f4-4e42-8a64-420c390055eb',
          /Microsoft\.Insights\/components/,
        ],
      ];
      for (const [variable, id, scope] of expected) {
        expect(template.variables[variable]).toBe(id);
        const r = byRole(variable);
        expect(r?.scope).toMatch(scope);
        expect(r?.properties).toMatchObject({
          principalId: expect.stringContaining("resourceId('Microsoft.Web/sites', parameters('appName'))"),
          principalType: 'ServicePrincipal',
        });
      }
    });

    it('gets the table role only with Table Storage state, the queue role only with Service Bus findings, the Event Hub role only with the Event Hub', () => {
      expect(byRole('storageTableDataContributor')?.condition).toBe("[variables('useTable')]");
      expect(byRole('serviceBusDataSender')?.condition).toBe("[variables('useServiceBus')]");
      expect(byRole('eventHubsDataReceiver')?.condition).toBe("[parameters('createEventHub')]");
      expect(byRole('storageBlobDataOwner')?.condition).toBeUndefined();
    });
  });

  describe('resources', () => {
    it('creates the state table, the deployment container and the dead-letter container the Event Hub function writes to', () => {
      expect(template.variables['stateTable']).toBe('triplinestate');
      expect(template.variables['deadLetterContainer']).toBe(DEAD_LETTER_CONTAINER);
      expect(ofType('Microsoft.Storage/storageAccounts/blobServices/containers')).toHaveLength(2);
      expect(one('Microsoft.Storage/storageAccounts/tableServices/tables').condition).toBe(
        "[variables('useTable')]",
      );
    });

    it('creates a findings queue with duplicate detection (the message id is the claim key) and dead-lettering', () => {
      expect(one('Microsoft.ServiceBus/namespaces/queues').properties).toMatchObject({
        requiresDuplicateDetection: true,
        duplicateDetectionHistoryTimeWindow: 'P7D',
        deadLetteringOnMessageExpiration: true,
      });
      expect(one('Microsoft.ServiceBus/namespaces').sku).toMatchObject({ name: 'Standard' });
    });

    it('makes the Event Hub optional (createEventHub), with its own consumer group', () => {
      for (const type of [
        'Microsoft.EventHub/namespaces',
        'Microsoft.EventHub/namespaces/eventhubs',
        'Microsoft.EventHub/namespaces/eventhubs/consumergroups',
        'Microsoft.EventHub/namespaces/authorizationRules',
      ]) {
        expect(one(type).condition).toBe("[parameters('createEventHub')]");
      }
      expect(settingsFor({ createEventHub: false })['ENTRA_EVENTHUB_NAME']).toBe('');
    });
  });

  describe('app settings', () => {
    const HOST = [
      'AzureWebJobsStorage__accountName',
      'AzureWebJobsStorage__credential',
      'APPLICATIONINSIGHTS_CONNECTION_STRING',
      'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
      `${ENTRA_EVENTHUB_CONNECTION}__credential`,
    ];

    it('are the settings the functions read, and nothing unknown', () => {
      const known = new Set<string>([...Object.values(AZURE_SETTINGS), ...HOST]);
      const names = siteConfig.appSettings.map((s) => s.name);
      expect(names.filter((n) => !known.has(n))).toEqual([]);
      const optionalHere = new Set<string>([
        AZURE_SETTINGS.MANAGED_IDENTITY_CLIENT_ID,
        AZURE_SETTINGS.AWS_TOKEN_AUDIENCE,
        AZURE_SETTINGS.SWEEP_SCHEDULE,
      ]);
      expect(Object.values(AZURE_SETTINGS).filter((n) => !optionalHere.has(n) && !names.includes(n))).toEqual(
        [],
      );
    });

    it('validate the parameters with the same bounds as the functions (log levels, retention, back ends)', () => {
      expect(template.parameters['logLevel']?.allowedValues).toEqual([...LOG_LEVELS]);
      expect(template.parameters['stateRetentionDays']?.maxValue).toBe(MAX_STATE_RETENTION_DAYS);
      expect(template.parameters['stateStore']?.allowedValues).toEqual(['azure-table', 'dynamodb']);
      expect(template.parameters['findingsSink']?.allowedValues).toEqual(['service-bus', 'sns']);
    });

    it('pass the functions configuration check for an Azure-only deployment with the defaults', () => {
      const config = loadAzureConfig(settingsFor({}));
      expect(config.state).toEqual({
        kind: 'azure-table',
        endpoint: `https://${STORAGE}.table.core.windows.net`,
        tableName: 'triplinestate',
      });
      expect(config.findings).toEqual({
        kind: 'service-bus',
        queueUrl: 'https://sb-tripline-abc.servicebus.windows.net/findings',
      });
      expect(config.eventHub).toEqual({ eventHubName: 'entra-logs', consumerGroup: 'tripline' });
      expect(config.aws).toBeUndefined();
    });

    it('pass it for state and findings in an AWS deployment through the bridge, with pollers', () => {
      const config = loadAzureConfig(
        settingsFor({
          stateStore: 'dynamodb',
          findingsSink: 'sns',
          awsRoleArn: 'arn:aws:iam::111122223333:role/Tripline-AzureBridgeRole',
          awsRegion: 'eu-west-1',
          awsStateTableName: 'Tripline-StateTable-1ABC',
          findingsTopicArn: 'arn:aws:sns:eu-west-1:111122223333:Tripline-Findings',
          createEventHub: false,
          pollSources: 'graph,m365',
        }),
      );
      expect(config.state).toEqual({ kind: 'dynamodb', tableName: 'Tripline-StateTable-1ABC' });
      expect(config.findings.kind).toBe('sns');
      expect(config.aws?.roleArn).toBe('arn:aws:iam::111122223333:role/Tripline-AzureBridgeRole');
      expect(config.pollSources).toEqual(['graph', 'm365']);
      expect(config.eventHub).toBeUndefined();
    });

    it('fail that check, naming the settings, when a bridge deployment leaves out the role', () => {
      expect(() =>
        loadAzureConfig(
          settingsFor({ findingsSink: 'sns', findingsTopicArn: 'arn:aws:sns:eu-west-1:111122223333:F' }),
        ),
      ).toThrow(/TRIPLINE_AWS_ROLE_ARN is not set[\s\S]*TRIPLINE_AWS_REGION is not set/);
    });
  });
});
