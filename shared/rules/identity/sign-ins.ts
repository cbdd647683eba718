/**
 * Which sign-ins prove a password, satisfy or refuse MFA, or come from a script: pure helpers for
 * the rules that follow a password attack to its outcome (credential-stuffing,
 * password-spray-success) and for mfa-fatigue. Read across Entra sign-ins (Graph, Azure Monitor,
 * Sentinel), the unified audit log, Google Workspace login events and the AWS console.
 */
import type { TriplineEvent } from '../../events/types';

/**
 * Entra codes that say the password was right but the sign-in stopped at a second step:
 * 50074 / 50076 MFA required, 50079 MFA registration required, 50072 proof-up required, 50158
 * external security challenge, 500121 MFA denied or not completed.
 */
export const PASSWORD_VERIFIED_CODES = new Set(['50074', '50076', '50079', '50072', '50158', '500121']);

/** Entra: "Authentication failed during strong authentication request" (the user declined or ignored the prompt). */
export const MFA_DENIED = '500121';

/** HTTP libraries and offensive tooling seen driving password attacks, never a person's browser. */
export const TOOL_UA_RE =
  /python-requests|python-urllib|aiohttp|httpx|go-http-client|\bcurl\/|\bwget\/|WindowsPowerShell|PowerShell\/|okhttp|axios\/|node-fetch|libwww-perl|\bJava\/|azurehound|roadtools|roadrecon|aadinternals|msolspray|o365spray|trevorspray|teamfiltration|graphrunner|ruler\//i;

/** User agents repeat: each distinct one is matched once. */
const toolUa = new Map<string, boolean>();

export function isToolUserAgent(ua: string | undefined): boolean {
  if (!ua) return false;
  let hit = toolUa.get(ua);
  if (hit === undefined) {
    hit = TOOL_UA_RE.test(ua);
    if (toolUa.size >= 4096) toolUa.clear();
    toolUa.set(ua, hit);
  }
  return hit;
}

/** Entra clientAppUsed values of legacy protocols, which cannot do modern MFA. */
const LEGACY_CLIENT_RE =
  /IMAP|POP|SMTP|ActiveSync|Exchange Web Services|Other clients|AutoDiscover|Offline Address Book|RPC over HTTP|Reporting Web Services/i;

const SIGNIN = new Set(['entra.signin', 'm365.audit']);

function str(v: unknown): string {
  return Array.isArray(v) ? v.join(' ') : typeof v === 'string' ? v : '';
}

/** A successful sign-in, or an Entra interrupt that proves the password was right. */
export function isPasswordVerified(e: TriplineEvent): boolean {
  if (SIGNIN.has(e.source)) {
    if (e.action === 'UserLoggedIn') return e.outcome !== 'failure';
    return (
      e.action === 'UserLoginFailed' && e.errorCode !== undefined && PASSWORD_VERIFIED_CODES.has(e.errorCode)
    );
  }
  if (e.source === 'google.workspace') return e.action === 'login_success';
  if (e.source === 'aws.cloudtrail') return e.action === 'ConsoleLogin' && e.outcome === 'success';
  return false;
}

/**
 * A sign-in driven by a script or a legacy protocol rather than a person at a browser: the
 * resource-owner password grant (what spray tools use), an HTTP library's user agent, a legacy
 * mail protocol, Entra's own medium or high risk, a console login without MFA, or a Workspace
 * login Google flags as suspicious.
 */
export function isScriptedOrRisky(e: TriplineEvent): boolean {
  const p = e.params;
  if (e.source === 'google.workspace') return p.is_suspicious === true || p.is_suspicious === 'true';
  if (e.source === 'aws.cloudtrail') return str(p['additional.MFAUsed']) === 'No';
  if (isToolUserAgent(e.actor.userAgent)) return true;
  const raw = e.raw as Record<string, unknown> | null;
  const protocol = str(raw?.authenticationProtocol);
  if (protocol.toLowerCase() === 'ropc') return true;
  if (LEGACY_CLIENT_RE.test(str(p.clientAppUsed))) return true;
  const risk = `${str(p.riskLevelDuringSignIn)} ${str(p.riskLevelAggregated)}`.toLowerCase();
  return /\b(?:medium|high)\b/.test(risk);
}

/** An MFA prompt the user refused or left unanswered. */
export function isMfaDenial(e: TriplineEvent): boolean {
  if (SIGNIN.has(e.source)) return e.action === 'UserLoginFailed' && e.errorCode === MFA_DENIED;
  if (e.source === 'google.workspace') {
    const method = str(e.params.login_challenge_method).toLowerCase();
    if (e.action === 'login_failure')
      return str(e.params.login_failure_type) === 'login_failure_invalid_second_factor';
    if (e.action === 'login_challenge' || e.action === 'login_verification') {
      return (
        /failed/i.test(str(e.params.login_challenge_status)) && method !== '' && !/^password$/.test(method)
      );
    }
    return false;
  }
  if (e.source === 'aws.cloudtrail') {
    return (
      e.action === 'ConsoleLogin' && e.outcome === 'failure' && str(e.params['additional.MFAUsed']) === 'Yes'
    );
  }
  return false;
}

/**
 * A sign-in where the user just approved an MFA prompt (not one satisfied by a token claim):
 * Entra status.additionalDetails "MFA completed in Azure AD" / "MFA successfully completed", or a
 * Workspace login passed with the Google prompt (`internal_two_factor`).
 */
export function isMfaApproved(e: TriplineEvent): boolean {
  if (e.outcome !== 'success') return false;
  if (e.source === 'entra.signin')
    return /MFA (?:successfully )?completed/i.test(str(e.params['status.additionalDetails']));
  if (e.source === 'google.workspace') {
    return e.action === 'login_success' && /internal_two_factor/.test(str(e.params.login_challenge_method));
  }
  return false;
}

export const SIGNIN_SOURCES = ['entra.signin', 'm365.audit', 'google.workspace', 'aws.cloudtrail'] as const;
