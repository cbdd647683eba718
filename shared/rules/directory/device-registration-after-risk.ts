import { defineRule } from '../../engine/rule';
import type { TriplineEvent } from '../../events/types';
import { accountOf } from '../identity/auth-failures';
import { deviceOwner } from './device-registered';

const ownerOrAccount = (e: TriplineEvent) => (e.source === 'entra.signin' ? accountOf(e) : deviceOwner(e));

export default defineRule({
  id: 'device-registration-after-risk',
  title: (c) => `${c.group} registered a device right after a risky sign-in`,
  description:
    'A device was registered to an account within an hour after a medium or high risk sign-in of that account: the classic way to turn a stolen session into a long-lived, MFA-satisfying device identity (primary refresh token).',
  kind: 'sequence',
  severity: 'high',
  attack: ['T1098.005'],
  sources: ['entra.signin', 'entra.audit', 'm365.audit'],
  by: ownerOrAccount,
  principal: ownerOrAccount,
  steps: [
    { rules: ['risky-sign-in'], label: 'risky sign-in' },
    { rules: ['device-registered'], label: 'device registered' },
  ],
  window: '1h',
  runbook: [
    'Delete the device (Entra > Devices), revoke the user sessions and reset the password.',
    'Look at the risky sign-in in the evidence: address, client, what else the session did.',
  ],
  falsePositives: ['A user setting up a new phone while travelling (travel raises sign-in risk).'],
});
