/**
 * A rule's runbook with the finding's ids filled in: placeholders in commands (`<trail>`, `<rule>`,
 * `<user>`) are replaced, and where a step says "the app", "this AppId", "the user" or "the source
 * address", the app, users or addresses of the evidence follow in a highlighted box. Steps that name
 * nothing the evidence knows are shown as written. Text in backticks is a command and shown as code.
 */
import { text } from './escape';
import type { FindingFacts } from './model';

const MAX_VALUES = 4;

function list(values: readonly string[]): string | undefined {
  if (!values.length) return undefined;
  const shown = values.slice(0, MAX_VALUES).join(', ');
  return values.length > MAX_VALUES ? `${shown} and ${values.length - MAX_VALUES} more` : shown;
}

function fill(value: string): string {
  return `<mark class="fill">${text(value)}</mark>`;
}

interface Phrase {
  re: RegExp;
  value(f: FindingFacts, principal: string): string | undefined;
}

function appLabel(f: FindingFacts): string | undefined {
  return list(f.apps.map((a) => (a.name && a.id ? `"${a.name}" (${a.id})` : (a.id ?? `"${a.name ?? ''}"`))));
}

function appIds(f: FindingFacts): string | undefined {
  return list(f.apps.map((a) => a.id ?? '').filter(Boolean));
}

/** Phrases of the shipped runbooks, each annotated (once per step) with the evidence's values. */
const PHRASES: Phrase[] = [
  { re: /\b(?:this AppId|the ClientAppId|its app id|the same app id|the client id)\b/i, value: appIds },
  { re: /\bthe app\b(?!'s grant)/i, value: appLabel },
  { re: /\bthe app's grant\b/i, value: appLabel },
  {
    re: /\bevery user who consented\b/i,
    value: (f) => list(f.firstStepActors.length ? f.firstStepActors : f.users),
  },
  {
    re: /\b(?:the user(?:'s)?|the mailbox|this account)\b(?! \(or admin\))/i,
    value: (f, p) => list(f.users.length ? f.users : [p]),
  },
  {
    re: /\b(?:the source address(?:es)?|the same address|the IP in the evidence)\b/i,
    value: (f) => list(f.ips),
  },
  { re: /\bthe actor\b/i, value: (f) => list(f.actors) },
];

/** Placeholders inside commands. */
function placeholder(name: string, f: FindingFacts, principal: string): string | undefined {
  switch (name) {
    case 'trail':
      return f.trails[0];
    case 'rule':
      return f.targets[0];
    case 'user':
      return f.users[0] ?? principal;
    default:
      return undefined;
  }
}

function prose(s: string, f: FindingFacts, principal: string): string {
  // Find each phrase's first match, then write the text with the values after those matches.
  const hits: Array<{ at: number; end: number; value: string }> = [];
  for (const p of PHRASES) {
    const m = p.re.exec(s);
    if (!m) continue;
    const at = m.index;
    const end = at + m[0].length;
    if (hits.some((h) => at < h.end && end > h.at)) continue;
    const value = p.value(f, principal);
    if (value) hits.push({ at, end, value });
  }
  hits.sort((a, b) => a.at - b.at);
  let out = '';
  let last = 0;
  for (const h of hits) {
    out += `${text(s.slice(last, h.end))} ${fill(h.value)}`;
    last = h.end;
  }
  return out + text(s.slice(last));
}

function command(s: string, f: FindingFacts, principal: string): string {
  let out = '';
  let last = 0;
  for (const m of s.matchAll(/<(trail|rule|user)>/g)) {
    const value = placeholder(m[1] as string, f, principal);
    if (value === undefined) continue;
    out += text(s.slice(last, m.index)) + fill(value);
    last = (m.index ?? 0) + m[0].length;
  }
  return `<code>${out}${text(s.slice(last))}</code>`;
}

/** One runbook step as HTML, with the finding's ids filled in. */
export function runbookStep(step: string, facts: FindingFacts, principal: string): string {
  const parts = step.split('`');
  // An odd number of parts: backticks are balanced, odd parts are commands.
  if (parts.length % 2 === 0) return prose(step, facts, principal);
  return parts.map((p, i) => (i % 2 ? command(p, facts, principal) : prose(p, facts, principal))).join('');
}
