/**
 * CloudTrail records shaped as in "CloudTrail record contents" (AWS CloudTrail User Guide) and
 * EventBridge's "AWS API Call via CloudTrail" / "AWS Console Sign In via CloudTrail" events.
 */
import { detectSource, normalize } from '#shared/events/normalize';
import { events, fixture, only, reasonOf } from './helpers';

type Records = { Records: Record<string, unknown>[] };
const s3 = fixture<Records>('cloudtrail/s3-delivery.json');
const rec = (i: number): Record<string, unknown> => s3.Records[i] as Record<string, unknown>;

describe('aws.cloudtrail', () => {
  it('reads a failed console sign-in of an IAM user', () => {
    const e = only(rec(0));
    expect(e).toMatchObject({
      id: '3fcfb9a7-0f11-4bd4-9f8e-1b0f64e0c2a1',
      source: 'aws.cloudtrail',
      time: Date.parse('2024-03-04T08:15:02Z'),
      tenant: '111122223333',
      action: 'ConsoleLogin',
      service: 'signin.amazonaws.com',
      category: 'AwsConsoleSignIn',
      outcome: 'failure',
      actor: { id: 'AIDACKCEVSQ6C2EXAMPLE', name: 'alice', type: 'user', ip: '198.51.100.23' },
    });
    expect(e.errorCode).toBeUndefined();
    expect(e.params).toEqual({
      'additional.LoginTo': 'https://console.aws.amazon.com/console/home?state=hashArgs%23&isauthcode=true',
      'additional.MobileVersion': 'No',
      'additional.MFAUsed': 'No',
    });
    expect(e.raw).toBe(rec(0));
  });

  it('reads StopLogging by an SSO user through an assumed role', () => {
    const e = only(rec(1));
    expect(e.action).toBe('StopLogging');
    expect(e.outcome).toBe('success');
    expect(e.actor).toEqual({
      id: 'arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_AdministratorAccess_0123456789abcdef/alice@example.com',
      name: 'AWSReservedSSO_AdministratorAccess_0123456789abcdef',
      type: 'user',
      ip: '203.0.113.77',
      userAgent:
        'aws-cli/2.15.10 Python/3.11.6 Darwin/23.3.0 exe/x86_64 prompt/off command/cloudtrail.stop-logging',
      sessionId: 'ASIAQEXAMPLEKEY12345',
    });
    expect(e.params).toEqual({ name: 'arn:aws:cloudtrail:us-east-1:111122223333:trail/management-events' });
    expect(e.target).toEqual({
      id: 'arn:aws:cloudtrail:us-east-1:111122223333:trail/management-events',
      name: 'arn:aws:cloudtrail:us-east-1:111122223333:trail/management-events',
    });
  });

  it('reads an AWS service as a service actor without an IP (sourceIPAddress is a host name)', () => {
    const e = only(rec(2));
    expect(e.actor).toMatchObject({
      id: 'lambda.amazonaws.com',
      name: 'lambda.amazonaws.com',
      type: 'service',
    });
    expect(e.actor.ip).toBeUndefined();
    expect(e.target).toEqual({
      type: 'AWS::IAM::Role',
      id: 'arn:aws:iam::111122223333:role/invoice-exporter-role',
    });
    expect(e.params.durationSeconds).toBe(43200);
  });

  it('marks errorCode as failure and flattens requestParameters (objects become JSON text)', () => {
    const e = only(rec(3));
    expect(e.outcome).toBe('failure');
    expect(e.errorCode).toBe('AccessDenied');
    expect(e.actor.ip).toBe('2001:db8:85a3::8a2e:370:7334');
    expect(e.actor.sessionId).toBeUndefined(); // AKIA: a long-term key, not a session
    expect(e.params.bucketName).toBe('finance-exports-prod');
    expect(e.params.policyStatus).toEqual(['Public']);
    expect(JSON.parse(e.params.policy as string)).toMatchObject({ Statement: [{ Principal: '*' }] });
    expect(e.params['additional.bytesTransferredIn']).toBe(312);
    expect(e.target).toMatchObject({ type: 'AWS::S3::Bucket', id: 'arn:aws:s3:::finance-exports-prod' });
  });

  it('returns every record of an S3 delivery file', () => {
    const es = events(s3);
    expect(es.map((e) => e.action)).toEqual(['ConsoleLogin', 'StopLogging', 'AssumeRole', 'PutBucketPolicy']);
    expect(detectSource(s3)).toBe('aws.cloudtrail');
  });

  it('unwraps EventBridge "AWS Console Sign In via CloudTrail" and keeps the CloudTrail record as raw', () => {
    const eb = fixture<Record<string, unknown>>('cloudtrail/eventbridge-console-signin.json');
    expect(detectSource(eb)).toBe('aws.cloudtrail');
    const e = only(eb);
    expect(e).toMatchObject({
      action: 'ConsoleLogin',
      outcome: 'success',
      tenant: '111122223333',
      actor: { id: 'arn:aws:iam::111122223333:root', name: 'root', type: 'user', ip: '192.0.2.44' },
    });
    expect(e.raw).toBe(eb.detail);
  });

  it('takes the tenant from the EventBridge account when the record names none', () => {
    const detail = {
      eventVersion: '1.08',
      eventTime: '2024-03-04T10:00:00Z',
      eventSource: 'iam.amazonaws.com',
      eventName: 'CreateUser',
      eventID: 'x1',
    };
    const e = only({ 'detail-type': 'AWS API Call via CloudTrail', account: '444455556666', detail });
    expect(e.tenant).toBe('444455556666');
  });

  it('normalizes unknown operations instead of dropping them', () => {
    const r = { ...rec(1), eventName: 'SomeBrandNewApi2031', eventSource: 'newservice.amazonaws.com' };
    expect(only(r).action).toBe('SomeBrandNewApi2031');
  });

  it('types AssumedRole sessions of workloads as services', () => {
    const r = {
      ...rec(1),
      userIdentity: {
        type: 'AssumedRole',
        principalId: 'AROAEXAMPLE:i-0a1b2c3d4e5f67890',
        arn: 'arn:aws:sts::111122223333:assumed-role/ec2-app-role/i-0a1b2c3d4e5f67890',
        accountId: '111122223333',
        accessKeyId: 'ASIAEXAMPLE',
        sessionContext: { sessionIssuer: { type: 'Role', userName: 'ec2-app-role' } },
      },
      userAgent: 'aws-sdk-go-v2/1.25.2',
    };
    expect(only(r).actor.type).toBe('service');
  });

  it('says what is missing', () => {
    const { eventTime: _t, ...noTime } = rec(1);
    expect(reasonOf(noTime)).toBe('no eventTime (the record looks like a CloudTrail record)');
    expect(reasonOf({ ...rec(1), eventTime: 'last tuesday' })).toBe(
      "unreadable eventTime 'last tuesday': expected ISO-8601, epoch or /Date(ms)/ (local times are not guessed) (the record looks like a CloudTrail record)",
    );
    expect(reasonOf({ Records: [rec(0), noTime] })).toMatch(/^Records\[1\]: no eventTime /);
  });

  it('reads Panther-style lower-cased keys', () => {
    const r = {
      eventversion: '1.08',
      eventid: 'lc-1',
      eventtime: '2024-03-04T10:00:00Z',
      eventsource: 'iam.amazonaws.com',
      eventname: 'ListUsers',
      awsregion: 'us-east-1',
    };
    expect(normalize(r)).toMatchObject({
      ok: true,
      events: [{ id: 'lc-1', action: 'ListUsers', service: 'iam.amazonaws.com' }],
    });
  });
});
