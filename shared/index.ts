/**
 * The library entry of the `tripline` package (`import { replay } from 'tripline'`): the local
 * replay job, the Detector it runs, the rule definition helper, the normalizers and the finding
 * contract (docs/findings.md). Everything here is also what `tripline replay` uses.
 *
 * @example
 * import { replay } from 'tripline';
 * const summary = await replay(['exports/'], { state: ':memory:' });
 * for (const f of summary.findings) console.log(f.severity, f.ruleId, f.title);
 */

// Replay: exported files in, findings out.
export { replay, compareFindings, inferMicrosoftTenant } from './replay/replay';
export type {
  QuarantineEntry,
  ReplayFileResult,
  ReplayOptions,
  ReplayProgress,
  ReplaySummary,
} from './replay/replay';

// The engine.
export { Detector } from './engine/detector';
export type { BatchResult, BatchStats, DetectorOptions } from './engine/detector';
export { compileRules } from './engine/compile';
export type { CompileOptions, RuleOverride } from './engine/compile';
export { RuleValidationError, StateConflictError } from './engine/errors';
export type { RuleErrorReport, RuleIssue } from './engine/errors';
export { parseDuration } from './engine/duration';

// Rules.
export { defineRule } from './engine/rule';
export type {
  ChainLink,
  DistinctRule,
  Duration,
  FieldRef,
  FireContext,
  MatchRule,
  NewTermsRule,
  RuleCase,
  RuleCases,
  RuleDefinition,
  RuleKind,
  RuleParams,
  SequenceRule,
  SequenceStep,
  ThresholdRule,
} from './engine/rule';
export { ALL_RULES } from './rules/index';

// Findings.
export { SEVERITIES, severityRank } from './engine/findings';
export type { EvidenceItem, Finding, Severity } from './engine/findings';

// Normalizers: one per source, and `normalize`, which detects the source of a record.
export { detectSource, normalize, UNKNOWN_TENANT } from './events/normalize';
export type { NormalizeOptions } from './events/normalize';
export { normalizeCloudTrail } from './events/cloudtrail';
export { normalizeEntraAudit } from './events/entra-audit';
export { normalizeEntraSignIn } from './events/entra-signin';
export { normalizeM365 } from './events/m365';
export { normalizeWorkspace } from './events/workspace';
export { SOURCE_IDS } from './events/types';
export type {
  Actor,
  ActorType,
  AppContext,
  Geo,
  NormalizeContext,
  NormalizeResult,
  Outcome,
  ParamValue,
  SourceId,
  Target,
  TriplineEvent,
} from './events/types';

// The offline HTML incident report (`tripline replay --report`); replay with `keepEvidence: true`
// so it can show the raw records.
export { renderReport } from './report/html';
export type { ReportInput } from './report/html';

// State: the port, and the file-backed store replay uses.
export { EmbeddedStateStore } from './state/embedded';
export { StateStoreError } from './state/port';
export type { StateDelete, StateItem, StateStore, StateWrite, WriteResult } from './state/port';
