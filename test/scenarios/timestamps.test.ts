/**
 * Timestamps as real feeds carry them, end to end: `tripline replay` on files, and the real-time
 * Lambda on SQS batches (state in dynalite, findings to a fake SNS over HTTP).
 *
 * What a user relies on: epoch times in seconds, milliseconds, microseconds or nanoseconds are read
 * as the instant they name; a time no clock shows (30 February, year 0026, 9999-12-31) sends its
 * own record to quarantine with the field and the value named, and every other record, and the
 * attack they carry, goes on.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { Finding } from '#shared/engine/findings';
import { ALL_RULES } from '#shared/rules/index';
import { createStateTable } from '#shared/state/dynamodb';
import { createHandler } from '../../functions/aws/cloudtrail-realtime/index';
import type { RealtimeHandler } from '../../functions/aws/cloudtrail-realtime/index';
import { cleanupTempDirs, jsonl, lines, run, signIn, tempDir, write } from '../cli/helpers';
import { captureOutput } from '../functions/capture';
import type { Captured } from '../functions/capture';
import { consoleLoginFailure, iamUserCall, sqsEvent, sqsRecord } from '../functions/cloudtrail-events';
import { snsClientFor } from '../sinks/sns-client';
import { startDynalite } from '../state/local-dynamodb';
import type { LocalDynamo } from '../state/local-dynamodb';
import { startFakeSns } from '../support/fake-sns';
import type { FakeSns } from '../support/fake-sns';

afterAll(cleanupTempDirs);

const TENANT = '4f1e7a2c-9b3d-4c5e-8f6a-1b2c3d4e5f60';
const T0 = Date.UTC(2026, 2, 2, 9, 0, 0);
const iso = (t: number): string => new Date(t).toISOString();

/** Ten failed Graph sign-ins for alice, 30 s apart from 09:00:00, their times written by `timeOf`. */
function bruteForce(timeOf: (t: number, i: number) => unknown): Record<string, unknown>[] {
  return Array.from({ length: 10 }, (_, i) => {
    const t = T0 + i * 30_000;
    return { ...signIn(iso(t), 'alice@contoso.com'), createdDateTime: timeOf(t, i) };
  });
}

async function replay(dir: string, ...flags: string[]) {
  return run(['replay', dir, '--state', ':memory:', '--tenant', TENANT, '--no-progress', ...flags], {
    rules: ALL_RULES,
  });
}

const findingsOf = (stdout: string): Finding[] => lines(stdout).map((l) => JSON.parse(l) as Finding);

describe('tripline replay: epoch times in any unit', () => {
  // How pipelines other than the vendor's own API write times (Firehose transforms, SIEM exports).
  const units: Array<(t: number) => unknown> = [
    (t) => iso(t),
    (t) => t / 1000, // seconds
    (t) => String(t / 1000),
    (t) => t, // milliseconds
    (t) => String(t),
    (t) => t * 1000, // microseconds
    (t) => `${t}000`,
    (t) => t * 1e6, // nanoseconds
    (t) => `${t}000000`,
    (t) => iso(t),
  ];

  it('finds the brute force, dated 09:00:00 to 09:04:30, when its sign-ins mix seconds, milliseconds, microseconds and nanoseconds', async () => {
    const dir = tempDir();
    write(dir, 'signins.jsonl', jsonl(bruteForce((t, i) => (units[i] as (t: number) => unknown)(t))));

    const r = await replay(dir, '--format', 'jsonl');
    expect(r.code).toBe(0);
    const brute = findingsOf(r.stdout).filter((f) => f.ruleId === 'brute-force');
    expect(brute).toHaveLength(1);
    expect(brute[0]).toMatchObject({
      principal: 'alice@contoso.com',
      firstSeen: '2026-03-02T09:00:00.000Z',
      lastSeen: '2026-03-02T09:04:30.000Z',
    });
  });

  it('reports the events of such a file as spanning 09:00:00 to 09:04:30, none quarantined', async () => {
    const dir = tempDir();
    write(dir, 'signins.jsonl', jsonl(bruteForce((t, i) => (units[i] as (t: number) => unknown)(t))));

    const r = await replay(dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/records +10 read, 10 events normalized, 0 quarantined/);
    expect(r.stdout).toMatch(/events from +2026-03-02 09:00:00 to 2026-03-02 09:04:30 UTC/);
  });
});

describe('tripline replay: times no clock shows', () => {
  it('quarantines 30 February, year 0026 and 9999-12-31, each naming its field and value, and still finds the brute force around them', async () => {
    const dir = tempDir();
    const good = bruteForce((t) => iso(t));
    const bad = [
      { ...signIn(iso(T0), 'alice@contoso.com'), createdDateTime: '2026-02-30T09:01:00Z' },
      { ...signIn(iso(T0), 'alice@contoso.com'), createdDateTime: '0026-03-02T09:01:00Z' },
      { ...signIn(iso(T0), 'alice@contoso.com'), createdDateTime: '9999-12-31T23:59:59.9999999Z' },
    ];
    const file = write(dir, 'signins.jsonl', jsonl([...good.slice(0, 4), ...bad, ...good.slice(4)]));
    const quarantine = join(tempDir(), 'quarantine.jsonl');

    const r = await replay(dir, '--format', 'jsonl', '--quarantine', quarantine);
    expect(r.code).toBe(0);
    expect(findingsOf(r.stdout).filter((f) => f.ruleId === 'brute-force')).toHaveLength(1);
    const q = lines(readFileSync(quarantine, 'utf8')).map(
      (l) => JSON.parse(l) as { file: string; line: number; reason: string },
    );
    expect(q.map(({ file: f, line, reason }) => ({ f, line, reason }))).toEqual([
      {
        f: file,
        line: 5,
        reason:
          "createdDateTime '2026-02-30T09:01:00Z' is not a calendar date (February 2026 has 28 days) (the record looks like a Graph signIn)",
      },
      {
        f: file,
        line: 6,
        reason:
          "createdDateTime '0026-03-02T09:01:00Z' is before 1970 (year 26): no audit log holds such a time (the record looks like a Graph signIn)",
      },
      {
        f: file,
        line: 7,
        reason:
          "createdDateTime '9999-12-31T23:59:59.9999999Z' is in 2100 or later: no audit log holds such a time (a unit mix-up or a placeholder date) (the record looks like a Graph signIn)",
      },
    ]);
  });
});

describe("tripline replay: every vendor's own time format, one folder", () => {
  it('reads Graph, Azure Monitor, UAL, Purview CSV, CloudTrail and Workspace times as the instants they name', async () => {
    const dir = tempDir();
    const at = (min: number) => T0 + min * 60_000;
    // Graph /auditLogs/signIns page: seven fractional digits.
    write(
      dir,
      'graph-signins.json',
      JSON.stringify({
        '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#auditLogs/signIns',
        value: [
          { ...signIn(iso(at(0)), 'bob@contoso.com', 0), createdDateTime: '2026-03-02T09:00:00.0000000Z' },
        ],
      }),
    );
    // Azure Monitor (Event Hubs / storage): the Graph object in `properties`, here without its own time.
    const { createdDateTime: _c, ...inner } = signIn(iso(at(1)), 'bob@contoso.com', 0);
    write(
      dir,
      'azure-monitor.json',
      JSON.stringify({
        records: [
          {
            time: '2026-03-02T09:01:00.1234567Z',
            resourceId: `/tenants/${TENANT}/providers/Microsoft.aadiam`,
            operationName: 'Sign-in activity',
            category: 'SignInLogs',
            tenantId: TENANT,
            resultType: '0',
            properties: inner,
          },
        ],
      }),
    );
    // Unified audit log (Management Activity API): CreationTime without a zone, UTC.
    const ual = (min: number, op: string) => ({
      CreationTime: iso(at(min)).slice(0, 19),
      Id: `9e8d7c6b-5a4f-4e3d-8c2b-00000000000${min}`,
      Operation: op,
      OrganizationId: TENANT,
      RecordType: 2,
      ResultStatus: 'Succeeded',
      UserKey: '10032001A2B3C4D5',
      UserType: 0,
      Version: 1,
      Workload: 'Exchange',
      ClientIPAddress: '198.51.100.23',
      UserId: 'bob@contoso.com',
      MailboxOwnerUPN: 'bob@contoso.com',
    });
    write(dir, 'ual.jsonl', jsonl([ual(2, 'MailItemsAccessed')]));
    // Purview / Search-UnifiedAuditLog CSV: CreationDate in the exporting session's local time.
    const auditData = JSON.stringify(ual(3, 'Send')).replace(/"/g, '""');
    write(
      dir,
      'purview.csv',
      `"RecordType","CreationDate","UserIds","Operations","AuditData"\r\n"ExchangeItem","3/2/2026 10:03:00 AM","bob@contoso.com","Send","${auditData}"\r\n`,
    );
    // CloudTrail S3 delivery file.
    write(
      dir,
      'cloudtrail.json',
      JSON.stringify({
        Records: [
          {
            ...(
              JSON.parse(
                sqsRecord(
                  iamUserCall({
                    at: at(4),
                    eventName: 'ListBuckets',
                    eventSource: 's3.amazonaws.com',
                    userName: 'bob',
                    ip: '198.51.100.23',
                    readOnly: true,
                  }),
                ).body,
              ) as { detail: Record<string, unknown> }
            ).detail,
          },
        ],
      }),
    );
    // Workspace Reports API page: RFC 3339 with milliseconds.
    write(
      dir,
      'workspace.json',
      JSON.stringify({
        kind: 'admin#reports#activities',
        items: [
          {
            kind: 'admin#reports#activity',
            id: {
              time: '2026-03-02T09:05:00.000Z',
              uniqueQualifier: '-4511912271389151233',
              applicationName: 'login',
              customerId: 'C03x9k2m1',
            },
            actor: { email: 'bob@example.org', profileId: '114511912271389151233', callerType: 'USER' },
            ipAddress: '203.0.113.44',
            events: [{ type: 'login', name: 'login_success' }],
          },
        ],
      }),
    );

    const r = await replay(dir);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/records +6 read, 6 events normalized, 0 quarantined/);
    expect(r.stdout).toMatch(/events from +2026-03-02 09:00:00 to 2026-03-02 09:05:00 UTC/);
  });
});

describe('real-time Lambda: one odd timestamp never sinks its batch', () => {
  const TABLE = 'tripline-state-timestamps';
  const NOW = T0 + 10 * 60_000;
  let dynamo: LocalDynamo;
  let ddb: DynamoDBClient;
  let sns: FakeSns;
  let snsClient: SNSClient;
  let handler: RealtimeHandler;
  let out: Captured;

  beforeAll(async () => {
    dynamo = await startDynalite();
    ddb = dynamo.client();
    await createStateTable(ddb, TABLE);
    sns = await startFakeSns();
    snsClient = snsClientFor(sns.endpoint, 1);
    handler = createHandler({
      env: {
        STATE_TABLE_NAME: TABLE,
        FINDINGS_TOPIC_ARN: sns.topicArn,
        SOURCE: 'cloudtrail',
        LATENESS: '15m',
        AWS_REGION: 'us-east-1',
        POWERTOOLS_METRICS_NAMESPACE: 'TriplineScenario',
      },
      dynamoClient: ddb,
      snsClient,
      now: () => NOW,
    });
  });
  afterAll(async () => {
    snsClient.destroy();
    await sns.close();
    await dynamo.stop();
  });
  beforeEach(() => {
    out = captureOutput();
  });
  afterEach(() => out.restore());

  /**
   * Thirteen failed console sign-ins for `user`, 20 s apart; the seventh (at start + 120 s) has its
   * eventTime written as `odd`.
   */
  function batchWith(user: string, start: number, odd: unknown) {
    const records = Array.from({ length: 13 }, (_, i) =>
      sqsRecord(consoleLoginFailure({ at: start + i * 20_000, userName: user, ip: '203.0.113.77' })),
    );
    const oddRecord = records[6] as (typeof records)[number];
    const body = JSON.parse(oddRecord.body) as { detail: Record<string, unknown> };
    body.detail['eventTime'] = odd;
    oddRecord.body = JSON.stringify(body);
    return { records, oddRecord, oddEventId: body.detail['eventID'] as string };
  }

  const subjects = () => sns.messages.map((m) => m.subject);
  const bruteForceFor = (user: string): Finding | undefined => {
    const m = sns.messages.find((x) => x.subject?.endsWith(`failed sign-ins for ${user}`));
    return m === undefined ? undefined : (JSON.parse(m.structured?.['default'] ?? '{}') as Finding);
  };

  it('publishes the brute force of 13 failed sign-ins when one carries its time in epoch nanoseconds, dated right, and hands nothing back to the queue', async () => {
    const { records, oddEventId } = batchWith('bob', T0, `${T0 + 120_000}000000`);
    const res = await handler(sqsEvent(records));
    expect(res).toEqual({ batchItemFailures: [] });
    expect(subjects()).toContain('[MEDIUM] brute-force: 13 failed sign-ins for bob');
    const evidence = bruteForceFor('bob')?.evidence.find((e) => e.id === oddEventId);
    expect(evidence?.time).toBe('2026-03-02T09:02:00.000Z');
    expect(out.metric('Quarantined')).toBe(0);
  });

  it('in an S3 delivery document carried by one message, quarantines only the record with a bad time and finds the brute force in the other 12', async () => {
    const { records, oddRecord } = batchWith('dave', T0 + 2 * 60_000, '0026-03-02T09:04:00Z');
    const detail = (r: (typeof records)[number]) => (JSON.parse(r.body) as { detail: unknown }).detail;
    const doc = sqsRecord({ Records: records.map(detail) });
    const res = await handler(sqsEvent([doc]));
    expect(res).toEqual({ batchItemFailures: [] });
    expect(subjects()).toContain('[MEDIUM] brute-force: 12 failed sign-ins for dave');
    const [q] = out.logs(/Record quarantined/);
    expect(q).toMatchObject({
      messageId: doc.messageId,
      reason: `CloudTrail event cannot be normalized: Records[${records.indexOf(oddRecord)}]: eventTime '0026-03-02T09:04:00Z' is before 1970 (year 26): no audit log holds such a time (the record looks like a CloudTrail record)`,
    });
  });

  it('quarantines only the sign-in dated 30 February, with its reason, and publishes the brute force of the other 12', async () => {
    const { records, oddRecord } = batchWith('carol', T0 + 60_000, '2026-02-30T09:01:00Z');
    const res = await handler(sqsEvent(records));
    expect(res).toEqual({ batchItemFailures: [] });
    expect(subjects()).toContain('[MEDIUM] brute-force: 12 failed sign-ins for carol');
    expect(out.metric('Quarantined')).toBe(1);
    const [q] = out.logs(/Record quarantined/);
    expect(q).toMatchObject({
      messageId: oddRecord.messageId,
      reason:
        "CloudTrail event cannot be normalized: eventTime '2026-02-30T09:01:00Z' is not a calendar date (February 2026 has 28 days) (the record looks like an EventBridge CloudTrail event)",
    });
  });
});
