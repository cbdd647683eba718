/**
 * The user's config file and rule files in the deployed stack: `npx cdk deploy -c config=tripline.yaml`
 * reads the config at synth, loads the YAML / JSON rule files its `rules:` names, checks everything
 * together with the shipped rules (a bad rule fails synth with its file, line and problem), and
 * copies the result into every function's code bundle as `tripline-config.json` (read by
 * shared/config/deployed.ts). The asset hash follows the bundled files, so a changed rule or config
 * redeploys the functions, and only then.
 *
 * The hooks elsewhere are small on purpose: TriplineStack calls {@link attachUserConfig} and
 * HandlerFunction spreads {@link userConfigBundling} into its bundling options.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { ICommandHooks } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { Node } from 'constructs';
import { ALLOW_REPORT_ENV } from '#shared/config/allow-report';
import { BUNDLED_CONFIG_FILE } from '#shared/config/deployed';
import type { UserConfigBundle } from '#shared/config/deployed';
import { RuleSetError, loadRunRulesSync } from '#shared/config/load';
import type { RuleDefinition } from '#shared/engine/rule';
import { formatProblem } from '#shared/rules/format/parse';
import { ALL_RULES } from '#shared/rules/index';
import { HandlerFunction } from './constructs/handler-function';
import type { OperationalAlarms } from './constructs/ops-alarms';
import { InvalidPropsError } from './errors';
import { PROJECT_ROOT } from './paths';

/** Entry of the weekly allow-list report function. */
export const ALLOW_REPORT_ENTRY = join(PROJECT_ROOT, 'functions', 'aws', 'allow-report', 'index.ts');

/** The context key naming the config file: `-c config=tripline.yaml`. */
export const CONFIG_CONTEXT_KEY = 'config';

/** A config checked at synth, ready to bundle. */
export interface LoadedUserConfig {
  /** The config file as given. */
  readonly configFile: string;
  readonly bundle: UserConfigBundle;
  /** Ids of the user rules (added or replacing shipped ones). */
  readonly ruleIds: readonly string[];
  /** Allow entries in the config, for the operations report. */
  readonly allowEntries: number;
}

/**
 * Loads and checks the config and its rules.
 * @throws InvalidPropsError with one problem per line: `config: tripline.yaml:12:5: overrides.x.count: ...`.
 */
export function loadUserConfig(
  configPath: string,
  cwd: string = process.cwd(),
  shipped: readonly RuleDefinition[] = ALL_RULES,
): LoadedUserConfig {
  let set;
  try {
    set = loadRunRulesSync({ shipped, configPath, cwd, code: false });
  } catch (err) {
    if (err instanceof RuleSetError)
      throw new InvalidPropsError(
        err.problems.map((p) => ({ setting: CONFIG_CONTEXT_KEY, message: formatProblem(p) })),
        { cause: err },
      );
    throw err;
  }
  return {
    configFile: configPath,
    bundle: {
      version: 1,
      configFile: configPath,
      config: set.config.document,
      // Test records stay behind: the functions need the rules, not their cases.
      rules: set.user.map((u) => {
        const { tests: _tests, ...doc } = (u.doc ?? {}) as Record<string, unknown>;
        return { file: u.file, doc };
      }),
    },
    ruleIds: set.user.map((u) => u.rule.id),
    allowEntries: set.config.allow.length,
  };
}

/** The config named by the `config` context key, loaded and checked; undefined when none is named. */
export function userConfigFromContext(node: Node, cwd: string = process.cwd()): LoadedUserConfig | undefined {
  const value: unknown = node.tryGetContext(CONFIG_CONTEXT_KEY);
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === ''))
    return undefined;
  if (typeof value !== 'string')
    throw new InvalidPropsError([
      {
        setting: CONFIG_CONTEXT_KEY,
        message: `must be the path of a config file, got ${JSON.stringify(value)}`,
      },
    ]);
  return loadUserConfig(value.trim(), cwd);
}

const attached = new WeakMap<Stack, LoadedUserConfig>();

/** Makes `config` the user config of every function created in `stack` from now on. */
export function attachUserConfig(stack: Stack, config: LoadedUserConfig | undefined): void {
  if (config) attached.set(stack, config);
}

/** The user config of the stack `scope` is in, if any. */
export function userConfigOf(scope: Construct): LoadedUserConfig | undefined {
  return attached.get(Stack.of(scope));
}

/**
 * Bundling options that copy the stack's user config into a function's bundle (none without one).
 * The file is written once per content under the system temp folder, named by its hash.
 */
export function userConfigBundling(scope: Construct): { commandHooks?: ICommandHooks } {
  const config = userConfigOf(scope);
  if (!config) return {};
  const text = `${JSON.stringify(config.bundle)}\n`;
  const dir = join(tmpdir(), 'tripline-config', createHash('sha256').update(text).digest('hex').slice(0, 32));
  mkdirSync(dir, { recursive: true });
  const file = join(dir, BUNDLED_CONFIG_FILE);
  writeFileSync(file, text);
  return {
    commandHooks: {
      beforeBundling: () => [],
      beforeInstall: () => [],
      afterBundling: (_inputDir: string, outputDir: string) => [
        `cp "${file}" "${join(outputDir, BUNDLED_CONFIG_FILE)}"`,
      ],
    },
  };
}

/** Props of {@link AllowListReport}. */
export interface AllowListReportProps {
  /** The operations topic the report is published to. */
  readonly opsTopic: sns.ITopic;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * Once a week, a small function reads the bundled config and, when allow-list entries have expired
 * or expire within 14 days, publishes one message to the operations topic saying which and what to do.
 */
export class AllowListReport extends Construct {
  /** The report function. */
  readonly handler: HandlerFunction;

  constructor(scope: Construct, id: string, props: AllowListReportProps) {
    super(scope, id);
    this.handler = new HandlerFunction(this, 'Handler', {
      entry: ALLOW_REPORT_ENTRY,
      description:
        'Tripline: weekly report of expired and expiring allow-list entries to the operations topic',
      environment: {
        [ALLOW_REPORT_ENV.OPS_TOPIC_ARN]: props.opsTopic.topicArn,
        [ALLOW_REPORT_ENV.STACK_NAME]: Stack.of(this).stackName,
      },
      timeout: Duration.seconds(30),
      memorySize: 256,
      ...(props.logRetention !== undefined ? { logRetention: props.logRetention } : {}),
    });
    const fn = this.handler.lambdaFunction;
    // Exactly what publishing needs (Topic.grantPublish would add kms:GenerateDataKey*, a wildcard).
    iam.Grant.addToPrincipal({
      grantee: fn,
      actions: ['sns:Publish'],
      resourceArns: [props.opsTopic.topicArn],
    });
    props.opsTopic.masterKey?.grant(fn, 'kms:Decrypt', 'kms:GenerateDataKey');
    new events.Rule(this, 'Weekly', {
      description: 'Tripline: weekly allow-list report',
      schedule: events.Schedule.rate(Duration.days(7)),
      targets: [new targets.LambdaFunction(fn, { retryAttempts: 2 })],
    });
  }
}

/**
 * Adds the weekly report to `stack` when its user config has allow entries (hook in TriplineStack),
 * with an alarm on its errors.
 */
export function addAllowListReport(
  stack: Stack,
  ops: OperationalAlarms,
  logRetention?: logs.RetentionDays,
): AllowListReport | undefined {
  const config = userConfigOf(stack);
  if (!config || config.allowEntries === 0) return undefined;
  const report = new AllowListReport(stack, 'AllowListReport', {
    opsTopic: ops.topic,
    ...(logRetention !== undefined ? { logRetention } : {}),
  });
  ops.alarmOnErrors('AllowListReportErrors', report.handler.lambdaFunction, 'the weekly allow-list report');
  return report;
}
