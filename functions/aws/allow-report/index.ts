/**
 * The weekly allow-list report: a scheduled function that reads the config bundled at synth and,
 * when allow entries have expired or expire within two weeks, publishes one message to the
 * operations topic (`OPS_TOPIC_ARN`). It reads no state and touches no finding.
 */
import { SNSClient, PublishCommand } from '@aws-sdk/client-sns';
import { Logger } from '@aws-lambda-powertools/logger';
import { ALLOW_REPORT_ENV, allowReport } from '#shared/config/allow-report';
import { deployedRules } from '#shared/config/deployed';
import { ENV } from '#shared/config/env';
import { ALL_RULES } from '#shared/rules/index';
import { regionOfArn } from '../common/runtime';

/** Overrides for tests. */
export interface AllowReportOptions {
  env?: Readonly<Record<string, string | undefined>>;
  sns?: Pick<SNSClient, 'send'>;
  logger?: Logger;
  now?: () => number;
  bundledConfig?: string;
}

/** What one run did. */
export interface AllowReportResult {
  expired: number;
  expiring: number;
  published: boolean;
}

const OPS_TOPIC_RE = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;

/** Builds the handler; `handler` below is the deployed one. */
export function createHandler(options: AllowReportOptions = {}): () => Promise<AllowReportResult> {
  return async () => {
    const env = options.env ?? process.env;
    const logger =
      options.logger ?? new Logger({ serviceName: env[ENV.POWERTOOLS_SERVICE_NAME] ?? 'tripline' });
    const topic = env[ALLOW_REPORT_ENV.OPS_TOPIC_ARN] ?? '';
    if (!OPS_TOPIC_RE.test(topic))
      throw new Error(
        `${ALLOW_REPORT_ENV.OPS_TOPIC_ARN} is not an SNS topic ARN (got '${topic}'); the stack sets it to the operations topic.`,
      );
    const { config } = deployedRules(ALL_RULES, options.bundledConfig);
    const report = allowReport(
      config,
      (options.now ?? Date.now)(),
      env[ALLOW_REPORT_ENV.STACK_NAME] ?? 'Tripline',
    );
    if (!report) {
      logger.info('No allow-list entry expired or expiring within 14 days', { entries: config.allow.length });
      return { expired: 0, expiring: 0, published: false };
    }
    const region = regionOfArn(topic);
    const sns = options.sns ?? new SNSClient(region ? { region } : {});
    await sns.send(new PublishCommand({ TopicArn: topic, Subject: report.subject, Message: report.body }));
    logger.warn('Allow-list entries expired or expiring; the operations topic was told', {
      expired: report.expired.map((a) => a.path),
      expiring: report.expiring.map((a) => a.path),
    });
    return { expired: report.expired.length, expiring: report.expiring.length, published: true };
  };
}

export const handler = createHandler();
