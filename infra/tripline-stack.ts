import * as fs from 'node:fs';
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type { Construct } from 'constructs';
import {
  LAMBDA_CONFIG_DEFAULTS,
  LOG_LEVELS,
  MAX_STATE_RETENTION_DAYS,
  parseDuration,
} from '#shared/config/lambda-config';
import type { LogLevel } from '#shared/config/lambda-config';
import {
  DEPLOYABLE_SOURCES,
  POLLING_SOURCES,
  isDeployableSource,
  isPollingSource,
  type DeployableSource,
  type PollingSource,
} from '#shared/config/sources';
import { AzureBridge, checkAzureBridgeProps } from './constructs/azure-bridge';
import { POLL_SOURCES, registeredPollSources } from '#shared/sources/registry';
import type { PollSourceRegistry } from '#shared/sources/registry';
import { FindingsTopic } from './constructs/findings-topic';
import type { DeploymentSettings } from './constructs/handler-function';
import { OperationalAlarms } from './constructs/ops-alarms';
import { DEFAULT_POLL_SCHEDULES, Poller } from './constructs/poller';
import { RealtimePath } from './constructs/realtime-path';
import { TrailPath } from './constructs/trail-path';
import { MAX_PITR_DAYS, StateTable } from './constructs/state-table';
import { Responder } from './constructs/responder';
import { InvalidPropsError, ProblemList, type PropsProblem } from './errors';
import {
  RESPONDER_DEFAULTS,
  RESPONSE_MODES,
  ResponderConfigError,
  parseResponderPolicy,
} from '#shared/config/responder';
import type { ResponderPolicy, ResponseMode } from '#shared/config/responder';
import { POLLER_ENTRY, REALTIME_ENTRY, TRAIL_ENTRY } from './paths';
import { addAllowListReport, attachUserConfig, type LoadedUserConfig } from './user-config';

/** Props of {@link TriplineStack}; each has a CDK context key of the same name (see infra/context.ts). */
export interface TriplineStackProps extends StackProps {
  /**
   * Who receives findings by e-mail. Each address must confirm the subscription mail first.
   *
   * @default - nobody (subscribe later, see docs/deploy.md)
   */
  readonly alertEmails?: readonly string[];

  /**
   * Who is told when Tripline itself fails (dead letters, function errors, a backlog).
   *
   * @default - the alertEmails
   */
  readonly opsEmails?: readonly string[];

  /**
   * Which sources to deploy: `cloudtrail` is the real-time EventBridge path; each polling source
   * (`graph`, `m365`, `workspace`, `cloudtrail-lookup`) gets a scheduled poller.
   *
   * @default ['cloudtrail']
   */
  readonly enabledSources?: readonly DeployableSource[];

  /**
   * EventBridge Scheduler expression per polling source: `rate(10 minutes)` or `cron(0/15 * * * ? *)`.
   *
   * @default - 'rate(15 minutes)' for m365, 'rate(5 minutes)' for the others
   */
  readonly schedules?: Readonly<Partial<Record<PollingSource, string>>>;

  /**
   * Name of an existing bucket an organization or multi-account trail delivers to: its new log files
   * are read through S3 event notifications -> SQS -> a Lambda function (every account and region of
   * the trail, data events too when the trail records them).
   *
   * @default - no S3 trail path
   */
  readonly trailBucket?: string;

  /**
   * The trail's S3 key prefix, when it has one.
   *
   * @default - none
   */
  readonly trailPrefix?: string;

  /**
   * ARN of the KMS key the trail encrypts its log files with (SSE-KMS).
   *
   * @default - none (SSE-S3)
   */
  readonly trailKmsKey?: string;

  /**
   * Configure the trail bucket's event notifications from this stack (same account only). Turn off
   * for a bucket in another account and configure the notification there, to the output queue.
   *
   * @default true
   */
  readonly trailNotifications?: boolean;

  /**
   * Regions `cloudtrail-lookup` reads.
   *
   * @default - the stack's region
   */
  readonly lookupRegions?: readonly string[];

  /**
   * The collectors this build has: enabling a polling source without one is refused. Tests pass a
   * stub; deployments use the real registry.
   *
   * @default POLL_SOURCES (shared/sources/registry.ts)
   */
  readonly registry?: PollSourceRegistry;

  /**
   * Entry of the S3 trail files handler.
   *
   * @default functions/aws/cloudtrail-s3/index.ts
   */
  readonly trailEntry?: string;

  /**
   * The longest any state item (baseline, window, checkpoint) lives, in days, 1 to 3650. Also caps
   * point-in-time recovery (at most 35 days), so backups hold nothing live state may not.
   *
   * @default 90
   */
  readonly stateRetentionDays?: number;

  /**
   * How long function logs are kept, in days; one of CloudWatch Logs' retention values
   * (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, ...).
   *
   * @default 30
   */
  readonly logRetentionDays?: number;

  /**
   * The responder (docs/respond.md): `off` deploys none; `dry-run` records and tells what it would
   * revoke for the findings its policy selects, changing nothing; `on` revokes.
   *
   * @default 'off'
   */
  readonly autoRevoke?: ResponseMode;

  /**
   * The responder's policy except its mode (rules, minSeverity, protectedApps, actions,
   * maxActionsPerHour, retentionDays), as JSON would give it; validated like RESPONDER_POLICY.
   *
   * @default - the defaults of docs/respond.md
   */
  readonly responder?: Readonly<Record<string, unknown>>;

  /**
   * Entry of the responder handler.
   *
   * @default functions/aws/responder/index.ts
   */
  readonly responderEntry?: string;

  /**
   * Tenant label for records that carry none (Entra tenant id, Google customer id).
   *
   * @default - none: CloudTrail events carry their account id
   */
  readonly tenantId?: string;

  /**
   * How late an event may arrive and still be ordered by event time: `90s`, `15m`, `2h`.
   *
   * @default '15m'
   */
  readonly lateness?: string;

  /**
   * Function log level.
   *
   * @default 'INFO'
   */
  readonly logLevel?: LogLevel;

  /**
   * Send read-only CloudTrail management events (`Get*`, `List*`, `Describe*`) to the real-time path
   * too. Discovery detections need them; they multiply the event volume.
   *
   * @default true
   */
  readonly readOnlyEvents?: boolean;

  /**
   * Keep the state table when the stack is deleted (and protect it from deletion meanwhile).
   *
   * @default true
   */
  readonly retainState?: boolean;

  /**
   * The Entra tenant id of Tripline's Azure Function App, whose managed identity may use this
   * deployment's state table and findings topic (docs/deploy-azure.md). Set with `azureIdentity`.
   *
   * @default - no Azure bridge
   */
  readonly azureTenantId?: string;

  /**
   * The principal (object) id of that Function App's managed identity.
   *
   * @default - no Azure bridge
   */
  readonly azureIdentity?: string;

  /**
   * The token audience the Azure bridge trusts.
   *
   * @default 'api://AzureADTokenExchange'
   */
  readonly azureAudience?: string;

  /**
   * The user's config file and rule files, loaded and checked (infra/user-config.ts), bundled into
   * every function.
   *
   * @default - none: the shipped rules with their defaults
   */
  readonly userConfig?: LoadedUserConfig;

  /**
   * Entry of the real-time handler.
   *
   * @default functions/aws/cloudtrail-realtime/index.ts
   */
  readonly realtimeEntry?: string;

  /**
   * Entry of the shared poller handler.
   *
   * @default functions/aws/poller/index.ts
   */
  readonly pollerEntry?: string;
}

/** The defaults of {@link TriplineStackProps}, in one place for the context reader, docs and tests. */
export const TRIPLINE_DEFAULTS = {
  enabledSources: ['cloudtrail'],
  schedules: DEFAULT_POLL_SCHEDULES,
  stateRetentionDays: LAMBDA_CONFIG_DEFAULTS.stateRetentionDays,
  logRetentionDays: 30,
  autoRevoke: RESPONDER_DEFAULTS.mode,
  lateness: LAMBDA_CONFIG_DEFAULTS.lateness,
  logLevel: LAMBDA_CONFIG_DEFAULTS.logLevel,
  retainState: true,
  readOnlyEvents: true,
} as const satisfies {
  enabledSources: readonly DeployableSource[];
  schedules: Readonly<Record<PollingSource, string>>;
  stateRetentionDays: number;
  logRetentionDays: number;
  autoRevoke: ResponseMode;
  lateness: string;
  logLevel: LogLevel;
  retainState: boolean;
  readOnlyEvents: boolean;
};

/** A realtime queue backlog older than this raises an alarm. */
export const MAX_REALTIME_QUEUE_AGE = Duration.minutes(15);

const EMAIL_RE = /^[^\s@,;]+@[^\s@,;]+\.[^\s@,;]+$/;
const RATE_RE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const CRON_RE = /^cron\(\S+( \S+){5}\)$/;
const LOG_RETENTION_VALUES = Object.values(logs.RetentionDays).filter(
  (v): v is number => typeof v === 'number' && v !== logs.RetentionDays.INFINITE,
);

/**
 * Tripline in one stack: the state table, the findings topic, the real-time CloudTrail path, the S3
 * trail path for an organization trail's bucket, one poller per enabled polling source, and alarms on
 * all of it notifying an operations topic.
 *
 * @example
 * ```ts
 * new TriplineStack(app, 'Tripline', { alertEmails: ['oncall@example.com'] });
 * ```
 * @throws {@link InvalidPropsError} listing every invalid prop.
 */
export class TriplineStack extends Stack {
  /** The state table. */
  readonly stateTable: StateTable;
  /** The findings topic. */
  readonly findings: FindingsTopic;
  /** Alarms and the operations topic they notify. */
  readonly ops: OperationalAlarms;
  /** The real-time CloudTrail path, when `cloudtrail` is enabled. */
  readonly realtime: RealtimePath | undefined;
  /** One poller per enabled polling source. */
  readonly pollers: readonly Poller[];
  /** The role Tripline's Azure Functions assume, when `azureTenantId` and `azureIdentity` are set. */
  readonly azureBridge: AzureBridge | undefined;
  /** The S3 trail path, when `trailBucket` is set. */
  readonly trail: TrailPath | undefined;
  /** The responder, unless autoRevoke is off. */
  readonly responder: Responder | undefined;

  constructor(scope: Construct, id: string, props: TriplineStackProps = {}) {
    super(scope, id, props);
    const resolved = resolveProps(props);
    attachUserConfig(this, props.userConfig);

    this.stateTable = new StateTable(this, 'State', {
      removalPolicy: resolved.retainState ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      pointInTimeRecoveryDays: Math.min(MAX_PITR_DAYS, resolved.stateRetentionDays),
    });
    this.findings = new FindingsTopic(this, 'Findings', { emails: resolved.alertEmails });
    this.ops = new OperationalAlarms(this, 'Ops', { emails: resolved.opsEmails });
    addAllowListReport(this, this.ops, resolved.logRetention);

    const settings: DeploymentSettings = {
      tenantId: resolved.tenantId,
      lateness: resolved.lateness,
      stateRetentionDays: resolved.stateRetentionDays,
      logLevel: resolved.logLevel,
    };
    const shared = {
      stateTable: this.stateTable,
      findingsTopic: this.findings,
      settings,
      logRetention: resolved.logRetention,
    };

    if (resolved.enabledSources.includes('cloudtrail')) {
      const realtime = new RealtimePath(this, 'Realtime', {
        ...shared,
        entry: resolved.realtimeEntry,
        readOnlyEvents: resolved.readOnlyEvents,
      });
      this.ops.alarmOnDeadLetters(
        'RealtimeDeadLetters',
        realtime.deadLetterQueue,
        'CloudTrail events that failed processing 5 times or could not be delivered to the queue',
      );
      this.ops.alarmOnErrors('RealtimeErrors', realtime.lambdaFunction, 'the real-time CloudTrail function');
      this.ops.alarmOnQueueAge(
        'RealtimeBacklog',
        realtime.queue,
        MAX_REALTIME_QUEUE_AGE,
        'CloudTrail event in the real-time queue',
      );
      new CfnOutput(this, 'RealtimeQueueUrl', {
        value: realtime.queue.queueUrl,
        description: 'SQS queue between EventBridge and the real-time function',
      });
      this.realtime = realtime;
    } else {
      this.realtime = undefined;
    }

    if (resolved.trailBucket !== undefined) {
      const trail = new TrailPath(this, 'Trail', {
        ...shared,
        bucketName: resolved.trailBucket,
        entry: resolved.trailEntry,
        configureNotifications: resolved.trailNotifications,
        ...(resolved.trailPrefix !== undefined ? { prefix: resolved.trailPrefix } : {}),
        ...(resolved.trailKmsKey !== undefined ? { kmsKeyArn: resolved.trailKmsKey } : {}),
      });
      this.ops.alarmOnDeadLetters(
        'TrailDeadLetters',
        trail.deadLetterQueue,
        'trail file notifications whose files failed processing 5 times',
      );
      this.ops.alarmOnErrors('TrailErrors', trail.lambdaFunction, 'the S3 trail files function');
      this.ops.alarmOnQueueAge(
        'TrailBacklog',
        trail.queue,
        MAX_REALTIME_QUEUE_AGE,
        'trail file notification',
      );
      new CfnOutput(this, 'TrailQueueArn', {
        value: trail.queue.queueArn,
        description: `Queue for s3:ObjectCreated notifications of ${resolved.trailBucket} (configure them here if the bucket is in another account)`,
      });
      new CfnOutput(this, 'TrailFunctionRoleArn', {
        value: trail.handler.role.roleArn,
        description: `Role that reads the trail files; allow it s3:GetObject on AWSLogs/* in ${resolved.trailBucket}'s bucket policy if the bucket is in another account`,
      });
      this.trail = trail;
    } else {
      this.trail = undefined;
    }

    this.pollers = resolved.enabledSources.filter(isPollingSource).map((source) => {
      const id = pollerId(source);
      const poller = new Poller(this, id, {
        ...shared,
        source,
        schedule: scheduler.ScheduleExpression.expression(resolved.schedules[source]),
        entry: resolved.pollerEntry,
        ...(source === 'cloudtrail-lookup' && resolved.lookupRegions
          ? { lookupRegions: resolved.lookupRegions }
          : {}),
      });
      this.ops.alarmOnDeadLetters(
        `${id}DeadLetters`,
        poller.deadLetterQueue,
        `${source} poller runs that failed after retries or were not delivered`,
      );
      this.ops.alarmOnErrors(`${id}Errors`, poller.lambdaFunction, `the ${source} poller`);
      this.ops.alarmAbove(
        `${id}PollFailures`,
        poller.metricPollFailures(),
        0,
        `Poll failures: the ${source} poller could not read its API (credentials, permissions, throttling, an outage). ` +
          `Its log group says which stream and why; the next run resumes from the last saved page.`,
      );
      this.ops.alarmAbove(
        `${id}Lag`,
        poller.metricLag(),
        poller.maxLag.toSeconds(),
        `Lag: the ${source} poller's checkpoint is more than ${poller.maxLag.toHumanString()} behind now, so its findings are late. ` +
          `Look for poll failures, runs stopped by the time budget, or the vendor delaying its logs.`,
      );
      if (poller.secret) {
        new CfnOutput(this, `${id}CredentialsSecret`, {
          value: poller.secret.secretName,
          description: `Fill in the ${source} API credentials here (see docs/deploy.md)`,
        });
      }
      return poller;
    });

    this.azureBridge =
      resolved.azureTenantId !== undefined && resolved.azureIdentity !== undefined
        ? new AzureBridge(this, 'AzureBridge', {
            tenantId: resolved.azureTenantId,
            identity: resolved.azureIdentity,
            ...(props.azureAudience !== undefined ? { audience: props.azureAudience } : {}),
            stateTable: this.stateTable.table,
            findingsTopic: this.findings,
          })
        : undefined;

    if (resolved.responderPolicy.mode !== 'off') {
      this.responder = new Responder(this, 'Responder', {
        policy: resolved.responderPolicy,
        stateTable: this.stateTable.table,
        findingsTopic: this.findings,
        alarms: this.ops,
        logRetention: resolved.logRetention,
        ...(props.responderEntry ? { entry: props.responderEntry } : {}),
      });
      new CfnOutput(this, 'ResponderEntraSecret', {
        value: this.responder.entraSecret.secretName,
        description: "Fill in the responder's own Entra app registration here (see docs/respond.md)",
      });
      new CfnOutput(this, 'ResponderGoogleSecret', {
        value: this.responder.googleSecret.secretName,
        description: "Fill in the responder's own Google service account here (see docs/respond.md)",
      });
      new CfnOutput(this, 'ResponderFunctionName', {
        value: this.responder.lambdaFunction.functionName,
        description: 'Invoke with {"undo": "<action-id>"} to undo an action (see docs/respond.md)',
      });
    } else {
      this.responder = undefined;
    }

    new CfnOutput(this, 'StateTableName', {
      value: this.stateTable.table.tableName,
      description: 'DynamoDB table holding Tripline state',
    });
    new CfnOutput(this, 'FindingsTopicArn', {
      value: this.findings.topic.topicArn,
      description: 'SNS topic findings are published to; subscribe here',
    });
    new CfnOutput(this, 'OpsTopicArn', {
      value: this.ops.topic.topicArn,
      description: 'SNS topic Tripline operational alarms notify',
    });
  }
}

interface ResolvedProps {
  readonly alertEmails: readonly string[];
  readonly opsEmails: readonly string[];
  readonly enabledSources: readonly DeployableSource[];
  readonly schedules: Readonly<Record<PollingSource, string>>;
  readonly stateRetentionDays: number;
  readonly logRetention: logs.RetentionDays;
  readonly responderPolicy: ResponderPolicy;
  readonly tenantId: string | undefined;
  readonly lateness: string;
  readonly logLevel: LogLevel;
  readonly retainState: boolean;
  readonly readOnlyEvents: boolean;
  readonly realtimeEntry: string;
  readonly pollerEntry: string;
  readonly azureTenantId: string | undefined;
  readonly azureIdentity: string | undefined;
  readonly trailEntry: string;
  readonly trailBucket: string | undefined;
  readonly trailPrefix: string | undefined;
  readonly trailKmsKey: string | undefined;
  readonly trailNotifications: boolean;
  readonly lookupRegions: readonly string[] | undefined;
}

/**
 * Checks stack props without building anything.
 *
 * @returns every problem {@link TriplineStack} would throw for; empty when the props are valid.
 */
export function checkStackProps(props: TriplineStackProps): readonly PropsProblem[] {
  try {
    resolveProps(props);
    return [];
  } catch (e) {
    if (e instanceof InvalidPropsError) return e.problems;
    throw e;
  }
}

/** Applies defaults and checks every prop, reporting all problems at once. */
function resolveProps(props: TriplineStackProps): ResolvedProps {
  const problems = new ProblemList();
  const alertEmails = props.alertEmails ?? [];
  const opsEmails = props.opsEmails ?? alertEmails;
  for (const [setting, list] of [
    ['alertEmails', alertEmails],
    ['opsEmails', props.opsEmails ?? []],
  ] as const) {
    for (const email of list) {
      if (!EMAIL_RE.test(email)) problems.add(setting, `${JSON.stringify(email)} is not an e-mail address`);
    }
    if (new Set(list).size !== list.length) problems.add(setting, 'lists an address twice');
  }

  const enabledSources = props.enabledSources ?? TRIPLINE_DEFAULTS.enabledSources;
  if (enabledSources.length === 0) {
    problems.add('enabledSources', `is empty; enable at least one of ${DEPLOYABLE_SOURCES.join(', ')}`);
  }
  for (const source of enabledSources) {
    if (!isDeployableSource(source)) {
      problems.add(
        'enabledSources',
        `${JSON.stringify(source)} is not a source; use ${DEPLOYABLE_SOURCES.join(', ')}`,
      );
    }
  }
  if (new Set(enabledSources).size !== enabledSources.length)
    problems.add('enabledSources', 'lists a source twice');

  const schedules = { ...DEFAULT_POLL_SCHEDULES } as Record<PollingSource, string>;
  for (const [source, expression] of Object.entries(props.schedules ?? {})) {
    if (!isPollingSource(source)) {
      problems.add(`schedules.${source}`, `is not a polling source; use ${POLLING_SOURCES.join(', ')}`);
    } else if (expression === undefined) {
      continue;
    } else if (!isScheduleExpression(expression)) {
      problems.add(
        `schedules.${source}`,
        `${JSON.stringify(expression)} is not an EventBridge schedule; use rate(10 minutes) or cron(0/15 * * * ? *)`,
      );
    } else {
      schedules[source] = expression;
    }
  }

  const stateRetentionDays = props.stateRetentionDays ?? TRIPLINE_DEFAULTS.stateRetentionDays;
  if (
    !Number.isInteger(stateRetentionDays) ||
    stateRetentionDays < 1 ||
    stateRetentionDays > MAX_STATE_RETENTION_DAYS
  ) {
    problems.add(
      'stateRetentionDays',
      `must be a whole number from 1 to ${MAX_STATE_RETENTION_DAYS}, got ${stateRetentionDays}`,
    );
  }

  const logRetentionDays = props.logRetentionDays ?? TRIPLINE_DEFAULTS.logRetentionDays;
  if (!LOG_RETENTION_VALUES.includes(logRetentionDays)) {
    problems.add(
      'logRetentionDays',
      `must be one of ${LOG_RETENTION_VALUES.join(', ')}, got ${logRetentionDays}`,
    );
  }

  const lateness = props.lateness ?? TRIPLINE_DEFAULTS.lateness;
  if (parseDuration(lateness) === undefined) {
    problems.add(
      'lateness',
      `${JSON.stringify(lateness)} is not a duration; use a whole number and unit such as 15m`,
    );
  }

  const logLevel = props.logLevel ?? TRIPLINE_DEFAULTS.logLevel;
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    problems.add('logLevel', `must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(logLevel)}`);
  }

  if (props.tenantId !== undefined && !/^\S+$/.test(props.tenantId)) {
    problems.add('tenantId', `must be non-empty without spaces, got ${JSON.stringify(props.tenantId)}`);
  }

  const realtimeEntry = props.realtimeEntry ?? REALTIME_ENTRY;
  const pollerEntry = props.pollerEntry ?? POLLER_ENTRY;
  if (enabledSources.includes('cloudtrail') && !fs.existsSync(realtimeEntry)) {
    problems.add('realtimeEntry', `${realtimeEntry} does not exist`);
  }
  const pollers = enabledSources.filter(isPollingSource);
  if (pollers.length > 0 && !fs.existsSync(pollerEntry)) {
    problems.add(
      'pollerEntry',
      `${pollerEntry} does not exist, so ${pollers.join(', ')} cannot be polled yet; remove ${pollers.join(', ')} from enabledSources`,
    );
  }
  const registry = props.registry ?? POLL_SOURCES;
  const collectors = registeredPollSources(registry);
  for (const source of pollers) {
    if (!collectors.includes(source)) {
      problems.add(
        'enabledSources',
        `${source} has no collector in this build (it can poll: ${collectors.length ? collectors.join(', ') : 'nothing yet'}); ` +
          `remove ${source} from enabledSources, or deploy a build whose shared/sources/registry.ts registers it`,
      );
    }
  }
  const trailEntry = props.trailEntry ?? TRAIL_ENTRY;
  const trailBucket = props.trailBucket;
  if (trailBucket !== undefined && !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(trailBucket)) {
    problems.add('trailBucket', `${JSON.stringify(trailBucket)} is not an S3 bucket name`);
  }
  if (trailBucket === undefined && (props.trailPrefix !== undefined || props.trailKmsKey !== undefined)) {
    problems.add('trailBucket', 'is not set, but trailPrefix or trailKmsKey is: set the trail bucket too');
  }
  const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
  for (const r of props.lookupRegions ?? []) {
    if (!REGION.test(r)) problems.add('lookupRegions', `${JSON.stringify(r)} is not an AWS region`);
  }

  if ((props.azureTenantId === undefined) !== (props.azureIdentity === undefined)) {
    problems.add(
      props.azureTenantId === undefined ? 'azureTenantId' : 'azureIdentity',
      'is needed with the other: set both azureTenantId and azureIdentity for the Azure bridge, or neither',
    );
  } else if (props.azureTenantId !== undefined && props.azureIdentity !== undefined) {
    for (const p of checkAzureBridgeProps({
      tenantId: props.azureTenantId,
      identity: props.azureIdentity,
      ...(props.azureAudience !== undefined ? { audience: props.azureAudience } : {}),
    }))
      problems.add(p.setting, p.message);
  }

  const mode = props.autoRevoke ?? TRIPLINE_DEFAULTS.autoRevoke;
  if (!(RESPONSE_MODES as readonly string[]).includes(mode)) {
    problems.add('autoRevoke', `must be one of ${RESPONSE_MODES.join(', ')}, got ${JSON.stringify(mode)}`);
  }
  let responderPolicy: ResponderPolicy | undefined;
  try {
    responderPolicy = parseResponderPolicy(
      { ...props.responder, mode: RESPONSE_MODES.includes(mode) ? mode : 'off' },
      'responder',
    );
  } catch (e) {
    if (!(e instanceof ResponderConfigError)) throw e;
    for (const p of e.problems) problems.add('responder', p);
  }
  if (props.responder && 'mode' in props.responder) {
    problems.add('responder', 'sets mode: use autoRevoke (off, dry-run or on) instead');
  }

  problems.throwIfAny();
  return {
    alertEmails,
    opsEmails,
    enabledSources,
    schedules,
    stateRetentionDays,
    logRetention: logRetentionDays as logs.RetentionDays,
    responderPolicy: responderPolicy ?? RESPONDER_DEFAULTS,
    tenantId: props.tenantId,
    lateness,
    logLevel,
    retainState: props.retainState ?? TRIPLINE_DEFAULTS.retainState,
    readOnlyEvents: props.readOnlyEvents ?? TRIPLINE_DEFAULTS.readOnlyEvents,
    realtimeEntry,
    pollerEntry,
    azureTenantId: props.azureTenantId,
    azureIdentity: props.azureIdentity,
    trailEntry,
    trailBucket,
    trailPrefix: props.trailPrefix,
    trailKmsKey: props.trailKmsKey,
    trailNotifications: props.trailNotifications ?? true,
    lookupRegions: props.lookupRegions && props.lookupRegions.length > 0 ? props.lookupRegions : undefined,
  };
}

function isScheduleExpression(expression: string): boolean {
  const rate = RATE_RE.exec(expression);
  if (rate) {
    const n = Number(rate[1]);
    const singular = !(rate[2] ?? '').endsWith('s');
    return n >= 1 && (n === 1) === singular;
  }
  return CRON_RE.test(expression);
}

/** `cloudtrail-lookup` -> `PollerCloudtrailLookup`: stable construct ids, hence stable logical ids. */
function pollerId(source: PollingSource): string {
  return `Poller${source.replace(/(^|-)([a-z0-9])/g, (_m, _dash: string, c: string) => c.toUpperCase())}`;
}
