import { defineRule } from '../../engine/rule';
import type { TriplineEvent } from '../../events/types';

export const DEVICE_ACTIONS = [
  'Register device',
  'Add device',
  'Add registered owner to device',
  'Add registered users to device',
];

const s = (v: unknown) => (typeof v === 'string' ? v : '');

/**
 * The account a device was registered for: the user among the targets (the owner or registered
 * user an admin added), else the UPN Entra puts in additionalDetails, else the signed-in user who
 * registered it.
 */
export function deviceOwner(e: TriplineEvent): string | undefined {
  for (const t of [e.target, ...(e.targets ?? [])])
    if (t && (t.type === 'User' || (t.name ?? '').includes('@')))
      return (t.name ?? t.id ?? '').toLowerCase() || undefined;
  const upn = s(e.params.AccountUPN) || s(e.params.UserPrincipalName) || s(e.params['User Principal Name']);
  if (upn) return upn.toLowerCase();
  return e.actor.type === 'user' && e.actor.id ? e.actor.id.toLowerCase() : undefined;
}

export function deviceName(e: TriplineEvent): string | undefined {
  const dev = [e.target, ...(e.targets ?? [])].find((t) => t?.type === 'Device');
  return dev?.name ?? dev?.id ?? (s(e.params['Device Id']) || s(e.params.DeviceId) || undefined);
}

/** Signal for device-registration-after-risk: a device registered or joined to an account. */
export default defineRule({
  id: 'device-registered',
  title: (c) => `Device ${deviceName(c.event) ?? ''} registered for ${deviceOwner(c.event)}`,
  description:
    'A device was registered, added, or given a registered owner or user in Entra ID. Signal for device-registration-after-risk.',
  kind: 'match',
  emit: false,
  severity: 'info',
  attack: ['T1098.005'],
  sources: ['entra.audit', 'm365.audit'],
  actions: DEVICE_ACTIONS,
  when: (e) => e.outcome !== 'failure' && deviceOwner(e) !== undefined,
  runbook: ['See device-registration-after-risk.'],
  falsePositives: ['Every new laptop and phone; on its own this is only a signal.'],
});
