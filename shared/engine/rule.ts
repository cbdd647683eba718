/**
 * How a detection is written: declared metadata, a pure predicate, and (for stateful kinds) the
 * grouping, window and count the engine runs against the StateStore. See docs/rules.md.
 */
import type { AppContext, SourceId, TriplineEvent } from '../events/types';
import type { EvidenceItem, Severity } from './findings';

/**
 * A field of the normalized event: a dotted path ('actor.ip', 'app.id', 'params.ForwardTo',
 * 'raw.userIdentity.arn') compiled once into an accessor, or a function. `undefined` or '' means
 * "this event has no value", and stateful rules skip it.
 */
export type FieldRef = string | ((e: TriplineEvent) => string | undefined);

/** '90s', '15m', '2h', '14d' or milliseconds. */
export type Duration = string | number;

export type RuleParams = Record<string, unknown>;

/** What a title, `why` or `escalate` hook sees when a rule fires. */
export interface FireContext<P extends RuleParams = RuleParams> {
  /** The event that made the rule fire (the last one, for stateful kinds). */
  event: TriplineEvent;
  params: P;
  /** Group value for stateful rules; sequence key for sequences. */
  group?: string | undefined;
  /** threshold: events in window; distinct: distinct values; sequence: events in the chain. */
  observed?: number | undefined;
  /** distinct: the values; new_terms: the prior history of terms. */
  values?: string[] | undefined;
  /** new_terms: the new term. */
  term?: string | undefined;
  /**
   * sequence: the events that satisfied each step, in order (from state: possibly earlier batches);
   * the chain of the earliest first step when this fire completes several (`chains`).
   */
  chain?: ChainLink[] | undefined;
  /** sequence: every chain this fire completes or continues, one per first-step event. */
  chains?: ChainLink[][] | undefined;
  /**
   * Set when the finding is created or updated (title, why): its count in the rule's unit, the times
   * of its first and latest counted event, and its evidence.
   */
  count?: number | undefined;
  firstSeen?: string | undefined;
  lastSeen?: string | undefined;
  evidence?: EvidenceItem[] | undefined;
}

/** One step of a matched sequence, as remembered in state. */
export interface ChainLink {
  /** 0-based step index. */
  step: number;
  /** The step rule that fired. */
  rule: string;
  evidence: EvidenceItem;
  /** The app context of that step's event, when it had one (scopes of a grant, name of a consent). */
  app?: AppContext | undefined;
}

interface RuleBase<P extends RuleParams> {
  /** Catalogue id, kebab-case, equal to the file name: 'inbox-forwarding'. */
  id: string;
  /** Short title; a function may name the actor or app. */
  title: string | ((ctx: FireContext<P>) => string);
  description: string;
  severity: Severity;
  /** Raise (or lower) severity from what was observed; return undefined to keep `severity`. */
  escalate?: ((ctx: FireContext<P>) => Severity | undefined) | undefined;
  /** MITRE ATT&CK technique ids. */
  attack: string[];
  sources: SourceId[];
  /** Actions this rule looks at (exact, case-sensitive as the source spells them); omit for all. */
  actions?: string[] | undefined;
  /** Pure predicate on one event; omitted means every event of `sources`/`actions` qualifies. */
  when?: ((e: TriplineEvent, params: P) => boolean) | undefined;
  /** Tunables with their defaults; a deployment overrides them per rule in config. */
  params?: P | undefined;
  /** Who the finding is about. Default: the group for stateful kinds, else actor.name ?? actor.id. */
  principal?: FieldRef | undefined;
  /** false: a signal rule that only feeds sequences and does not publish findings of its own. */
  emit?: boolean | undefined;
  /** Suppression: one finding per key per window. Default key: tenant + principal; window: 24h. */
  dedup?: { key?: FieldRef | undefined; window?: Duration | undefined } | undefined;
  /** Override the generated explanation of why it fired. */
  why?: ((ctx: FireContext<P>) => string) | undefined;
  /**
   * match and new_terms: what one unit of the finding's count is. Events with the same value count
   * once (the records Entra writes for one consent share a correlation id). Default: the record.
   */
  unitKey?: FieldRef | undefined;
  /** App or client ids whose events this rule ignores (config `allowApps` adds to them). */
  allowApps?: string[] | undefined;
  /** Actors (id or name) or group values this rule ignores (config `allowPrincipals` adds to them). */
  allowPrincipals?: string[] | undefined;
  /** Actor addresses or CIDR ranges this rule ignores (config `allowIps` adds to them). */
  allowIps?: string[] | undefined;
  runbook: string[];
  falsePositives: string[];
  references?: string[] | undefined;
}

export interface MatchRule<P extends RuleParams = RuleParams> extends RuleBase<P> {
  kind: 'match';
}

export interface ThresholdRule<P extends RuleParams = RuleParams> extends RuleBase<P> {
  kind: 'threshold';
  groupBy: FieldRef;
  /** Fires when at least `count` qualifying events of one group fall inside one `window`. */
  count: number;
  window: Duration;
  /** Noun for the explanation: 'failed sign-ins'. */
  unit?: string | undefined;
}

export interface DistinctRule<P extends RuleParams = RuleParams> extends RuleBase<P> {
  kind: 'distinct';
  groupBy: FieldRef;
  /** The field whose distinct values are counted per group. */
  field: FieldRef;
  count: number;
  window: Duration;
  /** Noun for the explanation: 'accounts'. */
  unit?: string | undefined;
}

export interface NewTermsRule<P extends RuleParams = RuleParams> extends RuleBase<P> {
  kind: 'new_terms';
  groupBy: FieldRef;
  term: FieldRef;
  /** How far back a term still counts as known: '14d'. */
  history: Duration;
  /** A group's baseline must be at least this old before a new term fires (default 1d). */
  learning?: Duration | undefined;
  /** Terms that never fire (first-party app ids...). */
  allow?: string[] | undefined;
  /** Label of the term in the explanation: 'ClientAppId'. */
  termLabel?: string | undefined;
}

export interface SequenceStep {
  /** Rule ids any of which satisfies this step. */
  rules: string[];
  /** Words for the explanation: 'consent', 'high-privilege grant', 'mass read'. */
  label?: string | undefined;
}

export interface SequenceRule<P extends RuleParams = RuleParams> extends RuleBase<P> {
  kind: 'sequence';
  /** The key every step event must share ('tenant|appId'); evaluated on each step's event. */
  by: FieldRef;
  /** In order; one event may satisfy consecutive steps. */
  steps: SequenceStep[];
  /** First to last step within this window. */
  window: Duration;
  /**
   * Another id some step events name instead of `by` (the service principal object id of a grant
   * that carries no app id). An event naming both teaches that they are the same; a step event
   * without `by` is then keyed by the `by` value learned for its `alias`.
   */
  alias?: { from: FieldRef; to: FieldRef } | undefined;
}

export type RuleDefinition<P extends RuleParams = RuleParams> =
  MatchRule<P> | ThresholdRule<P> | DistinctRule<P> | NewTermsRule<P> | SequenceRule<P>;

export type RuleKind = RuleDefinition['kind'];

/** Identity helper that keeps the literal types of a rule definition. */
export function defineRule<P extends RuleParams>(rule: RuleDefinition<P>): RuleDefinition<P> {
  return rule;
}

/**
 * Test events kept beside each rule (`<rule-id>.cases.ts`): raw source records as a user's logs
 * hold them, normalized by the real normalizers and run through the real engine.
 */
export interface RuleCase {
  name: string;
  /** Raw records in time order or not (the engine orders by event time within lateness). */
  records: unknown[];
  /** Other rules this case needs (sequence step rules are added automatically). */
  withRules?: string[] | undefined;
  params?: RuleParams | undefined;
  tenant?: string | undefined;
  expect: {
    /** Number of findings of this rule: 0 for a quiet case. */
    findings: number;
    severity?: Severity | undefined;
    principal?: string | undefined;
    /** For signal rules (emit: false): number of signals instead of findings. */
    signals?: number | undefined;
  };
}

export interface RuleCases {
  fires: RuleCase[];
  quiet: RuleCase[];
}
