/**
 * Publishes findings to an Azure Service Bus queue (or topic), for deployments without AWS: one
 * message per finding through the Service Bus REST API (`POST https://<namespace>.servicebus.windows.net/<queue>/messages`),
 * authenticated with a Microsoft Entra token (the Function App's managed identity: no key, no
 * connection string).
 *
 * Why Service Bus and not Event Grid: findings are few and must not be lost. A queue keeps each one
 * until a consumer (a Logic App that e-mails on-call, a SIEM connector, a ticketing function) has
 * settled it, retries and dead-letters what that consumer cannot handle, and holds 256 KB per
 * message on the Standard tier, the same budget as SNS, so a finding is rendered once for both.
 * Event Grid pushes to endpoints and drops what they refuse after its retries unless a dead-letter
 * container is set up, and bills per 64 KB. Service Bus also has duplicate detection: each message
 * carries a stable `MessageId` (the finding's claim key), so a retry after a crash between send and
 * claim confirmation is dropped by the queue, which closes the one window the claim protocol of
 * ./idempotent.ts leaves open.
 *
 * The message is SNS's, mapped:
 * - body: the finding JSON, exactly the `default` of {@link renderSnsMessage} (what SNS delivers to
 *   SQS, Lambda and HTTPS subscribers);
 * - `Label` (the AMQP `subject`): the SNS Subject (`[HIGH] oauth-chain: ...`);
 * - application properties `severity`, `ruleId`, `tenant`: the SNS message attributes, for topic
 *   subscription filters and Logic App conditions.
 *
 * Throttling (429, 503 ServerBusy) and 5xx are retried with backoff honouring `Retry-After`; 401/403
 * (no Azure Service Bus Data Sender role), 410 (no such queue) and 413/403 (too large) fail at once.
 */
import type { TokenCredential } from '@azure/identity';
import { createHash } from 'node:crypto';
import type { Finding } from '../engine/findings';
import { fetchJson, HttpError } from '../sources/http';
import type { FetchJsonOptions } from '../sources/http';
import { escalationClaimKey } from './idempotent';
import { renderSnsMessage } from './sns-message';
import type { RenderOptions } from './sns-message';
import type { FindingSink, PublishResult } from './types';

/** The Entra scope of Service Bus data-plane tokens. */
export const SERVICE_BUS_SCOPE = 'https://servicebus.azure.net/.default';

/** Content type of the REST "Send Message Batch" body. */
export const SERVICE_BUS_BATCH_CONTENT_TYPE = 'application/vnd.microsoft.servicebus.json';

/** Service Bus Standard's message limit (body, broker and application properties). */
export const SERVICE_BUS_MAX_MESSAGE_BYTES = 262_144;

/** Room kept under the limit for the BrokerProperties and application property headers. */
const HEADER_RESERVE_BYTES = 4096;

/** Service Bus message ids are at most 128 characters. */
const MAX_MESSAGE_ID_CHARS = 128;

/** Options of {@link ServiceBusFindingSink}. */
export interface ServiceBusFindingSinkOptions {
  /**
   * The queue (or topic) URL: `https://<namespace>.servicebus.windows.net/<queue>`. Plain http is
   * accepted only for loopback addresses (local emulators and tests).
   */
  queueUrl: string;
  /** An Entra credential with the Azure Service Bus Data Sender role on the queue. */
  credential: TokenCredential;
  /** Sends in flight at once. Default 4. */
  concurrency?: number;
  /** Passed to {@link renderSnsMessage}. `maxBytes` defaults to the Service Bus limit less header room. */
  render?: RenderOptions;
  /** How long an unconsumed finding stays in the queue, in seconds. Default: the queue's own setting. */
  timeToLiveSeconds?: number;
  /** Retry settings of each send (see `fetchJson`). Default: 5 attempts, 500 ms base backoff. */
  http?: Pick<
    FetchJsonOptions,
    'maxAttempts' | 'baseDelayMs' | 'maxDelayMs' | 'timeoutMs' | 'sleep' | 'fetch'
  >;
}

/** Thrown by the constructor for a queue URL it cannot use. */
export class ServiceBusSinkError extends Error {
  override readonly name = 'ServiceBusSinkError';
}

/**
 * The `MessageId` of a finding: its escalation claim key (`pub#<finding id>#x<bucket>`), the same key
 * runBatch claims, so one message id per finding per escalation bucket; hashed when longer than 128.
 */
export function serviceBusMessageId(finding: Finding): string {
  const key = escalationClaimKey(finding);
  if (key.length <= MAX_MESSAGE_ID_CHARS) return key;
  return `pub#sha256:${createHash('sha256').update(key, 'utf8').digest('hex')}`;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * A {@link FindingSink} that sends each finding to one Service Bus queue or topic.
 *
 * @example
 * ```ts
 * import { ManagedIdentityCredential } from '@azure/identity';
 * const sink = new ServiceBusFindingSink({
 *   queueUrl: 'https://tripline-abc.servicebus.windows.net/findings',
 *   credential: new ManagedIdentityCredential(),
 * });
 * const [result] = await sink.publish([finding]);
 * ```
 */
export class ServiceBusFindingSink implements FindingSink {
  readonly queueUrl: string;
  private readonly messagesUrl: string;
  private readonly credential: TokenCredential;
  private readonly concurrency: number;
  private readonly render: RenderOptions;
  private readonly ttl: number | undefined;
  private readonly http: ServiceBusFindingSinkOptions['http'];

  constructor(opts: ServiceBusFindingSinkOptions) {
    let url: URL;
    try {
      url = new URL(opts.queueUrl);
    } catch {
      throw new ServiceBusSinkError(
        `queueUrl ${JSON.stringify(opts.queueUrl)} is not a URL; use https://<namespace>.servicebus.windows.net/<queue>`,
      );
    }
    const path = url.pathname.replace(/\/+$/, '');
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname))) {
      throw new ServiceBusSinkError(`queueUrl ${opts.queueUrl} must use https (findings are sensitive)`);
    }
    if (path === '' || url.search !== '' || url.hash !== '') {
      throw new ServiceBusSinkError(
        `queueUrl ${opts.queueUrl} must name the queue and nothing else: https://<namespace>.servicebus.windows.net/<queue>`,
      );
    }
    this.queueUrl = `${url.origin}${path}`;
    this.messagesUrl = `${this.queueUrl}/messages`;
    this.credential = opts.credential;
    this.concurrency = Math.max(1, Math.floor(opts.concurrency ?? 4));
    this.render = { maxBytes: SERVICE_BUS_MAX_MESSAGE_BYTES - HEADER_RESERVE_BYTES, ...opts.render };
    this.ttl = opts.timeToLiveSeconds;
    this.http = opts.http;
  }

  /**
   * Sends each finding; one result per finding, in input order. A finding's failure (rendering, token,
   * HTTP) is its own `ok: false` result; the call rejects only if nothing could be attempted.
   */
  async publish(findings: Finding[]): Promise<PublishResult[]> {
    const results: PublishResult[] = new Array<PublishResult>(findings.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < findings.length) {
        const i = next++;
        const finding = findings[i];
        if (finding) results[i] = await this.publishOne(finding);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, findings.length) }, worker));
    return results;
  }

  private async publishOne(finding: Finding): Promise<PublishResult> {
    const findingId = finding.id;
    try {
      const rendered = renderSnsMessage(finding, this.render);
      const body = (JSON.parse(rendered.Message) as { default: string }).default;
      const messageId = serviceBusMessageId(finding);
      const broker: Record<string, unknown> = { MessageId: messageId, Label: rendered.Subject };
      if (this.ttl !== undefined) broker['TimeToLive'] = this.ttl;
      const token = await this.credential.getToken(SERVICE_BUS_SCOPE);
      if (!token) return { findingId, ok: false, error: 'the credential returned no token for Service Bus' };
      const userProperties: Record<string, string> = {};
      for (const [name, attr] of Object.entries(rendered.MessageAttributes))
        userProperties[name] = attr.StringValue;
      // The batch form (a batch of one): application properties travel in the JSON body with their exact
      // names and string types; as HTTP headers they would arrive lower-cased (ruleid) and untyped.
      await fetchJson(this.messagesUrl, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token.token}`,
          'content-type': SERVICE_BUS_BATCH_CONTENT_TYPE,
        },
        body: JSON.stringify([{ Body: body, BrokerProperties: broker, UserProperties: userProperties }]),
        ...this.http,
      });
      return { findingId, ok: true, messageId };
    } catch (e) {
      return { findingId, ok: false, error: describeError(e) };
    }
  }
}

/** A send failure in words, with what to do for the ones a retry cannot fix. */
function describeError(e: unknown): string {
  if (e instanceof HttpError) {
    const hint =
      e.status === 401 || e.status === 403
        ? ' (the identity needs the Azure Service Bus Data Sender role on the queue; 403 is also a full queue or a message over 256 KB)'
        : e.status === 404 || e.status === 410
          ? ' (the queue does not exist: check FINDINGS_QUEUE_URL)'
          : '';
    return `${e.message}${hint}`;
  }
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}
