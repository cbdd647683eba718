/**
 * What Tripline costs per million CloudTrail events on the real-time path, from the figures the
 * bench measures in the same run: DynamoDB write units and read items per 1,000 events (bench/aws.ts,
 * batches of 100 as SQS delivers them) and CPU time per event (the replay measurement).
 *
 * Prices are AWS list prices for us-east-1 (on-demand, arm64), per unit; change them here for
 * another region. Assumptions, each stated so it can be checked:
 * - EventBridge: CloudTrail management events on the default bus are AWS service events: no charge.
 * - SQS (standard): one SendMessage per event (EventBridge target), and the Lambda event source
 *   receives and deletes in batches of 10: 1.2 requests per event.
 * - Lambda: batches of 100 events, 512 MB, billed time = CPU time of the events + 4 DynamoDB round
 *   trips of 10 ms per batch (one read, three staged writes).
 * - CloudWatch Logs: about 1 KB of structured log per invocation.
 * - SNS publishes happen per finding, not per event: negligible next to the rest.
 */

export const PRICES_USD = {
  lambdaGbSecondArm: 0.0000133334,
  lambdaRequest: 0.2 / 1e6,
  dynamoWriteUnit: 0.625 / 1e6,
  dynamoReadUnit: 0.125 / 1e6,
  sqsRequest: 0.4 / 1e6,
  logsIngestGb: 0.5,
} as const;

export interface CostInputs {
  writeUnitsPer1kEvents: number;
  readItemsPer1kEvents: number;
  /** Normalize + detect throughput per CPU second (the bench's replayEventsPerCpuSec). */
  eventsPerCpuSecond: number;
  batchSize?: number;
  memoryGb?: number;
}

export interface CostPerMillion {
  /** Everything below, per million events. */
  total: number;
  /** Lambda + DynamoDB: what detection itself costs. */
  detection: number;
  lambda: number;
  dynamoWrites: number;
  dynamoReads: number;
  /** SQS requests between EventBridge and the function. */
  sqs: number;
  logs: number;
}

const round4 = (x: number) => Math.round(x * 10_000) / 10_000;

export function costPerMillionEvents(c: CostInputs): CostPerMillion {
  const events = 1e6;
  const batch = c.batchSize ?? 100;
  const memoryGb = c.memoryGb ?? 0.5;
  const invocations = events / batch;
  const seconds = events / c.eventsPerCpuSecond + invocations * 4 * 0.01;
  const lambda = seconds * memoryGb * PRICES_USD.lambdaGbSecondArm + invocations * PRICES_USD.lambdaRequest;
  const dynamoWrites = c.writeUnitsPer1kEvents * 1000 * PRICES_USD.dynamoWriteUnit;
  const dynamoReads = c.readItemsPer1kEvents * 1000 * PRICES_USD.dynamoReadUnit;
  const sqs = events * 1.2 * PRICES_USD.sqsRequest;
  const logs = ((invocations * 1024) / 1024 ** 3) * PRICES_USD.logsIngestGb;
  const detection = lambda + dynamoWrites + dynamoReads;
  return {
    total: round4(detection + sqs + logs),
    detection: round4(detection),
    lambda: round4(lambda),
    dynamoWrites: round4(dynamoWrites),
    dynamoReads: round4(dynamoReads),
    sqs: round4(sqs),
    logs: round4(logs),
  };
}
