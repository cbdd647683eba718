/**
 * What the responder needs of Microsoft Graph and of Google's Directory API: small interfaces the
 * orchestration (./responder.ts) calls, implemented over HTTPS by ./entra.ts and ./google.ts and by
 * nothing else. "Already gone" answers are results, not errors; an {@link ActionError} says whether a
 * retry may help.
 *
 * @module
 */
import type { AppRoleSnapshot, GrantSnapshot, TokenSnapshot } from './core/types';

/** A call the vendor refused or that could not be made. */
export class ActionError extends Error {
  override readonly name = 'ActionError';
  constructor(
    message: string,
    /** HTTP status, 0 for a network failure or a token that could not be had. */
    readonly status: number,
    /** Whether a later retry may succeed (429, 5xx, network) or not (other 4xx: permissions, bad input). */
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** An Entra service principal (enterprise app), the fields the responder reads. */
export interface ServicePrincipal {
  readonly id: string;
  readonly appId: string;
  readonly displayName: string | undefined;
  readonly accountEnabled: boolean;
  readonly appOwnerOrganizationId: string | null | undefined;
}

/** A delegated grant or app role assignment to create again (undo). */
export type NewGrant = Omit<GrantSnapshot, 'id'>;
export type NewAppRoleAssignment = Omit<AppRoleSnapshot, 'id' | 'resourceDisplayName'>;

/** Microsoft Graph, as the responder uses it, for one tenant. */
export interface EntraDirectory {
  /** The service principal of `appId` in this tenant, or undefined when there is none. */
  findServicePrincipal(appId: string): Promise<ServicePrincipal | undefined>;
  /** Every delegated permission grant whose client is the service principal (all pages). */
  listGrants(servicePrincipalId: string): Promise<GrantSnapshot[]>;
  /** Deletes a grant; `gone` when it no longer exists. */
  deleteGrant(grantId: string): Promise<'deleted' | 'gone'>;
  /** Creates a grant; `exists` (with the existing id) when an equal one is already there. */
  createGrant(grant: NewGrant): Promise<{ id: string; existed: boolean }>;
  /** Every app role assignment the service principal holds (application permissions, all pages). */
  listAppRoleAssignments(servicePrincipalId: string): Promise<AppRoleSnapshot[]>;
  /** Deletes an assignment through its resource (`appRoleAssignedTo`); `gone` when it no longer exists. */
  deleteAppRoleAssignment(assignment: AppRoleSnapshot): Promise<'deleted' | 'gone'>;
  /** Creates an assignment through its resource; `existed` when the same one is already there. */
  createAppRoleAssignment(assignment: NewAppRoleAssignment): Promise<{ id: string; existed: boolean }>;
  /** Sets `accountEnabled`; `gone` when the service principal no longer exists. */
  setAccountEnabled(servicePrincipalId: string, enabled: boolean): Promise<'set' | 'gone'>;
  /** Revokes a user's sign-in sessions; `gone` when the user no longer exists. */
  revokeSignInSessions(user: string): Promise<'revoked' | 'gone'>;
}

/** Google's Directory API, as the responder uses it, for one customer. */
export interface GoogleDirectory {
  /** The user's tokens for `clientId` (tokens.list, filtered), or `gone` when the user does not exist. */
  listTokens(userKey: string, clientId: string): Promise<TokenSnapshot[] | 'gone'>;
  /** Deletes every token of the user for the client; `gone` when there was none (or no such user). */
  deleteTokens(userKey: string, clientId: string): Promise<'deleted' | 'gone'>;
}
