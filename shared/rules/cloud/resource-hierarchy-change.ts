import { defineRule } from '../../engine/rule';
import type { Severity } from '../../engine/findings';

/** Organizations calls that take an account out of the organization's controls (SCPs, central logging). */
const LEAVING = new Set(['LeaveOrganization', 'RemoveAccountFromOrganization', 'DeleteOrganization']);
const CHANGING = new Set([
  'CreateAccount',
  'CreateGovCloudAccount',
  'MoveAccount',
  'InviteAccountToOrganization',
  'AcceptHandshake',
  'CloseAccount',
]);

export default defineRule({
  id: 'resource-hierarchy-change',
  title: (c) =>
    `${c.event.actor.name ?? c.event.actor.id} ran ${c.event.action}${c.event.outcome === 'failure' ? ' (refused)' : ''}`,
  description:
    "An account left or was removed from the AWS organization, the organization was deleted, or accounts were created, moved, invited or closed (Organizations LeaveOrganization, RemoveAccountFromOrganization, DeleteOrganization, CreateAccount, MoveAccount, InviteAccountToOrganization, AcceptHandshake, CloseAccount). Leaving escapes the organization's guardrails and central logging; even a refused attempt says someone tried.",
  kind: 'match',
  severity: 'medium',
  escalate: (c): Severity | undefined => (LEAVING.has(c.event.action) ? 'high' : undefined),
  attack: ['T1666'],
  sources: ['aws.cloudtrail'],
  actions: [...LEAVING, ...CHANGING],
  when: (e) => LEAVING.has(e.action) || e.outcome !== 'failure',
  runbook: [
    'Confirm the change with the cloud platform team; an account leaving the organization loses its SCPs and organization trail: check the account is still logging.',
    'If unexpected, treat the actor as compromised (revoke sessions, deactivate keys) and re-invite or move the account back.',
  ],
  falsePositives: ['Account vending and decommissioning by the platform team.'],
});
