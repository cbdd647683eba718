import { defineRule } from '../../engine/rule';
import { thirdPartyAppIdOf } from './app-id';

/** Mailbox, file and export operations that count as "reads" by an app. */
export const READ_ACTIONS = [
  'MailItemsAccessed',
  'FileAccessed',
  'FileDownloaded',
  'FileSyncDownloadedFull',
  'FileCopied',
  'SearchExportDownloaded',
  'SearchExported',
  'download',
];

/** Signal for oauth-chain step 3: an app reads or exports at volume. */
export default defineRule({
  id: 'oauth-app-mass-access',
  title: (c) => `App ${c.group} read or exported ${c.observed} items`,
  description:
    'A third-party app read mail, downloaded files or exported search results at least 100 times within 72 hours (counted per app across the tenant). Signal for oauth-chain.',
  kind: 'threshold',
  emit: false,
  severity: 'info',
  attack: ['T1114.002', 'T1530'],
  sources: ['m365.audit', 'google.workspace'],
  actions: READ_ACTIONS,
  when: (e) => e.outcome !== 'failure' && thirdPartyAppIdOf(e) !== undefined,
  groupBy: thirdPartyAppIdOf,
  count: 100,
  window: '72h',
  unit: 'reads and exports by the app',
  runbook: ['See oauth-chain.'],
  falsePositives: [
    'Backup and archiving apps read at volume by design; allow-list their app id for oauth-chain (config `"overrides": {"oauth-chain": {"allowApps": ["<app id>"]}}`).',
  ],
});
