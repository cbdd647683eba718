/** Which sign-in records are credential failures, across Entra, UAL, Workspace and the AWS console. */
import type { TriplineEvent } from '../../events/types';

/**
 * Entra error codes that mean "the credentials were tried and refused" (not interrupts such as
 * 50074 MFA required or 50140 keep-me-signed-in): 50126 invalid username or password, 50034 user
 * not found, 50053 locked or malicious IP, 50055 expired password, 50056 invalid or null password,
 * 50057 disabled account, 50064 credential validation failure, 50144 expired AD password,
 * 53003 blocked by conditional access.
 */
export const CREDENTIAL_FAILURE_CODES = new Set([
  '50126',
  '50034',
  '50053',
  '50055',
  '50056',
  '50057',
  '50064',
  '50144',
  '53003',
]);

const SIGNIN_SOURCES = new Set(['entra.signin', 'm365.audit']);

export function isCredentialFailure(e: TriplineEvent): boolean {
  if (SIGNIN_SOURCES.has(e.source)) {
    if (e.action !== 'UserLoginFailed') return false;
    return e.errorCode === undefined || CREDENTIAL_FAILURE_CODES.has(e.errorCode);
  }
  if (e.source === 'google.workspace') return e.action === 'login_failure';
  if (e.source === 'aws.cloudtrail') return e.action === 'ConsoleLogin' && e.outcome === 'failure';
  return false;
}

/** The account a failure was against, lower-cased. */
export function accountOf(e: TriplineEvent): string | undefined {
  const a = e.actor.name ?? e.actor.id;
  return a ? a.toLowerCase() : undefined;
}

export const FAILURE_ACTIONS = ['UserLoginFailed', 'login_failure', 'ConsoleLogin'];
export const FAILURE_SOURCES = ['entra.signin', 'm365.audit', 'google.workspace', 'aws.cloudtrail'] as const;
