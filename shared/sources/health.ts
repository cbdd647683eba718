/**
 * The `source-silent` finding (catalogue: "a source stops delivering, or its subscription or audit
 * setting disappears: every other rule goes blind"). It is raised by the poller, not by a rule: the
 * evidence is the absence of records, which no record can carry. The poller template measures the
 * silence per source and tenant (`PollRunResult.silence`); this module turns it into a finding of the
 * ordinary contract (docs/findings.md), published once per silence and again every 24 h while it
 * lasts (the finding id is stable per silence and day, so `publishOnce` sends it once).
 *
 * Pure: no I/O.
 */
import { createHash } from 'node:crypto';
import type { Finding } from '../engine/findings';
import type { SilenceReport } from './poller';

/** The finding's rule id. */
export const SOURCE_SILENT_RULE_ID = 'source-silent';

const DAY = 86_400_000;

/** Static text of the finding. */
export const SOURCE_SILENT = {
  description:
    'A polled audit source has delivered no event for longer than its usual lag plus a margin, or has never delivered: its polls fail (permission or consent removed, secret expired, subscription stopped, audit log switched off) or the feed is really empty. Every rule that reads this source is blind until it is fixed.',
  attack: ['T1562.008'],
  runbook: [
    "Read `why`: it names the source, the tenant, the last event time and the poller's last error.",
    "Check the poller's logs (`Poll failed`) and metrics (PollFailures, SourceLagSeconds) for this source.",
    'Check in the vendor console that the app still has its permissions and admin consent, that its secret or certificate has not expired, and (M365) that the unified audit log is on and the subscription enabled.',
    'If audit logging was switched off on purpose by someone, treat it as defence evasion: find who and when (cloud-logging-disabled may have fired).',
  ],
  falsePositives: [
    'A small or idle tenant with no activity of this kind for a day (directory audits in a quiet tenant): raise the silence threshold for that source.',
  ],
} as const;

/** What {@link sourceSilentFinding} needs besides the silence. */
export interface SourceSilentInput {
  /** The poll source (`graph-signins`, `m365-audit-exchange`). */
  source: string;
  tenant: string;
  silence: SilenceReport;
  /** Epoch ms. */
  now: number;
}

function hours(ms: number): string {
  const h = ms / 3_600_000;
  return h >= 10 ? `${Math.round(h)} h` : `${Math.round(h * 10) / 10} h`;
}

/**
 * The `source-silent` finding for a silence reported by the poller template.
 *
 * @example
 * ```ts
 * if (res.silence) await publishOnce([sourceSilentFinding({ source: 'graph-signins', tenant, silence: res.silence, now })], opts);
 * ```
 */
export function sourceSilentFinding(input: SourceSilentInput): Finding {
  const { source, tenant, silence, now } = input;
  const day = Math.floor(silence.silentForMs / DAY);
  const id = `${SOURCE_SILENT_RULE_ID}-${createHash('sha256')
    .update(`${source}\n${tenant}\n${silence.since}\n${day}`)
    .digest('hex')
    .slice(0, 16)}`;
  const since = new Date(silence.since).toISOString();
  const what = silence.everDelivered
    ? `no event newer than ${since}`
    : `no event at all since its first poll at ${since}`;
  const failing = silence.lastError
    ? ` Its polls fail: ${silence.lastError.message} (last at ${new Date(silence.lastError.at).toISOString()}).`
    : ' Its polls succeed but return nothing new.';
  return {
    schemaVersion: 1,
    id,
    ruleId: SOURCE_SILENT_RULE_ID,
    title: `${source} has been silent for ${hours(silence.silentForMs)} in tenant ${tenant}`,
    severity: silence.lastError ? 'high' : 'medium',
    attack: [...SOURCE_SILENT.attack],
    tenant,
    principal: source,
    firstSeen: since,
    lastSeen: new Date(now).toISOString(),
    count: 1,
    evidence: [],
    why: `${source} has delivered ${what}: silent for ${hours(silence.silentForMs)}, more than the ${hours(silence.thresholdMs)} tolerated (its usual lag plus the silence margin).${failing}`,
    runbook: [...SOURCE_SILENT.runbook],
    dedupKey: `${source}|${tenant}`,
    description: SOURCE_SILENT.description,
    falsePositives: [...SOURCE_SILENT.falsePositives],
  };
}
