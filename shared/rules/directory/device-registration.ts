import { defineRule } from '../../engine/rule';
import { DEVICE_ACTIONS, deviceName, deviceOwner } from './device-registered';

export default defineRule({
  id: 'device-registration',
  title: (c) => `${c.observed} devices registered for ${c.group} within an hour`,
  description:
    "More than two devices were registered to one account within an hour (Entra: Register device, Add device, Add registered owner / users to device): an attacker with the user's password or token registering devices to get a primary refresh token and pass device-based conditional access. A single new device is not reported (every new laptop is one); device-registration-after-risk covers the one registered right after a risky sign-in.",
  kind: 'threshold',
  severity: 'medium',
  escalate: (c) => ((c.observed ?? 0) >= 5 ? 'high' : undefined),
  attack: ['T1098.005'],
  sources: ['entra.audit', 'm365.audit'],
  actions: DEVICE_ACTIONS,
  when: (e) =>
    e.outcome !== 'failure' && deviceOwner(e) !== undefined && e.action !== 'Add registered users to device',
  groupBy: deviceOwner,
  count: 3,
  window: '1h',
  unit: 'device registrations',
  why: (c) =>
    `${c.observed} device registrations for ${c.group} within an hour (threshold 3); latest: ${deviceName(c.event) ?? 'unnamed device'}`,
  runbook: [
    'Ask the user which devices are theirs; delete the others (Entra > Devices) and revoke the user sessions.',
    'Check the sign-ins just before the registrations: address, client, MFA.',
    'Require MFA (or a compliant device) for device registration.',
  ],
  falsePositives: [
    'An engineer re-imaging the same laptop several times; a help-desk technician enrolling devices for users.',
  ],
});
