/**
 * Reads {@link TriplineStackProps} from CDK context, so a deployment is configured on the command
 * line (`npx cdk deploy -c alertEmail=oncall@example.com`) or in cdk.json.
 *
 * Command-line values are strings: lists are comma-separated, booleans `true`/`false`. cdk.json may
 * use JSON arrays, numbers and booleans instead.
 *
 * @module
 */
import type { Node } from 'constructs';
import { POLLING_SOURCES, type DeployableSource, type PollingSource } from '#shared/config/sources';
import type { LogLevel } from '#shared/config/lambda-config';
import type { ResponseMode } from '#shared/config/responder';
import { ProblemList, type PropsProblem } from './errors';
import type { TriplineStackProps } from './tripline-stack';

/** Context keys the app reads. Schedules use one key per source: `schedules.<source>`. */
export const CONTEXT_KEYS = {
  /** One address or a comma-separated list; merged with `alertEmails`. */
  alertEmail: 'alertEmail',
  alertEmails: 'alertEmails',
  opsEmails: 'opsEmails',
  enabledSources: 'enabledSources',
  stateRetentionDays: 'stateRetentionDays',
  logRetentionDays: 'logRetentionDays',
  /** The responder: off (default), dry-run or on. */
  autoRevoke: 'autoRevoke',
  /** The responder's policy except its mode: a JSON object (cdk.json) or JSON text (`-c`). */
  responder: 'responder',
  tenantId: 'tenantId',
  lateness: 'lateness',
  logLevel: 'logLevel',
  retainState: 'retainState',
  readOnlyEvents: 'readOnlyEvents',
  /** The Azure bridge (docs/deploy-azure.md): Entra tenant id, managed identity principal id, audience. */
  azureTenantId: 'azureTenantId',
  azureIdentity: 'azureIdentity',
  azureAudience: 'azureAudience',
  /** An organization or multi-account trail's bucket, read through S3 notifications -> SQS. */
  trailBucket: 'trailBucket',
  trailPrefix: 'trailPrefix',
  trailKmsKey: 'trailKmsKey',
  /** `false` when the trail bucket is in another account (configure its notification there). */
  trailNotifications: 'trailNotifications',
  /** Comma-separated regions for cloudtrail-lookup. */
  lookupRegions: 'lookupRegions',
  /** CloudFormation stack name. @default 'Tripline' */
  stackName: 'stackName',
  /** Pin the stack to an account; otherwise it is environment-agnostic. */
  account: 'account',
  /** Pin the stack to a region; otherwise it is environment-agnostic. */
  region: 'region',
  /** The user's config file (rules, overrides, allow lists); read by infra/user-config.ts. */
  config: 'config',
} as const;

/** Prefix of the per-source schedule keys: `schedules.graph`, `schedules.m365`, ... */
export const SCHEDULE_KEY_PREFIX = 'schedules.';

/** The stack name used when the context sets none. */
export const DEFAULT_STACK_NAME = 'Tripline';

/** What the app needs from context: the stack's props and its name, and what could not be read. */
export interface ContextSettings {
  readonly stackName: string;
  /** The readable settings; unreadable ones are left out (and listed in `problems`). */
  readonly props: TriplineStackProps;
  /** Values of the wrong type, such as `stateRetentionDays=ninety`. */
  readonly problems: readonly PropsProblem[];
}

/**
 * Reads the stack settings from `node`'s context. Unset keys are left out of `props`, so the stack's
 * own defaults apply; values of the wrong type are left out too and returned in `problems`, so the
 * caller can report them together with the stack's own checks.
 */
export function stackSettingsFromContext(node: Node): ContextSettings {
  const problems = new ProblemList();
  const get = (key: string): unknown => node.tryGetContext(key);

  const alertEmails = [
    ...(readList(get(CONTEXT_KEYS.alertEmail), CONTEXT_KEYS.alertEmail, problems) ?? []),
    ...(readList(get(CONTEXT_KEYS.alertEmails), CONTEXT_KEYS.alertEmails, problems) ?? []),
  ];
  const opsEmails = readList(get(CONTEXT_KEYS.opsEmails), CONTEXT_KEYS.opsEmails, problems);
  const enabledSources = readList(get(CONTEXT_KEYS.enabledSources), CONTEXT_KEYS.enabledSources, problems);
  const schedules: Partial<Record<PollingSource, string>> = {};
  for (const source of POLLING_SOURCES) {
    const key = `${SCHEDULE_KEY_PREFIX}${source}`;
    const value = readString(get(key), key, problems);
    if (value !== undefined) schedules[source] = value;
  }
  const stateRetentionDays = readNumber(
    get(CONTEXT_KEYS.stateRetentionDays),
    CONTEXT_KEYS.stateRetentionDays,
    problems,
  );
  const logRetentionDays = readNumber(
    get(CONTEXT_KEYS.logRetentionDays),
    CONTEXT_KEYS.logRetentionDays,
    problems,
  );
  const autoRevoke = readString(get(CONTEXT_KEYS.autoRevoke), CONTEXT_KEYS.autoRevoke, problems);
  const responder = readObject(get(CONTEXT_KEYS.responder), CONTEXT_KEYS.responder, problems);
  const retainState = readBoolean(get(CONTEXT_KEYS.retainState), CONTEXT_KEYS.retainState, problems);
  const readOnlyEvents = readBoolean(get(CONTEXT_KEYS.readOnlyEvents), CONTEXT_KEYS.readOnlyEvents, problems);
  const tenantId = readString(get(CONTEXT_KEYS.tenantId), CONTEXT_KEYS.tenantId, problems);
  const trailBucket = readString(get(CONTEXT_KEYS.trailBucket), CONTEXT_KEYS.trailBucket, problems);
  const trailPrefix = readString(get(CONTEXT_KEYS.trailPrefix), CONTEXT_KEYS.trailPrefix, problems);
  const trailKmsKey = readString(get(CONTEXT_KEYS.trailKmsKey), CONTEXT_KEYS.trailKmsKey, problems);
  const trailNotifications = readBoolean(
    get(CONTEXT_KEYS.trailNotifications),
    CONTEXT_KEYS.trailNotifications,
    problems,
  );
  const lookupRegions = readList(get(CONTEXT_KEYS.lookupRegions), CONTEXT_KEYS.lookupRegions, problems);
  const lateness = readString(get(CONTEXT_KEYS.lateness), CONTEXT_KEYS.lateness, problems);
  const logLevel = readString(get(CONTEXT_KEYS.logLevel), CONTEXT_KEYS.logLevel, problems)?.toUpperCase();
  const azureTenantId = readString(get(CONTEXT_KEYS.azureTenantId), CONTEXT_KEYS.azureTenantId, problems);
  const azureIdentity = readString(get(CONTEXT_KEYS.azureIdentity), CONTEXT_KEYS.azureIdentity, problems);
  const azureAudience = readString(get(CONTEXT_KEYS.azureAudience), CONTEXT_KEYS.azureAudience, problems);
  const stackName =
    readString(get(CONTEXT_KEYS.stackName), CONTEXT_KEYS.stackName, problems) ?? DEFAULT_STACK_NAME;
  const account = readString(get(CONTEXT_KEYS.account), CONTEXT_KEYS.account, problems);
  const region = readString(get(CONTEXT_KEYS.region), CONTEXT_KEYS.region, problems);
  // Values are checked for meaning by the stack; here they only need the right shape.
  const props: TriplineStackProps = {
    ...(alertEmails.length > 0 ? { alertEmails } : {}),
    ...(opsEmails !== undefined ? { opsEmails } : {}),
    ...(enabledSources !== undefined ? { enabledSources: enabledSources as DeployableSource[] } : {}),
    ...(Object.keys(schedules).length > 0 ? { schedules } : {}),
    ...(stateRetentionDays !== undefined ? { stateRetentionDays } : {}),
    ...(logRetentionDays !== undefined ? { logRetentionDays } : {}),
    ...(autoRevoke !== undefined ? { autoRevoke: autoRevoke as ResponseMode } : {}),
    ...(responder !== undefined ? { responder } : {}),
    ...(retainState !== undefined ? { retainState } : {}),
    ...(readOnlyEvents !== undefined ? { readOnlyEvents } : {}),
    ...(tenantId !== undefined ? { tenantId } : {}),
    ...(trailBucket !== undefined ? { trailBucket } : {}),
    ...(trailPrefix !== undefined ? { trailPrefix } : {}),
    ...(trailKmsKey !== undefined ? { trailKmsKey } : {}),
    ...(trailNotifications !== undefined ? { trailNotifications } : {}),
    ...(lookupRegions !== undefined ? { lookupRegions } : {}),
    ...(lateness !== undefined ? { lateness } : {}),
    ...(logLevel !== undefined ? { logLevel: logLevel as LogLevel } : {}),
    ...(azureTenantId !== undefined ? { azureTenantId } : {}),
    ...(azureIdentity !== undefined ? { azureIdentity } : {}),
    ...(azureAudience !== undefined ? { azureAudience } : {}),
    ...(account !== undefined || region !== undefined
      ? {
          env: { ...(account !== undefined ? { account } : {}), ...(region !== undefined ? { region } : {}) },
        }
      : {}),
  };
  return { stackName, props, problems: problems.problems };
}

/** An unset or blank value counts as not given. */
function isUnset(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

function readString(value: unknown, key: string, problems: ProblemList): string | undefined {
  if (isUnset(value)) return undefined;
  if (typeof value === 'string') return value.trim();
  problems.add(key, `must be a string, got ${JSON.stringify(value)}`);
  return undefined;
}

function readObject(value: unknown, key: string, problems: ProblemList): Record<string, unknown> | undefined {
  if (isUnset(value)) return undefined;
  let v = value;
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch {
      problems.add(key, `must be a JSON object, got ${JSON.stringify(value)}`);
      return undefined;
    }
  }
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
  problems.add(key, `must be a JSON object, got ${JSON.stringify(value)}`);
  return undefined;
}

function readList(value: unknown, key: string, problems: ProblemList): string[] | undefined {
  if (isUnset(value)) return undefined;
  if (typeof value === 'string') {
    return value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
  }
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) {
    return value.map((item) => item.trim()).filter((item) => item !== '');
  }
  problems.add(key, `must be a comma-separated string or a list of strings, got ${JSON.stringify(value)}`);
  return undefined;
}

function readNumber(value: unknown, key: string, problems: ProblemList): number | undefined {
  if (isUnset(value)) return undefined;
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value)) return Number(value);
  problems.add(key, `must be a number, got ${JSON.stringify(value)}`);
  return undefined;
}

function readBoolean(value: unknown, key: string, problems: ProblemList): boolean | undefined {
  if (isUnset(value)) return undefined;
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  problems.add(key, `must be true or false, got ${JSON.stringify(value)}`);
  return undefined;
}

/**
 * Context keys that look like Tripline settings (plain words, or `schedules.<word>`) but are not one:
 * most likely typos such as `alertEmial`, which would otherwise be ignored without a word.
 */
export function unknownContextKeys(node: Node): string[] {
  const known = new Set<string>([
    ...Object.values(CONTEXT_KEYS),
    ...POLLING_SOURCES.map((source) => `${SCHEDULE_KEY_PREFIX}${source}`),
  ]);
  return Object.keys(node.getAllContext())
    .filter((key) => /^[A-Za-z]+$/.test(key) || key.startsWith(SCHEDULE_KEY_PREFIX))
    .filter((key) => !known.has(key))
    .sort();
}
