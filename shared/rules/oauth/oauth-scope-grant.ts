import { defineRule } from '../../engine/rule';
import type { RuleParams } from '../../engine/rule';
import { ENTRA_GRANT_ACTIONS, WORKSPACE_AUTHORIZE, scopeRisk } from './scopes';
import { thirdPartyAppIdOf } from './app-id';

/** Signal for oauth-chain step 2: a third-party app is granted at least one sensitive scope. */
export default defineRule({
  id: 'oauth-scope-grant',
  title: (c) =>
    `App ${c.event.app?.name ?? c.event.app?.id ?? ''} granted ${scopeRisk(c.event.app?.scopes, c.params['scopeWeights']).sensitive.join(', ')}`,
  description:
    'A delegated permission grant, app role assignment, consent or Google authorize gave a third-party app a scope from the sensitive list (mail, files, directory, roles). Signal for oauth-chain.',
  kind: 'match',
  emit: false,
  severity: 'info',
  attack: ['T1098.003', 'T1528'],
  sources: ['entra.audit', 'm365.audit', 'google.workspace'],
  actions: [...ENTRA_GRANT_ACTIONS, WORKSPACE_AUTHORIZE],
  when: (e, p) =>
    e.outcome !== 'failure' &&
    (e.source !== 'google.workspace' || e.service === 'token') &&
    thirdPartyAppIdOf(e) !== undefined &&
    scopeRisk(e.app?.scopes, p['scopeWeights']).max >= 1,
  params: { scopeWeights: {} } as RuleParams,
  runbook: ['See oauth-chain.'],
  falsePositives: ['Sanctioned apps that need mail or file access; on its own this is only a signal.'],
});
