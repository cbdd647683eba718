/**
 * An SNSClient pointed at the fake SNS over real HTTP.
 */
import { SNSClient } from '@aws-sdk/client-sns';

/** `maxAttempts` 1 makes injected failures final; the SDK default (3) retries 5xx and throttling. */
export function snsClientFor(endpoint: string, maxAttempts = 1): SNSClient {
  return new SNSClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDFAKESNS', secretAccessKey: 'fake-secret' },
    maxAttempts,
  });
}
