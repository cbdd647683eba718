/**
 * What every Tripline Lambda function builds once per container from its validated configuration:
 * the DynamoDB state store, the SNS finding sink, the detector, Powertools Logger and Metrics, and the
 * publish-claim lifetime. Handlers call {@link buildAwsRuntime} lazily (on the first invocation), so a
 * configuration error is reported by the invocation that hits it, with every problem listed.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { deployedRules } from '#shared/config/deployed';
import { loadLambdaConfig } from '#shared/config/lambda-config';
import { expiredAllowEntries } from '#shared/config/tripline-config';
import type { LambdaConfig } from '#shared/config/lambda-config';
import { Detector } from '#shared/engine/detector';
import type { DetectorOptions } from '#shared/engine/detector';
import type { RuleDefinition } from '#shared/engine/rule';
import { claimTtlFor } from '#shared/pipeline/run-batch';
import type { RunBatchResult } from '#shared/pipeline/run-batch';
import { ALL_RULES } from '#shared/rules/index';
import { SnsFindingSink } from '#shared/sinks/sns-sink';
import { DynamoStateStore } from '#shared/state/dynamodb';

/** Overrides for tests and local runs; everything defaults to what the Lambda runtime provides. */
export interface AwsRuntimeOptions {
  /** The environment to read the configuration from. @default process.env */
  env?: Readonly<Record<string, string | undefined>>;
  /** DynamoDB client for the state table (not destroyed by the function). @default a client for AWS_REGION */
  dynamoClient?: DynamoDBClient;
  /** SNS client for the findings topic. @default a client for the topic's region */
  snsClient?: SNSClient;
  logger?: Logger;
  metrics?: Metrics;
  /** Detection rules, used as they are. @default ALL_RULES with the bundled user config applied */
  rules?: readonly RuleDefinition[];
  /** The user config bundle (rules and config from `-c config=...`). @default what esbuild bundled */
  bundledConfig?: string | undefined;
  /** Wall clock, epoch ms. @default Date.now */
  now?: () => number;
}

/** The dependencies of a handler, built once per container. */
export interface AwsRuntime {
  config: LambdaConfig;
  store: DynamoStateStore;
  sink: SnsFindingSink;
  detector: Detector;
  /** The rules, overrides and globals `detector` runs with: another Detector of this function uses them too. */
  ruleSet: Pick<DetectorOptions, 'rules' | 'overrides' | 'globals'>;
  /** Publish-claim and outbox lifetime (see `claimTtlFor`). */
  claimTtlMs: number;
  logger: Logger;
  metrics: Metrics;
  now: () => number;
}

const DAY_MS = 86_400_000;

/** The region of an SNS topic ARN (`arn:aws:sns:<region>:<account>:<name>`). */
export function regionOfArn(arn: string): string | undefined {
  return arn.split(':')[3] || undefined;
}

/**
 * A logger for before the configuration is known (or when it is invalid): Powertools reads
 * POWERTOOLS_SERVICE_NAME and LOG_LEVEL from the environment itself.
 */
export function bootstrapLogger(options: AwsRuntimeOptions): Logger {
  return (
    options.logger ?? new Logger({ serviceName: options.env?.['POWERTOOLS_SERVICE_NAME'] ?? 'tripline' })
  );
}

/**
 * Reads the configuration and builds the runtime.
 *
 * @throws ConfigError (from `loadLambdaConfig`) listing every missing or invalid variable.
 */
export function buildAwsRuntime(options: AwsRuntimeOptions = {}): AwsRuntime {
  const env = options.env ?? process.env;
  const config = loadLambdaConfig(env);
  const logger = options.logger ?? new Logger({ serviceName: config.serviceName, logLevel: config.logLevel });
  const metrics =
    options.metrics ?? new Metrics({ namespace: config.metricsNamespace, serviceName: config.serviceName });
  const store = new DynamoStateStore({
    tableName: config.stateTableName,
    client: options.dynamoClient ?? new DynamoDBClient({}),
  });
  const topicRegion = regionOfArn(config.findingsTopicArn);
  const snsClient = options.snsClient ?? new SNSClient(topicRegion ? { region: topicRegion } : {});
  const awsRegion = env['AWS_REGION'];
  const sink = new SnsFindingSink(
    snsClient,
    config.findingsTopicArn,
    awsRegion ? { render: { awsRegion } } : {},
  );
  // The user's rules and config, bundled at synth (shared/config/deployed.ts); checked there already.
  const user = options.rules ? undefined : deployedRules(ALL_RULES, options.bundledConfig);
  const expired = user ? expiredAllowEntries(user.config, (options.now ?? Date.now)()) : [];
  if (expired.length) {
    logger.warn('Allow-list entries have expired and no longer apply; renew or remove them in the config', {
      configFile: user?.config.file,
      entries: expired.map(({ path, rules, principal, app, cidr, expires, reason }) => ({
        path,
        rules,
        principal,
        app,
        cidr,
        expires,
        reason,
      })),
    });
  }
  const ruleSet = {
    rules: options.rules ?? user?.rules ?? ALL_RULES,
    ...(user ? { overrides: user.overrides, globals: user.globals } : {}),
  };
  const detector = new Detector({ ...ruleSet, store, lateness: config.latenessMs });
  const claimTtlMs = claimTtlFor(detector, config.latenessMs, { maxMs: config.stateRetentionDays * DAY_MS });
  return {
    config,
    store,
    sink,
    detector,
    ruleSet,
    claimTtlMs,
    logger,
    metrics,
    now: options.now ?? Date.now,
  };
}

/** Message text of anything thrown. */
export function errorText(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

/**
 * Logs what a batch left for operators: events quarantined by the clock guard (future-dated),
 * events too late for stateful rules, rules that threw, an unreachable publish outbox, and findings
 * abandoned after repeated publish failures (logged whole, so they are not lost).
 */
export function logBatchProblems(logger: Logger, res: RunBatchResult): void {
  for (const q of res.quarantined ?? []) {
    logger.warn('Event quarantined: dated in the future or without a valid time; no rule saw it', {
      eventID: q.eventId,
      source: q.source,
      reason: q.reason,
    });
  }
  const late = res.late ?? [];
  if (late.length) {
    logger.warn(
      'Events too late for stateful rules (match rules still ran); raise LATENESS if the feed lags',
      {
        count: late.length,
        eventIDs: late.slice(0, 20).map((l) => l.eventId),
        first: late[0]?.reason,
      },
    );
  }
  for (const r of res.ruleErrors) {
    logger.error('Rule threw; the event was skipped for this rule', {
      ruleId: r.ruleId,
      eventID: r.eventId,
      error: r.message,
      count: r.count,
    });
  }
  for (const msg of res.outboxErrors) logger.error('Publish outbox unavailable', { error: msg });
  for (const a of res.abandoned) {
    logger.critical('Finding abandoned after repeated publish failures; it is only in this log', {
      findingId: a.finding.id,
      attempts: a.attempts,
      lastError: a.lastError,
      finding: a.finding,
    });
  }
}
