/**
 * The normalized event: every source maps onto this one shape (names follow OCSF where it has one).
 * Rules read these fields first and may read `raw` by dotted path.
 */

/** Where an event came from. */
export type SourceId =
  | 'aws.cloudtrail'
  | 'entra.audit'
  | 'entra.signin'
  | 'm365.audit'
  | 'google.workspace'
  | 'github.audit'
  | 'slack.audit'
  | 'k8s.audit';

export const SOURCE_IDS: readonly SourceId[] = [
  'aws.cloudtrail',
  'entra.audit',
  'entra.signin',
  'm365.audit',
  'google.workspace',
  'github.audit',
  'slack.audit',
  'k8s.audit',
];

export type Outcome = 'success' | 'failure' | 'unknown';

export type ActorType = 'user' | 'app' | 'service' | 'system' | 'unknown';

export interface Actor {
  /** Stable identifier: UPN / e-mail lower-cased for people, ARN for AWS principals, app id for apps. */
  id?: string | undefined;
  /** Human-readable name: UPN, e-mail, display name. */
  name?: string | undefined;
  type?: ActorType | undefined;
  /** Source IP address without port or brackets. */
  ip?: string | undefined;
  userAgent?: string | undefined;
  /** The OAuth client / application id the actor acted through, when the source says. */
  appId?: string | undefined;
  sessionId?: string | undefined;
}

export interface Target {
  type?: string | undefined;
  id?: string | undefined;
  name?: string | undefined;
}

/** OAuth / marketplace application context. */
export interface AppContext {
  /** Application (client) id: Entra appId GUID, Google OAuth client_id. */
  id?: string | undefined;
  name?: string | undefined;
  /** Scopes / permissions granted or used, as the source spells them. */
  scopes?: string[] | undefined;
  /** 'AllPrincipals' for admin consent on behalf of everyone, 'Principal' for one user. */
  consentType?: string | undefined;
}

export interface Geo {
  country?: string | undefined;
  city?: string | undefined;
  lat?: number | undefined;
  lon?: number | undefined;
}

/** A scalar or list value extracted from a source's parameter list. */
export type ParamValue = string | number | boolean | string[] | null;

export interface TriplineEvent {
  /** Source-unique id (CloudTrail eventID, Graph id, M365 Id, Workspace id.uniqueQualifier + index). */
  id: string;
  source: SourceId;
  /**
   * Event time, epoch milliseconds, from the record itself (never the time it was read). The
   * normalizers guarantee an integer strictly between 1970-01-01 and 2100-01-01 (fields.ts
   * `EARLIEST_RECORD_TIME`, `LATEST_RECORD_TIME`), so it always prints as an ISO-8601 string.
   */
  time: number;
  /**
   * Tenant: AWS account id, Entra tenant id, M365 OrganizationId, Google customerId, GitHub
   * enterprise or organization, Slack enterprise or workspace id, Kubernetes cluster.
   */
  tenant: string;
  /** The operation as the source spells it: 'StopLogging', 'Consent to application', 'New-InboxRule', 'authorize'. */
  action: string;
  /** Service / workload / application name: CloudTrail eventSource, M365 Workload, Workspace applicationName. */
  service?: string | undefined;
  /** Source category when it has one (Entra audit category, Workspace event type). */
  category?: string | undefined;
  outcome: Outcome;
  /** Source error / failure code when it has one (Entra errorCode 50126, CloudTrail errorCode). */
  errorCode?: string | undefined;
  actor: Actor;
  target?: Target | undefined;
  /** Further targets beyond the first, when the record lists several. */
  targets?: Target[] | undefined;
  app?: AppContext | undefined;
  geo?: Geo | undefined;
  /**
   * Named parameters flattened from the source: CloudTrail requestParameters (top level),
   * M365 Parameters / ModifiedProperties (NewValue), Entra modifiedProperties (newValue) and
   * additionalDetails, Workspace parameters typed (value, boolValue, intValue, multiValue).
   */
  params: Record<string, ParamValue>;
  /** The original record, untouched. */
  raw: unknown;
}

/** Where a record was read from, for quarantine messages. */
export interface RecordOrigin {
  file?: string | undefined;
  /** 1-based line (JSON lines, CSV row) or record index within a document. */
  line?: number | undefined;
}

/** Context given to normalizers: what the caller knows that the record may not say. */
export interface NormalizeContext {
  /** Tenant to use when the record carries none (Graph exports carry no tenant id). */
  tenant?: string | undefined;
}

/** A record that could not be normalized, kept with the reason so nothing is silently dropped. */
export interface Quarantined {
  origin: RecordOrigin;
  reason: string;
  /** The first characters of the record, for a person to look at. */
  excerpt?: string | undefined;
}

export type NormalizeResult = { ok: true; events: TriplineEvent[] } | { ok: false; reason: string };
