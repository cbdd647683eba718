/**
 * The responder: findings topic -> SQS (filtered on `ruleId` and `severity`) -> this function, with
 * `reportBatchItemFailures`. Also invoked directly by a person for the deployed undo path:
 *
 * - SQS batch: each record is a finding (raw delivery, or an SNS envelope); `respond` decides and acts
 *   under the policy in `RESPONDER_POLICY`. Records whose response must be retried (Graph throttling
 *   past its retries, another run holding the finding, a message not yet sent) are handed back; the
 *   rest are done, including findings the policy ignores and records that are not findings (logged).
 * - `{"undo": "<action-id>"}`: puts back what the action removed (`undoAction`), returns what it did.
 * - `{"resetBreaker": "<tenant>"}`: closes a tenant's tripped circuit breaker.
 *
 * Its credentials are its own (ENTRA_SECRET_ARN, GOOGLE_SECRET_ARN), not the collectors'.
 */
import type { Context, SQSBatchItemFailure, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { Logger } from '@aws-lambda-powertools/logger';
import { loadResponderConfig } from '#shared/config/responder';
import type { ResponderLambdaConfig } from '#shared/config/responder';
import type { Finding } from '#shared/engine/findings';
import type { ClientDeps } from '#shared/respond/credentials';
import { entraAppIds, entraClientsFromSecret } from '#shared/respond/credentials';
import { googleClientsFromSecret, googleClientIds } from '#shared/respond/google';
import { SnsResponseNotifier } from '#shared/respond/notify';
import type { EntraDirectory, GoogleDirectory } from '#shared/respond/ports';
import { UndoError, resetBreaker, respond, undoAction } from '#shared/respond/responder';
import type { ResponderDeps, ResponseOutcome, UndoOutcome } from '#shared/respond/responder';
import { SecretsManagerJson } from '#shared/sources/secret';
import type { SecretJsonReader } from '#shared/sources/secret';
import { DynamoStateStore } from '#shared/state/dynamodb';

/** Overrides for tests; everything defaults to what the Lambda runtime provides. */
export interface ResponderHandlerOptions {
  env?: Readonly<Record<string, string | undefined>>;
  dynamoClient?: DynamoDBClient;
  snsClient?: SNSClient;
  secrets?: SecretJsonReader;
  logger?: Logger;
  /** HTTP and clock overrides for Graph and Google (tests, a proxy). */
  clients?: ClientDeps;
  now?: () => number;
}

/** What a direct invocation returns. */
export type DirectResult =
  | { undo: string; status: UndoOutcome['status']; results: UndoOutcome['results'] }
  | { resetBreaker: string; wasTripped: boolean }
  | { error: string };

export type ResponderEvent = SQSEvent | { undo: string } | { resetBreaker: string };

export type ResponderHandler = (
  event: ResponderEvent,
  context?: Context,
) => Promise<SQSBatchResponse | DirectResult>;

/** Time kept back from the invocation's budget for recording what happened. */
const SAFETY_MARGIN_MS = 15_000;

interface Runtime {
  config: ResponderLambdaConfig;
  store: DynamoStateStore;
  notifier: SnsResponseNotifier;
  secrets: SecretJsonReader;
  logger: Logger;
}

/** Builds the handler; dependencies are created on the first invocation. */
export function createHandler(options: ResponderHandlerOptions = {}): ResponderHandler {
  let rt: Runtime | undefined;
  return async (event, context) => {
    const logger = options.logger ?? rt?.logger ?? new Logger({ serviceName: 'tripline-responder' });
    try {
      rt ??= build(options, logger);
    } catch (e) {
      logger.error('Tripline responder cannot start: invalid configuration', e as Error);
      throw e;
    }
    if (context) rt.logger.addContext(context);
    const deadline = context ? Date.now() + context.getRemainingTimeInMillis() - SAFETY_MARGIN_MS : undefined;
    try {
      if ('Records' in event) return await handleBatch(rt, event, options, deadline);
      return await handleDirect(rt, event, options, deadline);
    } finally {
      rt.logger.resetKeys();
    }
  };
}

function build(options: ResponderHandlerOptions, logger: Logger): Runtime {
  const config = loadResponderConfig(options.env ?? process.env);
  const region = config.findingsTopicArn.split(':')[3];
  return {
    config,
    store: new DynamoStateStore({
      tableName: config.stateTableName,
      client: options.dynamoClient ?? new DynamoDBClient({}),
    }),
    notifier: new SnsResponseNotifier(
      options.snsClient ?? new SNSClient(region ? { region } : {}),
      config.findingsTopicArn,
    ),
    secrets: options.secrets ?? new SecretsManagerJson(),
    logger,
  };
}

/** The responder's dependencies for one invocation (secrets are cached by the reader). */
async function depsFor(
  rt: Runtime,
  options: ResponderHandlerOptions,
  deadline: number | undefined,
): Promise<ResponderDeps> {
  const clientDeps: ClientDeps = { ...options.clients, deadline: () => deadline };
  const selfAppIds: string[] = [];
  let entra: ((tenant: string) => Promise<EntraDirectory | undefined>) | undefined;
  let google: ((tenant: string) => Promise<GoogleDirectory | undefined>) | undefined;
  const { entraSecretArn, googleSecretArn } = rt.config;
  if (entraSecretArn) {
    const secret = await rt.secrets.read(entraSecretArn);
    if (isTemplate(secret))
      rt.logger.warn('The responder Entra secret is not filled in: Entra findings cannot be acted on', {
        secret: entraSecretArn,
      });
    else {
      selfAppIds.push(...entraAppIds(secret));
      entra = entraClientsFromSecret(secret, `secret ${entraSecretArn}`, clientDeps);
    }
  }
  if (googleSecretArn) {
    const secret = await rt.secrets.read(googleSecretArn);
    if (isTemplate(secret))
      rt.logger.warn('The responder Google secret is not filled in: Google findings cannot be acted on', {
        secret: googleSecretArn,
      });
    else {
      selfAppIds.push(...googleClientIds(secret));
      google = googleClientsFromSecret(secret, `secret ${googleSecretArn}`, clientDeps);
    }
  }
  const functionName = process.env['AWS_LAMBDA_FUNCTION_NAME'];
  return {
    store: rt.store,
    policy: rt.config.policy,
    entra,
    google,
    notifier: rt.notifier,
    now: options.now ?? Date.now,
    selfAppIds,
    undoHint: {
      cli: `tripline undo {actionId} --table ${rt.config.stateTableName}`,
      ...(functionName ? { functionName } : {}),
    },
  };
}

/** The finding in an SQS record: raw delivery, or an SNS notification envelope. */
export function findingOf(record: Pick<SQSRecord, 'body'>): Finding | { skip: string } {
  let body: unknown;
  try {
    body = JSON.parse(record.body);
  } catch {
    return { skip: 'the message body is not JSON' };
  }
  if (isObject(body) && body['Type'] === 'Notification' && typeof body['Message'] === 'string') {
    try {
      body = JSON.parse(body['Message']);
    } catch {
      return { skip: 'the SNS message is not JSON' };
    }
  }
  if (!isObject(body)) return { skip: 'the message is not a JSON object' };
  if (body['type'] === 'response') return { skip: 'an action message, not a finding' };
  const problems: string[] = [];
  for (const k of ['id', 'ruleId', 'severity', 'tenant', 'principal', 'dedupKey', 'title'])
    if (typeof body[k] !== 'string') problems.push(k);
  if (!Array.isArray(body['evidence'])) problems.push('evidence');
  if (problems.length > 0) return { skip: `not a finding (missing or wrong: ${problems.join(', ')})` };
  return body as unknown as Finding;
}

/** The secret as the stack creates it: every value an empty string (not filled in yet). */
function isTemplate(secret: Record<string, unknown>): boolean {
  return Object.values(secret).every((v) => v === '');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

async function handleBatch(
  rt: Runtime,
  event: SQSEvent,
  options: ResponderHandlerOptions,
  deadline: number | undefined,
): Promise<SQSBatchResponse> {
  const failures: SQSBatchItemFailure[] = [];
  let deps: ResponderDeps;
  try {
    deps = await depsFor(rt, options, deadline);
  } catch (e) {
    // Unreadable or invalid credentials: every record waits for the fix (then the DLQ and its alarm).
    rt.logger.error('Responder credentials unusable; every record will be retried', {
      error: (e as Error).message,
    });
    return { batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })) };
  }
  for (const record of event.Records) {
    const finding = findingOf(record);
    if ('skip' in finding) {
      rt.logger.warn('Record skipped: not a finding the responder can read', {
        messageId: record.messageId,
        reason: finding.skip,
      });
      continue;
    }
    let out: ResponseOutcome;
    try {
      out = await respond(finding, deps);
    } catch (e) {
      rt.logger.error('Response failed; the record will be retried', {
        messageId: record.messageId,
        findingId: finding.id,
        error: (e as Error).message,
      });
      failures.push({ itemIdentifier: record.messageId });
      continue;
    }
    log(rt.logger, out);
    if (out.retryable) failures.push({ itemIdentifier: record.messageId });
  }
  return { batchItemFailures: failures };
}

function log(logger: Logger, out: ResponseOutcome): void {
  const fields = {
    findingId: out.findingId,
    result: out.result,
    reason: out.reason,
    retryable: out.retryable,
    messageId: out.messageId,
    notifyError: out.notifyError,
    actions: out.records.map((r) => ({
      actionId: r.actionId,
      status: r.status,
      error: r.error,
      results: r.results.length,
    })),
  };
  if (out.result === 'ignored' || out.result === 'already-handled')
    logger.info('Finding not acted on', fields);
  else if (out.retryable || out.records.some((r) => r.status === 'failed' || r.status === 'partial'))
    logger.error('Response incomplete', fields);
  else logger.info('Response recorded', fields);
}

async function handleDirect(
  rt: Runtime,
  event: { undo: string } | { resetBreaker: string },
  options: ResponderHandlerOptions,
  deadline: number | undefined,
): Promise<DirectResult> {
  try {
    if ('undo' in event && typeof event.undo === 'string') {
      const deps = await depsFor(rt, options, deadline);
      const out = await undoAction(event.undo, deps, 'lambda');
      rt.logger.info('Undo done', { actionId: out.actionId, status: out.status, results: out.results });
      return { undo: out.actionId, status: out.status, results: out.results };
    }
    if ('resetBreaker' in event && typeof event.resetBreaker === 'string') {
      const was = await resetBreaker(rt.store, event.resetBreaker, (options.now ?? Date.now)());
      rt.logger.info('Circuit breaker reset', { tenant: event.resetBreaker, wasTripped: was });
      return { resetBreaker: event.resetBreaker, wasTripped: was };
    }
  } catch (e) {
    if (e instanceof UndoError) return { error: e.message };
    throw e;
  }
  return {
    error:
      'unknown event: invoke with {"undo": "<action-id>"} or {"resetBreaker": "<tenant>"}, or subscribe the function to the responder queue',
  };
}

/** The Lambda entry point (`index.handler`). */
export const handler: ResponderHandler = createHandler();
