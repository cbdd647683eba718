/**
 * Errors the CDK app raises before CloudFormation ever sees a template.
 *
 * @module
 */

/** One invalid construct prop, stack prop or context value, with what to set instead. */
export interface PropsProblem {
  /** The prop or context key at fault: `alertEmails`, `RealtimePath.batchSize`. */
  readonly setting: string;
  /** What is wrong and what to set. */
  readonly message: string;
}

/**
 * Thrown by the stack, its constructs and the context reader when props or context values are
 * invalid. `problems` lists every problem found, not only the first; the message renders one line each.
 */
export class InvalidPropsError extends Error {
  override readonly name = 'InvalidPropsError';
  constructor(
    readonly problems: readonly PropsProblem[],
    options?: { cause?: unknown },
  ) {
    super(
      [
        `Invalid Tripline settings (${problems.length} problem${problems.length === 1 ? '' : 's'}):`,
        ...problems.map((p) => `  - ${p.setting}: ${p.message}`),
      ].join('\n'),
      options,
    );
  }
}

/** Collects problems and throws them together. */
export class ProblemList {
  private readonly items: PropsProblem[] = [];

  /** Records a problem. */
  add(setting: string, message: string): void {
    this.items.push({ setting, message });
  }

  /** Everything recorded so far. */
  get problems(): readonly PropsProblem[] {
    return this.items;
  }

  /** @throws {@link InvalidPropsError} listing every problem, when any was recorded. */
  throwIfAny(): void {
    if (this.items.length > 0) throw new InvalidPropsError([...this.items]);
  }
}
