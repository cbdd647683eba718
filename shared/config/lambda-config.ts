/**
 * The one validated configuration of a Tripline Lambda function, read from its environment once at
 * cold start. Every problem is reported at once, each with the variable's name and what to set, and
 * nothing is returned unless everything is valid.
 *
 * The CDK stack builds the same environment with {@link toLambdaEnvironment}, so what infra writes
 * and what a handler reads cannot drift apart.
 *
 * @example
 * ```ts
 * // functions/aws/cloudtrail-realtime/index.ts, at module scope (once per cold start)
 * const config = loadLambdaConfig();
 * ```
 *
 * @module
 */
import { z } from 'zod';
import { parseDuration } from '../engine/duration';
import { ENV, type EnvName } from './env';
import { DEPLOYABLE_SOURCES, SOURCE_CREDENTIALS, isPollingSource, type DeployableSource } from './sources';

/** Log levels Powertools Logger understands. */
export const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT'] as const;
/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Defaults applied when an optional variable is unset or blank. */
export const LAMBDA_CONFIG_DEFAULTS = {
  lateness: '15m',
  logLevel: 'INFO',
  serviceName: 'tripline',
  metricsNamespace: 'Tripline',
  stateRetentionDays: 90,
} as const satisfies {
  lateness: string;
  logLevel: LogLevel;
  serviceName: string;
  metricsNamespace: string;
  stateRetentionDays: number;
};

/** Longest state retention accepted, in days (ten years). */
export const MAX_STATE_RETENTION_DAYS = 3650;

/** What a Lambda function knows about its deployment, validated. */
export interface LambdaConfig {
  /** DynamoDB state table name. */
  readonly stateTableName: string;
  /** SNS topic findings are published to. */
  readonly findingsTopicArn: string;
  /** The source this function handles. */
  readonly source: DeployableSource;
  /** Tenant label for records that carry none; `undefined` when unset. */
  readonly tenantId: string | undefined;
  /** How late an event may arrive and still be ordered by event time, in milliseconds. */
  readonly latenessMs: number;
  /** Credentials secret of a poller; `undefined` for sources that need none. */
  readonly secretArn: string | undefined;
  /** Regions `cloudtrail-lookup` reads; `undefined` means the function's own region. */
  readonly lookupRegions: readonly string[] | undefined;
  /** Upper bound on any state item's lifetime, in days. */
  readonly stateRetentionDays: number;
  readonly logLevel: LogLevel;
  /** Powertools service name. */
  readonly serviceName: string;
  /** Powertools Metrics namespace. */
  readonly metricsNamespace: string;
}

/** One invalid or missing variable. */
export interface ConfigProblem {
  /** The environment variable at fault. */
  readonly variable: EnvName;
  /** What is wrong with its value: "is not set", "is not an SNS topic ARN". */
  readonly problem: string;
  /** What to set it to. */
  readonly fix: string;
}

/**
 * Thrown by {@link loadLambdaConfig} when any variable is missing or invalid. `problems` lists all of
 * them; the message renders one line per problem.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly problems: readonly ConfigProblem[],
    options?: { cause?: unknown },
  ) {
    super(
      [
        `Invalid Tripline function configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):`,
        ...problems.map((p) => `  - ${p.variable} ${p.problem}. ${p.fix}`),
      ].join('\n'),
      options,
    );
  }
}

/**
 * Parses a duration such as `90s`, `15m`, `2h`, `14d` or `1w` into milliseconds: the engine's
 * parser, re-exported so config and infra accept exactly what rules accept.
 */
export { parseDuration };

const SNS_TOPIC_ARN_RE = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;
const SECRET_ARN_RE = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;
const TABLE_NAME_RE = /^[A-Za-z0-9_.-]{3,255}$/;
const REGION_RE = /^[a-z]{2}(-[a-z]+)+-\d$/;

/** What to set, per variable: the second half of every problem line. */
const FIX: Readonly<Record<EnvName, string>> = {
  [ENV.STATE_TABLE_NAME]:
    'Set it to the name of the DynamoDB state table (the stack output StateTableName; `cdk deploy` sets it).',
  [ENV.FINDINGS_TOPIC_ARN]:
    'Set it to the ARN of the findings SNS topic, arn:aws:sns:<region>:<account>:<name> (the stack output FindingsTopicArn).',
  [ENV.SOURCE]: `Set it to one of: ${DEPLOYABLE_SOURCES.join(', ')}.`,
  [ENV.TENANT_ID]:
    'Leave it unset, or set a tenant label without spaces (Entra tenant id, Google customer id).',
  [ENV.LATENESS]: 'Set a whole-number duration with a unit, such as 90s, 15m or 2h (default 15m).',
  [ENV.SECRET_ARN]:
    'Set it to the ARN of the Secrets Manager secret with the source API credentials (the stack creates one per poller).',
  [ENV.LOOKUP_REGIONS]:
    "Leave it unset (the function's own region) or set comma-separated AWS regions such as us-east-1,eu-west-1 (the stack sets it from lookupRegions).",
  [ENV.STATE_RETENTION_DAYS]: `Set a whole number of days from 1 to ${MAX_STATE_RETENTION_DAYS} (default ${LAMBDA_CONFIG_DEFAULTS.stateRetentionDays}).`,
  [ENV.LOG_LEVEL]: `Set one of ${LOG_LEVELS.join(', ')} (default ${LAMBDA_CONFIG_DEFAULTS.logLevel}).`,
  [ENV.POWERTOOLS_SERVICE_NAME]: `Leave it unset (default ${LAMBDA_CONFIG_DEFAULTS.serviceName}) or set a non-blank name.`,
  [ENV.POWERTOOLS_METRICS_NAMESPACE]: `Leave it unset (default ${LAMBDA_CONFIG_DEFAULTS.metricsNamespace}) or set a namespace of letters, digits and . - _ / # :.`,
  [ENV.NODE_OPTIONS]: 'Node reads it itself; Tripline does not validate it.',
};

/** Blank means unset: Lambda consoles and shells leave empty strings behind. */
const blankToUndefined = (v: unknown): unknown => (typeof v === 'string' && v.trim() === '' ? undefined : v);

const optional = <T extends z.ZodType>(schema: T) => z.preprocess(blankToUndefined, schema.optional());

const schema = z.object({
  [ENV.STATE_TABLE_NAME]: z.string().regex(TABLE_NAME_RE, 'is not a valid DynamoDB table name'),
  [ENV.FINDINGS_TOPIC_ARN]: z.string().regex(SNS_TOPIC_ARN_RE, 'is not an SNS topic ARN'),
  [ENV.SOURCE]: z.enum(DEPLOYABLE_SOURCES, { error: 'is not a known source' }),
  [ENV.TENANT_ID]: optional(z.string().regex(/^\S+$/, 'contains whitespace')),
  [ENV.LATENESS]: optional(
    z
      .string()
      .refine((v) => parseDuration(v) !== undefined, 'is not a positive duration')
      .transform((v) => parseDuration(v) as number),
  ),
  [ENV.SECRET_ARN]: optional(z.string().regex(SECRET_ARN_RE, 'is not a Secrets Manager secret ARN')),
  [ENV.LOOKUP_REGIONS]: optional(
    z
      .string()
      .transform((v) =>
        v
          .split(',')
          .map((r) => r.trim())
          .filter((r) => r !== ''),
      )
      .refine(
        (list) => list.length > 0 && list.every((r) => REGION_RE.test(r)),
        'is not a list of AWS regions',
      ),
  ),
  [ENV.STATE_RETENTION_DAYS]: optional(
    z
      .string()
      .regex(/^\d+$/, 'is not a whole number of days')
      .transform(Number)
      .refine((n) => n >= 1 && n <= MAX_STATE_RETENTION_DAYS, 'is out of range'),
  ),
  [ENV.LOG_LEVEL]: optional(
    z.preprocess(
      (v) => (typeof v === 'string' ? v.trim().toUpperCase() : v),
      z.enum(LOG_LEVELS, { error: 'is not a log level' }),
    ),
  ),
  [ENV.POWERTOOLS_SERVICE_NAME]: optional(z.string()),
  [ENV.POWERTOOLS_METRICS_NAMESPACE]: optional(
    z.string().regex(/^[A-Za-z0-9.\-_/#:]{1,255}$/, 'is not a valid CloudWatch namespace'),
  ),
});

const REQUIRED: readonly EnvName[] = [ENV.STATE_TABLE_NAME, ENV.FINDINGS_TOPIC_ARN, ENV.SOURCE];

/**
 * Reads and validates the function configuration from `env`.
 *
 * Call it once, at module scope of a handler, and pass the result down: the environment of a Lambda
 * function does not change between invocations.
 *
 * @param env the environment to read; defaults to `process.env`.
 * @returns the complete configuration, defaults applied.
 * @throws {@link ConfigError} listing every missing or invalid variable; never a partial config.
 *
 * @example
 * ```ts
 * const config = loadLambdaConfig({
 *   STATE_TABLE_NAME: 'tripline-state',
 *   FINDINGS_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:findings',
 *   SOURCE: 'cloudtrail',
 * });
 * config.latenessMs; // 900000 (15 minutes, the default)
 * ```
 */
export function loadLambdaConfig(
  env: Readonly<Record<string, string | undefined>> = process.env,
): LambdaConfig {
  const problems: ConfigProblem[] = [];
  for (const name of REQUIRED) {
    if (blankToUndefined(env[name]) === undefined) problems.push(problem(name, 'is not set'));
  }
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = issue.path[0];
      if (typeof name !== 'string' || !isEnvName(name)) continue;
      // A missing required variable is already reported as "is not set".
      if (REQUIRED.includes(name) && blankToUndefined(env[name]) === undefined) continue;
      problems.push(problem(name, issue.message));
    }
  }
  // Checked outside the schema so it is reported even when other variables are invalid.
  const source = env[ENV.SOURCE]?.trim() ?? '';
  if (
    isPollingSource(source) &&
    SOURCE_CREDENTIALS[source] &&
    blankToUndefined(env[ENV.SECRET_ARN]) === undefined
  ) {
    problems.push(problem(ENV.SECRET_ARN, `is not set, and source ${source} needs API credentials`));
  }
  if (problems.length > 0 || !parsed.success) {
    throw new ConfigError(problems, parsed.success ? undefined : { cause: parsed.error });
  }
  const v = parsed.data;
  return {
    stateTableName: v[ENV.STATE_TABLE_NAME],
    findingsTopicArn: v[ENV.FINDINGS_TOPIC_ARN],
    source: v[ENV.SOURCE],
    tenantId: v[ENV.TENANT_ID],
    latenessMs: v[ENV.LATENESS] ?? (parseDuration(LAMBDA_CONFIG_DEFAULTS.lateness) as number),
    secretArn: v[ENV.SECRET_ARN],
    lookupRegions: v[ENV.LOOKUP_REGIONS],
    stateRetentionDays: v[ENV.STATE_RETENTION_DAYS] ?? LAMBDA_CONFIG_DEFAULTS.stateRetentionDays,
    logLevel: v[ENV.LOG_LEVEL] ?? LAMBDA_CONFIG_DEFAULTS.logLevel,
    serviceName: v[ENV.POWERTOOLS_SERVICE_NAME]?.trim() ?? LAMBDA_CONFIG_DEFAULTS.serviceName,
    metricsNamespace: v[ENV.POWERTOOLS_METRICS_NAMESPACE] ?? LAMBDA_CONFIG_DEFAULTS.metricsNamespace,
  };
}

/** What the stack knows when it builds a function's environment; values may be CDK tokens. */
export interface LambdaEnvironmentSettings {
  readonly stateTableName: string;
  readonly findingsTopicArn: string;
  readonly source: DeployableSource;
  readonly tenantId?: string | undefined;
  /** A duration such as `15m`. @default '15m' */
  readonly lateness?: string | undefined;
  readonly secretArn?: string | undefined;
  /** Regions `cloudtrail-lookup` reads. @default - the function's region */
  readonly lookupRegions?: readonly string[] | undefined;
  /** @default 90 */
  readonly stateRetentionDays?: number | undefined;
  /** @default 'INFO' */
  readonly logLevel?: LogLevel | undefined;
  /** @default 'tripline' */
  readonly serviceName?: string | undefined;
  /** @default 'Tripline' */
  readonly metricsNamespace?: string | undefined;
}

/**
 * Builds the environment variables {@link loadLambdaConfig} reads: the inverse of loading. Every
 * variable with a default is written explicitly, so the console shows what a function runs with.
 * Optional values that are unset are left out.
 *
 * @example
 * ```ts
 * new NodejsFunction(this, 'Fn', {
 *   environment: toLambdaEnvironment({ stateTableName: table.tableName, findingsTopicArn: topic.topicArn, source: 'cloudtrail' }),
 * });
 * ```
 */
export function toLambdaEnvironment(settings: LambdaEnvironmentSettings): Record<string, string> {
  const env: Record<string, string> = {
    [ENV.STATE_TABLE_NAME]: settings.stateTableName,
    [ENV.FINDINGS_TOPIC_ARN]: settings.findingsTopicArn,
    [ENV.SOURCE]: settings.source,
    [ENV.LATENESS]: settings.lateness ?? LAMBDA_CONFIG_DEFAULTS.lateness,
    [ENV.STATE_RETENTION_DAYS]: String(
      settings.stateRetentionDays ?? LAMBDA_CONFIG_DEFAULTS.stateRetentionDays,
    ),
    [ENV.LOG_LEVEL]: settings.logLevel ?? LAMBDA_CONFIG_DEFAULTS.logLevel,
    [ENV.POWERTOOLS_SERVICE_NAME]: settings.serviceName ?? LAMBDA_CONFIG_DEFAULTS.serviceName,
    [ENV.POWERTOOLS_METRICS_NAMESPACE]: settings.metricsNamespace ?? LAMBDA_CONFIG_DEFAULTS.metricsNamespace,
  };
  if (settings.tenantId !== undefined) env[ENV.TENANT_ID] = settings.tenantId;
  if (settings.secretArn !== undefined) env[ENV.SECRET_ARN] = settings.secretArn;
  if (settings.lookupRegions !== undefined && settings.lookupRegions.length > 0)
    env[ENV.LOOKUP_REGIONS] = settings.lookupRegions.join(',');
  return env;
}

function problem(variable: EnvName, what: string): ConfigProblem {
  return { variable, problem: what, fix: FIX[variable] };
}

function isEnvName(name: string): name is EnvName {
  return Object.prototype.hasOwnProperty.call(FIX, name);
}
