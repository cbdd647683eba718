/**
 * Validates rule definitions once and compiles them: durations parsed, field paths turned into
 * accessors, action lists into Sets, rules indexed by (source, action). Nothing is parsed per event.
 */
import { SOURCE_IDS } from '../events/types';
import type { SourceId, TriplineEvent } from '../events/types';
import { parseDuration } from './duration';
import { RuleValidationError } from './errors';
import type { RuleIssue } from './errors';
import { compileIpList } from './cidr';
import type { IpMatcher } from './cidr';
import { compileField } from './fields';
import type { Accessor } from './fields';
import { SEVERITIES } from './findings';
import type { Severity } from './findings';
import type { FireContext, RuleDefinition, RuleParams } from './rule';

/** Per-rule tuning a deployment applies without editing the rule. */
export interface RuleOverride {
  enabled?: boolean | undefined;
  severity?: Severity | undefined;
  count?: number | undefined;
  window?: string | number | undefined;
  history?: string | number | undefined;
  learning?: string | number | undefined;
  /** new_terms: terms that never fire (they still keep the group's baseline alive), added to the rule's own. */
  allow?: string[] | undefined;
  /** App or client ids whose events the rule ignores, before any state is touched. */
  allowApps?: string[] | undefined;
  /** Actor ids or names, or group values, whose events the rule ignores. */
  allowPrincipals?: string[] | undefined;
  /** Actor IP addresses or CIDR ranges whose events the rule ignores. */
  allowIps?: string[] | undefined;
  dedupWindow?: string | number | undefined;
  params?: RuleParams | undefined;
}

export interface CompileOptions {
  overrides?: Record<string, RuleOverride> | undefined;
  /** Params every rule sees under its own (e.g. tenantDomains); a rule's own params win. */
  globals?: RuleParams | undefined;
}

export interface CompiledRule {
  readonly def: RuleDefinition;
  readonly id: string;
  readonly kind: RuleDefinition['kind'];
  readonly emit: boolean;
  readonly severity: Severity;
  readonly params: RuleParams;
  readonly when: ((e: TriplineEvent, p: RuleParams) => boolean) | undefined;
  readonly principal: Accessor | undefined;
  readonly dedupKey: Accessor | undefined;
  readonly dedupWindowMs: number;
  readonly groupBy: Accessor | undefined;
  readonly field: Accessor | undefined;
  readonly windowMs: number;
  readonly count: number;
  readonly historyMs: number;
  readonly learningMs: number;
  readonly allow: ReadonlySet<string>;
  /** Allow lists (lower-cased), checked before any state is touched. */
  readonly allowApps: ReadonlySet<string>;
  readonly allowPrincipals: ReadonlySet<string>;
  readonly allowIps: IpMatcher;
  /** match / new_terms: what one unit of a finding's count is (default: the record). */
  readonly unitKey: Accessor | undefined;
  /** sequence only */
  readonly by: Accessor | undefined;
  readonly alias: { from: Accessor; to: Accessor } | undefined;
  readonly steps: ReadonlyArray<{ rules: ReadonlySet<string>; label: string }>;
  /** Sequences this rule is a step of. */
  readonly stepOf: CompiledRule[];
  readonly title: (ctx: FireContext) => string;
}

export interface CompiledRuleSet {
  readonly rules: ReadonlyMap<string, CompiledRule>;
  /** Rules (non-sequence) a given event may concern. */
  candidates(e: TriplineEvent): readonly CompiledRule[];
}

const ID_RE = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const ATTACK_RE = /^(T\d{4}(\.\d{3})?|AN\d+)$/;
const DAY = 86_400_000;

/**
 * Validates and compiles rules. Throws RuleValidationError listing every problem.
 * @example
 * const set = compileRules(allRules, { overrides: { 'brute-force': { count: 20 } } });
 */
export function compileRules(defs: readonly RuleDefinition[], opts: CompileOptions = {}): CompiledRuleSet {
  const issues: RuleIssue[] = [];
  const overrides = opts.overrides ?? {};
  const seen = new Set<string>();
  for (const d of defs) {
    const id = typeof d?.id === 'string' ? d.id : '<missing id>';
    if (seen.has(id)) issues.push({ ruleId: id, path: 'id', message: 'duplicate rule id' });
    seen.add(id);
  }
  for (const oid of Object.keys(overrides)) {
    if (!seen.has(oid))
      issues.push({
        ruleId: oid,
        path: 'overrides',
        message: `no rule has this id; known ids: ${[...seen].sort().join(', ')}`,
      });
  }

  const compiled = new Map<string, CompiledRule>();
  for (const d of defs) {
    // Own keys only: a rule id such as `constructor` must not find Object.prototype's.
    const o = (Object.hasOwn(overrides, d.id) ? overrides[d.id] : undefined) ?? {};
    if (o.enabled === false) continue;
    const before = issues.length;
    const c = compileOne(d, o, opts.globals ?? {}, issues);
    if (c && issues.length === before) compiled.set(d.id, c);
  }

  // Sequences: steps must name enabled, non-sequence rules.
  for (const r of compiled.values()) {
    if (r.kind !== 'sequence') continue;
    r.steps.forEach((s, i) => {
      for (const sid of s.rules) {
        const target = compiled.get(sid);
        if (!target) {
          const why = seen.has(sid) ? 'is disabled' : 'does not exist';
          issues.push({ ruleId: r.id, path: `steps[${i}]`, message: `step rule '${sid}' ${why}` });
        } else if (target.kind === 'sequence') {
          issues.push({
            ruleId: r.id,
            path: `steps[${i}]`,
            message: `step rule '${sid}' is itself a sequence`,
          });
        } else {
          if (!target.stepOf.includes(r)) target.stepOf.push(r);
        }
      }
    });
  }
  if (issues.length) throw new RuleValidationError(issues);

  // Index by source then action.
  const index = new Map<SourceId, { byAction: Map<string, CompiledRule[]>; any: CompiledRule[] }>();
  for (const r of compiled.values()) {
    if (r.kind === 'sequence') continue;
    for (const s of r.def.sources) {
      let slot = index.get(s);
      if (!slot) index.set(s, (slot = { byAction: new Map(), any: [] }));
      if (r.def.actions?.length) {
        for (const a of r.def.actions) {
          const list = slot.byAction.get(a);
          if (list) list.push(r);
          else slot.byAction.set(a, [r]);
        }
      } else slot.any.push(r);
    }
  }
  // Pre-merge "any action" rules into each action list, so a lookup is one Map get.
  const merged = new Map<SourceId, { byAction: Map<string, CompiledRule[]>; any: CompiledRule[] }>();
  for (const [s, slot] of index) {
    const byAction = new Map<string, CompiledRule[]>();
    for (const [a, list] of slot.byAction) byAction.set(a, [...list, ...slot.any]);
    merged.set(s, { byAction, any: slot.any });
  }
  const none: CompiledRule[] = [];
  return {
    rules: compiled,
    candidates(e) {
      const slot = merged.get(e.source);
      if (!slot) return none;
      return slot.byAction.get(e.action) ?? slot.any;
    },
  };
}

function compileOne(
  d: RuleDefinition,
  o: RuleOverride,
  globals: RuleParams,
  issues: RuleIssue[],
): CompiledRule | undefined {
  const id = d.id;
  const bad = (path: string, message: string) => issues.push({ ruleId: id, path, message });
  if (typeof id !== 'string' || !ID_RE.test(id)) bad('id', 'must be kebab-case, e.g. "inbox-forwarding"');
  if (!d.title) bad('title', 'is required');
  if (!d.description) bad('description', 'is required');
  const severity = o.severity ?? d.severity;
  if (!SEVERITIES.includes(severity)) bad('severity', `must be one of ${SEVERITIES.join(', ')}`);
  if (!Array.isArray(d.attack) || d.attack.length === 0) bad('attack', 'needs at least one ATT&CK id');
  else
    for (const a of d.attack)
      if (!ATTACK_RE.test(a)) bad('attack', `'${a}' is not an ATT&CK id like T1110.003`);
  if (!Array.isArray(d.sources) || d.sources.length === 0) bad('sources', 'needs at least one source');
  else for (const s of d.sources) if (!SOURCE_IDS.includes(s)) bad('sources', `unknown source '${s}'`);
  if (!Array.isArray(d.runbook) || d.runbook.length === 0) bad('runbook', 'needs at least one step');
  if (!Array.isArray(d.falsePositives)) bad('falsePositives', 'is required (may be empty)');

  const dedupWindowMs = parseDuration(o.dedupWindow ?? d.dedup?.window ?? '24h');
  if (dedupWindowMs === undefined) bad('dedup.window', 'is not a duration like "24h"');

  let windowMs = 0;
  let count = 0;
  let historyMs = 0;
  let learningMs = 0;
  let groupBy: Accessor | undefined;
  let field: Accessor | undefined;
  let by: Accessor | undefined;
  let steps: Array<{ rules: Set<string>; label: string }> = [];
  let allow = new Set<string>();

  const needWindow = (w: string | number | undefined) => {
    const ms = parseDuration(w);
    if (ms === undefined) bad('window', `'${String(w)}' is not a duration like "15m"`);
    return ms ?? 0;
  };
  const needCount = (n: number | undefined) => {
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1)
      bad('count', `'${String(n)}' must be a whole number >= 1`);
    return n ?? 0;
  };
  switch (d.kind) {
    case 'match':
      break;
    case 'threshold':
      groupBy = compileField(d.groupBy);
      windowMs = needWindow(o.window ?? d.window);
      count = needCount(o.count ?? d.count);
      break;
    case 'distinct':
      groupBy = compileField(d.groupBy);
      field = compileField(d.field);
      windowMs = needWindow(o.window ?? d.window);
      count = needCount(o.count ?? d.count);
      break;
    case 'new_terms': {
      groupBy = compileField(d.groupBy);
      field = compileField(d.term);
      const h = parseDuration(o.history ?? d.history);
      if (h === undefined) bad('history', 'is not a duration like "14d"');
      historyMs = h ?? 0;
      const l = parseDuration(o.learning ?? d.learning ?? '1d');
      if (l === undefined) bad('learning', 'is not a duration like "1d"');
      learningMs = l ?? DAY;
      // A config's terms are added to the rule's own (Microsoft's mail clients stay allowed).
      allow = new Set([...(d.allow ?? []), ...(o.allow ?? [])].map((s) => s.toLowerCase()));
      break;
    }
    case 'sequence':
      by = compileField(d.by);
      windowMs = needWindow(o.window ?? d.window);
      if (!Array.isArray(d.steps) || d.steps.length < 2) bad('steps', 'a sequence needs at least two steps');
      else
        steps = d.steps.map((s, i) => {
          if (!s.rules?.length) bad(`steps[${i}]`, 'names no rule');
          return { rules: new Set(s.rules ?? []), label: s.label ?? (s.rules ?? []).join(' or ') };
        });
      break;
    default:
      bad(
        'kind',
        `unknown kind '${String((d as { kind?: unknown }).kind)}'; use match, threshold, distinct, new_terms or sequence`,
      );
      return undefined;
  }
  const lower = (list: unknown, path: string): Set<string> => {
    if (list === undefined) return new Set();
    if (!Array.isArray(list) || list.some((x) => typeof x !== 'string')) {
      bad(path, 'must be a list of strings');
      return new Set();
    }
    return new Set((list as string[]).map((x) => x.trim().toLowerCase()).filter((x) => x !== ''));
  };
  const allowApps = lower([...(d.allowApps ?? []), ...(o.allowApps ?? [])], 'allowApps');
  const allowPrincipals = lower(
    [...(d.allowPrincipals ?? []), ...(o.allowPrincipals ?? [])],
    'allowPrincipals',
  );
  const ips = compileIpList([...(d.allowIps ?? []), ...(o.allowIps ?? [])]);
  for (const x of ips.invalid)
    bad('allowIps', `'${x}' is not an IP address or CIDR range like 203.0.113.0/24`);
  const params = { ...globals, ...(d.params ?? {}), ...(o.params ?? {}) };
  const t = d.title;
  return {
    def: d,
    id,
    kind: d.kind,
    emit: d.emit !== false,
    severity,
    params,
    when: d.when as CompiledRule['when'],
    principal: d.principal ? compileField(d.principal) : undefined,
    dedupKey: d.dedup?.key ? compileField(d.dedup.key) : undefined,
    dedupWindowMs: dedupWindowMs ?? DAY,
    groupBy,
    field,
    windowMs,
    count,
    historyMs,
    learningMs,
    allow,
    allowApps,
    allowPrincipals,
    allowIps: ips.matcher,
    unitKey: d.unitKey ? compileField(d.unitKey) : undefined,
    by,
    alias:
      d.kind === 'sequence' && d.alias
        ? { from: compileField(d.alias.from), to: compileField(d.alias.to) }
        : undefined,
    steps,
    stepOf: [],
    title: typeof t === 'function' ? (t as (ctx: FireContext) => string) : () => t,
  };
}
