/**
 * Renders a finding as one SNS Publish request: a short ASCII Subject, a per-protocol JSON message
 * (full finding JSON for machines, a plain-text brief for people reading e-mail at 3 a.m.), and message
 * attributes for subscription filter policies. Pure and deterministic: the same finding and options
 * always give the same bytes.
 */
import type { EvidenceItem, Finding } from '../engine/findings';
import type { SourceId } from '../events/types';
import { safeJson, safeText } from '../text/safe';

/** SNS's limit on one Publish: message body plus subject plus message attributes, in UTF-8 bytes. */
export const SNS_MAX_PUBLISH_BYTES = 262_144;

/** SNS requires a Subject of fewer than 100 characters. */
export const SNS_MAX_SUBJECT_CHARS = 99;

/** One SNS message attribute as the SDK's PublishCommand takes it. */
export interface SnsStringAttribute {
  DataType: 'String';
  StringValue: string;
}

/** The Publish parameters this module produces (everything but TopicArn). */
export interface RenderedSnsMessage {
  Subject: string;
  Message: string;
  MessageStructure: 'json';
  MessageAttributes: {
    severity: SnsStringAttribute;
    ruleId: SnsStringAttribute;
    tenant: SnsStringAttribute;
  };
}

/** Options for {@link renderSnsMessage}. */
export interface RenderOptions {
  /** Put console deep links in the e-mail text. Default true. */
  consoleLinks?: boolean;
  /**
   * AWS region for CloudTrail event history links (event history is per region). Without it the links
   * open the console's last-used region, and the e-mail says so.
   */
  awsRegion?: string;
  /** Byte budget for the whole Publish (message + subject + attributes). Default {@link SNS_MAX_PUBLISH_BYTES}. */
  maxBytes?: number;
  /**
   * Most evidence lines in the e-mail timeline (first half and last half kept). Default
   * {@link DEFAULT_EMAIL_EVIDENCE_LINES}. The JSON is not affected: it keeps every item that fits.
   */
  emailEvidenceLines?: number;
}

/** A person reads the first and last events; hundreds of lines bury the runbook and cost the JSON its room. */
export const DEFAULT_EMAIL_EVIDENCE_LINES = 200;

/** The protocols that get the finding JSON when the message fits with every key spelled out. */
const MACHINE_PROTOCOLS = ['email-json', 'sqs', 'lambda', 'https'] as const;

/**
 * Renders one finding as SNS Publish parameters.
 *
 * - `Subject`: `[SEVERITY] ruleId: title`, printable ASCII only, under 100 characters (ellipsis `...`).
 * - `Message` (MessageStructure json): `default` is the finding JSON; `email` is the plain-text brief;
 *   `email-json`, `sqs`, `lambda`, `https` carry the finding JSON too. When spelling those out would
 *   push the request past the size budget they are dropped first: SNS delivers `default` to any
 *   protocol without its own key, so subscribers receive exactly the same bytes.
 * - `MessageAttributes`: `severity`, `ruleId`, `tenant` as String.
 *
 * When the request still exceeds the budget, evidence is trimmed in both the JSON and the e-mail
 * (the first and last items are kept, the middle dropped) and the JSON's `evidenceNote` and the
 * e-mail say how many were left out and where the full list is. Over-long text fields (identifiers,
 * tenant and attribute values included) are clipped only as a last resort, each with a
 * `...[N more characters clipped]` note, so a finding of any size is published.
 *
 * @throws Error only when `maxBytes` is too small for a finding clipped to its bones (a few KB).
 */
export function renderSnsMessage(finding: Finding, opts: RenderOptions = {}): RenderedSnsMessage {
  const maxBytes = opts.maxBytes ?? SNS_MAX_PUBLISH_BYTES;
  const Subject = renderSubject(finding);
  const MessageAttributes = renderAttributes(finding);
  const fixedBytes = utf8Bytes(Subject) + attributeBytes(MessageAttributes);
  const ordered = timeOrdered(finding.evidence);

  const fits = (message: string): boolean => fixedBytes + utf8Bytes(message) <= maxBytes;
  const result = (Message: string): RenderedSnsMessage => ({
    Subject,
    Message,
    MessageStructure: 'json',
    MessageAttributes,
  });

  // 1. Everything, every protocol key spelled out; then the same without the redundant keys.
  const full = { ...finding, evidence: ordered };
  const untrimmed = buildMessage(full, fullView(ordered), opts, true);
  if (fits(untrimmed)) return result(untrimmed);
  const compact = buildMessage(full, fullView(ordered), opts, false);
  if (fits(compact)) return result(compact);

  // 2. Trim evidence (then, as a last resort, clip long text) until it fits.
  for (const clip of CLIP_LEVELS) {
    const base = clip ? clipFinding(full, clip) : full;
    const items = base.evidence;
    const attempt = (kept: number): string => buildMessage(base, trimmedView(items, kept), opts, false);
    // Unclipped: keep at least the first and the last item, and fewer than all (all did not fit).
    // Clipped: anything from none to all.
    let lo = clip ? 0 : Math.min(2, items.length);
    let hi = clip ? items.length : items.length - 1;
    if (hi < lo || !fits(attempt(lo))) continue;
    // Largest kept count that fits; size grows with the count kept, so a binary search finds it.
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (fits(attempt(mid))) lo = mid;
      else hi = mid - 1;
    }
    return result(attempt(lo));
  }
  throw new Error(
    `finding ${finding.id} cannot be rendered within ${maxBytes} bytes even without evidence and with text clipped`,
  );
}

/** The UTF-8 size SNS counts for a Publish: message, subject, and each attribute's name, type and value. */
export function snsPublishBytes(msg: {
  Message: string;
  Subject?: string | undefined;
  MessageAttributes?: Record<string, { DataType: string; StringValue?: string | undefined }> | undefined;
}): number {
  return utf8Bytes(msg.Message) + utf8Bytes(msg.Subject ?? '') + attributeBytes(msg.MessageAttributes ?? {});
}

// ---------------------------------------------------------------------------------------------------
// Subject and attributes
// ---------------------------------------------------------------------------------------------------

/**
 * `[HIGH] oauth-chain: App "Contoso Sync" consented, ...`: printable ASCII (SNS rejects control
 * characters and line breaks), starts with `[`, at most {@link SNS_MAX_SUBJECT_CHARS} characters.
 */
export function renderSubject(finding: Finding): string {
  // Only the first hundred characters can show: fold no more than that (a title may be megabytes).
  const fold = (v: string): string => toAsciiLine(safeText(v.slice(0, 4 * SNS_MAX_SUBJECT_CHARS)));
  const title = fold(finding.title) || 'finding';
  const raw = `[${fold(finding.severity.toUpperCase())}] ${fold(finding.ruleId) || 'rule'}: ${title}`;
  if (raw.length <= SNS_MAX_SUBJECT_CHARS) return raw;
  return `${raw.slice(0, SNS_MAX_SUBJECT_CHARS - 3).trimEnd()}...`;
}

/** Longest message attribute value: filter policies match ids of a few dozen characters. */
const MAX_ATTRIBUTE_CHARS = 256;

function renderAttributes(finding: Finding): RenderedSnsMessage['MessageAttributes'] {
  // SNS rejects empty String attribute values.
  const str = (v: string): SnsStringAttribute => ({
    DataType: 'String',
    StringValue: clipText(oneLine(v), MAX_ATTRIBUTE_CHARS) || 'unknown',
  });
  return { severity: str(finding.severity), ruleId: str(finding.ruleId), tenant: str(finding.tenant) };
}

const ASCII_SUBSTITUTES: Record<string, string> = {
  '\u2018': "'",
  '\u2019': "'",
  '\u201a': "'",
  '\u201b': "'",
  '\u201c': '"',
  '\u201d': '"',
  '\u201e': '"',
  '\u2013': '-',
  '\u2014': '-',
  '\u2212': '-',
  '\u2026': '...',
  '\u00a0': ' ',
  '\u00ab': '"',
  '\u00bb': '"',
  '\u00df': 'ss',
  '\u00e6': 'ae',
  '\u00c6': 'AE',
  '\u00f8': 'o',
  '\u00d8': 'O',
  '\u0142': 'l',
  '\u0141': 'L',
};

/**
 * Folds text (already through safeText, so without controls) to printable ASCII: accents dropped,
 * typographic marks mapped, other spaces folded, the rest '?'.
 */
function toAsciiLine(s: string): string {
  let out = '';
  for (const ch of s.normalize('NFKD')) {
    const code = ch.codePointAt(0) ?? 0;
    if (code >= 0x20 && code < 0x7f) out += ch;
    else if (/\s/u.test(ch) || code < 0x20 || (code >= 0x7f && code <= 0x9f)) out += ' ';
    else if (/\p{M}/u.test(ch))
      continue; // combining accent left by NFKD
    else if (/[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/u.test(ch))
      continue; // invisible / bidi
    else out += ASCII_SUBSTITUTES[ch] ?? '?';
  }
  return out.replace(/\s+/g, ' ').trim();
}

// ---------------------------------------------------------------------------------------------------
// Text that came from audit logs (attacker-controlled: app names, targets, user agents, rule names)
// ---------------------------------------------------------------------------------------------------

/**
 * One line, controls and escape sequences shown visibly (shared/text/safe.ts). Every value in the
 * e-mail goes after a label or a number this module writes, so data can never start a line: no
 * forged "Severity: LOW" inside WHY IT FIRED, no extra section heading.
 */
const oneLine = (s: string): string => safeText(s).trim();

// ---------------------------------------------------------------------------------------------------
// Evidence views (what is kept when trimming)
// ---------------------------------------------------------------------------------------------------

interface Numbered {
  /** 1-based position in the finding's full evidence list. */
  n: number;
  item: EvidenceItem;
}

interface EvidenceView {
  /** Items carried in the message, in time order, numbered by their place in the full list. */
  shown: Numbered[];
  total: number;
  /** How many were left out of this message to fit the size limit. */
  omitted: number;
}

function fullView(items: EvidenceItem[]): EvidenceView {
  return { shown: items.map((item, i) => ({ n: i + 1, item })), total: items.length, omitted: 0 };
}

/** Keeps `kept` items: the first ceil(kept/2) and the last floor(kept/2). */
function trimmedView(items: EvidenceItem[], kept: number): EvidenceView {
  const numbered = items.map((item, i) => ({ n: i + 1, item }));
  const shown = keepEnds(numbered, kept);
  return { shown, total: items.length, omitted: items.length - shown.length };
}

/** The first ceil(k/2) and the last floor(k/2) of a list. */
function keepEnds<T>(xs: T[], k: number): T[] {
  const keep = Math.max(0, Math.min(Math.floor(k), xs.length));
  if (keep === xs.length) return xs;
  const head = Math.ceil(keep / 2);
  return [...xs.slice(0, head), ...xs.slice(xs.length - (keep - head))];
}

/** Stable sort by time (the contract says time order; this makes the timeline right even when it is not). */
function timeOrdered(items: EvidenceItem[]): EvidenceItem[] {
  const keyed = items.map((item, i) => ({ item, i, t: Date.parse(item.time) }));
  keyed.sort((a, b) => {
    const ta = Number.isNaN(a.t) ? Infinity : a.t;
    const tb = Number.isNaN(b.t) ? Infinity : b.t;
    return ta === tb ? a.i - b.i : ta - tb;
  });
  return keyed.map((k) => k.item);
}

function trimNote(finding: Finding, view: EvidenceView): string {
  const kept = view.shown.length;
  const head = Math.ceil(kept / 2);
  const tailPart = kept - head > 0 ? ` and the last ${fmtInt(kept - head)}` : '';
  return (
    `${fmtInt(view.omitted)} of ${fmtInt(view.total)} evidence items were left out of this SNS message ` +
    `to fit the SNS 256 KB message limit (kept the first ${fmtInt(head)}${tailPart}). ` +
    `The finding's count says how many events matched; search the source logs by the times above (finding id ${finding.id}) for the rest.`
  );
}

// ---------------------------------------------------------------------------------------------------
// Last-resort clipping of long text
// ---------------------------------------------------------------------------------------------------

interface ClipLevel {
  /** Longest string kept, in characters. */
  text: number;
  /** Longest list kept (runbook, false positives, ATT&CK ids). */
  list: number;
}

/**
 * null = no clipping; then progressively harder clipping, used only when trimming evidence is not
 * enough. Every string field is clipped, identifiers included, so the last level always fits: a
 * finding is never abandoned for its size.
 */
const CLIP_LEVELS: ReadonlyArray<ClipLevel | null> = [
  null,
  { text: 2000, list: 50 },
  { text: 200, list: 10 },
  { text: 64, list: 3 },
];

function clipText(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max)}...[${fmtInt(s.length - max)} more characters clipped]`;
}

function clipFinding(f: Finding, level: ClipLevel): Finding {
  const t = (s: string): string => clipText(s, level.text);
  const opt = (s: string | undefined): string | undefined => (s === undefined ? undefined : t(s));
  const list = (xs: string[]): string[] => {
    const kept = xs.slice(0, level.list).map(t);
    if (xs.length > level.list) kept.push(`...[${fmtInt(xs.length - level.list)} more entries clipped]`);
    return kept;
  };
  const clipped: Finding = {
    ...f,
    id: t(f.id),
    ruleId: t(f.ruleId),
    tenant: t(f.tenant),
    dedupKey: t(f.dedupKey),
    firstSeen: t(f.firstSeen),
    lastSeen: t(f.lastSeen),
    title: t(f.title),
    principal: t(f.principal),
    attack: list(f.attack),
    why: t(f.why),
    runbook: list(f.runbook),
    evidence: f.evidence.map((e) => ({
      ...e,
      id: t(e.id),
      time: t(e.time),
      action: t(e.action),
      actor: t(e.actor),
      ip: opt(e.ip),
      target: opt(e.target),
      stepRule: opt(e.stepRule),
    })),
  };
  if (f.description !== undefined) clipped.description = t(f.description);
  if (f.falsePositives !== undefined) clipped.falsePositives = list(f.falsePositives);
  if (f.evidenceNote !== undefined) clipped.evidenceNote = t(f.evidenceNote);
  return clipped;
}

// ---------------------------------------------------------------------------------------------------
// Message assembly
// ---------------------------------------------------------------------------------------------------

function buildMessage(f: Finding, view: EvidenceView, opts: RenderOptions, explicitKeys: boolean): string {
  let jsonFinding: Finding = f;
  if (view.omitted > 0) {
    const note = trimNote(f, view);
    jsonFinding = {
      ...f,
      evidence: view.shown.map((x) => x.item),
      evidenceNote: f.evidenceNote ? `${f.evidenceNote} ${note}` : note,
    };
  }
  const json = safeJson(jsonFinding);
  const structure: Record<string, string> = { default: json, email: renderEmailText(f, view, opts) };
  if (explicitKeys) for (const p of MACHINE_PROTOCOLS) structure[p] = json;
  return JSON.stringify(structure);
}

/**
 * The plain-text e-mail body for a finding (all evidence, no trimming). Exposed for previews and tests;
 * {@link renderSnsMessage} uses the same layout with trimming applied.
 */
export function renderEmailBody(finding: Finding, opts: RenderOptions = {}): string {
  return renderEmailText(finding, fullView(timeOrdered(finding.evidence)), opts);
}

const RULE = '='.repeat(72);

function renderEmailText(f: Finding, view: EvidenceView, opts: RenderOptions): string {
  const out: string[] = [];
  const sev = oneLine(f.severity.toUpperCase());
  const first = fmtTime(f.firstSeen);
  const firstMs = Date.parse(f.firstSeen);
  const lastMs = Date.parse(f.lastSeen);
  const sources = distinctSources(f.evidence);

  out.push(`${sev} FINDING: ${oneLine(f.title)}`, RULE, '');

  out.push('WHAT HAPPENED');
  out.push(`  Title:     ${oneLine(f.title)}`);
  if (f.description) out.push(`  About:     ${oneLine(f.description)}`);
  out.push(`  Severity:  ${sev}`);
  out.push(`  Rule:      ${oneLine(f.ruleId)}`);
  if (f.attack.length > 0) out.push(`  ATT&CK:    ${f.attack.map(oneLine).join(', ')}`);
  if (f.count > 1) {
    out.push(`  Matches:   ${fmtInt(f.count)} (repeats of this finding were suppressed into this one)`);
  }
  if (sources.length > 0) out.push(`  Sources:   ${sources.map(oneLine).join(', ')}`);
  out.push('');

  out.push('WHO');
  out.push(`  Principal: ${oneLine(f.principal)}`);
  out.push(`  Tenant:    ${oneLine(f.tenant)}`);
  out.push('');

  out.push('WHEN (UTC)');
  out.push(`  First seen: ${first}`);
  out.push(`  Last seen:  ${fmtTime(f.lastSeen)}`);
  if (!Number.isNaN(firstMs) && !Number.isNaN(lastMs)) {
    out.push(`  Span:       ${fmtDuration(lastMs - firstMs)} from first to last event`);
  }
  out.push('');

  out.push('WHY IT FIRED');
  out.push(`  ${oneLine(f.why) || '(the rule gave no explanation)'}`);
  out.push('');

  out.push('WHAT TO DO FIRST');
  if (f.runbook.length === 0) out.push('  (no runbook steps for this rule)');
  f.runbook.forEach((step, i) => {
    out.push(`  ${i + 1}. ${oneLine(step)}`);
  });
  out.push('');

  if (opts.consoleLinks ?? true) {
    const links = consoleLinks(f, opts.awsRegion);
    if (links.length > 0) {
      out.push('WHERE TO LOOK');
      for (const l of links) {
        out.push(`  ${l.label}`);
        out.push(`    ${l.url}`);
      }
      out.push('');
    }
  }

  const lines = keepEnds(view.shown, opts.emailEvidenceLines ?? DEFAULT_EMAIL_EVIDENCE_LINES);
  out.push(
    lines.length < view.total
      ? `EVIDENCE TIMELINE (showing ${fmtInt(lines.length)} of ${fmtInt(view.total)} events, oldest first)`
      : `EVIDENCE TIMELINE (${fmtInt(view.total)} event${view.total === 1 ? '' : 's'}, oldest first)`,
  );
  if (f.evidenceNote) out.push(`  Note: ${oneLine(f.evidenceNote)}`);
  if (view.omitted > 0) out.push(`  Note: ${trimNote(f, view)}`);
  if (lines.length < view.shown.length) {
    out.push(
      `  Note: this e-mail lists ${fmtInt(lines.length)} of the ${fmtInt(view.shown.length)} events in the ` +
        `finding JSON that SQS, Lambda, HTTPS and email-json subscribers receive.`,
    );
  }
  if (view.total === 0) out.push('  (no evidence events attached)');
  const width = String(view.total).length;
  let prev = 0;
  for (const x of lines) {
    if (x.n > prev + 1) out.push(`  ... ${fmtInt(x.n - prev - 1)} events not shown here ...`);
    out.push(evidenceLine(x.n, width, x.item, firstMs));
    prev = x.n;
  }
  if (view.total > prev) out.push(`  ... ${fmtInt(view.total - prev)} events not shown here ...`);
  out.push('');

  if (f.falsePositives && f.falsePositives.length > 0) {
    out.push('COULD BE BENIGN IF');
    for (const fp of f.falsePositives) out.push(`  - ${oneLine(fp)}`);
    out.push('');
  }

  out.push('REFERENCE');
  out.push(`  Finding id: ${oneLine(f.id)}`);
  out.push(`  Dedup key:  ${oneLine(f.dedupKey)}`);
  out.push(`  Schema:     v${f.schemaVersion}`);
  out.push('');
  out.push('Machine subscribers (SQS, Lambda, HTTPS, email-json) receive this finding as JSON.');
  return out.join('\n');
}

function evidenceLine(n: number, width: number, e: EvidenceItem, firstMs: number): string {
  const t = Date.parse(e.time);
  const offset = Number.isNaN(t) || Number.isNaN(firstMs) ? '' : ` (+${fmtDuration(t - firstMs)})`;
  const parts = [`  #${String(n).padStart(width, '0')}  ${fmtTime(e.time)}${offset}`];
  if (e.step !== undefined) {
    parts.push(`step ${e.step}${e.stepRule ? ` (${oneLine(e.stepRule)})` : ''}:`);
  } else if (e.stepRule) {
    parts.push(`(${oneLine(e.stepRule)}):`);
  }
  parts.push(oneLine(e.action) || '(no action)');
  const fields = [`actor=${oneLine(e.actor) || '-'}`];
  if (e.ip) fields.push(`ip=${oneLine(e.ip)}`);
  if (e.target) fields.push(`target=${oneLine(e.target)}`);
  fields.push(`source=${oneLine(e.source)}`);
  return `${parts.join('  ')}  |  ${fields.join('  ')}`;
}

// ---------------------------------------------------------------------------------------------------
// Console links
// ---------------------------------------------------------------------------------------------------

/** A console page relevant to the finding, with what to filter by when the page takes no filter in its URL. */
export interface ConsoleLink {
  label: string;
  url: string;
}

const ENTRA_AUDIT = 'https://entra.microsoft.com/#view/Microsoft_AAD_IAM/ActiveDirectoryMenuBlade/~/Audit';
const ENTRA_SIGNINS =
  'https://entra.microsoft.com/#view/Microsoft_AAD_IAM/ActiveDirectoryMenuBlade/~/SignIns';
const PURVIEW_AUDIT = 'https://purview.microsoft.com/audit/auditsearch';
const GOOGLE_INVESTIGATION = 'https://admin.google.com/ac/sc/investigation';
const GOOGLE_AUDIT = 'https://admin.google.com/ac/reporting/audit';

/** How many CloudTrail event-name / event-id links at most. */
const MAX_CLOUDTRAIL_NAMES = 3;

/**
 * Console deep links for the sources the finding's evidence came from: CloudTrail event history
 * (filtered by user name, event name, event id), Entra sign-in / audit log blades, Purview audit
 * search, Google Admin audit logs and investigation tool.
 */
export function consoleLinks(f: Finding, awsRegion?: string): ConsoleLink[] {
  const links: ConsoleLink[] = [];
  const sources = distinctSources(f.evidence);
  const from = fmtTime(f.firstSeen);
  const to = fmtTime(f.lastSeen);
  const principal = oneLine(f.principal);
  const window = `${from} to ${to}`;

  for (const source of sources) {
    const items = f.evidence.filter((e) => e.source === source);
    const actors = distinct(items.map((e) => oneLine(e.actor)).filter((a) => a.length > 0));
    const who = actors.length > 0 ? listSome(actors, 3) : principal;
    switch (source) {
      case 'aws.cloudtrail': {
        const region = awsRegion && /^[a-z]{2}(-[a-z]+)+-\d+$/.test(awsRegion) ? awsRegion : undefined;
        const base = region
          ? `https://${region}.console.aws.amazon.com/cloudtrailv2/home?region=${region}#/events`
          : 'https://console.aws.amazon.com/cloudtrailv2/home#/events';
        const where = region
          ? ` in ${region}`
          : ' (opens your last-used region; event history is per region)';
        const user = cloudTrailUsername(f.principal);
        if (user) {
          links.push({
            label: `CloudTrail event history for user name ${oneLine(user)}${where}:`,
            url: `${base}?Username=${urlPart(user)}`,
          });
        }
        const names = distinct(items.map((e) => e.action).filter((a) => a.length > 0));
        for (const name of names.slice(0, MAX_CLOUDTRAIL_NAMES)) {
          links.push({
            label: `CloudTrail event history for event name ${oneLine(name)}${where}:`,
            url: `${base}?EventName=${urlPart(name)}`,
          });
        }
        const ids = distinct([items[0]?.id, items[items.length - 1]?.id].filter((x): x is string => !!x));
        for (const id of ids) {
          links.push({
            label: `CloudTrail event ${oneLine(id)}${where}:`,
            url: `${base}?EventId=${urlPart(id)}`,
          });
        }
        break;
      }
      case 'entra.signin':
        links.push({
          label: `Entra sign-in logs (tenant ${oneLine(f.tenant)}; filter user/app ${who}; ${window}):`,
          url: ENTRA_SIGNINS,
        });
        break;
      case 'entra.audit':
        links.push({
          label: `Entra audit logs (tenant ${oneLine(f.tenant)}; filter initiated by ${who}; ${window}):`,
          url: ENTRA_AUDIT,
        });
        break;
      case 'm365.audit': {
        const ops = distinct(items.map((e) => oneLine(e.action)));
        links.push({
          label: `Microsoft Purview audit search (users ${who}; activities ${listSome(ops, 5)}; ${window}):`,
          url: PURVIEW_AUDIT,
        });
        break;
      }
      case 'google.workspace': {
        for (const log of distinct(
          items.map((e) => googleAuditLog(e.action)).filter((x) => x !== undefined),
        )) {
          links.push({
            label: `Google Admin ${log.label} audit log (filter actor ${who}; ${window}):`,
            url: `${GOOGLE_AUDIT}/${log.path}`,
          });
        }
        links.push({
          label: `Google Admin investigation tool (search actor ${who}; ${window}):`,
          url: GOOGLE_INVESTIGATION,
        });
        break;
      }
    }
  }
  return links;
}

/** CloudTrail's Username lookup value for a principal ARN (user name, role session name, 'root'). */
function cloudTrailUsername(principal: string): string | undefined {
  const arn = /^arn:aws[a-z-]*:(iam|sts)::\d{12}:(.+)$/.exec(principal.trim());
  if (arn) {
    const resource = arn[2] ?? '';
    if (resource === 'root') return 'root';
    const parts = resource.split('/');
    if (parts[0] === 'user') return parts[parts.length - 1];
    if (parts[0] === 'assumed-role') return parts[2];
    return undefined;
  }
  // A bare user name; not an IP, an ARN of another kind or an account id.
  const p = principal.trim();
  if (!p || p.startsWith('arn:') || /^\d{12}$/.test(p) || /^[\d.]+$|:.*:/.test(p)) return undefined;
  return p;
}

const GOOGLE_LOGS: Record<string, { label: string; path: string }> = {
  token: { label: 'OAuth token', path: 'token' },
  login: { label: 'login', path: 'login' },
  admin: { label: 'admin', path: 'admin' },
  drive: { label: 'Drive', path: 'drive' },
};

/** Which Google Admin audit log an action name belongs to, when the name makes it clear. */
function googleAuditLog(action: string): { label: string; path: string } | undefined {
  const a = action.trim();
  if (/^(authorize|revoke|request|activity)$/i.test(a)) return GOOGLE_LOGS.token;
  if (
    /^(login_|logout$|suspicious_login|account_disabled|gov_attack_warning|risky_sensitive_action)/i.test(a)
  ) {
    return GOOGLE_LOGS.login;
  }
  if (/^[A-Z][A-Z0-9_]+$/.test(a)) return GOOGLE_LOGS.admin;
  if (/^(download|view|edit|change_user_access|change_document_visibility|change_acl_editors)$/.test(a)) {
    return GOOGLE_LOGS.drive;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------------

/** Lone surrogates (a cut emoji, hostile data) make encodeURIComponent throw. */
const LONE_SURROGATE_RE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** A URL query value from data: lone surrogates replaced by U+FFFD, then percent-encoded (never throws). */
function urlPart(s: string): string {
  return encodeURIComponent(s.replace(LONE_SURROGATE_RE, '\ufffd'));
}

/** 'a, b, c and 4 more'. */
function listSome(xs: string[], max: number): string {
  const more = xs.length - max;
  return more > 0 ? `${xs.slice(0, max).join(', ')} and ${fmtInt(more)} more` : xs.join(', ');
}

function distinct<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

function distinctSources(items: EvidenceItem[]): SourceId[] {
  return distinct(items.map((e) => e.source));
}

function utf8Bytes(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

function attributeBytes(
  attrs: Record<string, { DataType: string; StringValue?: string | undefined }>,
): number {
  let n = 0;
  for (const [name, a] of Object.entries(attrs)) {
    n += utf8Bytes(name) + utf8Bytes(a.DataType) + utf8Bytes(a.StringValue ?? '');
  }
  return n;
}

/** ISO-8601 UTC, seconds precision unless the source had milliseconds; raw text if unparseable. */
function fmtTime(iso: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return `${oneLine(iso)} (unparsed)`;
  const s = new Date(t).toISOString();
  return s.endsWith('.000Z') ? `${s.slice(0, -5)}Z` : s;
}

/** `2d 3h 4m 5s`; `0s` for zero; negative spans (clock skew) shown with a minus sign. */
function fmtDuration(ms: number): string {
  if (ms < 0) return `-${fmtDuration(-ms)}`;
  let s = Math.round(ms / 1000);
  const d = Math.floor(s / 86_400);
  s -= d * 86_400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const parts: string[] = [];
  if (d) parts.push(`${d}d`);
  if (h) parts.push(`${h}h`);
  if (m) parts.push(`${m}m`);
  if (s || parts.length === 0) parts.push(`${s}s`);
  return parts.join(' ');
}

/** 5000 -> '5,000' without depending on the process locale. */
function fmtInt(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
