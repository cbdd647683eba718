/**
 * What every finding sink (SNS, and any later one) promises to the publishing core.
 */
import type { Finding } from '../engine/findings';

/** The outcome of publishing one finding. One per input finding, in input order. */
export interface PublishResult {
  findingId: string;
  ok: boolean;
  /** The destination's id for the message (SNS MessageId) when `ok`. */
  messageId?: string;
  /** Why it failed, for logs and the caller's retry decision, when not `ok`. */
  error?: string;
}

/**
 * Delivers findings somewhere. Implementations report per-finding success or failure and never reject
 * the whole call because one finding failed; a rejected promise means nothing can be said about any
 * finding (treat all as failed).
 */
export interface FindingSink {
  publish(findings: Finding[]): Promise<PublishResult[]>;
}
