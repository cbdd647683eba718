/**
 * Sigma rules to Tripline rule documents. Detection rules of the cloud logsources Tripline reads
 * become match rules (or threshold / distinct rules for the old `| count() by` aggregation), and
 * correlation rules become threshold (event_count), distinct (value_count) or sequence
 * (temporal_ordered) rules over their base rules. What cannot be expressed faithfully is refused
 * with the reason, never approximated.
 *
 * Pure: YAML text in, rule documents and refusals out. Field names: ./mapping.ts.
 */
import { parseAllDocuments } from 'yaml';
import { parseDuration } from '../engine/duration';
import type { Condition, Leaf } from '../rules/format/condition';
import { RULE_ID_RE } from '../rules/format/schema';
import { mapField, mappingFor } from './mapping';
import type { LogsourceMapping } from './mapping';

/** Categories of refusal, for counting. */
export type RefusalCode =
  | 'no-source'
  | 'unmapped-field'
  | 'modifier'
  | 'keywords'
  | 'condition'
  | 'aggregation'
  | 'correlation'
  | 'no-attack-technique'
  | 'invalid';

/** A Sigma rule that was not converted. */
export interface Refusal {
  file: string;
  /** Sigma title or id, when it has one. */
  rule: string;
  code: RefusalCode;
  reason: string;
}

/** A converted rule: the Tripline rule document and the Sigma rule it came from. */
export interface Converted {
  file: string;
  sigmaId: string | undefined;
  doc: Record<string, unknown>;
}

export interface ConversionResult {
  converted: Converted[];
  refused: Refusal[];
}

class Refuse extends Error {
  constructor(
    readonly code: RefusalCode,
    message: string,
  ) {
    super(message);
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);

const LEVELS: Record<string, string> = {
  informational: 'info',
  low: 'low',
  medium: 'medium',
  high: 'high',
  critical: 'critical',
};

const SUPPORTED_MODIFIERS = new Set([
  'contains',
  'startswith',
  'endswith',
  're',
  'all',
  'cidr',
  'exists',
  'gt',
  'gte',
  'lt',
  'lte',
  'cased',
]);

/** kebab-case id from a title. */
export function slug(s: string, max = 60): string {
  const out = s
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, max)
    .replace(/-+$/g, '');
  return out || 'sigma-rule';
}

function attackIds(tags: unknown): string[] {
  if (!Array.isArray(tags)) return [];
  const out: string[] = [];
  for (const t of tags) {
    const m = /^attack\.(t\d{4}(?:\.\d{3})?)$/i.exec(String(t));
    if (m) out.push((m[1] as string).toUpperCase());
  }
  return [...new Set(out)];
}

/** Sigma wildcards (`*`, `?`, with `\` escapes) in a plain value. */
function hasWildcard(v: string): boolean {
  return /(^|[^\\])[*?]/.test(v);
}

function unescape(v: string): string {
  return v.replace(/\\([*?\\])/g, '$1');
}

function globToRegex(v: string): string {
  let out = '';
  for (let i = 0; i < v.length; i++) {
    const c = v[i] as string;
    if (c === '\\' && i + 1 < v.length && '*?\\'.includes(v[i + 1] as string)) {
      out += (v[i + 1] as string).replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
      i++;
    } else if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else out += c.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
  }
  return `^${out}$`;
}

type Scalar = string | number | boolean | null;

/** One Sigma `field|mod1|mod2: value(s)` item as a Tripline condition. */
function fieldCondition(key: string, value: unknown, m: LogsourceMapping): Condition {
  const [sigmaField, ...mods] = key.split('|') as [string, ...string[]];
  for (const mod of mods)
    if (!SUPPORTED_MODIFIERS.has(mod.toLowerCase()))
      throw new Refuse('modifier', `modifier |${mod} (on ${sigmaField}) has no Tripline equivalent`);
  const mapped = mapField(m, sigmaField);
  if (!mapped)
    throw new Refuse('unmapped-field', `field ${sigmaField} has no equivalent in ${m.source} events`);
  const field = mapped.field;
  const translate = (v: Scalar): Scalar =>
    typeof v === 'string' && mapped.values ? (mapped.values[v.toLowerCase()] ?? v) : v;
  const lowerMods = mods.map((x) => x.toLowerCase());
  const has = (x: string) => lowerMods.includes(x);
  const cased = has('cased') ? { caseSensitive: true } : {};
  const values: Scalar[] = (Array.isArray(value) ? value : [value]).map((v) => {
    if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) return translate(v as Scalar);
    throw new Refuse('invalid', `value of ${key} is not a text, number or boolean`);
  });
  if (values.length === 0) throw new Refuse('invalid', `${key} has an empty list of values`);
  const combine = (leaves: Condition[]): Condition =>
    leaves.length === 1 ? (leaves[0] as Condition) : has('all') ? { all: leaves } : { any: leaves };

  if (has('exists'))
    return { field, exists: values[0] === true || String(values[0]).toLowerCase() === 'true' };
  for (const op of ['gt', 'gte', 'lt', 'lte'] as const) {
    if (has(op)) {
      const nums = values.map(Number);
      if (nums.some((n) => !Number.isFinite(n)))
        throw new Refuse('invalid', `|${op} on ${sigmaField} needs a number`);
      return combine(nums.map((n) => ({ field, [op]: n }) as Leaf));
    }
  }
  if (has('cidr')) return combine(values.map((v) => ({ field, cidr: String(v) })));
  if (has('re')) return combine(values.map((v) => ({ field, regex: String(v), caseSensitive: !has('i') })));
  const textOp = has('contains')
    ? 'contains'
    : has('startswith')
      ? 'startswith'
      : has('endswith')
        ? 'endswith'
        : undefined;
  if (textOp) {
    if (values.some((v) => typeof v === 'string' && hasWildcard(v)))
      return combine(
        values.map((v) => {
          const g = String(v);
          const pat = globToRegex(g).slice(1, -1);
          const re = textOp === 'contains' ? pat : textOp === 'startswith' ? `^${pat}` : `${pat}$`;
          return { field, regex: re, ...cased };
        }),
      );
    if (has('all'))
      return { all: values.map((v) => ({ field, [textOp]: unescape(String(v)), ...cased }) as Leaf) };
    const list = values.map((v) => unescape(String(v)));
    return { field, [textOp]: list.length === 1 ? list[0] : list, ...cased } as Leaf;
  }
  // Plain values: equality, with Sigma wildcards as patterns; null means "no value".
  const leaves: Condition[] = [];
  const plain: Scalar[] = [];
  for (const v of values) {
    if (v === null) leaves.push({ field, exists: false });
    else if (typeof v === 'string' && hasWildcard(v)) {
      const body = v;
      if (/^\*[^*?]*\*$/.test(body) && !body.slice(1, -1).includes('\\'))
        leaves.push({ field, contains: body.slice(1, -1), ...cased });
      else if (/^[^*?]*\*$/.test(body) && !body.includes('\\'))
        leaves.push({ field, startswith: body.slice(0, -1), ...cased });
      else if (/^\*[^*?]*$/.test(body) && !body.includes('\\'))
        leaves.push({ field, endswith: body.slice(1), ...cased });
      else leaves.push({ field, regex: globToRegex(body), ...cased });
    } else plain.push(typeof v === 'string' ? unescape(v) : v);
  }
  if (has('all') && values.length > 1)
    return { all: [...plain.map((v) => ({ field, equals: v, ...cased }) as Leaf), ...leaves] };
  if (plain.length === 1) leaves.unshift({ field, equals: plain[0] as Scalar, ...cased });
  else if (plain.length > 1) leaves.unshift({ field, in: plain, ...cased });
  return leaves.length === 1 ? (leaves[0] as Condition) : { any: leaves };
}

/** A named detection item (a map: AND of fields; a list of maps: OR) as a condition. */
function selectionCondition(name: string, sel: unknown, m: LogsourceMapping): Condition {
  if (Array.isArray(sel)) {
    if (sel.every((x) => !isObj(x)))
      throw new Refuse('keywords', `'${name}' is a keyword list (full-text search with no field)`);
    return { any: sel.map((x, i) => selectionCondition(`${name}[${i}]`, x, m)) };
  }
  if (!isObj(sel)) throw new Refuse('keywords', `'${name}' is a keyword (full-text search with no field)`);
  const parts = Object.entries(sel).map(([k, v]) => fieldCondition(k, v, m));
  if (parts.length === 0) throw new Refuse('invalid', `'${name}' is empty`);
  return parts.length === 1 ? (parts[0] as Condition) : { all: parts };
}

// ---- The condition expression: and / or / not, parentheses, `1 of x*`, `all of them`. ----

type Token = { t: 'id' | 'and' | 'or' | 'not' | '(' | ')' | 'of'; v: string };

function tokenize(s: string): Token[] {
  const out: Token[] = [];
  const re = /\s*(\(|\)|[A-Za-z0-9_*.-]+)/y;
  let pos = 0;
  while (pos < s.length) {
    if (/^\s*$/.test(s.slice(pos))) break;
    re.lastIndex = pos;
    const m = re.exec(s);
    if (!m) throw new Refuse('condition', `cannot read the condition at '${s.slice(pos, pos + 20)}'`);
    pos = re.lastIndex;
    const w = m[1] as string;
    const lw = w.toLowerCase();
    if (w === '(' || w === ')') out.push({ t: w, v: w });
    else if (lw === 'and' || lw === 'or' || lw === 'not' || lw === 'of') out.push({ t: lw, v: w });
    else out.push({ t: 'id', v: w });
  }
  return out;
}

function parseCondition(expr: string, sels: Map<string, Condition>): Condition {
  const toks = tokenize(expr);
  let i = 0;
  const peek = () => toks[i];
  const take = () => toks[i++];
  const named = (pattern: string): string[] => {
    if (pattern === 'them') return [...sels.keys()].filter((k) => !k.startsWith('_'));
    if (pattern.endsWith('*')) return [...sels.keys()].filter((k) => k.startsWith(pattern.slice(0, -1)));
    return sels.has(pattern) ? [pattern] : [];
  };
  const primary = (): Condition => {
    const tok = take();
    if (!tok) throw new Refuse('condition', 'the condition ends too early');
    if (tok.t === '(') {
      const c = orExpr();
      if (take()?.t !== ')') throw new Refuse('condition', 'unbalanced parentheses in the condition');
      return c;
    }
    if (tok.t === 'not') return { not: primary() };
    if (tok.t !== 'id') throw new Refuse('condition', `unexpected '${tok.v}' in the condition`);
    if (peek()?.t === 'of') {
      take();
      const target = take();
      if (!target || target.t !== 'id') throw new Refuse('condition', `'${tok.v} of' needs a name`);
      const names = named(target.v);
      if (!names.length) throw new Refuse('condition', `no selection matches '${target.v}'`);
      const parts = names.map((n) => sels.get(n) as Condition);
      if (tok.v === 'all') return parts.length === 1 ? (parts[0] as Condition) : { all: parts };
      if (tok.v === '1' || tok.v.toLowerCase() === 'any')
        return parts.length === 1 ? (parts[0] as Condition) : { any: parts };
      throw new Refuse('condition', `'${tok.v} of' (more than one of several) has no Tripline equivalent`);
    }
    const c = sels.get(tok.v);
    if (!c)
      throw new Refuse('condition', `the condition names '${tok.v}', which the detection does not define`);
    return c;
  };
  const andExpr = (): Condition => {
    const parts = [primary()];
    while (peek()?.t === 'and') {
      take();
      parts.push(primary());
    }
    return parts.length === 1 ? (parts[0] as Condition) : { all: parts };
  };
  const orExpr = (): Condition => {
    const parts = [andExpr()];
    while (peek()?.t === 'or') {
      take();
      parts.push(andExpr());
    }
    return parts.length === 1 ? (parts[0] as Condition) : { any: parts };
  };
  const c = orExpr();
  if (i < toks.length) throw new Refuse('condition', `unexpected '${toks[i]?.v}' in the condition`);
  return c;
}

/** The old aggregation syntax: `... | count() by F > N`, `count(G) by F > N`. */
function parseAggregation(agg: string): { field?: string; by: string; count: number } {
  const m = /^\s*count\(\s*([A-Za-z0-9_.]*)\s*\)\s+by\s+([A-Za-z0-9_.]+)\s*(>=|>)\s*(\d+)\s*$/i.exec(agg);
  if (!m)
    throw new Refuse(
      'aggregation',
      `aggregation '${agg.trim()}' has no Tripline equivalent (only count() by F > N)`,
    );
  const n = Number(m[4]);
  return { ...(m[1] ? { field: m[1] } : {}), by: m[2] as string, count: m[3] === '>' ? n + 1 : n };
}

/** Pull `field: action` equality out of a top-level all: into `actions`, for the engine's index. */
function hoistActions(c: Condition): string[] | undefined {
  const parts = 'all' in c ? c.all : [c];
  for (const p of parts) {
    if ('field' in p && p.field === 'action' && !p.caseSensitive) {
      if (typeof p.equals === 'string') return [p.equals];
      if (Array.isArray(p.in) && p.in.every((v) => typeof v === 'string')) return p.in as string[];
    }
  }
  return undefined;
}

function metaOf(rule: Obj, file: string, idPrefix: string): Obj {
  const title = String(rule['title'] ?? 'Untitled Sigma rule');
  const sigmaId = rule['id'] !== undefined ? String(rule['id']) : undefined;
  const author = rule['author'] !== undefined ? String(rule['author']) : 'unknown author';
  const attack = attackIds(rule['tags']);
  if (!attack.length)
    throw new Refuse(
      'no-attack-technique',
      'no ATT&CK technique tag (attack.tNNNN); Tripline rules name at least one',
    );
  const level = LEVELS[String(rule['level'] ?? 'medium').toLowerCase()] ?? 'medium';
  const name =
    typeof rule['name'] === 'string' && RULE_ID_RE.test(rule['name'].replace(/_/g, '-'))
      ? rule['name'].replace(/_/g, '-')
      : slug(title);
  const fps = Array.isArray(rule['falsepositives']) ? rule['falsepositives'].map(String) : [];
  const refs = Array.isArray(rule['references']) ? rule['references'].map(String) : [];
  const description = String(rule['description'] ?? title)
    .trim()
    .replace(/\s+/g, ' ');
  return {
    id: `${idPrefix}${name}`,
    title,
    description: `${description.length >= 20 ? description : `${title}. ${description}`} (Sigma rule ${sigmaId ?? title} by ${author}, Detection Rule License 1.1.)`,
    severity: level,
    attack,
    // Detection Rule License 1.1: messages based on matches keep the rule's authors.
    why: `Matched the Sigma rule "${title.replace(/[{}]/g, '')}" by ${author.replace(/[{}]/g, '')} (Detection Rule License 1.1).`,
    runbook: [
      `Read the Sigma rule's intent: ${description.slice(0, 200)}${description.length > 200 ? '…' : ''}`,
      'Confirm with the actor named in the evidence whether this was expected; if not, contain the account and investigate.',
    ],
    falsePositives: fps.filter((f) => f.trim() !== ''),
    references: [...refs, ...(sigmaId ? [`sigma:${sigmaId}`] : []), `sigma-file:${file}`],
    tags: ['sigma', ...(sigmaId ? [`sigma-id:${sigmaId}`] : [])],
  };
}

function timespanOf(v: unknown, what: string, code: RefusalCode = 'correlation'): string {
  if (v === undefined || v === null || v === '')
    throw new Refuse(code, `no ${what}: Tripline counts within a window (add ${what}: 10m or similar)`);
  const s = typeof v === 'string' ? v.trim() : '';
  // Sigma writes 10m, 1h, 2d; months and years are not durations here.
  if (!s || parseDuration(s) === undefined)
    throw new Refuse(code, `${what} '${String(v)}' is not a duration like 10m or 1h`);
  return s;
}

/** Nested all-in-all and any-in-any flattened, so the rule reads as written. */
function simplify(c: Condition): Condition {
  if ('all' in c) {
    const parts = c.all.map(simplify).flatMap((p) => ('all' in p ? p.all : [p]));
    return parts.length === 1 ? (parts[0] as Condition) : { all: parts };
  }
  if ('any' in c) {
    const parts = c.any.map(simplify).flatMap((p) => ('any' in p ? p.any : [p]));
    return parts.length === 1 ? (parts[0] as Condition) : { any: parts };
  }
  if ('not' in c) return { not: simplify(c.not) };
  return c;
}

/** A detection rule's match condition and source. */
function detectionOf(rule: Obj): { when: Condition; mapping: LogsourceMapping; aggregation?: string } {
  const ls = isObj(rule['logsource']) ? (rule['logsource'] as Obj) : {};
  const mapping = mappingFor({
    ...(typeof ls['product'] === 'string' ? { product: ls['product'] } : {}),
    ...(typeof ls['service'] === 'string' ? { service: ls['service'] } : {}),
  });
  if ('reason' in mapping) throw new Refuse('no-source', mapping.reason);
  const det = rule['detection'];
  if (!isObj(det)) throw new Refuse('invalid', 'no detection');
  const sels = new Map<string, Condition>();
  for (const [k, v] of Object.entries(det)) {
    if (k === 'condition' || k === 'timeframe') continue;
    sels.set(k, selectionCondition(k, v, mapping));
  }
  const cond = det['condition'];
  const conds = Array.isArray(cond) ? cond.map(String) : [String(cond ?? '')];
  if (conds.length !== 1) throw new Refuse('condition', 'several conditions in one rule');
  const [expr, ...aggs] = (conds[0] as string).split('|');
  if (aggs.length > 1) throw new Refuse('aggregation', 'more than one aggregation');
  return {
    when: simplify(parseCondition(expr as string, sels)),
    mapping,
    ...(aggs[0] ? { aggregation: aggs[0] } : {}),
  };
}

function mappedGroupField(field: string, mapping: LogsourceMapping, what: string): string {
  const f = mapField(mapping, field);
  if (!f)
    throw new Refuse(
      'unmapped-field',
      `${what} field ${field} has no equivalent in ${mapping.source} events`,
    );
  if (f.values) throw new Refuse('correlation', `${what} field ${field} needs value translation`);
  return f.field;
}

function convertDetection(rule: Obj, file: string, idPrefix: string): Obj {
  // The source first: a rule for a log Tripline does not read is refused for that, whatever else.
  const { when, mapping, aggregation } = detectionOf(rule);
  const meta = metaOf(rule, file, idPrefix);
  const actions = hoistActions(when);
  const base = { ...meta, sources: [mapping.source], ...(actions ? { actions } : {}), when };
  if (!aggregation) return { ...base, kind: 'match' };
  const agg = parseAggregation(aggregation);
  const det = rule['detection'] as Obj;
  const window = timespanOf(det['timeframe'] ?? rule['timeframe'], 'timeframe', 'aggregation');
  const groupBy = mappedGroupField(agg.by, mapping, 'count() by');
  if (agg.field) {
    return {
      ...base,
      kind: 'distinct',
      groupBy,
      field: mappedGroupField(agg.field, mapping, 'count()'),
      count: agg.count,
      window,
    };
  }
  return { ...base, kind: 'threshold', groupBy, count: agg.count, window };
}

function countCondition(c: unknown): { count: number; field?: string } {
  if (!isObj(c)) throw new Refuse('correlation', 'correlation without a condition');
  const keys = Object.keys(c).filter((k) => k !== 'field');
  if (keys.length !== 1)
    throw new Refuse(
      'correlation',
      `condition ${keys.join(' and ')}: Tripline fires on one lower bound (gte or gt)`,
    );
  const k = keys[0] as string;
  const n = Number(c[k]);
  if (!Number.isInteger(n) || n < 0)
    throw new Refuse('correlation', `condition ${k}: ${String(c[k])} is not a whole number`);
  if (k !== 'gte' && k !== 'gt')
    throw new Refuse(
      'correlation',
      `condition ${k}: Tripline fires when a count reaches a lower bound (gte or gt), not ${k}`,
    );
  const count = Math.max(1, k === 'gt' ? n + 1 : n);
  return { count, ...(typeof c['field'] === 'string' ? { field: c['field'] } : {}) };
}

/**
 * Converts every rule in one Sigma YAML file (one or more documents: detection rules, and
 * correlation rules that name them by `name` or `id`).
 * @example
 * const { converted, refused } = convertSigma(text, 'rules/cloud/aws/cloudtrail/x.yml');
 */
export function convertSigma(text: string, file: string, opts: { idPrefix?: string } = {}): ConversionResult {
  const idPrefix = opts.idPrefix ?? 'sigma-';
  const converted: Converted[] = [];
  const refused: Refusal[] = [];
  let docs: Obj[];
  try {
    const parsed = parseAllDocuments(text.replace(/^\uFEFF/, ''));
    const list = Array.isArray(parsed) ? parsed : [];
    const errors = list.flatMap((d) => d.errors);
    if (errors.length) throw new Error(errors[0]?.message.split('\n')[0]);
    docs = list.map((d) => d.toJS({ maxAliasCount: 100 }) as unknown).filter(isObj);
  } catch (err) {
    return {
      converted,
      refused: [{ file, rule: file, code: 'invalid', reason: `not valid YAML: ${(err as Error).message}` }],
    };
  }
  const label = (r: Obj) => String(r['title'] ?? r['id'] ?? file);
  // Base rules by name and id, for correlations.
  const byRef = new Map<string, Obj>();
  for (const d of docs) {
    if (typeof d['name'] === 'string') byRef.set(d['name'], d);
    if (typeof d['id'] === 'string') byRef.set(d['id'], d);
  }
  const usedAsBase = new Set<Obj>();
  const correlations = docs.filter((d) => isObj(d['correlation']));
  for (const c of correlations) {
    try {
      const corr = c['correlation'] as Obj;
      const refs = Array.isArray(corr['rules']) ? corr['rules'].map(String) : [];
      const bases = refs.map((r) => {
        const b = byRef.get(r);
        if (!b)
          throw new Refuse(
            'correlation',
            `base rule '${r}' is not in this file; put the correlation and its rules in one file`,
          );
        return b;
      });
      const type = String(corr['type'] ?? '');
      const groupBy = Array.isArray(corr['group-by'])
        ? corr['group-by'].map(String)
        : corr['group-by']
          ? [String(corr['group-by'])]
          : [];
      if (groupBy.length !== 1)
        throw new Refuse('correlation', `group-by on ${groupBy.length} fields: Tripline groups by one field`);
      if (corr['aliases'] !== undefined) throw new Refuse('correlation', 'field aliases across base rules');
      const window = timespanOf(corr['timespan'], 'timespan');
      const meta = metaOf(c, file, idPrefix);
      if (type === 'event_count' || type === 'value_count') {
        if (bases.length !== 1)
          throw new Refuse('correlation', `${type} over ${bases.length} rules: convert it over one rule`);
        const base = bases[0] as Obj;
        const { when, mapping, aggregation } = detectionOf(base);
        if (aggregation) throw new Refuse('aggregation', 'base rule has its own aggregation');
        const cond = countCondition(corr['condition']);
        const actions = hoistActions(when);
        const doc: Obj = {
          ...meta,
          sources: [mapping.source],
          ...(actions ? { actions } : {}),
          when,
          groupBy: mappedGroupField(groupBy[0] as string, mapping, 'group-by'),
          count: cond.count,
          window,
        };
        if (type === 'value_count') {
          if (!cond.field) throw new Refuse('correlation', 'value_count without condition.field');
          doc['kind'] = 'distinct';
          doc['field'] = mappedGroupField(cond.field, mapping, 'value_count');
        } else doc['kind'] = 'threshold';
        usedAsBase.add(base);
        converted.push({ file, sigmaId: c['id'] !== undefined ? String(c['id']) : undefined, doc });
      } else if (type === 'temporal_ordered') {
        if (bases.length < 2) throw new Refuse('correlation', 'temporal_ordered needs at least two rules');
        const steps: Obj[] = [];
        const stepDocs: Converted[] = [];
        let by: string | undefined;
        for (const b of bases) {
          const { when, mapping, aggregation } = detectionOf(b);
          if (aggregation) throw new Refuse('aggregation', 'base rule has its own aggregation');
          const key = mappedGroupField(groupBy[0] as string, mapping, 'group-by');
          if (by !== undefined && key !== by)
            throw new Refuse('correlation', 'group-by maps to different fields in the base rules');
          by = key;
          const bm = metaOf(b, file, idPrefix);
          const actions = hoistActions(when);
          const stepDoc: Obj = {
            ...bm,
            kind: 'match',
            emit: false,
            sources: [mapping.source],
            ...(actions ? { actions } : {}),
            when,
            falsePositives: [],
          };
          stepDocs.push({ file, sigmaId: b['id'] !== undefined ? String(b['id']) : undefined, doc: stepDoc });
          steps.push({ rules: [stepDoc['id'] as string], label: String(b['title'] ?? stepDoc['id']) });
          usedAsBase.add(b);
        }
        const sources = [...new Set(stepDocs.flatMap((s) => s.doc['sources'] as string[]))];
        converted.push(...stepDocs, {
          file,
          sigmaId: c['id'] !== undefined ? String(c['id']) : undefined,
          doc: { ...meta, kind: 'sequence', sources, by, steps, window },
        });
      } else if (type === 'temporal') {
        throw new Refuse(
          'correlation',
          'temporal (any order): Tripline sequences are ordered; use temporal_ordered when the order is known',
        );
      } else {
        throw new Refuse('correlation', `correlation type '${type}' has no Tripline equivalent`);
      }
    } catch (err) {
      if (!(err instanceof Refuse)) throw err;
      refused.push({ file, rule: label(c), code: err.code, reason: err.message });
      // A base rule of a refused correlation is still a detection of its own.
    }
  }
  for (const d of docs) {
    if (isObj(d['correlation']) || usedAsBase.has(d)) continue;
    if (!isObj(d['detection'])) {
      if (d['title'] !== undefined)
        refused.push({ file, rule: label(d), code: 'invalid', reason: 'no detection and no correlation' });
      continue;
    }
    try {
      converted.push({
        file,
        sigmaId: d['id'] !== undefined ? String(d['id']) : undefined,
        doc: convertDetection(d, file, idPrefix),
      });
    } catch (err) {
      if (!(err instanceof Refuse)) throw err;
      refused.push({ file, rule: label(d), code: err.code, reason: err.message });
    }
  }
  return { converted, refused };
}
