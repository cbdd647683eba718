import { defineRule } from '../../engine/rule';
import type { TriplineEvent } from '../../events/types';
import { accountOf, baseName, identity } from './aws';

const s = (v: unknown) => (typeof v === 'string' ? v : v == null ? '' : JSON.stringify(v));

/** The user name the caller acts as (IAM user name, or the session name of a role). */
function callerName(e: TriplineEvent): string {
  const id = identity(e);
  if (typeof id.userName === 'string') return id.userName;
  const arn = typeof id.arn === 'string' ? id.arn : '';
  return arn.slice(arn.lastIndexOf('/') + 1);
}

/** A call made from the AWS console by a signed-in person. */
function fromConsole(e: TriplineEvent): boolean {
  const raw = e.raw as { sessionCredentialFromConsole?: unknown } | null;
  return raw?.sessionCredentialFromConsole === 'true' || raw?.sessionCredentialFromConsole === true;
}

/** Principals a trust policy lets in: "*" or accounts other than this one. */
function openTrust(doc: unknown, own: string | undefined): string | undefined {
  const text = s(doc);
  if (text === '') return undefined;
  let d: unknown;
  try {
    d = JSON.parse(text.includes('%7B') ? decodeURIComponent(text) : text);
  } catch {
    return /"Principal"\s*:\s*"\*"|"AWS"\s*:\s*"\*"/.test(text) ? 'anyone (*)' : undefined;
  }
  const st = (d as { Statement?: unknown })?.Statement;
  for (const x of Array.isArray(st) ? st : st ? [st] : []) {
    const o = x as { Effect?: string; Principal?: unknown };
    if (o.Effect !== 'Allow') continue;
    const pr = o.Principal;
    if (pr === '*') return 'anyone (*)';
    const aws = (pr as { AWS?: unknown })?.AWS;
    for (const a of Array.isArray(aws) ? aws : aws ? [aws] : []) {
      if (a === '*') return 'anyone (*)';
      const acct = /(\d{12})/.exec(String(a))?.[1];
      if (acct && acct !== own) return `account ${acct}`;
    }
  }
  return undefined;
}

/** What the call plants, or undefined. */
export function backdoor(e: TriplineEvent): string | undefined {
  if (e.outcome === 'failure') return undefined;
  const p = e.params;
  const target = s(p.userName);
  switch (baseName(e.action)) {
    case 'CreateAccessKey':
      // A key made in the console by a signed-in administrator is a rotation (the example story's
      // response creates one for the CI user); backdoor tooling (Pacu's iam__backdoor_users_keys)
      // uses the API.
      if (fromConsole(e)) return undefined;
      return target !== '' && target !== callerName(e)
        ? `access key created for another user (${target})`
        : undefined;
    case 'CreateLoginProfile':
    case 'UpdateLoginProfile':
      return target !== '' &&
        target !== callerName(e) &&
        p.passwordResetRequired !== true &&
        s(p.passwordResetRequired) !== 'true'
        ? `console password set for another user (${target}) without a reset on first sign-in`
        : undefined;
    case 'UpdateAssumeRolePolicy':
    case 'CreateRole': {
      const who = openTrust(p.policyDocument ?? p.assumeRolePolicyDocument, accountOf(e));
      return who ? `role ${s(p.roleName)} can now be assumed by ${who}` : undefined;
    }
    default:
      return undefined;
  }
}

export default defineRule({
  id: 'iam-backdoor',
  title: (c) => `${c.event.actor.name ?? c.event.actor.id}: ${backdoor(c.event)}`,
  description:
    'IAM persistence planted: an access key created through the API for another user (a key an administrator makes in the console is taken for a rotation), a console password set for another user without forcing a reset, or a role trust policy opened to everyone or to a foreign account (CreateAccessKey, CreateLoginProfile / UpdateLoginProfile, UpdateAssumeRolePolicy / CreateRole). Not a catalogue row of its own; the IAM backdoor users and roles the catalogue issue names (T1098.001, T1098.003).',
  kind: 'match',
  severity: 'high',
  attack: ['T1098.001', 'T1098.003'],
  sources: ['aws.cloudtrail'],
  actions: [
    'CreateAccessKey',
    'CreateLoginProfile',
    'UpdateLoginProfile',
    'UpdateAssumeRolePolicy',
    'CreateRole',
  ],
  when: (e) => backdoor(e) !== undefined,
  dedup: { key: (e) => `${e.actor.id}|${backdoor(e)}`, window: '24h' },
  why: (c) =>
    `${c.event.action} by ${c.event.actor.name ?? c.event.actor.id}${c.event.actor.ip ? ` from ${c.event.actor.ip}` : ''}: ${backdoor(c.event)}`,
  runbook: [
    'Undo it: delete the access key (`aws iam delete-access-key`), delete or reset the login profile, restore the trust policy.',
    'Treat the actor as compromised: deactivate its keys or revoke its role sessions and review its other IAM calls.',
  ],
  falsePositives: ['Administrators creating keys or passwords for new service users through a ticket.'],
});
