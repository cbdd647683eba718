/**
 * Real-time Entra ID detection in Azure: Entra diagnostic settings stream audit and sign-in logs to an
 * Event Hub within seconds; this function reads them in batches (`cardinality: 'many'`) and runs the
 * same engine as the Lambda functions.
 *
 * Each Event Hub event carries one Azure Monitor envelope `{"records": [...]}` (or a single record).
 * Per batch:
 * - every record is normalized on its own: one that cannot be (bad JSON, a time no clock shows) is
 *   quarantined with its partition, sequence number and reason, and the others go on; records of
 *   categories Tripline does not read (provisioning, risky users, Graph activity...) are counted as
 *   ignored, not quarantined;
 * - `runBatch` detects and publishes once (claims, outbox).
 *
 * Failures, and what the runtime does with them (docs/deploy-azure.md, "Failures and retries"):
 * - detection failed (state unreachable) or a finding could not be published: the invocation throws,
 *   and the function's retry policy ({@link ENTRA_EVENTHUB_RETRY}) runs the same batch again, holding
 *   the partition's checkpoint meanwhile. Running a batch again is safe: events already counted are
 *   recognised by id, and a pending finding is published from the tenant's outbox.
 * - still failing on the last retry: the batch is written whole to the dead-letter blob container
 *   (`tripline-deadletter/entra-eventhub/...`) through an output binding, logged, and the invocation
 *   succeeds so the checkpoint moves on (an Event Hub never redelivers a single event, and a partition
 *   must not stop for hours). A failed publish also stays in the outbox, retried with the tenant's
 *   next batch.
 */
import { output } from '@azure/functions';
import type { InvocationContext, StorageBlobOutput } from '@azure/functions';
import { containerItems } from '#shared/events/containers';
import { readEnvelope } from '#shared/events/azure-envelope';
import { detectSource, normalize } from '#shared/events/normalize';
import { isObj } from '#shared/events/fields';
import type { TriplineEvent } from '#shared/events/types';
import { runBatch } from '#shared/pipeline/run-batch';
import type { RunBatchResult } from '#shared/pipeline/run-batch';
import { buildAzureRuntime, errorText, logBatchProblems, logTo } from './runtime';
import type { AzureRuntime, AzureRuntimeOptions } from './runtime';

/** Retry policy of the Event Hub function: exponential, 5 retries, 10 s up to 5 minutes. */
export const ENTRA_EVENTHUB_RETRY = {
  strategy: 'exponentialBackoff',
  maxRetryCount: 5,
  minimumInterval: { seconds: 10 },
  maximumInterval: { minutes: 5 },
} as const;

/** Where a batch that failed every retry is kept: a blob per batch in the Function App's storage. */
export const DEAD_LETTER_CONTAINER = 'tripline-deadletter';

/** The output binding the dead-letter blob is written through (identity-based AzureWebJobsStorage). */
export const entraDeadLetter: StorageBlobOutput = output.storageBlob({
  path: `${DEAD_LETTER_CONTAINER}/entra-eventhub/{DateTime:yyyy-MM-dd}/{rand-guid}.json`,
  connection: 'AzureWebJobsStorage',
});

/** A record that cannot be processed, ever. */
export interface QuarantinedEvent {
  /** Index of the Event Hub event in the batch. */
  event: number;
  /** Index of the record in the event's `records`, when it had several. */
  record?: number;
  reason: string;
  excerpt: string;
}

/** What one invocation did (also logged). */
export interface EntraBatchSummary {
  events: number;
  records: number;
  normalized: number;
  ignored: number;
  quarantined: QuarantinedEvent[];
  findings: number;
  published: number;
  duplicates: number;
  failedPublishes: number;
  /** True when the batch was written to the dead-letter container on the last retry. */
  deadLettered: boolean;
}

/** The Event Hub handler signature (`cardinality: 'many'`). */
export type EntraEventHubHandler = (
  events: unknown[],
  context: InvocationContext,
) => Promise<EntraBatchSummary>;

const EXCERPT_CHARS = 200;

function excerpt(v: unknown): string {
  try {
    const s =
      typeof v === 'string' ? v : Buffer.isBuffer(v) ? v.toString('utf8') : (JSON.stringify(v) ?? String(v));
    return s.slice(0, EXCERPT_CHARS);
  } catch {
    return String(v).slice(0, EXCERPT_CHARS);
  }
}

/** The event body as JSON: the host hands objects, strings or bytes depending on the producer. */
function parseEvent(body: unknown): { ok: true; value: unknown } | { ok: false; reason: string } {
  let text: string | undefined;
  if (typeof body === 'string') text = body;
  else if (body instanceof Uint8Array) text = Buffer.from(body).toString('utf8');
  else return { ok: true, value: body };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (e) {
    return { ok: false, reason: `event body is not JSON: ${(e as Error).message.slice(0, 120)}` };
  }
}

/**
 * Splits a batch into normalized events, ignored records (other Azure Monitor categories) and
 * quarantined records, each record judged alone.
 */
export function parseEntraBatch(
  bodies: readonly unknown[],
  tenant?: string,
): {
  events: TriplineEvent[];
  records: number;
  ignored: Map<string, number>;
  quarantined: QuarantinedEvent[];
} {
  const events: TriplineEvent[] = [];
  const ignored = new Map<string, number>();
  const quarantined: QuarantinedEvent[] = [];
  let records = 0;
  bodies.forEach((body, i) => {
    const parsed = parseEvent(body);
    if (!parsed.ok) {
      records++;
      quarantined.push({ event: i, reason: parsed.reason, excerpt: excerpt(body) });
      return;
    }
    const c = containerItems(parsed.value);
    const items = c?.key === 'records' ? c.items : [parsed.value];
    items.forEach((rec, j) => {
      records++;
      const where = items.length > 1 || c !== undefined ? { record: j } : {};
      const source = detectSource(rec);
      if (source !== 'entra.audit' && source !== 'entra.signin') {
        const env = isObj(rec) ? readEnvelope(rec) : undefined;
        if (env !== undefined && source === undefined) {
          // An Azure Monitor record of a category Tripline does not read: not an error.
          const category = env.category ?? env.operationName ?? 'unknown';
          ignored.set(category, (ignored.get(category) ?? 0) + 1);
          return;
        }
        const why = source !== undefined ? `it is ${source}, not an Entra log` : undefined;
        const res = why ? undefined : normalize(rec);
        quarantined.push({
          event: i,
          ...where,
          reason: why ?? (res && !res.ok ? res.reason : 'not an Entra audit or sign-in record'),
          excerpt: excerpt(rec),
        });
        return;
      }
      const res = normalize(rec, { source, tenant });
      if (!res.ok) {
        quarantined.push({ event: i, ...where, reason: res.reason, excerpt: excerpt(rec) });
        return;
      }
      events.push(...res.events);
    });
  });
  return { events, records, ignored, quarantined };
}

/** True on the last attempt the retry policy allows. */
function lastAttempt(context: InvocationContext): boolean {
  const r = context.retryContext;
  return r !== undefined && r.maxRetryCount >= 0 && r.retryCount >= r.maxRetryCount;
}

/**
 * Builds the Event Hub handler; dependencies are created on the first invocation and reused.
 *
 * @example
 * ```ts
 * app.eventHub('entraLogs', { connection: 'ENTRA_EVENTHUB', eventHubName: '%ENTRA_EVENTHUB_NAME%', cardinality: 'many',
 *   retry: ENTRA_EVENTHUB_RETRY, extraOutputs: [entraDeadLetter], handler: createEntraEventHubHandler() });
 * ```
 */
export function createEntraEventHubHandler(options: AzureRuntimeOptions = {}): EntraEventHubHandler {
  let runtime: AzureRuntime | undefined;
  return async (events, context) => {
    try {
      runtime ??= buildAzureRuntime(options);
    } catch (e) {
      context.error(`Tripline cannot start: ${errorText(e)}`);
      throw e;
    }
    return handleBatch(runtime, Array.isArray(events) ? events : [events], context);
  };
}

async function handleBatch(
  rt: AzureRuntime,
  bodies: unknown[],
  context: InvocationContext,
): Promise<EntraBatchSummary> {
  const meta = context.triggerMetadata ?? {};
  const partition = (meta['partitionContext'] as { partitionId?: string } | undefined)?.partitionId;
  const sequences = Array.isArray(meta['sequenceNumberArray'])
    ? (meta['sequenceNumberArray'] as unknown[])
    : [];
  const batch = parseEntraBatch(bodies, rt.config.tenantId);
  const summary: EntraBatchSummary = {
    events: bodies.length,
    records: batch.records,
    normalized: batch.events.length,
    ignored: [...batch.ignored.values()].reduce((a, b) => a + b, 0),
    quarantined: batch.quarantined,
    findings: 0,
    published: 0,
    duplicates: 0,
    failedPublishes: 0,
    deadLettered: false,
  };
  for (const q of batch.quarantined) {
    logTo(context, 'warn', 'Record quarantined: it cannot be processed and will not be retried', {
      partition,
      sequenceNumber: sequences[q.event],
      event: q.event,
      record: q.record,
      reason: q.reason,
      excerpt: q.excerpt,
    });
  }
  if (batch.ignored.size > 0) {
    logTo(context, 'info', 'Records of categories Tripline does not read were skipped', {
      categories: Object.fromEntries(batch.ignored),
    });
  }

  let failure: string | undefined;
  let res: RunBatchResult | undefined;
  if (batch.events.length > 0) {
    try {
      res = await runBatch(batch.events, {
        detector: rt.detector,
        store: rt.store,
        sink: rt.sink,
        now: rt.now(),
        claimTtlMs: rt.claimTtlMs,
      });
    } catch (e) {
      failure = `detection failed: ${errorText(e)}`;
    }
  }
  if (res) {
    summary.findings = res.findings.length;
    summary.published = res.published.length;
    summary.duplicates = res.duplicates.length;
    summary.failedPublishes = res.failedPublishes.length;
    for (const p of res.published) {
      logTo(context, p.warning ? 'warn' : 'info', 'Finding published', {
        findingId: p.finding.id,
        ruleId: p.finding.ruleId,
        severity: p.finding.severity,
        tenant: p.finding.tenant,
        principal: p.finding.principal,
        messageId: p.messageId,
        ...(p.warning ? { warning: p.warning } : {}),
      });
    }
    logBatchProblems(context, res);
    if (res.failedPublishes.length > 0) {
      for (const f of res.failedPublishes) {
        logTo(context, 'error', 'Finding not published; the batch will be retried', {
          findingId: f.findingId,
          ruleId: f.ruleId,
          error: f.error,
          pendingInOutbox: f.pending,
        });
      }
      failure = `${res.failedPublishes.length} finding(s) could not be published`;
    }
  }

  if (failure !== undefined) {
    if (!lastAttempt(context)) {
      logTo(context, 'error', 'Batch failed; the retry policy runs it again', {
        partition,
        error: failure,
        retry: context.retryContext?.retryCount ?? 0,
      });
      throw new Error(`Tripline Entra batch failed (${failure}); retrying`);
    }
    context.extraOutputs.set(
      entraDeadLetter,
      JSON.stringify({
        failedAt: new Date(rt.now()).toISOString(),
        partition,
        sequences,
        error: failure,
        events: bodies,
      }),
    );
    summary.deadLettered = true;
    logTo(
      context,
      'error',
      'Batch failed on its last retry; written to the dead-letter container and skipped',
      {
        partition,
        firstSequenceNumber: sequences[0],
        lastSequenceNumber: sequences[sequences.length - 1],
        container: DEAD_LETTER_CONTAINER,
        error: failure,
      },
    );
  }
  logTo(context, 'info', 'Batch done', { partition, ...summary, quarantined: summary.quarantined.length });
  return summary;
}
