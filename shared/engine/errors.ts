/** The engine's error family. */

export interface RuleIssue {
  ruleId: string;
  path: string;
  message: string;
}

/** Rule definitions or overrides that cannot be compiled; lists every problem at once. */
export class RuleValidationError extends Error {
  override readonly name = 'RuleValidationError';
  constructor(readonly issues: RuleIssue[]) {
    super(
      `${issues.length} problem${issues.length === 1 ? '' : 's'} in rule definitions:\n` +
        issues.map((i) => `  - ${i.ruleId}${i.path ? ` (${i.path})` : ''}: ${i.message}`).join('\n'),
    );
  }
}

/** A rule that threw while evaluating an event: isolated, counted and reported, never fatal. */
export interface RuleErrorReport {
  ruleId: string;
  eventId: string;
  message: string;
  /** How many events this rule threw on in the batch (the first one is described). */
  count: number;
}

/** The state store kept conflicting after every retry. */
export class StateConflictError extends Error {
  override readonly name = 'StateConflictError';
  constructor(
    readonly keys: string[],
    attempts: number,
  ) {
    super(`state keys still conflicting after ${attempts} attempts: ${keys.slice(0, 5).join(', ')}`);
  }
}
