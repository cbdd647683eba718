import type { Construct } from 'constructs';
import { EncryptedTopic } from './encrypted-topic';

/** Props of {@link FindingsTopic}. */
export interface FindingsTopicProps {
  /**
   * On-call addresses subscribed by e-mail; they receive the plain-text brief of each finding.
   * Machine subscribers (SQS, Lambda, HTTPS) receive the finding JSON and can filter on the message
   * attributes `severity`, `ruleId` and `tenant`.
   *
   * @default - no subscriptions
   */
  readonly emails?: readonly string[];
}

/**
 * The SNS topic Tripline publishes findings to: KMS-encrypted with its own rotating key, TLS-only,
 * e-mail subscriptions for on-call. Nothing but IAM principals of this account that were granted
 * {@link FindingsTopic.grantPublish} can publish, and the key serves only that.
 *
 * @example
 * ```ts
 * const findings = new FindingsTopic(this, 'Findings', { emails: ['oncall@example.com'] });
 * findings.grantPublish(detectorFunction);
 * ```
 */
export class FindingsTopic extends EncryptedTopic {
  constructor(scope: Construct, id: string, props: FindingsTopicProps = {}) {
    super(scope, id, {
      displayName: 'Tripline findings',
      description: 'Encrypts Tripline findings published to SNS',
      ...(props.emails ? { emails: props.emails } : {}),
    });
  }
}
