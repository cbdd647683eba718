/**
 * CloudTrail trail files from S3: notifications as S3 sends them, objects fetched from a local S3
 * (test/support/fake-s3.ts) through @aws-sdk/client-s3, read with the replay reader, processed once.
 */
import { gzipSync } from 'node:zlib';
import { Detector } from '#shared/engine/detector';
import type { TriplineEvent } from '#shared/events/types';
import { runBatch } from '#shared/pipeline/run-batch';
import {
  TrailObjectError,
  decodeS3Key,
  isTrailLogKey,
  objectClaimKey,
  parseTrailNotification,
  processTrailObject,
  s3Fetcher,
} from '#shared/sources/trail-objects';
import type { S3ObjectRef, TrailObjectDeps } from '#shared/sources/trail-objects';
import { EmbeddedStateStore } from '#shared/state/embedded';
import type { StateStore } from '#shared/state/port';
import { StateStoreError } from '#shared/state/port';
import { iamUserCall } from '../functions/cloudtrail-events';
import { FlakyStore, MemorySink } from '../pipeline/helpers';
import { startFakeS3 } from '../support/fake-s3';
import type { FakeS3 } from '../support/fake-s3';
import { GROUP, countingRule } from './kill-harness';

const MIN = 60_000;
const NOW = Date.parse('2026-03-04T12:00:00Z');
const BUCKET = 'org-trail-logs-111122223333';

let s3: FakeS3;
beforeEach(async () => {
  s3 = await startFakeS3();
});
afterEach(() => s3.close());

/** A CloudTrail record of `account` in `region`. */
function record(
  at: number,
  userName: string,
  account = '111122223333',
  region = 'eu-west-1',
): Record<string, unknown> {
  const detail = (
    iamUserCall({
      at,
      eventName: 'CreateAccessKey',
      eventSource: 'iam.amazonaws.com',
      userName,
      ip: '198.51.100.23',
    }) as {
      detail: Record<string, unknown>;
    }
  ).detail;
  return { ...detail, awsRegion: region, recipientAccountId: account };
}

const trailKey = (account: string, region: string, suffix = 'AbCdEf0123456789'): string =>
  `AWSLogs/o-a1b2c3d4e5/${account}/CloudTrail/${region}/2026/03/04/${account}_CloudTrail_${region}_20260304T1155Z_${suffix}.json.gz`;

const trailFile = (records: unknown[]): Buffer => gzipSync(JSON.stringify({ Records: records }));

/** The S3 event notification S3 puts on the queue for one new object. */
function notification(ref: {
  bucket: string;
  key: string;
  eTag?: string;
  versionId?: string;
  size?: number;
}): string {
  return JSON.stringify({
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'eu-west-1',
        eventTime: '2026-03-04T11:56:12.345Z',
        eventName: 'ObjectCreated:Put',
        userIdentity: { principalId: 'AWS:AROAEXAMPLECLOUDTRAIL:regionalDeliverySession' },
        requestParameters: { sourceIPAddress: '10.0.12.7' },
        responseElements: {
          'x-amz-request-id': 'C3D13FE58DE4C810',
          'x-amz-id-2': 'FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD',
        },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'tripline-trail-objects',
          bucket: {
            name: ref.bucket,
            ownerIdentity: { principalId: 'A3NL1KOZZKExample' },
            arn: `arn:aws:s3:::${ref.bucket}`,
          },
          object: {
            key: encodeURIComponent(ref.key).replace(/%2F/g, '/').replace(/%20/g, '+'),
            size: ref.size ?? 1024,
            eTag: ref.eTag ?? 'd41d8cd98f00b204e9800998ecf8427e',
            ...(ref.versionId ? { versionId: ref.versionId } : {}),
            sequencer: '0055AED6DCD90281E5',
          },
        },
      },
    ],
  });
}

describe('parseTrailNotification', () => {
  it('reads bucket, key (URL-encoded, + for spaces), ETag and version from an S3 event notification', () => {
    const key = 'AWSLogs/111122223333/CloudTrail/eu-west-1/2026/03/04/a file:1.json.gz';
    const n = parseTrailNotification(notification({ bucket: BUCKET, key, eTag: 'abc', versionId: 'v1' }));
    expect(n).toEqual({
      kind: 'objects',
      objects: [
        { bucket: BUCKET, key, eTag: 'abc', versionId: 'v1', size: 1024, sequencer: '0055AED6DCD90281E5' },
      ],
    });
    expect(decodeS3Key('a+b%2Bc')).toBe('a b+c');
  });

  it("recognises S3's test event, SNS envelopes and CloudTrail's own SNS notification", () => {
    expect(
      parseTrailNotification(
        JSON.stringify({
          Service: 'Amazon S3',
          Event: 's3:TestEvent',
          Time: '2026-03-04T11:00:00.000Z',
          Bucket: BUCKET,
          RequestId: 'X',
          HostId: 'Y',
        }),
      ),
    ).toEqual({ kind: 'test' });
    const wrapped = JSON.stringify({
      Type: 'Notification',
      MessageId: 'm',
      Message: notification({ bucket: BUCKET, key: 'k.json.gz' }),
    });
    expect(parseTrailNotification(wrapped)).toMatchObject({
      kind: 'objects',
      objects: [{ bucket: BUCKET, key: 'k.json.gz' }],
    });
    const ct = JSON.stringify({
      Type: 'Notification',
      Message: JSON.stringify({ s3Bucket: BUCKET, s3ObjectKey: ['a.json.gz', 'b.json.gz'] }),
    });
    expect(parseTrailNotification(ct)).toEqual({
      kind: 'objects',
      objects: [
        { bucket: BUCKET, key: 'a.json.gz' },
        { bucket: BUCKET, key: 'b.json.gz' },
      ],
    });
  });

  it('says why a body is not a notification', () => {
    expect(parseTrailNotification('not json')).toMatchObject({
      kind: 'invalid',
      reason: expect.stringMatching(/not JSON/),
    });
    expect(
      parseTrailNotification(
        JSON.stringify({ Records: [{ eventVersion: '1.09', eventName: 'StopLogging' }] }),
      ),
    ).toMatchObject({
      kind: 'invalid',
      reason: expect.stringMatching(/CloudTrail file sent to the queue/),
    });
  });
});

describe('isTrailLogKey', () => {
  it('takes log files of organization and account trails, and skips digests and Insights', () => {
    expect(isTrailLogKey(trailKey('111122223333', 'eu-west-1'))).toBe(true);
    expect(isTrailLogKey('prefix/AWSLogs/111122223333/CloudTrail/us-east-1/2026/03/04/x.json.gz')).toBe(true);
    expect(isTrailLogKey('AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/03/04/x.json.gz')).toBe(
      false,
    );
    expect(isTrailLogKey('AWSLogs/111122223333/CloudTrail-Insight/us-east-1/2026/03/04/x.json.gz')).toBe(
      false,
    );
    expect(isTrailLogKey('AWSLogs/111122223333/CloudTrail/')).toBe(false);
  });
});

describe('processTrailObject', () => {
  let store: FlakyStore;
  let sink: MemorySink;
  let delivered: string[];
  let downloads: number;

  beforeEach(async () => {
    store = new FlakyStore(await EmbeddedStateStore.open(':memory:'));
    sink = new MemorySink();
    delivered = [];
    downloads = 0;
  });
  afterEach(() => store.close());

  const deps = (extra: Partial<TrailObjectDeps> = {}, st: StateStore = store): TrailObjectDeps => {
    const detector = new Detector({
      rules: [countingRule('aws.cloudtrail', ['CreateAccessKey'])],
      store: st,
      lateness: '2h',
    });
    const fetcher = s3Fetcher(s3.client());
    return {
      fetcher: { download: (ref, dest) => (downloads++, fetcher.download(ref, dest)) },
      store: st,
      now: () => NOW,
      batch: async (events: TriplineEvent[]) => {
        delivered.push(...events.map((e) => e.id));
        return runBatch(events, { detector, store: st, sink, now: NOW, claimTtlMs: 15 * 86_400_000 });
      },
      batchSize: 7,
      ...extra,
    };
  };

  /** 40 records of 4 users in 2 accounts and 2 regions, in one file. */
  function putFile(opts: { versioned?: boolean; n?: number } = {}): S3ObjectRef {
    const n = opts.n ?? 40;
    const records = Array.from({ length: n }, (_, i) =>
      record(
        NOW - 60 * MIN + i * MIN,
        `user${i % (n / GROUP)}`,
        i % 2 ? '444455556666' : '111122223333',
        i % 3 ? 'eu-west-1' : 'us-east-1',
      ),
    );
    const key = trailKey('111122223333', 'eu-west-1');
    const put = s3.put(BUCKET, key, trailFile(records), opts);
    return { bucket: BUCKET, key, eTag: put.etag, versionId: put.versionId };
  }

  it('reads every record of every account and region in the gzipped file, detects, and marks the object done', async () => {
    const ref = putFile();
    const res = await processTrailObject(ref, deps());
    expect(res).toMatchObject({ status: 'done', records: 40, events: 40, quarantined: 0, resumedAfter: 0 });
    expect(sink.sent.map((f) => [f.tenant, f.count])).toEqual(
      expect.arrayContaining([
        ['111122223333', GROUP],
        ['444455556666', GROUP],
      ]),
    );
    const claim = (await store.get([objectClaimKey(ref)], NOW)).get(objectClaimKey(ref));
    expect(claim?.value).toMatchObject({ state: 'done', done: 40 });
  });

  it('does nothing for the same object delivered again, not even a download', async () => {
    const ref = putFile();
    await processTrailObject(ref, deps());
    expect(await processTrailObject(ref, deps())).toMatchObject({ status: 'duplicate' });
    expect(downloads).toBe(1);
    expect(delivered).toHaveLength(40);
  });

  it('processes each version of an overwritten key once, reading the version announced', async () => {
    const v1 = putFile({ versioned: true, n: 10 });
    const v2 = putFile({ versioned: true, n: 20 });
    expect(await processTrailObject(v1, deps())).toMatchObject({ status: 'done', records: 10 });
    expect(await processTrailObject(v2, deps())).toMatchObject({ status: 'done', records: 20 });
    expect(await processTrailObject(v1, deps())).toMatchObject({ status: 'duplicate' });
  });

  it('leaves an object another invocation is working on to it', async () => {
    const ref = putFile();
    await store.write(
      [
        {
          key: objectClaimKey(ref),
          expectedVersion: 0,
          expiresAt: NOW + 86_400_000,
          value: { state: 'processing', leaseUntil: NOW + 60_000, done: 0 },
        },
      ],
      NOW,
    );
    expect(await processTrailObject(ref, deps())).toMatchObject({ status: 'busy' });
    expect(downloads).toBe(0);
  });

  it('takes over an object whose claim outlived its lease (the invocation died)', async () => {
    const ref = putFile();
    await store.write(
      [
        {
          key: objectClaimKey(ref),
          expectedVersion: 0,
          expiresAt: NOW + 86_400_000,
          value: { state: 'processing', leaseUntil: NOW - 1, done: 14 },
        },
      ],
      NOW,
    );
    expect(await processTrailObject(ref, deps())).toMatchObject({
      status: 'done',
      resumedAfter: 14,
      records: 26,
    });
  });

  it('sets aside a file that is not gzip or not JSON, with the reason, and never reads it again', async () => {
    const key = trailKey('111122223333', 'eu-west-1', 'broken');
    s3.put(BUCKET, key, Buffer.concat([trailFile([record(NOW, 'x')]).subarray(0, 30)]));
    const q: string[] = [];
    const res = await processTrailObject(
      { bucket: BUCKET, key, eTag: 'e' },
      deps({ onQuarantine: (x) => q.push(x.reason) }),
    );
    expect(res).toMatchObject({ status: 'done', problem: expect.stringMatching(/gzip|end of/i) });
    expect(q).toHaveLength(1);
    expect(await processTrailObject({ bucket: BUCKET, key, eTag: 'e' }, deps())).toMatchObject({
      status: 'duplicate',
    });
  });

  it('skips digest files without reading them', async () => {
    const res = await processTrailObject(
      { bucket: BUCKET, key: 'AWSLogs/111122223333/CloudTrail-Digest/eu-west-1/2026/03/04/d.json.gz' },
      deps(),
    );
    expect(res.status).toBe('skipped');
    expect(downloads).toBe(0);
  });

  it('fails an object it may not read with the bucket, key and S3 error, and releases it for the retry', async () => {
    const ref = putFile();
    s3.denied.add(BUCKET);
    const err = await processTrailObject(ref, deps()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrailObjectError);
    expect((err as Error).message).toMatch(
      new RegExp(`s3://${BUCKET}/AWSLogs/.*cannot download: AccessDenied`),
    );
    s3.denied.clear();
    expect(await processTrailObject(ref, deps())).toMatchObject({ status: 'done', records: 40 });
  });

  it('stops at a batch whose finding cannot be published, and the retry publishes it once without counting twice', async () => {
    const ref = putFile();
    sink.failWhen = () => true;
    expect(await processTrailObject(ref, deps())).toMatchObject({ status: 'publish-failed' });
    sink.failWhen = undefined;
    expect(await processTrailObject(ref, deps())).toMatchObject({ status: 'done' });
    expect(sink.sent.map((f) => f.count)).toEqual([GROUP, GROUP, GROUP, GROUP]);
  });

  describe('killed in the middle of an object, the redelivery loses no record and counts none twice', () => {
    const cases = [
      ['the download is cut halfway', 'cut'],
      ['the process dies while detecting the third batch', 'detect'],
      ['the process dies after detecting the third batch, before saving progress', 'progress'],
    ] as const;
    it.each(cases)('when %s', async (_label, kind) => {
      const ref = putFile();
      let batches = 0;
      let progressSaves = 0;
      let dead = false;
      /** The store as the dying process sees it: once killed, nothing more reaches the table. */
      const dying: StateStore = {
        name: 'dying',
        get: (k, n) => (dead ? Promise.reject(new Error('dead')) : store.get(k, n)),
        delete: (d) => store.delete(d),
        flush: () => store.flush(),
        close: async () => undefined,
        write: async (w, n) => {
          if (dead) throw new StateStoreError('the process is gone', 'dying');
          const claim = w.find((x) => x.key.startsWith('s3obj|'));
          if (
            kind === 'progress' &&
            claim &&
            (claim.value as { state: string }).state === 'processing' &&
            ++progressSaves === 4
          )
            dead = true;
          if (kind === 'detect' && !claim && batches === 3) dead = true;
          if (dead) throw new StateStoreError('killed', 'dying');
          return store.write(w, n);
        },
      };
      if (kind === 'cut') s3.script.push('cut', 'cut');
      const killedDeps = deps({}, dying);
      const first = await processTrailObject(ref, {
        ...killedDeps,
        batch: (events) => (batches++, killedDeps.batch(events)),
      }).catch((e: unknown) => e);
      expect(first).toBeInstanceOf(Error);
      // SQS hands the message out again after its visibility timeout, which outlasts the lease.
      const again = await processTrailObject(ref, deps({ now: () => NOW + 31 * MIN }));
      expect(again.status).toBe('done');
      expect(new Set(delivered).size).toBe(40);
      expect(delivered.length - 40).toBeLessThanOrEqual(7);
      expect(sink.sent.map((f) => f.count)).toEqual([GROUP, GROUP, GROUP, GROUP]);
    });
  });
});
