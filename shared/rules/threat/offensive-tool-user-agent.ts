import { defineRule } from '../../engine/rule';
import type { TriplineEvent } from '../../events/types';

/**
 * User agents of offensive and reconnaissance tooling, as they announce themselves: Entra and M365
 * (AzureHound, ROADtools, AADInternals, GraphRunner, TeamFiltration, the spray tools), cloud
 * (Pacu, TruffleHog, CloudFox, ScoutSuite, Stratus Red Team), and Kali's default Python builds.
 */
export const TOOL_RE =
  /azurehound|roadrecon|roadtools|aadinternals|graphrunner|teamfiltration|msolspray|o365spray|trevorspray|mfasweep|\bruler\/|pacu|trufflehog|cloudfox|scoutsuite|stratus-red-team|os\/linux#[^ ]*kali|kali-amd64/i;

/** User agents repeat (a few SDKs and browsers make most calls): each distinct one is matched once. */
const seen = new Map<string, string | null>();
const SEEN_MAX = 4096;

export function toolOf(e: TriplineEvent): string | undefined {
  const ua = e.actor.userAgent;
  if (!ua) return undefined;
  let tool = seen.get(ua);
  if (tool === undefined) {
    const m = TOOL_RE.exec(ua);
    tool = m ? m[0].toLowerCase() : null;
    if (seen.size >= SEEN_MAX) seen.clear();
    seen.set(ua, tool);
  }
  return tool ?? undefined;
}

export default defineRule({
  id: 'offensive-tool-user-agent',
  title: (c) =>
    `${c.event.actor.name ?? c.event.actor.id ?? c.event.actor.ip} used ${toolOf(c.event)} (${c.event.action})`,
  description:
    'A request came from an offensive or reconnaissance tool that names itself in its user agent (AzureHound, ROADtools, AADInternals, GraphRunner, TeamFiltration, MSOLSpray and kin, Pacu, TruffleHog, CloudFox, ScoutSuite, Stratus Red Team, Kali Linux builds of the AWS SDK). Attackers can change the user agent; many do not. Not a catalogue row of its own; it covers discovery the catalogue leaves to cloud-discovery-burst (T1526, T1087.004), such as the det-eng-samples AzureHound run.',
  kind: 'match',
  severity: 'high',
  attack: ['T1526', 'T1087.004'],
  sources: [
    'entra.signin',
    'entra.audit',
    'm365.audit',
    'aws.cloudtrail',
    'google.workspace',
    'github.audit',
    'slack.audit',
    'k8s.audit',
  ],
  when: (e) => toolOf(e) !== undefined,
  dedup: { key: (e) => `${e.actor.id ?? e.actor.ip}|${toolOf(e)}`, window: '24h' },
  runbook: [
    'If this is your red team or a sanctioned assessment, record it; otherwise treat the account or key as compromised: revoke sessions, deactivate keys.',
    'Follow the account: what did it read or change after the tool ran?',
  ],
  falsePositives: ['Sanctioned penetration tests and security assessments.'],
});
