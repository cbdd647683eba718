/**
 * Publishes action messages to the findings topic (one Publish each; the SDK retries throttling and
 * 5xx).
 *
 * @module
 */
import { PublishCommand } from '@aws-sdk/client-sns';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { RenderedResponseMessage } from './core/message';
import type { ResponseNotifier } from './responder';

/** A {@link ResponseNotifier} over SNS. */
export class SnsResponseNotifier implements ResponseNotifier {
  constructor(
    private readonly client: SNSClient,
    private readonly topicArn: string,
  ) {}

  async publish(message: RenderedResponseMessage): Promise<string | undefined> {
    const out = await this.client.send(new PublishCommand({ TopicArn: this.topicArn, ...message }));
    return out.MessageId;
  }
}
