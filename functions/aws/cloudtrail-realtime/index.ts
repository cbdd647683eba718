/**
 * PLACEHOLDER so the CDK app can bundle the real-time path; the real handler (normalize CloudTrail
 * events from SQS, run the detection engine, publish findings) replaces this file.
 */
export const handler = async (): Promise<{ batchItemFailures: { itemIdentifier: string }[] }> => ({
  batchItemFailures: [],
});
