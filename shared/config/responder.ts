/**
 * The responder's settings: the policy that decides what it may do (mode, triggering rules, severity
 * floor, protected apps, which actions, the per-tenant circuit breaker, how long records are kept),
 * validated with zod so every problem is reported at once with its path, and the environment of the
 * responder Lambda function, which the CDK construct writes and the handler reads from the same names.
 *
 * ```json
 * {
 *   "mode": "dry-run",
 *   "rules": ["oauth-chain", "oauth-risky-consent"],
 *   "minSeverity": "critical",
 *   "protectedApps": ["4f1e7a2c-…", "123456789-abc.apps.googleusercontent.com"],
 *   "actions": ["entra-disable-app", "entra-grants", "entra-app-roles", "entra-sessions", "google-tokens"],
 *   "maxActionsPerHour": 20,
 *   "retentionDays": 365
 * }
 * ```
 *
 * @module
 */
import { z } from 'zod';
import { SEVERITIES } from '../engine/findings';
import type { Severity } from '../engine/findings';

/** What the responder does with a finding that qualifies: nothing, say what it would do, or do it. */
export const RESPONSE_MODES = ['off', 'dry-run', 'on'] as const;
/** One of {@link RESPONSE_MODES}. */
export type ResponseMode = (typeof RESPONSE_MODES)[number];

/**
 * Everything the responder can do, one id per action:
 *
 * | id | what | Graph / Directory API permission |
 * | --- | --- | --- |
 * | `entra-disable-app` | sets the app's service principal `accountEnabled` to false | Application.ReadWrite.All |
 * | `entra-grants` | deletes the app's delegated permission grants (`oauth2PermissionGrant`) | DelegatedPermissionGrant.ReadWrite.All |
 * | `entra-app-roles` | deletes the application permissions the app holds (app role assignments) | AppRoleAssignment.ReadWrite.All |
 * | `entra-sessions` | revokes the sign-in sessions of every user who consented | User.RevokeSessions.All |
 * | `google-tokens` | deletes the app's OAuth tokens of every user who authorized it | admin.directory.user.security |
 */
export const RESPONSE_ACTIONS = [
  'entra-disable-app',
  'entra-grants',
  'entra-app-roles',
  'entra-sessions',
  'google-tokens',
] as const;
/** One of {@link RESPONSE_ACTIONS}. */
export type ResponseActionKind = (typeof RESPONSE_ACTIONS)[number];

/** The rules that may trigger a response unless the policy says otherwise. */
export const DEFAULT_RESPONSE_RULES = ['oauth-chain', 'oauth-risky-consent'] as const;

/** The responder's validated policy. */
export interface ResponderPolicy {
  /** @default 'off' */
  readonly mode: ResponseMode;
  /** Rule ids whose findings may trigger a response. @default oauth-chain, oauth-risky-consent */
  readonly rules: readonly string[];
  /** Findings below this severity are left alone. @default 'critical' */
  readonly minSeverity: Severity;
  /**
   * App ids (Entra application ids, Google OAuth client ids) never touched, whatever a finding says:
   * the apps your organisation sanctioned. Microsoft's first-party apps and the responder's own app
   * are protected without being listed.
   */
  readonly protectedApps: readonly string[];
  /** Which actions may run. @default all of {@link RESPONSE_ACTIONS} */
  readonly actions: readonly ResponseActionKind[];
  /**
   * Per tenant, at most this many actions in any hour; the next one trips the breaker and the
   * tenant stays in dry-run until a person resets it. @default 20
   */
  readonly maxActionsPerHour: number;
  /** How long action records (with their snapshots, for undo) are kept, in days, at least 90. @default 365 */
  readonly retentionDays: number;
}

/** Defaults of {@link ResponderPolicy}. */
export const RESPONDER_DEFAULTS: ResponderPolicy = {
  mode: 'off',
  rules: [...DEFAULT_RESPONSE_RULES],
  minSeverity: 'critical',
  protectedApps: [],
  actions: [...RESPONSE_ACTIONS],
  maxActionsPerHour: 20,
  retentionDays: 365,
};

/** Shortest record retention: Microsoft's audit log keeps removals for 7 to 30 days only. */
export const MIN_RESPONSE_RETENTION_DAYS = 90;

/** A policy that cannot be used; `problems` are one line each, `path: message`. */
export class ResponderConfigError extends Error {
  override readonly name = 'ResponderConfigError';
  constructor(
    /** Where the policy came from: a file name, `RESPONDER_POLICY`, the `responder` context key. */
    readonly where: string,
    readonly problems: readonly string[],
  ) {
    super(
      `${where}: ${problems.length} problem${problems.length === 1 ? '' : 's'} in the responder settings:\n${problems.map((p) => `  ${p}`).join('\n')}`,
    );
  }
}

const APP_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{2,199}$/;

const schema = z.strictObject({
  mode: z.enum(RESPONSE_MODES, { error: `must be one of ${RESPONSE_MODES.join(', ')}` }).optional(),
  rules: z
    .array(z.string().regex(/^[a-z0-9][a-z0-9.-]*$/, 'must be a rule id such as oauth-chain'))
    .min(1, 'must name at least one rule (use mode "off" to turn the responder off)')
    .optional(),
  minSeverity: z.enum(SEVERITIES, { error: `must be one of ${SEVERITIES.join(', ')}` }).optional(),
  protectedApps: z
    .array(
      z
        .string()
        .regex(APP_ID_RE, 'must be an app id (Entra application id or Google OAuth client id), no spaces'),
    )
    .optional(),
  actions: z
    .array(z.enum(RESPONSE_ACTIONS, { error: `may hold ${RESPONSE_ACTIONS.join(', ')}` }))
    .min(1, 'must name at least one action (use mode "off" to turn the responder off)')
    .optional(),
  maxActionsPerHour: z
    .number()
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(10_000, 'must be at most 10000')
    .optional(),
  retentionDays: z
    .number()
    .int('must be a whole number')
    .min(
      MIN_RESPONSE_RETENTION_DAYS,
      `must be at least ${MIN_RESPONSE_RETENTION_DAYS} (undo needs the snapshot)`,
    )
    .max(3650, 'must be at most 3650')
    .optional(),
});

function pathOf(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || '(top level)';
}

/**
 * Validates a policy object, applying defaults.
 *
 * @param raw the parsed JSON (or CDK context object)
 * @param where what to call it in errors
 * @throws {@link ResponderConfigError} listing every problem.
 *
 * @example
 * ```ts
 * parseResponderPolicy({ mode: 'dry-run', minSeverity: 'high' }, 'respond.json').rules;
 * // ['oauth-chain', 'oauth-risky-consent']
 * ```
 */
export function parseResponderPolicy(raw: unknown, where: string): ResponderPolicy {
  const parsed = schema.safeParse(raw ?? {});
  if (!parsed.success) {
    throw new ResponderConfigError(
      where,
      parsed.error.issues.map((i) =>
        i.code === 'unrecognized_keys'
          ? `${pathOf(i.path)}: unknown setting${i.keys.length === 1 ? '' : 's'} ${i.keys.join(', ')} (known: ${Object.keys(schema.shape).join(', ')})`
          : `${pathOf(i.path)}: ${i.message}`,
      ),
    );
  }
  const v = parsed.data;
  return {
    mode: v.mode ?? RESPONDER_DEFAULTS.mode,
    rules: unique(v.rules ?? RESPONDER_DEFAULTS.rules),
    minSeverity: v.minSeverity ?? RESPONDER_DEFAULTS.minSeverity,
    protectedApps: unique((v.protectedApps ?? []).map((a) => a.toLowerCase())),
    actions: unique(v.actions ?? RESPONDER_DEFAULTS.actions),
    maxActionsPerHour: v.maxActionsPerHour ?? RESPONDER_DEFAULTS.maxActionsPerHour,
    retentionDays: v.retentionDays ?? RESPONDER_DEFAULTS.retentionDays,
  };
}

/** Parses a JSON text policy (a file, an environment variable). */
export function parseResponderPolicyText(text: string, where: string): ResponderPolicy {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ResponderConfigError(where, [`is not JSON: ${(e as Error).message}`]);
  }
  return parseResponderPolicy(raw, where);
}

/** The severities at or above `floor`, lowest first: the SQS filter policy's `severity` values. */
export function severitiesFrom(floor: Severity): Severity[] {
  return SEVERITIES.slice(SEVERITIES.indexOf(floor));
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}

// ---------------------------------------------------------------------------------------------------
// The responder Lambda's environment
// ---------------------------------------------------------------------------------------------------

/** Environment variables of the responder function. */
export const RESPONDER_ENV = {
  /** The state table: action records, snapshots, the circuit breaker. */
  STATE_TABLE_NAME: 'STATE_TABLE_NAME',
  /** Where action messages go: the findings topic. */
  FINDINGS_TOPIC_ARN: 'FINDINGS_TOPIC_ARN',
  /** The policy as JSON ({@link ResponderPolicy}; mode included). */
  RESPONDER_POLICY: 'RESPONDER_POLICY',
  /** Secret with the responder's own Entra app registration (not the collectors'). */
  ENTRA_SECRET_ARN: 'ENTRA_SECRET_ARN',
  /** Secret with the responder's own Google service account (not the collector's). */
  GOOGLE_SECRET_ARN: 'GOOGLE_SECRET_ARN',
} as const;

/** What the responder function knows about its deployment, validated. */
export interface ResponderLambdaConfig {
  readonly stateTableName: string;
  readonly findingsTopicArn: string;
  readonly policy: ResponderPolicy;
  readonly entraSecretArn: string | undefined;
  readonly googleSecretArn: string | undefined;
}

const SNS_TOPIC_ARN_RE = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;
const SECRET_ARN_RE = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;
const TABLE_NAME_RE = /^[A-Za-z0-9_.-]{3,255}$/;

/**
 * Reads the responder function's configuration.
 *
 * @throws {@link ResponderConfigError} listing every missing or invalid variable, each with what to set.
 */
export function loadResponderConfig(
  env: Readonly<Record<string, string | undefined>> = process.env,
): ResponderLambdaConfig {
  const problems: string[] = [];
  const get = (name: string): string | undefined => {
    const v = env[name]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  const table = get(RESPONDER_ENV.STATE_TABLE_NAME);
  if (table === undefined || !TABLE_NAME_RE.test(table))
    problems.push(
      `${RESPONDER_ENV.STATE_TABLE_NAME} ${table === undefined ? 'is not set' : 'is not a DynamoDB table name'}: set it to the stack output StateTableName`,
    );
  const topic = get(RESPONDER_ENV.FINDINGS_TOPIC_ARN);
  if (topic === undefined || !SNS_TOPIC_ARN_RE.test(topic))
    problems.push(
      `${RESPONDER_ENV.FINDINGS_TOPIC_ARN} ${topic === undefined ? 'is not set' : 'is not an SNS topic ARN'}: set it to the stack output FindingsTopicArn`,
    );
  const secrets: Record<string, string | undefined> = {};
  for (const name of [RESPONDER_ENV.ENTRA_SECRET_ARN, RESPONDER_ENV.GOOGLE_SECRET_ARN]) {
    const v = get(name);
    if (v !== undefined && !SECRET_ARN_RE.test(v))
      problems.push(`${name} is not a Secrets Manager secret ARN: leave it unset or set the secret's ARN`);
    secrets[name] = v;
  }
  let policy: ResponderPolicy | undefined;
  const text = get(RESPONDER_ENV.RESPONDER_POLICY);
  try {
    policy =
      text === undefined
        ? parseResponderPolicy({}, RESPONDER_ENV.RESPONDER_POLICY)
        : parseResponderPolicyText(text, RESPONDER_ENV.RESPONDER_POLICY);
  } catch (e) {
    if (!(e instanceof ResponderConfigError)) throw e;
    problems.push(...e.problems.map((p) => `${RESPONDER_ENV.RESPONDER_POLICY} ${p}`));
  }
  if (
    policy &&
    policy.mode !== 'off' &&
    !secrets[RESPONDER_ENV.ENTRA_SECRET_ARN] &&
    !secrets[RESPONDER_ENV.GOOGLE_SECRET_ARN]
  )
    problems.push(
      `neither ${RESPONDER_ENV.ENTRA_SECRET_ARN} nor ${RESPONDER_ENV.GOOGLE_SECRET_ARN} is set: the responder has no credentials to act with`,
    );
  if (problems.length > 0 || !policy)
    throw new ResponderConfigError('the responder function environment', problems);
  return {
    stateTableName: table as string,
    findingsTopicArn: topic as string,
    policy,
    entraSecretArn: secrets[RESPONDER_ENV.ENTRA_SECRET_ARN],
    googleSecretArn: secrets[RESPONDER_ENV.GOOGLE_SECRET_ARN],
  };
}
