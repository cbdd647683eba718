import { defineRule } from '../../engine/rule';
import type { TriplineEvent } from '../../events/types';

type Msg = {
  sender: string | undefined;
  recipient: string | undefined;
  subject: string | undefined;
  hasLink: boolean;
};

function obj(v: unknown): Record<string, unknown> | undefined {
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch {
      return undefined;
    }
  }
  return typeof v === 'object' && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}

/**
 * The Reports API writes message_info as nested parameters ({parameter: [{name, value |
 * messageValue | multiMessageValue}]}); flattened exports write it as a plain object.
 */
function flatten(v: unknown): unknown {
  const o = obj(v);
  if (o === undefined) return Array.isArray(v) ? v.map(flatten) : v;
  if (Array.isArray(o.parameter)) {
    const out: Record<string, unknown> = {};
    for (const p of o.parameter as Array<Record<string, unknown>>) {
      const name = typeof p.name === 'string' ? p.name : undefined;
      if (!name) continue;
      out[name] =
        p.value ??
        p.boolValue ??
        p.intValue ??
        p.multiValue ??
        flatten(p.messageValue) ??
        (Array.isArray(p.multiMessageValue) ? p.multiMessageValue.map(flatten) : undefined);
    }
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const k in o) out[k] = flatten(o[k]);
  return out;
}

export function gmailMessage(e: TriplineEvent): Msg | undefined {
  if (e.service !== 'gmail' || e.action !== 'delivery') return undefined;
  const mi = flatten(e.params.message_info) as Record<string, unknown> | undefined;
  if (!mi) return undefined;
  const src = mi.source as Record<string, unknown> | undefined;
  const dests = Array.isArray(mi.destination) ? (mi.destination as Array<Record<string, unknown>>) : [];
  const first = dests[0]?.address;
  const links = mi.link_domain;
  return {
    sender: typeof src?.address === 'string' ? src.address.toLowerCase() : undefined,
    recipient: typeof first === 'string' ? first.toLowerCase() : undefined,
    subject: typeof mi.subject === 'string' ? mi.subject : undefined,
    hasLink:
      (Array.isArray(links) ? links.length > 0 : typeof links === 'string' && links !== '') ||
      mi.attachment !== undefined,
  };
}

const domain = (a: string | undefined) => a?.slice(a.lastIndexOf('@') + 1);

function internal(e: TriplineEvent): Msg | undefined {
  const m = gmailMessage(e);
  if (!m?.sender || !m.recipient || !m.hasLink) return undefined;
  return domain(m.sender) === domain(m.recipient) ? m : undefined;
}

export default defineRule({
  id: 'internal-phish-burst',
  title: (c) =>
    `${internal(c.event)?.sender} sent "${internal(c.event)?.subject ?? ''}" with a link to ${c.observed} colleagues within an hour`,
  description:
    'One internal sender mailed the same subject carrying a link or attachment to at least 20 colleagues within an hour (Google Workspace Gmail log events, delivery): a compromised mailbox phishing its own organization. Messages without links or attachments are not counted. Pending: Microsoft 365 message trace is not part of the unified audit log Tripline reads, so Exchange mail is not covered yet.',
  kind: 'distinct',
  severity: 'high',
  attack: ['T1534', 'T1566.002'],
  sources: ['google.workspace'],
  actions: ['delivery'],
  when: (e) => internal(e) !== undefined,
  groupBy: (e) => {
    const m = internal(e);
    return m ? `${m.sender}|${(m.subject ?? '').toLowerCase()}` : undefined;
  },
  field: (e) => internal(e)?.recipient,
  count: 20,
  window: '1h',
  unit: 'internal recipients',
  runbook: [
    "Treat the sender's mailbox as compromised: revoke sessions, reset the password, check inbox rules and forwarding.",
    'Purge the message from every mailbox (Gmail: investigation tool > delete) and block the link domain.',
    'Find who clicked: sign-ins and consents of the recipients in the next hours.',
  ],
  falsePositives: [
    'Internal newsletters or announcements sent one by one by a person; distribution lists expand to one message, not 20.',
  ],
});
