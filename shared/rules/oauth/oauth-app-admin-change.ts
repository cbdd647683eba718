import { defineRule } from '../../engine/rule';
import type { TriplineEvent } from '../../events/types';
import { thirdPartyAppIdOf } from './app-id';

const ADMIN_VERBS =
  /^(Add|Update|Delete|Remove|Set|New|Enable|Disable|Reset|Restore|Assign)\b|^(Add|Set|New|Remove|Enable|Disable|Update)-/;

function isAdminChangeByApp(e: TriplineEvent): boolean {
  if (e.outcome === 'failure' || !ADMIN_VERBS.test(e.action)) return false;
  const app = thirdPartyAppIdOf(e);
  if (!app) return false;
  // The app itself must be the one acting (app-only token or the app's client id on the record).
  return e.actor.type === 'app' || e.actor.appId?.toLowerCase() === app;
}

/** Signal for oauth-chain step 3 (alternative): the app makes an administrative change. */
export default defineRule({
  id: 'oauth-app-admin-change',
  title: (c) => `App ${c.event.actor.appId ?? c.event.app?.id ?? ''} made an admin change: ${c.event.action}`,
  description:
    'A third-party app, acting with its own token or as the client of a session, changed directory objects, roles, applications, policies or Exchange settings. Signal for oauth-chain.',
  kind: 'match',
  emit: false,
  severity: 'info',
  attack: ['T1098.003'],
  sources: ['entra.audit', 'm365.audit'],
  when: isAdminChangeByApp,
  runbook: ['See oauth-chain.'],
  falsePositives: ['Provisioning and identity-governance apps change the directory by design.'],
});
