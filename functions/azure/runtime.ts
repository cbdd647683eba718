/**
 * What every Tripline Azure function builds once per worker from its validated settings: the state
 * store (Table Storage, or DynamoDB through the AWS bridge), the findings sink (Service Bus, or SNS
 * through the bridge), the detector and the publish-claim lifetime. Handlers build it lazily, on their
 * first invocation, so a configuration error is reported by the invocation that hits it, with every
 * problem listed.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import type { SNSClientConfig } from '@aws-sdk/client-sns';
import type { STSClientConfig } from '@aws-sdk/client-sts';
import type { TableClient, TableServiceClientOptions } from '@azure/data-tables';
import type { InvocationContext } from '@azure/functions';
import { ManagedIdentityCredential } from '@azure/identity';
import type { TokenCredential } from '@azure/identity';
import { loadAzureConfig } from '#shared/config/azure';
import type { AzureConfig } from '#shared/config/azure';
import { Detector } from '#shared/engine/detector';
import type { RuleDefinition } from '#shared/engine/rule';
import { claimTtlFor } from '#shared/pipeline/run-batch';
import type { RunBatchResult } from '#shared/pipeline/run-batch';
import { ALL_RULES } from '#shared/rules/index';
import { ServiceBusFindingSink } from '#shared/sinks/service-bus-sink';
import type { ServiceBusFindingSinkOptions } from '#shared/sinks/service-bus-sink';
import { SnsFindingSink } from '#shared/sinks/sns-sink';
import type { FindingSink } from '#shared/sinks/types';
import { AzureTableStateStore } from '#shared/state/azure-table';
import { DynamoStateStore } from '#shared/state/dynamodb';
import type { StateStore } from '#shared/state/port';
import { azureWebIdentityCredentials } from './aws-bridge';

/** Overrides for tests and local runs; everything defaults to what the Functions host provides. */
export interface AzureRuntimeOptions {
  /** The application settings. @default process.env */
  env?: Readonly<Record<string, string | undefined>>;
  /** The identity. @default ManagedIdentityCredential (system-assigned, or the configured client id) */
  credential?: TokenCredential;
  /** A client for the Table Storage state table (tests: azurite with its development key). */
  tableClient?: TableClient;
  tableClientOptions?: TableServiceClientOptions;
  /** AWS client settings (tests: local endpoints). Credentials always come from the bridge. */
  aws?: { sts?: STSClientConfig; dynamodb?: DynamoDBClientConfig; sns?: SNSClientConfig };
  serviceBusHttp?: ServiceBusFindingSinkOptions['http'];
  /** @default ALL_RULES */
  rules?: readonly RuleDefinition[];
  /** Wall clock, epoch ms. @default Date.now */
  now?: () => number;
}

/** The dependencies of a handler, built once per worker. */
export interface AzureRuntime {
  config: AzureConfig;
  credential: TokenCredential;
  store: StateStore;
  sink: FindingSink;
  detector: Detector;
  claimTtlMs: number;
  now: () => number;
}

const DAY_MS = 86_400_000;

/**
 * Reads the settings and builds the runtime.
 *
 * @throws AzureConfigError listing every missing or invalid setting.
 */
export function buildAzureRuntime(options: AzureRuntimeOptions = {}): AzureRuntime {
  const config = loadAzureConfig(options.env ?? process.env);
  const credential =
    options.credential ??
    (config.managedIdentityClientId
      ? new ManagedIdentityCredential({ clientId: config.managedIdentityClientId })
      : new ManagedIdentityCredential());
  const awsCredentials = config.aws
    ? azureWebIdentityCredentials({
        identity: credential,
        audience: config.aws.audience,
        roleArn: config.aws.roleArn,
        region: config.aws.region,
        ...(options.aws?.sts ? { stsConfig: options.aws.sts } : {}),
      })
    : undefined;

  let store: StateStore;
  if (config.state.kind === 'azure-table') {
    store = new AzureTableStateStore(
      options.tableClient
        ? { client: options.tableClient }
        : {
            endpoint: config.state.endpoint,
            tableName: config.state.tableName,
            credential,
            ...(options.tableClientOptions ? { clientOptions: options.tableClientOptions } : {}),
          },
    );
  } else {
    store = new DynamoStateStore({
      tableName: config.state.tableName,
      client: new DynamoDBClient({
        ...(config.aws ? { region: config.aws.region } : {}),
        ...options.aws?.dynamodb,
        ...(awsCredentials ? { credentials: awsCredentials } : {}),
      }),
    });
  }

  let sink: FindingSink;
  if (config.findings.kind === 'service-bus') {
    sink = new ServiceBusFindingSink({
      queueUrl: config.findings.queueUrl,
      credential,
      ...(options.serviceBusHttp ? { http: options.serviceBusHttp } : {}),
    });
  } else {
    const region = config.findings.topicArn.split(':')[3] ?? config.aws?.region;
    const snsConfig = { region, ...options.aws?.sns } as SNSClientConfig;
    if (awsCredentials) snsConfig.credentials = awsCredentials;
    sink = new SnsFindingSink(new SNSClient(snsConfig), config.findings.topicArn);
  }

  const detector = new Detector({ rules: options.rules ?? ALL_RULES, store, lateness: config.latenessMs });
  const claimTtlMs = claimTtlFor(detector, config.latenessMs, { maxMs: config.stateRetentionDays * DAY_MS });
  return { config, credential, store, sink, detector, claimTtlMs, now: options.now ?? Date.now };
}

/** Message text of anything thrown. */
export function errorText(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

/** A structured log line through the invocation's logger (Application Insights traces). */
export function logTo(
  context: InvocationContext,
  level: 'info' | 'warn' | 'error',
  message: string,
  details: Record<string, unknown> = {},
): void {
  context[level](`${message} ${JSON.stringify(details)}`);
}

/** Logs what a batch left for operators: rule errors, outbox problems, abandoned findings. */
export function logBatchProblems(context: InvocationContext, res: RunBatchResult): void {
  for (const r of res.ruleErrors) {
    logTo(context, 'error', 'Rule threw; the event was skipped for this rule', {
      ruleId: r.ruleId,
      eventId: r.eventId,
      error: r.message,
      count: r.count,
    });
  }
  for (const msg of res.outboxErrors) logTo(context, 'error', 'Publish outbox unavailable', { error: msg });
  for (const a of res.abandoned) {
    logTo(context, 'error', 'Finding abandoned after repeated publish failures; it is only in this log', {
      findingId: a.finding.id,
      attempts: a.attempts,
      lastError: a.lastError,
      finding: a.finding,
    });
  }
}
