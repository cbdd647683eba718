/**
 * What the responder plans, records and undoes. Pure data: the records are what the state table
 * holds (one per finding and action, for at least 90 days), so a later `tripline undo` or an
 * incident responder can see exactly what was removed and put it back.
 *
 * @module
 */
import type { ResponseActionKind } from '../../config/responder';
import type { Severity } from '../../engine/findings';

/** Where an app lives. */
export type Platform = 'entra' | 'google';

/** What a finding asks the responder to cut off. */
export interface ResponseTarget {
  readonly findingId: string;
  readonly ruleId: string;
  readonly severity: Severity;
  readonly title: string;
  /** The finding's tenant: Entra tenant id or Google customer id. */
  readonly tenant: string;
  readonly platform: Platform;
  /** Entra application (client) id, lower-case, or Google OAuth client id. */
  readonly appId: string;
  /** The app's display name as the logs gave it, when known. */
  readonly appName: string | undefined;
  /** The users who consented or authorized, from the finding's evidence (consent steps' actors). */
  readonly users: readonly string[];
}

/** One delegated permission grant (`oAuth2PermissionGrant`), as Graph returns it. */
export interface GrantSnapshot {
  readonly id: string;
  readonly clientId: string;
  readonly consentType: string;
  readonly principalId: string | null;
  readonly resourceId: string;
  readonly scope: string;
}

/** One app role assignment the app holds (an application permission). */
export interface AppRoleSnapshot {
  readonly id: string;
  readonly principalId: string;
  readonly resourceId: string;
  readonly appRoleId: string;
  readonly resourceDisplayName?: string | undefined;
}

/** One Google OAuth token of a user for the app. */
export interface TokenSnapshot {
  readonly userKey: string;
  readonly clientId: string;
  readonly displayText?: string | undefined;
  readonly scopes: readonly string[];
}

/** What an action will remove, read before anything changes. */
export type ActionSnapshot =
  | {
      readonly kind: 'entra-disable-app';
      readonly servicePrincipalId: string;
      readonly displayName: string | undefined;
      readonly accountEnabled: boolean;
    }
  | {
      readonly kind: 'entra-grants';
      readonly servicePrincipalId: string;
      readonly grants: readonly GrantSnapshot[];
    }
  | {
      readonly kind: 'entra-app-roles';
      readonly servicePrincipalId: string;
      readonly assignments: readonly AppRoleSnapshot[];
    }
  | { readonly kind: 'entra-sessions'; readonly users: readonly string[] }
  | {
      readonly kind: 'google-tokens';
      readonly users: readonly string[];
      readonly tokens: readonly TokenSnapshot[];
    };

/** What happened to one item (a grant, an assignment, a user's sessions or tokens, the app). */
export interface ItemResult {
  /** The item: a grant id, an assignment id, a user, `service principal <id>`. */
  readonly item: string;
  readonly outcome:
    'removed' | 'already-gone' | 'disabled' | 'already-disabled' | 'revoked' | 'failed' | 'not-attempted';
  readonly error?: string | undefined;
}

/**
 * Status of an action record:
 * - `dry-run`: planned and recorded, nothing changed;
 * - `in-progress`: snapshot taken, changes under way (a crashed run resumes it);
 * - `done`: every item removed or found already gone;
 * - `partial`: some items removed, some not (each result says which and why);
 * - `failed`: nothing removed;
 * - `skipped`: not run (protected app, nothing to act on); `reason` says why;
 * - `undone` / `undo-partial`: restored by `tripline undo`, wholly or in part.
 */
export type ActionStatus =
  'dry-run' | 'in-progress' | 'done' | 'partial' | 'failed' | 'skipped' | 'undone' | 'undo-partial';

/** What undo did to one item. */
export interface UndoItemResult {
  readonly item: string;
  readonly outcome:
    'recreated' | 'already-present' | 're-enabled' | 'already-enabled' | 'failed' | 'not-undoable';
  /** The id of the recreated object (grants and assignments get new ids). */
  readonly newId?: string | undefined;
  readonly error?: string | undefined;
}

/** The state item of one action for one finding, keyed `resp|act|<findingId>|<kind>`. */
export interface ActionRecord {
  readonly schemaVersion: 1;
  /** `<findingId>/<kind>`: what `tripline undo` takes. */
  readonly actionId: string;
  readonly findingId: string;
  readonly ruleId: string;
  readonly severity: Severity;
  readonly title: string;
  readonly tenant: string;
  readonly platform: Platform;
  readonly appId: string;
  readonly appName: string | undefined;
  readonly kind: ResponseActionKind;
  readonly mode: 'dry-run' | 'on';
  status: ActionStatus;
  /** Why it is a dry-run when the policy says on (the circuit breaker), or why it was skipped. */
  reason?: string | undefined;
  snapshot?: ActionSnapshot | undefined;
  results: ItemResult[];
  /** The error that stopped the action, when one did. */
  error?: string | undefined;
  /** Whether a retry may finish what the error stopped (429, 5xx, network). */
  retryable?: boolean | undefined;
  readonly createdAt: string;
  updatedAt: string;
  undo?: { at: string; by: string; results: UndoItemResult[] } | undefined;
  /** SNS message id of the action message, once sent. */
  messageId?: string | undefined;
}

/** The finding's response, keyed `resp|f|<findingId>`: how a finding id leads to its actions. */
export interface ResponseSummary {
  readonly schemaVersion: 1;
  readonly findingId: string;
  readonly tenant: string;
  readonly mode: 'dry-run' | 'on';
  readonly actionIds: readonly string[];
  readonly at: string;
  messageId?: string | undefined;
}

/** Statuses after which a real (on) action is not run again for the same finding. */
export const FINAL_STATUSES: ReadonlySet<ActionStatus> = new Set([
  'done',
  'partial',
  'skipped',
  'undone',
  'undo-partial',
]);

/** `<findingId>/<kind>`. */
export function actionIdOf(findingId: string, kind: ResponseActionKind): string {
  return `${findingId}/${kind}`;
}

/** Splits an action id; undefined when it is not one. */
export function parseActionId(actionId: string): { findingId: string; kind: ResponseActionKind } | undefined {
  const m =
    /^([A-Za-z0-9][A-Za-z0-9._-]*)\/(entra-disable-app|entra-grants|entra-app-roles|entra-sessions|google-tokens)$/.exec(
      actionId.trim(),
    );
  return m ? { findingId: m[1] as string, kind: m[2] as ResponseActionKind } : undefined;
}

/** State keys: all under `resp|`, so the responder's role can be limited to them (dynamodb:LeadingKeys). */
export const RESPONSE_KEY_PREFIX = 'resp|';

/** Key of an action record. */
export function actionKey(findingId: string, kind: ResponseActionKind): string {
  return `${RESPONSE_KEY_PREFIX}act|${findingId}|${kind}`;
}

/** Key of a finding's response summary. */
export function summaryKey(findingId: string): string {
  return `${RESPONSE_KEY_PREFIX}f|${findingId}`;
}

/** Key of a tenant's circuit breaker. */
export function breakerKey(tenant: string): string {
  return `${RESPONSE_KEY_PREFIX}cb|${tenant}`;
}
