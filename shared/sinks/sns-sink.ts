/**
 * Publishes findings to an SNS topic, one Publish per finding.
 *
 * Why not PublishBatch: a PublishBatch request's 10 entries share one 256 KB payload limit, while each
 * rendered finding is allowed to use up to 256 KB on its own (the e-mail brief plus the finding JSON),
 * so batching would force either far harder evidence trimming or a packing step that splits batches by
 * size. Findings are few (they are alerts, not events), so the extra requests cost nothing that matters,
 * and one Publish per finding gives the per-finding result directly. Requests run with a small
 * concurrency limit; the SDK retries throttling and 5xx answers with its own backoff.
 */
import { PublishCommand } from '@aws-sdk/client-sns';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { Finding } from '../engine/findings';
import { renderSnsMessage } from './sns-message';
import type { RenderOptions } from './sns-message';
import type { FindingSink, PublishResult } from './types';

/** Options for {@link SnsFindingSink}. */
export interface SnsFindingSinkOptions {
  /** Publish requests in flight at once. Default 4. */
  concurrency?: number;
  /** Passed to {@link renderSnsMessage} (console links, AWS region for CloudTrail links). */
  render?: RenderOptions;
}

/** A {@link FindingSink} that publishes each finding to one SNS topic. */
export class SnsFindingSink implements FindingSink {
  private readonly concurrency: number;
  private readonly render: RenderOptions;

  /**
   * @param client an SNSClient configured with region, credentials and (for tests) endpoint; its
   *   `maxAttempts` / retry strategy decides how hard each Publish is retried.
   * @param topicArn the topic findings go to.
   */
  constructor(
    private readonly client: SNSClient,
    private readonly topicArn: string,
    opts: SnsFindingSinkOptions = {},
  ) {
    this.concurrency = Math.max(1, Math.floor(opts.concurrency ?? 4));
    this.render = opts.render ?? {};
  }

  /**
   * Publishes each finding; resolves with one result per finding, in input order. Never rejects for a
   * single finding's failure (rendering or SNS error): that finding's result carries `ok: false` and
   * the error (`Code: message (HTTP status)`).
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
      const out = await this.client.send(new PublishCommand({ TopicArn: this.topicArn, ...rendered }));
      if (!out.MessageId)
        return { findingId, ok: false, error: 'SNS accepted the Publish but returned no MessageId' };
      return { findingId, ok: true, messageId: out.MessageId };
    } catch (e) {
      return { findingId, ok: false, error: describeError(e) };
    }
  }
}

/** `Throttling: Rate exceeded (HTTP 400, 3 attempts)` from an SDK error; the message for anything else. */
export function describeError(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const meta = (e as { $metadata?: { httpStatusCode?: number; attempts?: number } }).$metadata;
  const code = (e as { Code?: unknown }).Code;
  const name = typeof code === 'string' && code ? code : e.name;
  const detail: string[] = [];
  if (meta?.httpStatusCode) detail.push(`HTTP ${meta.httpStatusCode}`);
  if (meta?.attempts && meta.attempts > 1) detail.push(`${meta.attempts} attempts`);
  return `${name}: ${e.message}${detail.length > 0 ? ` (${detail.join(', ')})` : ''}`;
}
