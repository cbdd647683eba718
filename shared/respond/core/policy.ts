/**
 * The responder's decisions, pure: which app and users a finding names, whether the policy lets the
 * responder act on it, and which actions. I/O (Graph, the Directory API, the state table) happens
 * elsewhere, after this has said yes.
 *
 * @module
 */
import type { ResponderPolicy, ResponseActionKind } from '../../config/responder';
import type { Finding } from '../../engine/findings';
import { severityRank } from '../../engine/findings';
import { FIRST_PARTY } from '../../rules/known-apps';
import type { Platform, ResponseTarget } from './types';

/** Actions that apply to each platform, in the order they run. */
export const PLATFORM_ACTIONS: Readonly<Record<Platform, readonly ResponseActionKind[]>> = {
  // Disabling first stops new tokens at once; then the grants and roles go, then the sessions.
  entra: ['entra-disable-app', 'entra-grants', 'entra-app-roles', 'entra-sessions'],
  google: ['google-tokens'],
};

/**
 * Microsoft's own tenants: a service principal whose `appOwnerOrganizationId` is one of these is a
 * Microsoft first-party app, whether or not its app id is in the static list.
 */
export const MICROSOFT_OWNER_TENANTS: ReadonlySet<string> = new Set([
  'f8cdef31-a31e-4b4a-93e4-5f571e91255a', // Microsoft Services
  '72f988bf-86f1-41af-91ab-2d7cd011db47', // Microsoft
]);

const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Google OAuth client ids: `<digits>-<hash>.apps.googleusercontent.com`, or the bare numeric id. */
const GOOGLE_CLIENT_RE = /^(\d{6,}(-[a-z0-9]+)?\.apps\.googleusercontent\.com|\d{6,})$/;

/** The finding names something the responder cannot act on; `reason` says what. */
export interface NoTarget {
  readonly reason: string;
}

/**
 * Reads the app and the consenting users a finding names: the app id from the dedup key
 * (`<tenant>|<app id>`, how the OAuth rules key their findings) or the principal's `name (app id)`,
 * the platform from the evidence's sources, and the users from the actors of the consent steps
 * (sequence step rules `oauth-app-consent` / `oauth-scope-grant`, or every actor of a match rule).
 */
export function targetOf(finding: Finding): ResponseTarget | NoTarget {
  const sources = new Set(finding.evidence.map((e) => e.source));
  const platform: Platform | undefined = sources.has('google.workspace')
    ? 'google'
    : sources.has('entra.audit') || sources.has('m365.audit') || sources.has('entra.signin')
      ? 'entra'
      : undefined;
  if (!platform)
    return {
      reason: `its evidence comes from ${[...sources].join(', ') || 'no source'}, not from Entra ID, Microsoft 365 or Google Workspace`,
    };

  // oauth-risky-consent is one finding per consenting user and consent operation: for Entra its key
  // ends with the consent's correlation id, which looks like an app id and is not one.
  if (platform === 'entra' && finding.ruleId === 'oauth-risky-consent')
    return {
      reason:
        'an Entra oauth-risky-consent finding names the consent operation, not the application id; the responder acts on the oauth-chain finding of the same app',
    };
  // Keys are `<tenant>|...|<app or client id>`: every part but the tenant and account names is a candidate.
  const keyParts = finding.dedupKey
    .split('|')
    .slice(finding.dedupKey.includes('|') ? 1 : 0)
    .filter((part) => !part.includes('@'));
  const principalMatch = /^(.*) \(([^()\s]+)\)$/.exec(finding.principal);
  const candidates = [...keyParts.reverse(), principalMatch?.[2]]
    .filter((c): c is string => !!c)
    .map((c) => c.trim());
  const valid = (id: string): boolean =>
    platform === 'entra' ? GUID_RE.test(id.toLowerCase()) : GOOGLE_CLIENT_RE.test(id);
  const raw = candidates.find(valid);
  if (!raw)
    return {
      reason: `no ${platform === 'entra' ? 'Entra application id' : 'Google OAuth client id'} in its dedup key ${JSON.stringify(finding.dedupKey)} or principal ${JSON.stringify(finding.principal)}`,
    };
  const appId = platform === 'entra' ? raw.toLowerCase() : raw;

  const consentSteps = finding.evidence.filter(
    (e) => e.stepRule === 'oauth-app-consent' || e.stepRule === 'oauth-scope-grant',
  );
  const consenting =
    consentSteps.length > 0 ? consentSteps : finding.evidence.filter((e) => e.step === undefined);
  const users = [
    ...new Set(consenting.map((e) => e.actor.trim()).filter((a) => /^[^\s@]+@[^\s@]+$/.test(a))),
  ];

  const titled = /"([^"]+)"/.exec(finding.title)?.[1];
  const appName =
    principalMatch && principalMatch[2]?.toLowerCase() === appId.toLowerCase() ? principalMatch[1] : titled;
  return {
    findingId: finding.id,
    ruleId: finding.ruleId,
    severity: finding.severity,
    title: finding.title,
    tenant: finding.tenant,
    platform,
    appId,
    appName: appName?.trim() || undefined,
    users,
  };
}

/** Whether {@link targetOf} found a target. */
export function isTarget(t: ResponseTarget | NoTarget): t is ResponseTarget {
  return (t as ResponseTarget).appId !== undefined;
}

/** What the policy says about one finding. */
export type Decision =
  | {
      readonly kind: 'ignore';
      /** Why: mode off, another rule, below the floor. Nothing is recorded. */
      readonly reason: string;
    }
  | {
      readonly kind: 'protected';
      readonly target: ResponseTarget;
      readonly reason: string;
      readonly actions: readonly ResponseActionKind[];
    }
  | {
      readonly kind: 'unusable';
      /** The finding qualifies but names nothing the responder can act on. */
      readonly reason: string;
    }
  | {
      readonly kind: 'respond';
      readonly target: ResponseTarget;
      readonly mode: 'dry-run' | 'on';
      readonly actions: readonly ResponseActionKind[];
    };

/**
 * Decides what to do with a finding.
 *
 * @param selfAppIds app ids of Tripline's own app registrations (the responder's, the collectors'),
 *   protected like first-party apps: the responder never cuts off itself.
 */
export function decide(
  finding: Finding,
  policy: ResponderPolicy,
  selfAppIds: readonly string[] = [],
): Decision {
  if (policy.mode === 'off') return { kind: 'ignore', reason: 'the responder is off' };
  if (!policy.rules.includes(finding.ruleId))
    return { kind: 'ignore', reason: `rule ${finding.ruleId} is not one of ${policy.rules.join(', ')}` };
  if (severityRank(finding.severity) < severityRank(policy.minSeverity))
    return {
      kind: 'ignore',
      reason: `severity ${finding.severity} is below the floor ${policy.minSeverity}`,
    };
  const target = targetOf(finding);
  if (!isTarget(target))
    return { kind: 'unusable', reason: `the finding cannot be acted on: ${target.reason}` };
  const actions = PLATFORM_ACTIONS[target.platform].filter((a) => policy.actions.includes(a));
  if (actions.length === 0)
    return {
      kind: 'unusable',
      reason: `no ${target.platform === 'entra' ? 'Entra' : 'Google'} action is allowed by the policy (actions: ${policy.actions.join(', ')})`,
    };
  const protectedBy = protection(target.appId, policy, selfAppIds);
  if (protectedBy) return { kind: 'protected', target, reason: protectedBy, actions };
  return { kind: 'respond', target, mode: policy.mode, actions };
}

/** Why an app id is protected, or undefined. */
export function protection(
  appId: string,
  policy: Pick<ResponderPolicy, 'protectedApps'>,
  selfAppIds: readonly string[] = [],
): string | undefined {
  const id = appId.toLowerCase();
  if (FIRST_PARTY.has(id)) return `app ${appId} is a Microsoft first-party app`;
  if (selfAppIds.some((s) => s.toLowerCase() === id))
    return `app ${appId} is one of Tripline's own app registrations`;
  if (policy.protectedApps.some((p) => p.toLowerCase() === id))
    return `app ${appId} is on the protected (sanctioned) apps list`;
  return undefined;
}

/** Whether a service principal's owner tenant makes it a Microsoft first-party app. */
export function ownedByMicrosoft(appOwnerOrganizationId: string | null | undefined): boolean {
  return !!appOwnerOrganizationId && MICROSOFT_OWNER_TENANTS.has(appOwnerOrganizationId.toLowerCase());
}
