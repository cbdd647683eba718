import { describeRuleCases, runCase } from '../../../test/support/rule-cases';
import type { RuleCase, RuleDefinition } from '../../engine/rule';
import cases from './cloud-logging-disabled.cases';
import rule from './cloud-logging-disabled';

describeRuleCases(rule as RuleDefinition, cases);

describe('cloud-logging-disabled says what was narrowed', () => {
  const byName = (name: string): RuleCase => {
    const c = cases.fires.find((x) => x.name === name);
    if (c === undefined) throw new Error(`no case named "${name}"`);
    return c;
  };
  it.each([
    ['fires when UpdateTrail makes the trail single-region', 'the trail now logs one region only'],
    [
      'fires when UpdateTrail stops logging global service events (IAM, STS)',
      'global service events (IAM, STS, CloudFront) are no longer logged',
    ],
    [
      'fires when a console save encrypts the log files with a KMS key of another account',
      'log files are now encrypted with a KMS key of account 999988887777',
    ],
    [
      'fires when UpdateTrail sends the logs to a bucket outside the configured logBuckets',
      'log files now go to bucket trail-archive-7731, not one of the configured logBuckets',
    ],
    [
      'fires when basic event selectors stop management events (Panther sample shape)',
      'management events are no longer logged',
    ],
    [
      'fires when basic event selectors keep management reads only',
      'management write events are no longer logged',
    ],
    [
      'fires when basic event selectors exclude KMS management events',
      'management events are filtered (kms.amazonaws.com excluded)',
    ],
    [
      'fires when advanced event selectors keep management reads only',
      'management write events are no longer logged',
    ],
    [
      'fires when advanced event selectors filter management events by source',
      'management events are filtered (eventSource notEquals kms.amazonaws.com)',
    ],
    [
      'fires when advanced event selectors exclude one principal from data events',
      'events of arn:aws:sts::444455556666:assumed-role/ci-deploy/ are excluded from logging',
    ],
    ['fires when advanced event selectors select data events only', 'management events are no longer logged'],
    ['fires when PutInsightSelectors turns CloudTrail Insights off', 'CloudTrail Insights are turned off'],
  ])('%s: "%s"', async (name, words) => {
    const { findings } = await runCase(rule as RuleDefinition, byName(name));
    expect(findings[0]?.why).toContain(`org-trail): ${words}`);
  });
});
