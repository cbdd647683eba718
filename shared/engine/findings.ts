/**
 * The finding contract (docs/findings.md). Stable: add optional fields, never rename or remove.
 */
import type { SourceId } from '../events/types';

export type Severity = 'info' | 'low' | 'medium' | 'high' | 'critical';

export const SEVERITIES: readonly Severity[] = ['info', 'low', 'medium', 'high', 'critical'];

export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

export interface EvidenceItem {
  /** The event's source-unique id. */
  id: string;
  /** ISO-8601 time of the event. */
  time: string;
  source: SourceId;
  action: string;
  /** Who did it: name or id. */
  actor: string;
  ip?: string | undefined;
  target?: string | undefined;
  /** For sequences: which step this event satisfied (1-based), and that step's rule id. */
  step?: number | undefined;
  stepRule?: string | undefined;
}

export interface Finding {
  schemaVersion: 1;
  /** Unique per finding: stable for the same rule, dedup key and window start. */
  id: string;
  ruleId: string;
  title: string;
  severity: Severity;
  /** MITRE ATT&CK technique ids. */
  attack: string[];
  tenant: string;
  /** Who or what the finding is about: a user, an IP, an app, an AWS principal. */
  principal: string;
  /** ISO-8601 times of the first and the last evidence event. */
  firstSeen: string;
  lastSeen: string;
  /** How many matches this finding stands for (suppressed repeats raise it). */
  count: number;
  /** Evidence events in time order, capped; `evidenceNote` says when some were left out. */
  evidence: EvidenceItem[];
  evidenceNote?: string | undefined;
  /** The numbers that made it fire, in words a person can check. */
  why: string;
  /** What to do first, in order. */
  runbook: string[];
  /** One finding per dedup key per suppression window. */
  dedupKey: string;
  description?: string | undefined;
  falsePositives?: string[] | undefined;
}
