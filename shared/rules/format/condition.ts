/**
 * The condition language of rule files: a declarative predicate on one normalized event.
 *
 * ```yaml
 * when:
 *   all:
 *     - { field: outcome, equals: success }
 *     - { field: app.scopes, in: [Mail.ReadWrite, Files.ReadWrite.All] }
 *     - not: { field: actor.ip, cidr: [10.0.0.0/8] }
 * ```
 *
 * A leaf names a `field` (a normalized path such as `actor.ip`, `params.ForwardTo`, or a `raw.`
 * path into the vendor record) and exactly one operator. A field with several values (a list of
 * scopes, an array in the raw record) matches when any of its values does. String comparisons
 * ignore case unless `caseSensitive: true`. Regular expressions run on RE2 (linear time, no
 * backreferences or lookaround), with a bounded pattern and input length.
 *
 * Everything is validated and compiled once; evaluating an event parses nothing.
 */
import { RE2JS } from 're2js';
import { z } from 'zod';
import type { TriplineEvent } from '../../events/types';
import { inCidrs, parseCidr } from './cidr';
import type { Cidr } from './cidr';

/** Longest regular expression accepted, in characters. */
export const MAX_REGEX_LENGTH = 1000;
/** Characters of a value a regular expression looks at (the first ones). */
export const MAX_REGEX_INPUT = 65_536;
/** Deepest nesting of all / any / not. */
export const MAX_CONDITION_DEPTH = 16;

export type Scalar = string | number | boolean | null;

/** The operators of a leaf, each with the value type it takes. */
export const OPERATORS = [
  'equals',
  'in',
  'contains',
  'startswith',
  'endswith',
  'regex',
  'exists',
  'cidr',
  'gt',
  'gte',
  'lt',
  'lte',
] as const;
export type Operator = (typeof OPERATORS)[number];

export interface Leaf {
  field: string;
  equals?: Scalar | undefined;
  in?: Scalar[] | undefined;
  contains?: string | string[] | undefined;
  startswith?: string | string[] | undefined;
  endswith?: string | string[] | undefined;
  regex?: string | undefined;
  exists?: boolean | undefined;
  cidr?: string | string[] | undefined;
  gt?: number | undefined;
  gte?: number | undefined;
  lt?: number | undefined;
  lte?: number | undefined;
  caseSensitive?: boolean | undefined;
}

export type Condition = Leaf | { all: Condition[] } | { any: Condition[] } | { not: Condition };

/** Top-level fields of the normalized event, and the keys of its objects (docs/architecture.md). */
export const EVENT_FIELDS: Readonly<Record<string, readonly string[] | 'any' | 'scalar'>> = {
  id: 'scalar',
  source: 'scalar',
  time: 'scalar',
  tenant: 'scalar',
  action: 'scalar',
  service: 'scalar',
  category: 'scalar',
  outcome: 'scalar',
  errorCode: 'scalar',
  actor: ['id', 'name', 'type', 'ip', 'userAgent', 'appId', 'sessionId'],
  target: ['type', 'id', 'name'],
  targets: ['type', 'id', 'name'],
  app: ['id', 'name', 'scopes', 'consentType'],
  geo: ['country', 'city', 'lat', 'lon'],
  params: 'any',
  raw: 'any',
};

/**
 * Checks a field path; returns a problem sentence, or undefined when it is valid.
 * @example checkFieldPath('actor.ipaddress') // "unknown field 'actor.ipaddress'; actor has id, name, ..."
 */
export function checkFieldPath(path: string): string | undefined {
  if (!/^[^.\s][^\s]*$/.test(path) || path.endsWith('.') || path.includes('..'))
    return `'${path}' is not a field path like actor.ip, params.ForwardTo or raw.userIdentity.arn`;
  const [head, second, ...more] = path.split('.') as [string, ...string[]];
  const spec = EVENT_FIELDS[head];
  if (spec === undefined)
    return `unknown field '${path}'; fields are ${Object.keys(EVENT_FIELDS).join(', ')} (raw.<path> reads the vendor record)`;
  if (spec === 'any') return second === undefined ? `'${head}' needs a key: ${head}.<name>` : undefined;
  if (spec === 'scalar')
    return second === undefined ? undefined : `'${head}' has no keys; use '${head}' alone`;
  if (second === undefined)
    return `'${head}' is an object; name a key: ${spec.map((k) => `${head}.${k}`).join(', ')}`;
  if (!spec.includes(second) || more.length) return `unknown field '${path}'; ${head} has ${spec.join(', ')}`;
  return undefined;
}

/** Reads every scalar value at a path, flattening arrays on the way (Sigma's "any element"). */
export type ValuesOf = (e: TriplineEvent) => unknown[];

function collect(cur: unknown, parts: readonly string[], i: number, out: unknown[]): void {
  if (cur === undefined || cur === null) return;
  if (i === parts.length) {
    if (Array.isArray(cur)) for (const v of cur) collect(v, parts, i, out);
    else out.push(cur);
    return;
  }
  if (Array.isArray(cur)) {
    const key = parts[i] as string;
    if (/^\d+$/.test(key)) collect(cur[Number(key)], parts, i + 1, out);
    else for (const el of cur) collect(el, parts, i, out);
    return;
  }
  if (typeof cur !== 'object') return;
  collect((cur as Record<string, unknown>)[parts[i] as string], parts, i + 1, out);
}

/**
 * Compiles a field path into a reader of its values. `params.<name>` first takes the whole rest as
 * one key, since parameter names may hold dots (`ConsentContext.IsAdminConsent`).
 */
export function compileValues(path: string): ValuesOf {
  const parts = path.split('.');
  if (parts[0] === 'params' && parts.length > 2) {
    const whole = parts.slice(1).join('.');
    return (e) => {
      const out: unknown[] = [];
      const p = e.params as Record<string, unknown> | undefined;
      if (p && Object.prototype.hasOwnProperty.call(p, whole)) collect(p[whole], [], 0, out);
      else collect(e, parts, 0, out);
      return out;
    };
  }
  return (e) => {
    const out: unknown[] = [];
    collect(e, parts, 0, out);
    return out;
  };
}

/** Longest JSON text an object value is searched as (contains / regex on an object or array). */
const MAX_OBJECT_TEXT = 65_536;

/**
 * The text a value is compared as. Objects and arrays (a raw `Parameters` list, `targetResources`)
 * are searched as their JSON text, as Sigma backends and KQL do for dynamic columns.
 */
const str = (v: unknown): string | undefined => {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v !== null && typeof v === 'object') {
    try {
      return JSON.stringify(v).slice(0, MAX_OBJECT_TEXT);
    } catch {
      return undefined;
    }
  }
  return undefined;
};

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const oneOrMany = z.union([z.string(), z.array(z.string()).min(1, { message: 'needs at least one value' })]);

/** One comparison; exactly one operator besides `field` and `caseSensitive`. */
export const leafSchema = z
  .strictObject({
    field: z.string().min(1).describe('A normalized field (actor.ip, params.ForwardTo) or raw.<path>'),
    equals: scalar.optional().describe('Equal to this value (null: the field has no value)'),
    in: z
      .array(scalar)
      .min(1, { message: 'needs at least one value' })
      .optional()
      .describe('Equal to any of these'),
    contains: oneOrMany.optional().describe('Contains this text (or any of these)'),
    startswith: oneOrMany.optional().describe('Starts with this text (or any of these)'),
    endswith: oneOrMany.optional().describe('Ends with this text (or any of these)'),
    regex: z
      .string()
      .min(1)
      .max(MAX_REGEX_LENGTH, { message: `is longer than ${MAX_REGEX_LENGTH} characters` })
      .optional()
      .describe('RE2 regular expression, found anywhere in the value (anchor with ^ and $)'),
    exists: z.boolean().optional().describe('true: the field has a value; false: it has none'),
    cidr: oneOrMany
      .optional()
      .describe('An IP address inside this range (or any of these): 10.0.0.0/8, 2001:db8::/32'),
    gt: z.number().optional(),
    gte: z.number().optional(),
    lt: z.number().optional(),
    lte: z.number().optional(),
    caseSensitive: z.boolean().optional().describe('Compare text with case (default: ignore case)'),
  })
  .superRefine(
    (leaf, ctx) => {
      const ops = OPERATORS.filter((k) => Object.prototype.hasOwnProperty.call(leaf, k));
      if (ops.length !== 1)
        ctx.addIssue({
          code: 'custom',
          message:
            ops.length === 0
              ? `needs one operator: ${OPERATORS.join(', ')}`
              : `has ${ops.length} operators (${ops.join(', ')}); put each in its own condition under all:`,
        });
      const fieldProblem = typeof leaf.field === 'string' ? checkFieldPath(leaf.field) : undefined;
      if (fieldProblem) ctx.addIssue({ code: 'custom', path: ['field'], message: fieldProblem });
      if (typeof leaf.regex === 'string' && leaf.regex.length <= MAX_REGEX_LENGTH) {
        try {
          RE2JS.compile(leaf.regex);
        } catch (err) {
          ctx.addIssue({
            code: 'custom',
            path: ['regex'],
            message: `is not an RE2 regular expression (${(err as Error).message}); RE2 has no backreferences or lookaround`,
          });
        }
      }
      if (leaf.cidr !== undefined) {
        const list = Array.isArray(leaf.cidr) ? leaf.cidr : [leaf.cidr];
        list.forEach((c, i) => {
          if (typeof c === 'string' && !parseCidr(c))
            ctx.addIssue({
              code: 'custom',
              path: Array.isArray(leaf.cidr) ? ['cidr', i] : ['cidr'],
              message: `'${c}' is not an IP range like 10.0.0.0/8 or 2001:db8::/32`,
            });
        });
      }
    },
    { when: (p) => !!p.value && typeof p.value === 'object' },
  );

const GROUP_KEYS = ['all', 'any', 'not'] as const;

/**
 * Validates a condition, adding every problem to `ctx` at its path under `base`. Branches are told
 * apart by their key (all / any / not, else a leaf), so messages speak of the branch the author meant.
 */
function check(v: unknown, base: PropertyKey[], ctx: z.RefinementCtx, depth: number): void {
  if (depth > MAX_CONDITION_DEPTH) {
    ctx.addIssue({ code: 'custom', path: base, message: `nests deeper than ${MAX_CONDITION_DEPTH} levels` });
    return;
  }
  if (Array.isArray(v)) {
    // A list is shorthand for all:.
    if (v.length === 0)
      ctx.addIssue({ code: 'custom', path: base, message: 'an empty list matches nothing' });
    v.forEach((c, i) => check(c, [...base, i], ctx, depth + 1));
    return;
  }
  if (!v || typeof v !== 'object') {
    ctx.addIssue({
      code: 'custom',
      path: base,
      message: 'must be a condition: { field: ..., equals: ... }, or all: / any: / not:',
    });
    return;
  }
  const keys = Object.keys(v);
  const group = GROUP_KEYS.find((k) => keys.includes(k));
  if (group) {
    if (keys.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: base,
        message: `${group}: stands alone; move ${keys.filter((k) => k !== group).join(', ')} into a condition under it`,
      });
      return;
    }
    const inner = (v as Record<string, unknown>)[group];
    if (group === 'not') check(inner, [...base, 'not'], ctx, depth + 1);
    else if (!Array.isArray(inner) || inner.length === 0)
      ctx.addIssue({ code: 'custom', path: [...base, group], message: 'must be a list of conditions' });
    else inner.forEach((c, i) => check(c, [...base, group, i], ctx, depth + 1));
    return;
  }
  const r = leafSchema.safeParse(v);
  if (!r.success) {
    const unknownKey = r.error.issues.some((i) => i.code === 'unrecognized_keys');
    for (const issue of r.error.issues) {
      // "unknown key equal" already says it; "needs one operator" would only repeat it.
      if (unknownKey && issue.code === 'custom' && issue.path.length === 0) continue;
      const message =
        issue.code === 'unrecognized_keys'
          ? `unknown key${issue.keys.length === 1 ? '' : 's'} ${issue.keys.map((k) => `"${k}"`).join(', ')}; operators are ${OPERATORS.join(', ')}`
          : issue.message;
      ctx.addIssue({ code: 'custom', path: [...base, ...issue.path], message });
    }
  }
}

/** A condition, validated with a problem per mistake at its path. */
export const conditionSchema = z
  .unknown()
  .superRefine((v, ctx) => check(v, [], ctx, 0))
  .transform((v) => v as Condition)
  .meta({ id: 'condition' });

/** A predicate on one event. */
export type Predicate = (e: TriplineEvent) => boolean;

const lower = (s: string, cs: boolean) => (cs ? s : s.toLowerCase());
const list = (v: string | string[]) => (Array.isArray(v) ? v : [v]);

function compileLeaf(leaf: Leaf): Predicate {
  const values = compileValues(leaf.field);
  const cs = leaf.caseSensitive === true;
  const anyValue =
    (test: (s: string) => boolean): Predicate =>
    (e) => {
      for (const v of values(e)) {
        const s = str(v);
        if (s !== undefined && test(lower(s, cs))) return true;
      }
      return false;
    };
  if (leaf.exists !== undefined || leaf.equals === null) {
    const want = leaf.exists ?? false;
    return (e) => values(e).some((v) => v !== '') === want;
  }
  if (leaf.equals !== undefined) {
    const want = lower(String(leaf.equals), cs);
    return anyValue((s) => s === want);
  }
  if (leaf.in !== undefined) {
    const set = new Set(leaf.in.filter((v) => v !== null).map((v) => lower(String(v), cs)));
    const orNone = leaf.in.includes(null);
    const hit = anyValue((s) => set.has(s));
    return orNone ? (e) => hit(e) || values(e).every((v) => v === '') : hit;
  }
  if (leaf.contains !== undefined) {
    const needles = list(leaf.contains).map((n) => lower(n, cs));
    return anyValue((s) => needles.some((n) => s.includes(n)));
  }
  if (leaf.startswith !== undefined) {
    const needles = list(leaf.startswith).map((n) => lower(n, cs));
    return anyValue((s) => needles.some((n) => s.startsWith(n)));
  }
  if (leaf.endswith !== undefined) {
    const needles = list(leaf.endswith).map((n) => lower(n, cs));
    return anyValue((s) => needles.some((n) => s.endsWith(n)));
  }
  if (leaf.regex !== undefined) {
    const re = RE2JS.compile(leaf.regex, cs ? 0 : RE2JS.CASE_INSENSITIVE);
    return (e) => {
      for (const v of values(e)) {
        const s = str(v);
        if (s !== undefined && re.test(s.length > MAX_REGEX_INPUT ? s.slice(0, MAX_REGEX_INPUT) : s))
          return true;
      }
      return false;
    };
  }
  if (leaf.cidr !== undefined) {
    const ranges = list(leaf.cidr).map((c) => parseCidr(c) as Cidr);
    return (e) => values(e).some((v) => inCidrs(v, ranges));
  }
  const num =
    (cmp: (n: number) => boolean): Predicate =>
    (e) =>
      values(e).some((v) => {
        const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
        return Number.isFinite(n) && cmp(n);
      });
  if (leaf.gt !== undefined) {
    const x = leaf.gt;
    return num((n) => n > x);
  }
  if (leaf.gte !== undefined) {
    const x = leaf.gte;
    return num((n) => n >= x);
  }
  if (leaf.lt !== undefined) {
    const x = leaf.lt;
    return num((n) => n < x);
  }
  if (leaf.lte !== undefined) {
    const x = leaf.lte;
    return num((n) => n <= x);
  }
  throw new Error(`condition on '${leaf.field}' has no operator`);
}

/**
 * Compiles a validated condition into a predicate.
 * @example
 * const p = compileCondition({ all: [{ field: 'outcome', equals: 'success' }, { field: 'actor.ip', cidr: '10.0.0.0/8' }] });
 * p(event); // boolean
 */
export function compileCondition(c: Condition | Condition[]): Predicate {
  if (Array.isArray(c)) return compileCondition({ all: c });
  if ('all' in c) {
    const parts = c.all.map(compileCondition);
    return (e) => parts.every((p) => p(e));
  }
  if ('any' in c) {
    const parts = c.any.map(compileCondition);
    return (e) => parts.some((p) => p(e));
  }
  if ('not' in c) {
    const inner = compileCondition(c.not);
    return (e) => !inner(e);
  }
  return compileLeaf(c);
}

/** Every field path a condition reads (for listing and for the Sigma converter's checks). */
export function fieldsOf(c: Condition | Condition[]): string[] {
  if (Array.isArray(c)) return c.flatMap(fieldsOf);
  if ('all' in c) return c.all.flatMap(fieldsOf);
  if ('any' in c) return c.any.flatMap(fieldsOf);
  if ('not' in c) return fieldsOf(c.not);
  return [c.field];
}
