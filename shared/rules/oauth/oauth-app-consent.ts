import { defineRule } from '../../engine/rule';
import { ENTRA_INSTALL_ACTIONS, WORKSPACE_AUTHORIZE } from './scopes';
import { thirdPartyAppIdOf } from './app-id';

/** Signal for oauth-chain step 1: a third-party app is connected (consent, install, authorize). */
export default defineRule({
  id: 'oauth-app-consent',
  title: (c) => `App ${c.event.app?.name ?? c.event.app?.id ?? ''} connected to the tenant`,
  description:
    'A third-party application was connected by OAuth consent, a new service principal (marketplace install) or a Google authorize. Signal for oauth-chain; publishes nothing alone.',
  kind: 'match',
  emit: false,
  severity: 'info',
  attack: ['T1528'],
  sources: ['entra.audit', 'm365.audit', 'google.workspace'],
  actions: [...ENTRA_INSTALL_ACTIONS, WORKSPACE_AUTHORIZE],
  when: (e) =>
    e.outcome !== 'failure' &&
    (e.source !== 'google.workspace' || e.service === 'token') &&
    thirdPartyAppIdOf(e) !== undefined,
  runbook: ['See oauth-chain.'],
  falsePositives: ['Every sanctioned app install; on its own this is only a signal.'],
});
