/**
 * cloud-logging-disabled on a day of CloudTrail, through `tripline replay`: an alert says logging was
 * stopped or narrowed, and only then. A platform admin editing the trail in the console (the editor
 * re-sends every setting, bucket included) is not an attack; a CI key that narrows the event
 * selectors and then stops the trail is.
 */
import { gzipSync } from 'node:zlib';
import type { Finding } from '#shared/engine/findings';
import { ALL_RULES } from '#shared/rules/index';
import { cloudTrail } from '#shared/rules/testing/records';
import { cleanupTempDirs, lines, run, tempDir, write } from '../cli/helpers';

afterAll(cleanupTempDirs);

const ACCOUNT = '444455556666';
const TRAIL = `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/org-trail`;
const BUCKET = `aws-cloudtrail-logs-${ACCOUNT}-0f1e2d3c`;
const T0 = Date.UTC(2026, 2, 3, 9, 0, 0);
const MIN = 60_000;

/** A save of the console's trail editor: every setting, whatever changed. */
function consoleSave(at: number, changes: Record<string, unknown>) {
  const settings = {
    name: TRAIL,
    s3BucketName: BUCKET,
    s3KeyPrefix: '',
    snsTopicName: '',
    includeGlobalServiceEvents: true,
    isMultiRegionTrail: true,
    enableLogFileValidation: false,
    kmsKeyId: '',
    isOrganizationTrail: false,
    ...changes,
  };
  return {
    ...cloudTrail({
      eventName: 'UpdateTrail',
      eventSource: 'cloudtrail.amazonaws.com',
      at,
      userName: 'platform-admin',
      ip: '203.0.113.40',
      requestParameters: settings,
      responseElements: {
        ...settings,
        trailARN: TRAIL,
        logFileValidationEnabled: settings.enableLogFileValidation,
      },
    }),
    userAgent: 'AWS Internal',
  };
}

function ciCall(at: number, eventName: string, requestParameters: Record<string, unknown>) {
  return cloudTrail({
    eventName,
    eventSource: 'cloudtrail.amazonaws.com',
    at,
    userName: 'ci-deploy',
    ip: '185.220.101.47',
    requestParameters,
  });
}

/** The day as an S3 delivery file, gzipped as CloudTrail writes it. */
function deliveryFile(dir: string, records: unknown[]): string {
  return write(
    dir,
    `${ACCOUNT}_CloudTrail_us-east-1_20260303T0900Z_a1b2c3.json.gz`,
    gzipSync(JSON.stringify({ Records: records })),
  );
}

async function loggingFindings(dir: string, ...flags: string[]): Promise<Finding[]> {
  const r = await run(
    ['replay', dir, '--state', ':memory:', '--format', 'jsonl', '--no-progress', ...flags],
    {
      rules: ALL_RULES,
    },
  );
  expect(r.code).toBe(0);
  return lines(r.stdout)
    .map((l) => JSON.parse(l) as Finding)
    .filter((f) => f.ruleId === 'cloud-logging-disabled');
}

describe('tripline replay: cloud-logging-disabled on a day of CloudTrail', () => {
  it('stays quiet on console saves that turn log file validation on and encrypt with an own key, and reports the narrowing and the stop that follow', async () => {
    const dir = tempDir();
    deliveryFile(dir, [
      consoleSave(T0, { enableLogFileValidation: true }),
      consoleSave(T0 + 5 * MIN, {
        enableLogFileValidation: true,
        kmsKeyId: `arn:aws:kms:us-east-1:${ACCOUNT}:key/0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0`,
      }),
      ciCall(T0 + 60 * MIN, 'PutEventSelectors', {
        trailName: 'org-trail',
        advancedEventSelectors: [
          {
            name: 'Management reads',
            fieldSelectors: [
              { field: 'eventCategory', equals: ['Management'] },
              { field: 'readOnly', equals: ['true'] },
            ],
          },
        ],
      }),
      ciCall(T0 + 62 * MIN, 'StopLogging', { name: TRAIL }),
    ]);

    const found = await loggingFindings(dir);
    expect(found.map((f) => [f.principal, f.title])).toEqual([
      ['ci-deploy', 'ci-deploy ran PutEventSelectors: audit logging stopped or narrowed'],
      ['ci-deploy', 'ci-deploy ran StopLogging: audit logging stopped or narrowed'],
    ]);
    expect(found[0]?.why).toBe(
      'PutEventSelectors succeeded on cloudtrail.amazonaws.com by ci-deploy from 185.220.101.47 (org-trail): management write events are no longer logged',
    );
  });

  it('reports a trail moved to a bucket outside the logBuckets of --config, and not one moved between them', async () => {
    const dir = tempDir();
    deliveryFile(dir, [
      consoleSave(T0, { s3BucketName: `aws-cloudtrail-logs-${ACCOUNT}-archive` }),
      ciCall(T0 + 30 * MIN, 'UpdateTrail', { name: 'org-trail', s3BucketName: 'trail-archive-7731' }),
    ]);
    const config = write(
      tempDir(),
      'tripline.json',
      JSON.stringify({
        overrides: {
          'cloud-logging-disabled': { params: { logBuckets: [`aws-cloudtrail-logs-${ACCOUNT}-*`] } },
        },
      }),
    );

    const found = await loggingFindings(dir, '--config', config);
    expect(found.map((f) => f.why)).toEqual([
      'UpdateTrail succeeded on cloudtrail.amazonaws.com by ci-deploy from 185.220.101.47 (org-trail): log files now go to bucket trail-archive-7731, not one of the configured logBuckets',
    ]);
    // Without the list a bucket name cannot be judged (it does not say its account): no finding.
    expect(await loggingFindings(dir)).toEqual([]);
  });
});
