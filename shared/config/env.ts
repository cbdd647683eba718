/**
 * The names of every environment variable Tripline's functions read. The CDK stack writes them and
 * the handlers read them through {@link loadLambdaConfig}; both import the names from here, so a
 * rename cannot leave one side behind.
 *
 * @example
 * ```ts
 * import { ENV } from '#shared/config/env';
 * fn.addEnvironment(ENV.STATE_TABLE_NAME, table.tableName);
 * ```
 *
 * @module
 */

/** Environment variable names, keyed by themselves so `ENV.X` reads like the variable it names. */
export const ENV = {
  /** Name of the DynamoDB state table (baselines, windows, sequences, checkpoints, dedup claims). */
  STATE_TABLE_NAME: 'STATE_TABLE_NAME',
  /** ARN of the SNS topic findings are published to. */
  FINDINGS_TOPIC_ARN: 'FINDINGS_TOPIC_ARN',
  /** Tenant label for records that carry none (an Entra tenant id, a Google customer id). Optional. */
  TENANT_ID: 'TENANT_ID',
  /** Which source this function handles: `cloudtrail` (real time) or a polling source. */
  SOURCE: 'SOURCE',
  /** How late an event may arrive and still be ordered by event time, as a duration (`15m`). */
  LATENESS: 'LATENESS',
  /** ARN of the Secrets Manager secret holding a poller's API credentials. */
  SECRET_ARN: 'SECRET_ARN',
  /** `cloudtrail-lookup`: comma-separated regions whose LookupEvents it reads (default: the function's region). */
  LOOKUP_REGIONS: 'LOOKUP_REGIONS',
  /** Upper bound, in days, on how long any state item lives. */
  STATE_RETENTION_DAYS: 'STATE_RETENTION_DAYS',
  /** Log level for Powertools Logger (it reads `LOG_LEVEL` itself). */
  LOG_LEVEL: 'LOG_LEVEL',
  /** Powertools `service` dimension and log key. */
  POWERTOOLS_SERVICE_NAME: 'POWERTOOLS_SERVICE_NAME',
  /** CloudWatch namespace Powertools Metrics writes to. */
  POWERTOOLS_METRICS_NAMESPACE: 'POWERTOOLS_METRICS_NAMESPACE',
  /** Read by Node itself; the stack sets `--enable-source-maps` so stack traces point at TypeScript. */
  NODE_OPTIONS: 'NODE_OPTIONS',
} as const;

/** One of the environment variable names in {@link ENV}. */
export type EnvName = (typeof ENV)[keyof typeof ENV];

/** Every name in {@link ENV}, in declaration order. */
export const ENV_NAMES: readonly EnvName[] = Object.values(ENV);
