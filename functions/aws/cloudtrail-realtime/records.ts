/**
 * SQS records in, normalized CloudTrail events out, and the way back from event ids to the SQS
 * messages that carried them (for `batchItemFailures`).
 */
import type { SQSRecord } from 'aws-lambda';
import { containerItems } from '#shared/events/containers';
import { detectSource, normalize } from '#shared/events/normalize';
import type { TriplineEvent } from '#shared/events/types';

/** A record that cannot be processed, ever: retrying would not change its body. */
export interface QuarantinedRecord {
  messageId: string;
  reason: string;
  /** The first characters of the body, for a person to look at. */
  excerpt: string;
}

/** The events of a batch and where each came from. */
export interface ParsedBatch {
  /** Normalized events, in record order. */
  events: TriplineEvent[];
  quarantined: QuarantinedRecord[];
  /** Event id -> the SQS messages that carried it (EventBridge may deliver one event twice). */
  messagesByEvent: Map<string, Set<string>>;
  /** Message ids of the records that produced at least one event, in record order. */
  withEvents: string[];
}

const EXCERPT_CHARS = 200;

/**
 * Parses each SQS body as an EventBridge event carrying a CloudTrail record (a bare CloudTrail record
 * or an S3-delivery `{"Records": [...]}` document is accepted too) and normalizes it. A body that is
 * not JSON, not CloudTrail, or not normalizable is quarantined with the reason; in a `Records`
 * document each record that cannot be normalized is quarantined alone and the others are kept.
 *
 * @example
 * ```ts
 * const { events, quarantined } = parseSqsRecords(event.Records, { tenant: config.tenantId });
 * ```
 */
export function parseSqsRecords(
  records: readonly SQSRecord[],
  opts: { tenant?: string | undefined } = {},
): ParsedBatch {
  const out: ParsedBatch = { events: [], quarantined: [], messagesByEvent: new Map(), withEvents: [] };
  for (const r of records) {
    const body = typeof r.body === 'string' ? r.body : '';
    const quarantine = (reason: string): void => {
      out.quarantined.push({ messageId: r.messageId, reason, excerpt: body.slice(0, EXCERPT_CHARS) });
    };
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch (e) {
      quarantine(`body is not JSON: ${(e as Error).message.slice(0, 120)}`);
      continue;
    }
    const source = detectSource(parsed);
    if (source !== 'aws.cloudtrail') {
      const why = source !== undefined ? `it looks like ${source}` : describeShape(parsed);
      quarantine(`not a CloudTrail event: ${why}`);
      continue;
    }
    // An S3 delivery document is read record by record, so one bad record (a time no clock shows)
    // is quarantined alone and the others go on.
    const c = containerItems(parsed);
    const items = c?.key === 'Records' ? c.items : [parsed];
    let carried = 0;
    for (let i = 0; i < items.length; i++) {
      const res = normalize(items[i], { tenant: opts.tenant });
      if (!res.ok) {
        const where = items.length > 1 || c !== undefined ? `Records[${i}]: ` : '';
        quarantine(`CloudTrail event cannot be normalized: ${where}${res.reason}`);
        continue;
      }
      for (const e of res.events) {
        carried++;
        out.events.push(e);
        const set = out.messagesByEvent.get(e.id);
        if (set) set.add(r.messageId);
        else out.messagesByEvent.set(e.id, new Set([r.messageId]));
      }
    }
    if (carried > 0) out.withEvents.push(r.messageId);
    else if (items.length === 0) quarantine('the message holds no CloudTrail record');
  }
  return out;
}

function describeShape(v: unknown): string {
  const res = normalize(v);
  if (!res.ok) return res.reason;
  return 'unknown record shape';
}

/** The message ids that carried any of `eventIds`, de-duplicated, in first-seen order. */
export function messagesFor(batch: ParsedBatch, eventIds: Iterable<string>): string[] {
  const out = new Set<string>();
  for (const id of eventIds) for (const m of batch.messagesByEvent.get(id) ?? []) out.add(m);
  return [...out];
}
