/**
 * Runs a rule's test cases the way a user's logs would go: raw vendor records through the real
 * normalizers, the real engine and an in-memory embedded state store (in two batches, so state
 * round-trips through the store as between invocations), and judges the result against the case's
 * expectation with a reason a person can act on.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { RuleOverride } from '../engine/compile';
import { Detector } from '../engine/detector';
import type { Finding } from '../engine/findings';
import type { RuleCase, RuleCases, RuleDefinition, RuleParams } from '../engine/rule';
import { normalize } from '../events/normalize';
import type { TriplineEvent } from '../events/types';
import { EmbeddedStateStore } from '../state/embedded';

/** Tenant given to records that carry none (Graph exports), as the poller or `--tenant` would. */
export const CASE_TENANT = '7d3e4c2a-91b5-4f0e-8a6d-2c9b1e5f4a70';

/** The outcome of one case. */
export interface CaseResult {
  rule: string;
  case: string;
  /** 'fires' or 'quiet', from the expectation. */
  expects: 'fires' | 'quiet';
  passed: boolean;
  /** Why it failed, one sentence. */
  reason?: string | undefined;
  /** The rule file, when it is a user rule. */
  file?: string | undefined;
  ms: number;
}

/** Everything a case run needs besides the case. */
export interface CaseContext {
  /** Every rule of the run, for sequence steps and `withRules`. */
  all: ReadonlyMap<string, RuleDefinition>;
  overrides?: Record<string, RuleOverride> | undefined;
  globals?: RuleParams | undefined;
}

function rulesFor(rule: RuleDefinition, extra: readonly string[], all: ReadonlyMap<string, RuleDefinition>) {
  const ids = new Set<string>([rule.id, ...extra]);
  if (rule.kind === 'sequence') for (const s of rule.steps) for (const id of s.rules) ids.add(id);
  const missing = [...ids].filter((id) => id !== rule.id && !all.has(id));
  const rules = [...ids]
    .map((id) => (id === rule.id ? rule : all.get(id)))
    .filter((r): r is RuleDefinition => !!r);
  return { rules, missing };
}

const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;

/**
 * Runs one case and says whether it passed, and if not, why.
 * @example
 * const r = await runRuleCase(rule, rule.cases.fires[0], { all: new Map([[rule.id, rule]]) });
 */
export async function runRuleCase(rule: RuleDefinition, c: RuleCase, ctx: CaseContext): Promise<CaseResult> {
  const started = performance.now();
  const expects = c.expect.findings > 0 || (c.expect.signals ?? 0) > 0 ? 'fires' : 'quiet';
  const result = (passed: boolean, reason?: string): CaseResult => ({
    rule: rule.id,
    case: c.name,
    expects,
    passed,
    ...(reason ? { reason } : {}),
    ms: performance.now() - started,
  });
  const events: TriplineEvent[] = [];
  for (const [i, rec] of c.records.entries()) {
    const res = normalize(rec, { tenant: c.tenant ?? CASE_TENANT });
    if (!res.ok) return result(false, `record ${i + 1} could not be read: ${res.reason}`);
    events.push(...res.events);
  }
  const { rules, missing } = rulesFor(rule, c.withRules ?? [], ctx.all);
  if (missing.length)
    return result(
      false,
      `needs rule${missing.length === 1 ? '' : 's'} ${missing.join(', ')}, which ${missing.length === 1 ? 'does' : 'do'} not exist`,
    );
  const overrides: Record<string, RuleOverride> = {};
  for (const r of rules) if (ctx.overrides?.[r.id]) overrides[r.id] = { ...ctx.overrides[r.id] };
  if (c.params) {
    const o = (overrides[rule.id] ??= {});
    o.params = { ...(o.params ?? {}), ...c.params };
  }
  for (const [id, o] of Object.entries(overrides))
    if (o.enabled === false && id !== rule.id) delete overrides[id];
  delete overrides[rule.id]?.enabled;
  const store = await EmbeddedStateStore.open(':memory:');
  const all = new Map<string, Finding>();
  let fires = 0;
  try {
    const d = new Detector({ rules, store, overrides, globals: ctx.globals });
    const half = Math.ceil(events.length / 2);
    for (const batch of [events.slice(0, half), events.slice(half)]) {
      const r = await d.process(batch);
      fires += r.stats.fires[rule.id] ?? 0;
      for (const f of [...r.findings, ...r.updated]) all.set(f.id, f);
      const err = r.ruleErrors[0];
      if (err) return result(false, `rule ${err.ruleId} threw on event ${err.eventId}: ${err.message}`);
    }
  } catch (err) {
    return result(false, (err as Error).message);
  } finally {
    await store.close();
  }
  const findings = [...all.values()].filter((f) => f.ruleId === rule.id);
  const got = findings
    .map((f) => `"${f.title}"`)
    .slice(0, 3)
    .join(', ');
  if (c.expect.signals !== undefined && fires !== c.expect.signals)
    return result(false, `expected ${plural(c.expect.signals, 'signal')}, got ${fires}`);
  if (findings.length !== c.expect.findings)
    return result(
      false,
      `expected ${plural(c.expect.findings, 'finding')}, got ${findings.length}${got ? `: ${got}` : ''}` +
        (findings.length === 0 && rule.emit === false && c.expect.signals === undefined
          ? ` (${rule.id} is a signal rule, emit: false; expect signals instead)`
          : ''),
    );
  const f = findings[0];
  if (f && c.expect.severity && f.severity !== c.expect.severity)
    return result(false, `expected severity ${c.expect.severity}, got ${f.severity}`);
  if (f && c.expect.principal && f.principal !== c.expect.principal)
    return result(false, `expected principal ${c.expect.principal}, got ${f.principal}`);
  return result(true);
}

/** Every case of a rule, firing ones first. */
export function casesOf(cases: RuleCases): RuleCase[] {
  return [...cases.fires, ...cases.quiet];
}

/**
 * The cases of the shipped rules, by rule id, found beside them (`shared/rules/<domain>/<id>.cases.ts`).
 */
export function shippedCases(rulesDir: string = join(__dirname, '..', 'rules')): Map<string, RuleCases> {
  const out = new Map<string, RuleCases>();
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name));
      else if (/\.cases\.[cm]?[jt]s$/.test(e.name)) {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const mod = require(join(dir, e.name)) as { default?: RuleCases };
        if (mod.default) out.set(e.name.replace(/\.cases\.[cm]?[jt]s$/, ''), mod.default);
      }
    }
  };
  walk(rulesDir);
  return out;
}
