import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { Size } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV } from '#shared/config/env';
import type { LambdaEnvironmentSettings } from '#shared/config/lambda-config';
import { LOCK_FILE, PROJECT_ROOT, TSCONFIG } from '../paths';
import { userConfigBundling } from '../user-config';

/**
 * Deployment-wide settings every Tripline function receives as environment variables. The table,
 * topic, source and secret are filled in by the construct that owns the function.
 */
export type DeploymentSettings = Omit<
  LambdaEnvironmentSettings,
  'stateTableName' | 'findingsTopicArn' | 'source' | 'secretArn'
>;

/** Props of {@link HandlerFunction}. */
export interface HandlerFunctionProps {
  /** Absolute path of the TypeScript entry point exporting `handler`. */
  readonly entry: string;
  /** Shown in the Lambda console. */
  readonly description: string;
  /** Environment variables, normally from `toLambdaEnvironment`. */
  readonly environment: Readonly<Record<string, string>>;
  /**
   * How long the function's logs are kept.
   *
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /** @default Duration.seconds(60) */
  readonly timeout?: Duration;
  /** @default 512 */
  readonly memorySize?: number;
  /**
   * Size of /tmp.
   *
   * @default - Lambda's default, 512 MiB
   */
  readonly ephemeralStorageSize?: Size;
  /**
   * Concurrent executions reserved (and capped) for the function.
   *
   * @default - unreserved
   */
  readonly reservedConcurrentExecutions?: number;
  /**
   * Where failed asynchronous invocations go once retries are spent.
   *
   * @default - none (for functions that are not invoked asynchronously)
   */
  readonly deadLetterQueue?: sqs.IQueue;
  /**
   * Retries of a failed asynchronous invocation, 0 to 2.
   *
   * @default 2
   */
  readonly retryAttempts?: number;
  /**
   * How long Lambda keeps retrying an asynchronous event (including throttled ones).
   *
   * @default Duration.hours(6)
   */
  readonly maxEventAge?: Duration;
}

/**
 * A Tripline handler as a Lambda function: Node.js 24 on arm64, bundled locally by esbuild (minified,
 * with source maps, `@aws-sdk/*` left to the runtime, which ships it), its own log group with a
 * retention, and its own role that can write to that log group and nothing else until granted more.
 *
 * The role is explicit so no AWS managed policy is attached: `AWSLambdaBasicExecutionRole` would
 * allow writing to every log group in the account.
 */
export class HandlerFunction extends Construct {
  /** The function. */
  readonly lambdaFunction: nodejs.NodejsFunction;
  /** Its execution role; grant further permissions to this or to the function. */
  readonly role: iam.Role;
  /** Its log group. */
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: HandlerFunctionProps) {
    super(scope, id);

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      // Operational logs only (state lives in the table, findings go to SNS); the group goes with the stack.
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of: ${props.description}`,
    });
    this.logGroup.grantWrite(this.role);

    this.lambdaFunction = new nodejs.NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      description: props.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      timeout: props.timeout ?? Duration.seconds(60),
      memorySize: props.memorySize ?? 512,
      role: this.role,
      logGroup: this.logGroup,
      // Powertools Tracer is not a dependency; X-Ray without it adds cost and an IAM wildcard for little.
      tracing: lambda.Tracing.DISABLED,
      environment: { ...props.environment, [ENV.NODE_OPTIONS]: '--enable-source-maps' },
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: LOCK_FILE,
      bundling: {
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        format: nodejs.OutputFormat.CJS,
        tsconfig: TSCONFIG,
        // Node.js Lambda runtimes ship AWS SDK v3; everything else is bundled.
        externalModules: ['@aws-sdk/*'],
        forceDockerBundling: false,
        logLevel: nodejs.LogLevel.WARNING,
        // The user's rules and config (-c config=...), checked at synth: infra/user-config.ts.
        ...userConfigBundling(this),
      },
      ...(props.ephemeralStorageSize !== undefined
        ? { ephemeralStorageSize: props.ephemeralStorageSize }
        : {}),
      ...(props.reservedConcurrentExecutions !== undefined
        ? { reservedConcurrentExecutions: props.reservedConcurrentExecutions }
        : {}),
      ...(props.deadLetterQueue
        ? {
            deadLetterQueueEnabled: true,
            deadLetterQueue: props.deadLetterQueue,
            retryAttempts: props.retryAttempts ?? 2,
            maxEventAge: props.maxEventAge ?? Duration.hours(6),
          }
        : {}),
    });
  }
}
