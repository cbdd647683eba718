import { defineRule } from '../../engine/rule';
import type { TriplineEvent } from '../../events/types';

/**
 * Downloads, per source: SharePoint and OneDrive downloads and full syncs, Drive downloads, git
 * clones and repository archives. FileAccessed (a view or preview) is left out: it is most of
 * SharePoint's volume, a view takes nothing away, and counting every view per user would cost a
 * state write per view.
 */
export const FILE_READS = [
  'FileDownloaded',
  'FileSyncDownloadedFull',
  'download',
  'git.clone',
  'repo.download_zip',
];

function isFileRead(e: TriplineEvent): boolean {
  if (e.outcome === 'failure') return false;
  if (e.source === 'google.workspace') return e.service === 'drive';
  return true;
}

/** Who read: the app for app-only access, else the user. */
const reader = (e: TriplineEvent) =>
  (e.actor.type === 'app' ? (e.actor.appId ?? e.actor.id) : (e.actor.id ?? e.actor.name))?.toLowerCase();

export default defineRule({
  id: 'mass-file-access',
  title: (c) => `${c.group} downloaded ${c.observed} files within an hour`,
  description:
    "A user or app downloaded at least 200 files within an hour: SharePoint and OneDrive FileDownloaded and FileSyncDownloadedFull, Google Drive downloads, GitHub git clones and repository archive downloads. Gaps: the catalogue also counts FileAccessed (views), left out because it is most of SharePoint's volume and a view takes nothing away; and it asks for >= 10x the principal's own baseline, which needs per-principal baselines the engine does not have yet, so the absolute threshold (tunable) stands alone.",
  kind: 'threshold',
  severity: 'medium',
  escalate: (c) => ((c.observed ?? 0) >= 1000 ? 'high' : undefined),
  attack: ['T1213.002', 'T1213.003', 'T1530'],
  sources: ['m365.audit', 'google.workspace', 'github.audit'],
  actions: FILE_READS,
  when: isFileRead,
  groupBy: reader,
  count: 200,
  window: '1h',
  unit: 'file downloads',
  runbook: [
    'Identify the principal and the client (user agent, app id) in the evidence; is this a sync client resyncing or a person collecting data?',
    'If unexpected: revoke the sessions (or the app grant), and list the files taken for the data owners.',
  ],
  falsePositives: [
    'OneDrive sync of a new device, e-discovery or backup jobs, a developer cloning many repositories.',
  ],
});
