/** CloudTrail helpers shared by the AWS rules: who really acted, and what a call name means. */
import type { TriplineEvent } from '../../events/types';
import { isIPv4 } from '../../events/ip';

type Identity = {
  type?: unknown;
  arn?: unknown;
  userName?: unknown;
  invokedBy?: unknown;
  accountId?: unknown;
  sessionContext?: { sessionIssuer?: { arn?: unknown; userName?: unknown } };
};

export function identity(e: TriplineEvent): Identity {
  const raw = e.raw as { userIdentity?: Identity } | null;
  return raw?.userIdentity ?? {};
}

const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * The principal behind a call, stable across sessions: the IAM user or root ARN, or for an assumed
 * role the role's ARN (session names change per session: CI run ids, instance ids).
 */
export function principalArn(e: TriplineEvent): string | undefined {
  const id = identity(e);
  if (id.type === 'AssumedRole') return str(id.sessionContext?.sessionIssuer?.arn) ?? e.actor.id;
  return e.actor.id;
}

/** A call an AWS service made for the principal (invokedBy), or one from a service's address. */
export function byAwsService(e: TriplineEvent): boolean {
  const id = identity(e);
  if (id.type === 'AWSService' || str(id.invokedBy) !== undefined) return true;
  const roleName = str(id.sessionContext?.sessionIssuer?.userName) ?? '';
  return roleName.startsWith('AWSServiceRole');
}

/** CloudTrail's Lambda names carry the API version: UpdateFunctionCode20150331v2 -> UpdateFunctionCode. */
export function baseName(action: string): string {
  return action.replace(/\d{8}(?:v\d+)?$/, '');
}

/** Lambda API names as CloudTrail writes them (with the API-version suffixes) and without. */
export function lambdaNames(...bases: string[]): string[] {
  const out: string[] = [];
  for (const b of bases) out.push(b, `${b}20150331`, `${b}20150331v2`, `${b}20181031`, `${b}20211031`);
  return out;
}

const PRIVATE_V4 =
  /^(?:10\.|127\.|169\.254\.|192\.168\.|172\.(?:1[6-9]|2\d|3[01])\.|100\.(?:6[4-9]|[7-9]\d|1[01]\d|12[0-7])\.)/;

/** A routable public address (not RFC 1918, loopback, link-local, CGNAT or IPv6 ULA/link-local). */
export function isPublicIp(ip: string | undefined): boolean {
  if (ip === undefined) return false;
  if (isIPv4(ip)) return !PRIVATE_V4.test(ip);
  const l = ip.toLowerCase();
  return !(l.startsWith('fc') || l.startsWith('fd') || l.startsWith('fe80') || l === '::1');
}

/** The AWS account that owns the event's principal. */
export function accountOf(e: TriplineEvent): string | undefined {
  return str(identity(e).accountId) ?? e.tenant;
}
