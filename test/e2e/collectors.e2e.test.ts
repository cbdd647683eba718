/**
 * The collectors end to end, as deployed: the example story of examples/ (Contoso's bad Monday) served
 * by local HTTPS servers that behave like the vendors' APIs — Microsoft Graph (directory audits and
 * sign-ins), the Office 365 Management Activity API (hourly content blobs, listed late), the Google
 * Workspace Reports API — and by a CloudTrail file in (local) S3 announced by an S3 notification on SQS.
 * The deployed handlers' code polls them on a schedule: the poller handler with SOURCE=graph, m365 and
 * workspace (their real registrations, credentials from a fake Secrets Manager) and the cloudtrail-s3
 * handler, all sharing one state table in DynamoDB (dynalite) and publishing to a fake SNS endpoint.
 *
 * What a user cares about: the lead oauth-chain finding (consent seen by the Graph poller, the mass
 * reads by the M365 poller, hours apart) reaches SNS exactly once per announcement (when the chain
 * completes, then at each power of ten of its count, as run-batch escalates), even when SNS refuses it
 * once, a poll is repeated, a new container starts from the saved checkpoints, or S3 notifies twice.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { Context, SQSRecord } from 'aws-lambda';
import type { Finding } from '#shared/engine/findings';
import { SecretsManagerJson } from '#shared/sources/secret';
import { createStateTable } from '#shared/state/dynamodb';
import { createHandler as createTrailHandler } from '../../functions/aws/cloudtrail-s3/index';
import type { TrailHandler } from '../../functions/aws/cloudtrail-s3/index';
import { createHandler as createPollerHandler } from '../../functions/aws/poller/index';
import type { PollerHandler, PollerSummary } from '../../functions/aws/poller/index';
import { captureOutput } from '../functions/capture';
import type { Captured } from '../functions/capture';
import { sqsEvent, sqsRecord } from '../functions/cloudtrail-events';
import { snsClientFor } from '../sinks/sns-client';
import { startDynalite } from '../state/local-dynamodb';
import type { LocalDynamo } from '../state/local-dynamodb';
import { startFakeEntra } from '../support/fake-entra';
import type { FakeEntra } from '../support/fake-entra';
import { startFakeGoogle } from '../support/fake-google';
import type { Activity, FakeGoogle } from '../support/fake-google';
import { startFakeGraph } from '../support/fake-graph';
import type { FakeGraph } from '../support/fake-graph';
import { contentId, startFakeManagement } from '../support/fake-management';
import type { FakeBlob, FakeManagement } from '../support/fake-management';
import { startFakeS3 } from '../support/fake-s3';
import type { FakeS3 } from '../support/fake-s3';
import { startFakeSecretsManager } from '../support/fake-secrets-manager';
import type { FakeSecretsManager } from '../support/fake-secrets-manager';
import { startFakeSns } from '../support/fake-sns';
import type { FakeSns, PublishedMessage } from '../support/fake-sns';
import { testCaFetch } from '../support/https-fetch';

jest.setTimeout(300_000);

const EXAMPLES = path.join(__dirname, '..', '..', 'examples');
const MIN = 60_000;
const HOUR = 60 * MIN;
const TABLE = 'tripline-state-collectors-e2e';
const TENANT = '7d3e4c2a-91b5-4f0e-8a6d-2c9b1e5f4a70';
const CUSTOMER = 'C03x9k2m1';
const APP = '5b0e3c7d-2a14-4f6e-9d8c-1b2a3c4d5e6f';
const BUCKET = 'contoso-org-trail';
const TRAIL_KEY =
  'AWSLogs/o-c0nt0s0abc/444455556666/CloudTrail/us-east-1/2026/03/02/444455556666_CloudTrail_us-east-1_20260302T1200Z_a1b2.json.gz';
const ARN = {
  graph: 'arn:aws:secretsmanager:us-east-1:444455556666:secret:Tripline/graph-AbCdEf',
  m365: 'arn:aws:secretsmanager:us-east-1:444455556666:secret:Tripline/m365-AbCdEf',
  workspace: 'arn:aws:secretsmanager:us-east-1:444455556666:secret:Tripline/workspace-AbCdEf',
} as const;
type Polled = keyof typeof ARN;
const MAIL_ARCHIVER = '6f2d8c41-3a9e-4b7d-9c15-e0a4b2f7d381';

// The schedule: from Monday 2 March 06:00 (the pollers' first run reads the day before too) until
// Wednesday 4 March 21:00, every poller runs every three hours.
const FIRST_RUN = Date.parse('2026-03-02T06:00:00Z');
const LAST_RUN = Date.parse('2026-03-04T21:00:00Z');
const EVERY = 3 * HOUR;
/** The trail file (the example's liberty: one file for the whole story) ends at 4 March 19:01. */
const TRAIL_DELIVERED = LAST_RUN;

let dynamo: LocalDynamo;
let ddb: DynamoDBClient;
let sns: FakeSns;
let snsClient: SNSClient;
let secrets: FakeSecretsManager;
let entra: FakeEntra;
let graph: FakeGraph;
let m365: FakeManagement;
let google: FakeGoogle;
let s3: FakeS3;
let clock = FIRST_RUN;
let out: Captured;
let pollers: Record<Polled, PollerHandler>;
let trail: TrailHandler;
let trailNotice: SQSRecord;

const context = (): Context =>
  ({
    functionName: 'Tripline-Poller',
    awsRequestId: 'req',
    getRemainingTimeInMillis: () => 600_000,
  }) as unknown as Context;

const env = (source: string, extra: Record<string, string> = {}): Record<string, string> => ({
  STATE_TABLE_NAME: TABLE,
  FINDINGS_TOPIC_ARN: sns.topicArn,
  SOURCE: source,
  AWS_REGION: 'us-east-1',
  POWERTOOLS_METRICS_NAMESPACE: 'TriplineCollectorsE2E',
  ...extra,
});

/** A fresh container of each function (what Lambda starts after a deploy or a scale-in). */
function coldStart(): void {
  const clients = {
    fetch: testCaFetch,
    now: () => clock,
    sleep: async (ms: number) => {
      clock += ms;
    },
  };
  const poller = (source: Polled): PollerHandler =>
    createPollerHandler({
      env: env(source, { SECRET_ARN: ARN[source] }),
      dynamoClient: ddb,
      snsClient,
      secrets: new SecretsManagerJson({ client: secrets.client(), ttlMs: 0 }),
      clients,
      now: () => clock,
    });
  pollers = { graph: poller('graph'), m365: poller('m365'), workspace: poller('workspace') };
  trail = createTrailHandler({
    env: env('cloudtrail'),
    dynamoClient: ddb,
    snsClient,
    s3Client: s3.client(),
    now: () => clock,
  });
}

// ---- The example records, split by source into what each API serves ----

/** Entra diagnostic-setting lines (Azure Monitor envelopes): Graph serves their `properties`. */
function graphObjects(file: string): Array<Record<string, unknown>> {
  return readFileSync(path.join(EXAMPLES, 'entra', file), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => (JSON.parse(l) as { properties: Record<string, unknown> }).properties);
}

const CONTENT_TYPE: Record<string, string> = {
  Exchange: 'Audit.Exchange',
  SharePoint: 'Audit.SharePoint',
  OneDrive: 'Audit.SharePoint',
  AzureActiveDirectory: 'Audit.AzureActiveDirectory',
};

/**
 * The unified audit log as the Management Activity API publishes it: one blob per content type and
 * hour of activity, created 20 minutes after that hour and listed 40 minutes after that (the API is
 * often an hour late).
 */
function managementBlobs(): FakeBlob[] {
  const records = JSON.parse(
    readFileSync(path.join(EXAMPLES, 'm365', 'unified-audit.json'), 'utf8'),
  ) as Array<Record<string, unknown>>;
  const groups = new Map<string, { contentType: string; hour: number; records: unknown[] }>();
  for (const r of records) {
    const contentType = CONTENT_TYPE[String(r['Workload'])] ?? 'Audit.General';
    const at = Date.parse(`${String(r['CreationTime'])}Z`);
    const hour = at - (at % HOUR);
    const key = `${contentType}|${hour}`;
    const g = groups.get(key) ?? { contentType, hour, records: [] };
    g.records.push(r);
    groups.set(key, g);
  }
  return [...groups.values()].map((g) => {
    const created = g.hour + HOUR + 20 * MIN;
    return {
      contentType: g.contentType,
      contentId: contentId(g.contentType, created),
      contentCreated: created,
      listedAt: created + 40 * MIN,
      records: g.records,
    };
  });
}

/** The Reports API page of the example, by application. */
function workspaceActivities(): Map<string, Activity[]> {
  const page = JSON.parse(
    readFileSync(path.join(EXAMPLES, 'workspace', 'reports-activities.json'), 'utf8'),
  ) as { items: Activity[] };
  const byApp = new Map<string, Activity[]>();
  for (const a of page.items)
    byApp.set(a.id.applicationName, [...(byApp.get(a.id.applicationName) ?? []), a]);
  return byApp;
}

/** Puts the example's trail file into S3 and returns the S3 event notification SQS delivers for it. */
function putTrailFile(): SQSRecord {
  const body = readFileSync(path.join(EXAMPLES, 'aws', 'cloudtrail', path.basename(TRAIL_KEY)));
  const { etag } = s3.put(BUCKET, TRAIL_KEY, body);
  return sqsRecord({
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'us-east-1',
        eventTime: new Date(TRAIL_DELIVERED).toISOString(),
        eventName: 'ObjectCreated:Put',
        s3: {
          s3SchemaVersion: '1.0',
          bucket: { name: BUCKET, arn: `arn:aws:s3:::${BUCKET}` },
          object: { key: TRAIL_KEY, size: body.length, eTag: etag, sequencer: '0066E1A2B3C4D5E6F7' },
        },
      },
    ],
  });
}

// ---- Helpers over what reached SNS ----

const findingOf = (m: PublishedMessage): Finding => JSON.parse(m.structured?.['default'] ?? '{}') as Finding;
const published = (ruleId: string): Finding[] =>
  sns.messages.filter((m) => m.attributes['ruleId']?.StringValue === ruleId).map(findingOf);

/** Runs every poller once at `clock` (as their schedules would); a failing one does not stop the others. */
async function tick(): Promise<{ summaries: PollerSummary[]; errors: unknown[] }> {
  const summaries: PollerSummary[] = [];
  const errors: unknown[] = [];
  for (const source of ['graph', 'm365', 'workspace'] as const) {
    await pollers[source]({}, context()).then(
      (s) => summaries.push(s),
      (e: unknown) => errors.push(e),
    );
  }
  return { summaries, errors };
}

beforeAll(async () => {
  dynamo = await startDynalite();
  ddb = dynamo.client();
  await createStateTable(ddb, TABLE);
  sns = await startFakeSns();
  snsClient = snsClientFor(sns.endpoint, 1);
  secrets = await startFakeSecretsManager();
  entra = await startFakeEntra();
  entra.register({ tenantId: TENANT, clientId: APP, secret: 'contoso-tripline-secret' });
  graph = await startFakeGraph(entra, TENANT);
  graph.audits.push(...graphObjects('audit-logs.json'));
  graph.signIns.push(...graphObjects('signin-logs.json'));
  m365 = await startFakeManagement(entra, TENANT, () => clock);
  m365.blobs.push(...managementBlobs());
  google = await startFakeGoogle();
  for (const [app, items] of workspaceActivities()) google.add(app, ...items);
  s3 = await startFakeS3();

  const microsoft = {
    tenantId: TENANT,
    clientId: APP,
    clientSecret: 'contoso-tripline-secret',
    authorityHost: entra.base,
    graphBase: graph.base,
    managementBase: m365.base,
  };
  secrets.secrets.set(ARN.graph, JSON.stringify({ ...microsoft, feeds: ['directoryAudits', 'signIns'] }));
  secrets.secrets.set(ARN.m365, JSON.stringify(microsoft));
  secrets.secrets.set(
    ARN.workspace,
    JSON.stringify({
      serviceAccountKey: JSON.stringify(google.keyFile),
      delegatedAdminEmail: 'admin@contoso-labs.com',
      customerId: CUSTOMER,
      applications: ['login', 'token'],
      tokenUrl: google.tokenUrl,
      apiBase: google.base,
    }),
  );
  coldStart();
});

afterAll(async () => {
  snsClient.destroy();
  await Promise.all([sns.close(), secrets.close(), graph.close(), m365.close(), google.close(), s3.close()]);
  await entra.close();
  await dynamo.stop();
});
beforeEach(() => {
  out = captureOutput();
});
afterEach(() => out.restore());

describe("Contoso's bad Monday, collected by the deployed pollers and the S3 trail path", () => {
  it('announces the oauth-chain of "Mail Archiver Pro" exactly once, though SNS refuses it the first time', async () => {
    // SNS is down for the oauth-chain message the first time it is sent: the poller must not move its
    // checkpoint past the page, and the next run publishes it.
    const snsBack = sns.failWhenMessageContains('oauth-chain');
    let refused = false;
    for (clock = FIRST_RUN; clock <= LAST_RUN; clock += EVERY) {
      const at = clock;
      if (at === TRAIL_DELIVERED) {
        trailNotice = putTrailFile();
        expect(await trail(sqsEvent([trailNotice]))).toEqual({ batchItemFailures: [] });
      }
      const { errors } = await tick();
      if (sns.rejected.length > 0 && !refused) {
        refused = true;
        snsBack();
      } else {
        expect(errors).toEqual([]);
      }
      clock = at;
    }
    expect(refused).toBe(true);

    // One finding, announced exactly once: its count is the consenting users (one), so the reads that
    // keep arriving in later hourly blobs update its evidence without announcing it again.
    const chain = published('oauth-chain');
    expect(chain).toHaveLength(1);
    expect(chain[0]?.count).toBe(1);
    const [first] = chain;
    expect(first).toMatchObject({
      severity: 'high',
      tenant: TENANT,
      principal: `Mail Archiver Pro (${MAIL_ARCHIVER})`,
      firstSeen: '2026-03-02T10:05:02.310Z',
    });
    expect(first?.why).toContain('connected by bob@contoso.com');
    expect(first?.why).toContain('granted Mail.ReadWrite, Files.Read.All');
    // The consent came through the Graph poller, the reads through the M365 poller, hours apart.
    const evidence = first?.evidence ?? [];
    expect(evidence[0]?.time).toBe('2026-03-02T10:05:02.310Z');
    const times = evidence.map((e) => Date.parse(e.time));
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('delivers what each of the other collectors saw, once each', () => {
    // The example tenant is small and quiet: its directory audit log and Exchange feed go hours without
    // a record, which the pollers rightly report as source-silent; those are left out here.
    const attacks = sns.messages
      .map((m) => findingOf(m))
      .filter((f) => f.ruleId !== 'source-silent' && f.ruleId !== 'oauth-chain')
      .map((f) => `${f.ruleId} ${f.principal}`)
      .sort();
    expect(attacks).toEqual([
      'brute-force finance@contoso.com', // Graph sign-ins
      'cloud-logging-disabled ci-deploy', // the S3 trail file
      'inbox-forwarding bob@contoso.com', // M365 (Exchange)
      'oauth-risky-consent bob@contoso.com', // Graph directory audits
      'oauth-risky-consent carol@contoso-labs.com', // Workspace token events
      'password-spray 185.220.101.47', // Graph sign-ins
      'password-spray-success 185.220.101.47', // Graph sign-ins: bob's sign-in from the spraying address
    ]);
  });

  it('sends nothing again when every poll is repeated, in a new container, and S3 notifies twice', async () => {
    const sent = sns.messages.length;
    expect((await tick()).errors).toEqual([]);
    coldStart();
    expect((await tick()).errors).toEqual([]);
    expect(await trail(sqsEvent([trailNotice]))).toEqual({ batchItemFailures: [] });
    expect(sns.messages).toHaveLength(sent);
    expect(published('oauth-chain')).toHaveLength(1);
  });
});
