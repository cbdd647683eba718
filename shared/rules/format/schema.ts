/**
 * The rule file format (YAML or JSON): one detection per file, its metadata, a declarative
 * condition, the stateful kind's grouping, window and count, allow entries, and its test cases
 * (vendor records with the expected result). The JSON Schema in schemas/rule.schema.json is
 * generated from this module (`npm run schemas`), and a test keeps the two equal.
 */
import { z } from 'zod';
import { parseDuration } from '../../engine/duration';
import { SEVERITIES } from '../../engine/findings';
import { SOURCE_IDS } from '../../events/types';
import { ruleAllowSchema } from './allow';
import { checkFieldPath, conditionSchema } from './condition';

export const RULE_ID_RE = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const ATTACK_RE = /^(T\d{4}(\.\d{3})?|AN\d+)$/;
/** Names a title or `why` template may use besides event fields. */
export const TEMPLATE_NAMES = ['group', 'observed', 'term', 'rule'] as const;
const PLACEHOLDER_RE = /\{([^{}]*)\}/g;

/** Every kind a rule file may name. `geo_velocity` is listed but not available in this version. */
export const RULE_KINDS = [
  'match',
  'threshold',
  'distinct',
  'new_terms',
  'sequence',
  'geo_velocity',
] as const;
/** Kinds the engine of this version does not run yet. */
export const UNAVAILABLE_KINDS: Readonly<Record<string, string>> = {
  geo_velocity:
    'kind geo_velocity is not available in this version of Tripline (the engine gains it in a later release); use a new_terms rule on geo.country per user meanwhile',
};

export const durationSchema = z
  .union([
    z.string().refine((s) => parseDuration(s) !== undefined, {
      message: 'must be a duration like "90s", "15m", "2h", "14d" or "1w"',
    }),
    z.number().positive({ message: 'must be a positive number of milliseconds' }),
  ])
  .describe('A duration: 90s, 15m, 2h, 14d, 1w, or milliseconds');

export const fieldPathSchema = z
  .string()
  .superRefine((p, ctx) => {
    const problem = checkFieldPath(p);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .describe('A normalized field (actor.ip, app.id, params.ForwardTo) or raw.<path> into the vendor record');

const templateSchema = (what: string) =>
  z
    .string()
    .min(1, { message: 'is required' })
    .superRefine((t, ctx) => {
      for (const m of t.matchAll(PLACEHOLDER_RE)) {
        const name = (m[1] as string).trim();
        if ((TEMPLATE_NAMES as readonly string[]).includes(name)) continue;
        const problem = checkFieldPath(name);
        if (problem)
          ctx.addIssue({
            code: 'custom',
            message: `placeholder {${name}}: ${problem} (or one of ${TEMPLATE_NAMES.join(', ')})`,
          });
      }
    })
    .describe(`${what}; {actor.name}, {app.name}, {group}, {observed}, {term} are filled in when it fires`);

const severitySchema = z.enum(SEVERITIES as unknown as [string, ...string[]], {
  message: `must be one of ${SEVERITIES.join(', ')}`,
});

/** A test case: vendor records as the API or export holds them, and what the rule must do with them. */
export const testCaseSchema = z.strictObject({
  name: z
    .string()
    .min(1)
    .describe('What the case shows: "fires when the 10th failure lands inside 15 minutes"'),
  records: z
    .array(z.unknown())
    .min(1, { message: 'needs at least one record' })
    .describe('Raw records (CloudTrail, Graph, UAL, Workspace) as your logs hold them'),
  expect: z.strictObject({
    findings: z
      .number()
      .int()
      .min(0, { message: 'must be 0 (quiet) or more' })
      .describe('Findings of this rule: 0 for a quiet case'),
    severity: severitySchema.optional(),
    principal: z.string().optional(),
    signals: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe('For emit: false rules, how many times it fires (its signals to sequences)'),
  }),
  withRules: z
    .array(z.string())
    .optional()
    .describe('Other rules this case needs (sequence steps are added)'),
  tenant: z.string().optional().describe('Tenant for records that carry none (Graph exports)'),
});

const stepSchema = z.union([
  z.string().min(1),
  z.strictObject({
    rules: z.array(z.string().min(1)).min(1, { message: 'names no rule' }),
    label: z.string().optional(),
  }),
]);

const escalationSchema = z
  .strictObject({
    severity: severitySchema,
    observedAtLeast: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('When the count (threshold), distinct values or chain length is at least this'),
    when: conditionSchema.optional().describe('When the firing event matches this condition'),
  })
  .superRefine((e, ctx) => {
    if (e.observedAtLeast === undefined && e.when === undefined)
      ctx.addIssue({ code: 'custom', message: 'needs observedAtLeast or when' });
  });

const common = {
  $schema: z.string().optional(),
  id: z
    .string()
    .regex(RULE_ID_RE, { message: 'must be kebab-case, like "admin-consent-all-users"' })
    .describe('Unique id, kebab-case; the same id as a shipped rule replaces it'),
  title: templateSchema('Short title'),
  description: z.string().min(20, { message: 'say in a sentence or two what it detects and why it matters' }),
  severity: severitySchema,
  attack: z
    .array(z.string().regex(ATTACK_RE, { message: 'is not an ATT&CK id like T1110.003' }))
    .min(1, { message: 'needs at least one ATT&CK technique id' }),
  sources: z
    .array(
      z.enum(SOURCE_IDS as unknown as [string, ...string[]], {
        message: `must be one of ${SOURCE_IDS.join(', ')}`,
      }),
    )
    .min(1, { message: 'needs at least one source' }),
  actions: z
    .array(z.string().min(1))
    .optional()
    .describe('Actions as the source spells them (eventName, activityDisplayName, Operation); omit for all'),
  when: conditionSchema.optional().describe('Which events qualify; omitted: every event of sources/actions'),
  principal: fieldPathSchema
    .optional()
    .describe('Who the finding is about; default the group, else the actor'),
  emit: z.boolean().optional().describe('false: a signal rule that only feeds sequences'),
  dedup: z
    .strictObject({ key: fieldPathSchema.optional(), window: durationSchema.optional() })
    .optional()
    .describe('One finding per key per window (default: tenant + principal, 24h)'),
  why: templateSchema('Explanation of why it fired').optional(),
  escalate: z.array(escalationSchema).optional().describe('Raise severity: the first entry that holds wins'),
  allow: z
    .array(ruleAllowSchema)
    .optional()
    .describe('Exceptions: principal, app or cidr, with reason and expiry'),
  runbook: z.array(z.string().min(1)).min(1, { message: 'needs at least one step for on-call' }),
  falsePositives: z.array(z.string().min(1)).describe('Benign causes; may be empty for signal rules'),
  references: z.array(z.string()).optional(),
  tags: z.array(z.string()).optional(),
  tests: z
    .array(testCaseSchema)
    .optional()
    .describe('Cases `tripline test` runs; a rule needs a firing and a quiet one'),
};

const unit = z.string().optional().describe('Noun for the explanation: "failed sign-ins"');

export const ruleDocSchema = z
  .discriminatedUnion(
    'kind',
    [
      z.strictObject({ ...common, kind: z.literal('match') }),
      z.strictObject({
        ...common,
        kind: z.literal('threshold'),
        groupBy: fieldPathSchema,
        count: z.number().int().min(1, { message: 'must be a whole number >= 1' }),
        window: durationSchema,
        unit,
      }),
      z.strictObject({
        ...common,
        kind: z.literal('distinct'),
        groupBy: fieldPathSchema,
        field: fieldPathSchema.describe('The field whose distinct values are counted per group'),
        count: z.number().int().min(1, { message: 'must be a whole number >= 1' }),
        window: durationSchema,
        unit,
      }),
      z.strictObject({
        ...common,
        kind: z.literal('new_terms'),
        groupBy: fieldPathSchema,
        term: fieldPathSchema,
        history: durationSchema.describe('How far back a term still counts as known'),
        learning: durationSchema
          .optional()
          .describe('How old a baseline must be before a new term fires (1d)'),
        termLabel: z.string().optional(),
      }),
      z.strictObject({
        ...common,
        kind: z.literal('sequence'),
        by: fieldPathSchema.describe('The key every step event shares (app.id)'),
        steps: z.array(stepSchema).min(2, { message: 'a sequence needs at least two steps' }),
        window: durationSchema,
      }),
      z.strictObject({
        ...common,
        kind: z.literal('geo_velocity'),
        groupBy: fieldPathSchema,
        maxSpeedKmh: z.number().positive().optional(),
        window: durationSchema.optional(),
      }),
    ],
    { message: `kind must be one of ${RULE_KINDS.join(', ')}` },
  )
  .superRefine((doc, ctx) => {
    if (doc.kind === 'sequence' && doc.allow?.length)
      ctx.addIssue({
        code: 'custom',
        path: ['allow'],
        message: 'a sequence has no events of its own; put allow entries on its step rules',
      });
    const unavailable = UNAVAILABLE_KINDS[doc.kind];
    if (unavailable) ctx.addIssue({ code: 'custom', path: ['kind'], message: unavailable });
  });

export type RuleDoc = z.output<typeof ruleDocSchema>;
export type TestCaseDoc = z.output<typeof testCaseSchema>;
