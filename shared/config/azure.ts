/**
 * The validated configuration of Tripline's Azure Functions, read from the Function App's application
 * settings. Like the Lambda configuration it reports every problem at once, each with the setting's
 * name and what to set, and returns nothing unless everything is valid. The deployment template
 * (infra/azure/main.json) writes these settings; {@link AZURE_SETTINGS} names them for both.
 *
 * Two back ends, chosen independently:
 * - state: `azure-table` (Table Storage in the Function App's storage account) or `dynamodb` (the
 *   state table of an AWS deployment, reached through the AWS bridge);
 * - findings: `service-bus` (a queue) or `sns` (the findings topic of an AWS deployment, through the
 *   bridge).
 *
 * The AWS bridge: the function's managed identity token (audience `api://AzureADTokenExchange`) is
 * exchanged for AWS credentials with `AssumeRoleWithWebIdentity` on the role the CDK stack creates
 * for that identity (`-c azureTenantId=... -c azureIdentity=...`). No secret anywhere.
 *
 * @example
 * ```ts
 * const config = loadAzureConfig(process.env);
 * if (config.state.kind === 'azure-table') console.log(config.state.endpoint);
 * ```
 *
 * @module
 */
import { z } from 'zod';
import { parseDuration } from '../engine/duration';
import { LAMBDA_CONFIG_DEFAULTS, LOG_LEVELS, MAX_STATE_RETENTION_DAYS } from './lambda-config';
import type { LogLevel } from './lambda-config';

/** Application settings the Azure functions read, keyed by themselves. */
export const AZURE_SETTINGS = {
  /** `azure-table` (default) or `dynamodb`. */
  STATE_STORE: 'TRIPLINE_STATE_STORE',
  /** Table service URL of the state table: `https://<account>.table.core.windows.net`. */
  STATE_TABLE_ENDPOINT: 'STATE_TABLE_ENDPOINT',
  /** The state table: a Table Storage table, or the DynamoDB table name with `dynamodb`. */
  STATE_TABLE_NAME: 'STATE_TABLE_NAME',
  /** `service-bus` (default) or `sns`. */
  FINDINGS_SINK: 'TRIPLINE_FINDINGS_SINK',
  /** The findings queue: `https://<namespace>.servicebus.windows.net/<queue>`. */
  FINDINGS_QUEUE_URL: 'FINDINGS_QUEUE_URL',
  /** The findings SNS topic ARN, with `sns`. */
  FINDINGS_TOPIC_ARN: 'FINDINGS_TOPIC_ARN',
  /** The role the managed identity assumes in AWS (stack output AzureBridgeRoleArn). */
  AWS_ROLE_ARN: 'TRIPLINE_AWS_ROLE_ARN',
  /** The AWS region of the state table and topic. */
  AWS_REGION: 'TRIPLINE_AWS_REGION',
  /** The audience of the managed identity token presented to AWS. */
  AWS_TOKEN_AUDIENCE: 'TRIPLINE_AWS_TOKEN_AUDIENCE',
  /** Client id of a user-assigned managed identity; unset for the system-assigned one. */
  MANAGED_IDENTITY_CLIENT_ID: 'TRIPLINE_MANAGED_IDENTITY_CLIENT_ID',
  /** Tenant label for records that carry none, and the tenant the Graph and M365 pollers read. */
  TENANT_ID: 'TENANT_ID',
  /**
   * For other tenants: client id of a multi-tenant app registration that has the managed identity as
   * a federated identity credential. Unset: the managed identity reads its own tenant directly.
   */
  GRAPH_CLIENT_ID: 'GRAPH_CLIENT_ID',
  /** The Event Hub Entra diagnostic settings stream to; the Event Hub function exists only when set. */
  ENTRA_EVENTHUB_NAME: 'ENTRA_EVENTHUB_NAME',
  /** The Event Hub consumer group the function reads with. */
  ENTRA_EVENTHUB_CONSUMER_GROUP: 'ENTRA_EVENTHUB_CONSUMER_GROUP',
  /**
   * The Event Hubs namespace, `<namespace>.servicebus.windows.net`: an identity-based connection named
   * `ENTRA_EVENTHUB` (the Functions host reads `ENTRA_EVENTHUB__fullyQualifiedNamespace`).
   */
  ENTRA_EVENTHUB_NAMESPACE: 'ENTRA_EVENTHUB__fullyQualifiedNamespace',
  /** Comma-separated polling sources run by timer: `graph`, `m365`. */
  POLL_SOURCES: 'TRIPLINE_POLL_SOURCES',
  /** NCRONTAB schedule of the pollers (six fields, seconds first). */
  POLL_SCHEDULE: 'TRIPLINE_POLL_SCHEDULE',
  /** NCRONTAB schedule of the daily sweep of expired Table Storage state. */
  SWEEP_SCHEDULE: 'TRIPLINE_SWEEP_SCHEDULE',
  LATENESS: 'LATENESS',
  STATE_RETENTION_DAYS: 'STATE_RETENTION_DAYS',
  LOG_LEVEL: 'LOG_LEVEL',
} as const;

/** The name of the Event Hub trigger's identity-based connection (a prefix of app settings). */
export const ENTRA_EVENTHUB_CONNECTION = 'ENTRA_EVENTHUB';

/** One of {@link AZURE_SETTINGS}. */
export type AzureSetting = (typeof AZURE_SETTINGS)[keyof typeof AZURE_SETTINGS];

/** The Azure Monitor / Entra token audience for workload identity federation (and the AWS bridge). */
export const AZURE_TOKEN_EXCHANGE_AUDIENCE = 'api://AzureADTokenExchange';

/** Polling sources the Azure timer functions can run. */
export const AZURE_POLL_SOURCES = ['graph', 'm365'] as const;
export type AzurePollSource = (typeof AZURE_POLL_SOURCES)[number];

/** Defaults of the optional settings. */
export const AZURE_CONFIG_DEFAULTS = {
  stateStore: 'azure-table',
  findingsSink: 'service-bus',
  awsTokenAudience: AZURE_TOKEN_EXCHANGE_AUDIENCE,
  consumerGroup: '$Default',
  /** Every 5 minutes, at second 0. */
  pollSchedule: '0 */5 * * * *',
  /** 03:30 UTC daily. */
  sweepSchedule: '0 30 3 * * *',
  lateness: LAMBDA_CONFIG_DEFAULTS.lateness,
  stateRetentionDays: LAMBDA_CONFIG_DEFAULTS.stateRetentionDays,
  logLevel: LAMBDA_CONFIG_DEFAULTS.logLevel,
} as const;

/** Where state lives. */
export type AzureStateConfig =
  | { readonly kind: 'azure-table'; readonly endpoint: string; readonly tableName: string }
  | { readonly kind: 'dynamodb'; readonly tableName: string };

/** Where findings go. */
export type AzureFindingsConfig =
  | { readonly kind: 'service-bus'; readonly queueUrl: string }
  | { readonly kind: 'sns'; readonly topicArn: string };

/** How the functions reach AWS, when state or findings live there. */
export interface AwsBridgeConfig {
  readonly roleArn: string;
  readonly region: string;
  readonly audience: string;
}

/** The Event Hub function's settings, when Entra logs stream to an Event Hub. */
export interface EntraEventHubConfig {
  readonly eventHubName: string;
  readonly consumerGroup: string;
}

/** The validated configuration of the Azure functions. */
export interface AzureConfig {
  readonly state: AzureStateConfig;
  readonly findings: AzureFindingsConfig;
  /** Present when state or findings are in AWS. */
  readonly aws: AwsBridgeConfig | undefined;
  readonly managedIdentityClientId: string | undefined;
  readonly tenantId: string | undefined;
  readonly graphClientId: string | undefined;
  readonly eventHub: EntraEventHubConfig | undefined;
  readonly pollSources: readonly AzurePollSource[];
  readonly pollSchedule: string;
  readonly sweepSchedule: string;
  readonly latenessMs: number;
  readonly stateRetentionDays: number;
  readonly logLevel: LogLevel;
}

/** One invalid or missing setting. */
export interface AzureConfigProblem {
  readonly setting: AzureSetting;
  readonly problem: string;
  readonly fix: string;
}

/** Thrown by {@link loadAzureConfig}: every problem, one line each. */
export class AzureConfigError extends Error {
  override readonly name = 'AzureConfigError';
  constructor(readonly problems: readonly AzureConfigProblem[]) {
    super(
      [
        `Invalid Tripline Azure Functions configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):`,
        ...problems.map((p) => `  - ${p.setting} ${p.problem}. ${p.fix}`),
      ].join('\n'),
    );
  }
}

const S = AZURE_SETTINGS;
const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Loopback over http, for local emulators (azurite, the Service Bus emulator) during development. */
const LOOPBACK = String.raw`http:\/\/(localhost|127\.\d+\.\d+\.\d+)(:\d+)?`;
const TABLE_ENDPOINT_RE = new RegExp(
  String.raw`^(https:\/\/[a-z0-9]{3,24}\.table\.core\.(windows\.net|usgovcloudapi\.net|chinacloudapi\.cn)|${LOOPBACK}\/[a-z0-9]{3,24})\/?$`,
);
const AZURE_TABLE_RE = /^[A-Za-z][A-Za-z0-9]{2,62}$/;
const DYNAMO_TABLE_RE = /^[A-Za-z0-9_.-]{3,255}$/;
const QUEUE_URL_RE = new RegExp(
  String.raw`^(https:\/\/[a-z0-9-]{6,50}\.servicebus\.(windows\.net|usgovcloudapi\.net|chinacloudapi\.cn)|${LOOPBACK})\/[A-Za-z0-9][A-Za-z0-9._/-]{0,259}$`,
);
const SNS_TOPIC_ARN_RE = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;
const ROLE_ARN_RE = /^arn:aws[a-z-]*:iam::\d{12}:role\/[A-Za-z0-9+=,.@_/-]{1,512}$/;
const REGION_RE = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const EVENTHUB_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;
const NAMESPACE_RE = /^[a-z0-9-]{6,50}\.servicebus\.(windows\.net|usgovcloudapi\.net|chinacloudapi\.cn)$/;
/** Six NCRONTAB fields: second minute hour day month day-of-week. */
const NCRONTAB_RE = /^(\S+\s+){5}\S+$/;

const FIX: Readonly<Record<AzureSetting, string>> = {
  [S.STATE_STORE]: 'Set azure-table (state in the storage account) or dynamodb (state in an AWS deployment).',
  [S.STATE_TABLE_ENDPOINT]:
    'Set the Table service URL of the storage account, https://<account>.table.core.windows.net (the template sets it).',
  [S.STATE_TABLE_NAME]:
    'Set the state table: 3-63 letters and digits for Table Storage, or the DynamoDB table name (stack output StateTableName) with dynamodb.',
  [S.FINDINGS_SINK]: 'Set service-bus (a queue) or sns (the findings topic of an AWS deployment).',
  [S.FINDINGS_QUEUE_URL]:
    'Set the findings queue URL, https://<namespace>.servicebus.windows.net/<queue> (the template sets it).',
  [S.FINDINGS_TOPIC_ARN]: 'Set the findings topic ARN (stack output FindingsTopicArn).',
  [S.AWS_ROLE_ARN]:
    'Set the role ARN from the stack output AzureBridgeRoleArn (cdk deploy -c azureTenantId=... -c azureIdentity=...).',
  [S.AWS_REGION]: 'Set the AWS region of the Tripline stack, such as eu-west-1.',
  [S.AWS_TOKEN_AUDIENCE]: `Leave it unset (default ${AZURE_TOKEN_EXCHANGE_AUDIENCE}) or set the audience the stack's OIDC provider trusts (-c azureAudience).`,
  [S.MANAGED_IDENTITY_CLIENT_ID]:
    'Leave it unset for the system-assigned identity, or set the client id (a GUID) of a user-assigned one.',
  [S.TENANT_ID]: 'Set the Entra tenant id (a GUID) the functions read and label records with.',
  [S.GRAPH_CLIENT_ID]:
    'Leave it unset to read the own tenant with the managed identity, or set the client id (a GUID) of the multi-tenant app registration.',
  [S.ENTRA_EVENTHUB_NAME]:
    'Leave it unset (no Event Hub function), or set the Event Hub name Entra streams to.',
  [S.ENTRA_EVENTHUB_CONSUMER_GROUP]: 'Leave it unset ($Default) or set a consumer group of the Event Hub.',
  [S.ENTRA_EVENTHUB_NAMESPACE]:
    'Set the Event Hubs namespace host, <namespace>.servicebus.windows.net (the template sets it with the Event Hub).',
  [S.POLL_SOURCES]: `Leave it unset (no pollers) or set a comma-separated list of ${AZURE_POLL_SOURCES.join(', ')}.`,
  [S.POLL_SCHEDULE]: `Leave it unset (${AZURE_CONFIG_DEFAULTS.pollSchedule}) or set a six-field NCRONTAB expression.`,
  [S.SWEEP_SCHEDULE]: `Leave it unset (${AZURE_CONFIG_DEFAULTS.sweepSchedule}) or set a six-field NCRONTAB expression.`,
  [S.LATENESS]: 'Set a whole-number duration with a unit, such as 90s, 15m or 2h (default 15m).',
  [S.STATE_RETENTION_DAYS]: `Set a whole number of days from 1 to ${MAX_STATE_RETENTION_DAYS} (default ${LAMBDA_CONFIG_DEFAULTS.stateRetentionDays}).`,
  [S.LOG_LEVEL]: `Set one of ${LOG_LEVELS.join(', ')} (default ${LAMBDA_CONFIG_DEFAULTS.logLevel}).`,
};

const blank = (v: string | undefined): string | undefined => {
  const t = v?.trim();
  return t === undefined || t === '' ? undefined : t;
};

/**
 * Reads and validates the Azure functions' settings.
 *
 * @throws {@link AzureConfigError} listing every missing or invalid setting.
 */
export function loadAzureConfig(
  env: Readonly<Record<string, string | undefined>> = process.env,
): AzureConfig {
  const problems: AzureConfigProblem[] = [];
  const get = (name: AzureSetting): string | undefined => blank(env[name]);
  const bad = (setting: AzureSetting, problem: string): void => {
    problems.push({ setting, problem, fix: FIX[setting] });
  };
  const required = (name: AzureSetting, re: RegExp, what: string): string | undefined => {
    const v = get(name);
    if (v === undefined) bad(name, 'is not set');
    else if (!re.test(v)) bad(name, `is ${JSON.stringify(v)}, not ${what}`);
    else return v;
    return undefined;
  };
  const optional = (name: AzureSetting, re: RegExp, what: string): string | undefined => {
    const v = get(name);
    if (v !== undefined && !re.test(v)) {
      bad(name, `is ${JSON.stringify(v)}, not ${what}`);
      return undefined;
    }
    return v;
  };

  const stateKind = get(S.STATE_STORE) ?? AZURE_CONFIG_DEFAULTS.stateStore;
  const sinkKind = get(S.FINDINGS_SINK) ?? AZURE_CONFIG_DEFAULTS.findingsSink;
  let state: AzureStateConfig | undefined;
  if (stateKind === 'azure-table') {
    const endpoint = required(S.STATE_TABLE_ENDPOINT, TABLE_ENDPOINT_RE, 'a Table service URL');
    const tableName = required(S.STATE_TABLE_NAME, AZURE_TABLE_RE, 'a Table Storage table name');
    if (endpoint && tableName)
      state = { kind: 'azure-table', endpoint: endpoint.replace(/\/$/, ''), tableName };
  } else if (stateKind === 'dynamodb') {
    const tableName = required(S.STATE_TABLE_NAME, DYNAMO_TABLE_RE, 'a DynamoDB table name');
    if (tableName) state = { kind: 'dynamodb', tableName };
  } else {
    bad(S.STATE_STORE, `is ${JSON.stringify(stateKind)}`);
  }
  let findings: AzureFindingsConfig | undefined;
  if (sinkKind === 'service-bus') {
    const queueUrl = required(S.FINDINGS_QUEUE_URL, QUEUE_URL_RE, 'a Service Bus queue URL');
    if (queueUrl) findings = { kind: 'service-bus', queueUrl };
  } else if (sinkKind === 'sns') {
    const topicArn = required(S.FINDINGS_TOPIC_ARN, SNS_TOPIC_ARN_RE, 'an SNS topic ARN');
    if (topicArn) findings = { kind: 'sns', topicArn };
  } else {
    bad(S.FINDINGS_SINK, `is ${JSON.stringify(sinkKind)}`);
  }

  let aws: AwsBridgeConfig | undefined;
  if (stateKind === 'dynamodb' || sinkKind === 'sns') {
    const roleArn = required(S.AWS_ROLE_ARN, ROLE_ARN_RE, 'an IAM role ARN');
    const region = required(S.AWS_REGION, REGION_RE, 'an AWS region');
    const audience = get(S.AWS_TOKEN_AUDIENCE) ?? AZURE_CONFIG_DEFAULTS.awsTokenAudience;
    if (roleArn && region) aws = { roleArn, region, audience };
  }

  const tenantId = optional(S.TENANT_ID, GUID_RE, 'an Entra tenant id (GUID)');
  const graphClientId = optional(S.GRAPH_CLIENT_ID, GUID_RE, 'an application (client) id (GUID)');
  const managedIdentityClientId = optional(S.MANAGED_IDENTITY_CLIENT_ID, GUID_RE, 'a client id (GUID)');

  let eventHub: EntraEventHubConfig | undefined;
  const hubName = optional(S.ENTRA_EVENTHUB_NAME, EVENTHUB_NAME_RE, 'an Event Hub name');
  if (hubName !== undefined) {
    required(S.ENTRA_EVENTHUB_NAMESPACE, NAMESPACE_RE, 'an Event Hubs namespace host');
    eventHub = {
      eventHubName: hubName,
      consumerGroup: get(S.ENTRA_EVENTHUB_CONSUMER_GROUP) ?? AZURE_CONFIG_DEFAULTS.consumerGroup,
    };
  }

  const pollSources: AzurePollSource[] = [];
  for (const name of (get(S.POLL_SOURCES) ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    if (!(AZURE_POLL_SOURCES as readonly string[]).includes(name))
      bad(S.POLL_SOURCES, `names ${JSON.stringify(name)}`);
    else if (!pollSources.includes(name as AzurePollSource)) pollSources.push(name as AzurePollSource);
  }
  if (pollSources.length > 0 && tenantId === undefined && get(S.TENANT_ID) === undefined) {
    bad(
      S.TENANT_ID,
      `is not set, and the ${pollSources.join(' and ')} poller${pollSources.length > 1 ? 's need' : ' needs'} the tenant to read`,
    );
  }
  const pollSchedule =
    optional(S.POLL_SCHEDULE, NCRONTAB_RE, 'a six-field NCRONTAB expression') ??
    AZURE_CONFIG_DEFAULTS.pollSchedule;
  const sweepSchedule =
    optional(S.SWEEP_SCHEDULE, NCRONTAB_RE, 'a six-field NCRONTAB expression') ??
    AZURE_CONFIG_DEFAULTS.sweepSchedule;

  const latenessText = get(S.LATENESS) ?? AZURE_CONFIG_DEFAULTS.lateness;
  const latenessMs = parseDuration(latenessText);
  if (latenessMs === undefined)
    bad(S.LATENESS, `is ${JSON.stringify(latenessText)}, not a positive duration`);
  const retentionText = get(S.STATE_RETENTION_DAYS);
  const stateRetentionDays =
    retentionText === undefined ? AZURE_CONFIG_DEFAULTS.stateRetentionDays : Number(retentionText);
  if (!(
    Number.isInteger(stateRetentionDays) &&
    stateRetentionDays >= 1 &&
    stateRetentionDays <= MAX_STATE_RETENTION_DAYS
  )) {
    bad(S.STATE_RETENTION_DAYS, `is ${JSON.stringify(retentionText)}, out of range`);
  }
  const level = z
    .enum(LOG_LEVELS)
    .safeParse((get(S.LOG_LEVEL) ?? AZURE_CONFIG_DEFAULTS.logLevel).toUpperCase());
  if (!level.success) bad(S.LOG_LEVEL, `is ${JSON.stringify(get(S.LOG_LEVEL))}, not a log level`);

  if (problems.length > 0 || !state || !findings || latenessMs === undefined || !level.success) {
    throw new AzureConfigError(problems);
  }
  return {
    state,
    findings,
    aws,
    managedIdentityClientId,
    tenantId,
    graphClientId,
    eventHub,
    pollSources,
    pollSchedule,
    sweepSchedule,
    latenessMs,
    stateRetentionDays,
    logLevel: level.data,
  };
}
