import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { EncryptedTopic } from './encrypted-topic';

/** Props of {@link OperationalAlarms}. */
export interface OperationalAlarmsProps {
  /**
   * Addresses told when Tripline itself is unwell (dead letters, function errors, a backlog).
   *
   * @default - no subscriptions
   */
  readonly emails?: readonly string[];
}

/** How often alarm metrics are evaluated. */
const PERIOD = Duration.minutes(5);

/**
 * Alarms on Tripline's own health, and the encrypted SNS topic they notify (on ALARM and on OK).
 *
 * Operational alarms go to their own topic, not the findings topic: findings subscribers (a
 * responder, a SIEM) expect finding JSON with `severity`/`ruleId`/`tenant` attributes, and an alarm
 * is neither; on-call can still subscribe to both.
 *
 * @example
 * ```ts
 * const ops = new OperationalAlarms(this, 'Ops', { emails: ['oncall@example.com'] });
 * ops.alarmOnDeadLetters('RealtimeDeadLetters', dlq, 'CloudTrail events Tripline could not process');
 * ```
 */
export class OperationalAlarms extends Construct {
  /** The topic alarms notify. */
  readonly topic: sns.Topic;
  private readonly action: actions.SnsAction;
  private readonly created: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: OperationalAlarmsProps = {}) {
    super(scope, id);
    const topic = new EncryptedTopic(this, 'Notifications', {
      displayName: 'Tripline operations',
      description: 'Encrypts Tripline operational alarm notifications',
      allowCloudWatchAlarms: true,
      ...(props.emails ? { emails: props.emails } : {}),
    });
    this.topic = topic.topic;
    this.action = new actions.SnsAction(this.topic);
  }

  /** Every alarm created so far. */
  get alarms(): readonly cloudwatch.Alarm[] {
    return this.created;
  }

  /**
   * Alarms as soon as a dead-letter queue holds any message.
   *
   * @param id construct id of the alarm, unique within this construct
   * @param queue the dead-letter queue
   * @param what what its messages are, for the alarm description
   */
  alarmOnDeadLetters(id: string, queue: sqs.IQueue, what: string): cloudwatch.Alarm {
    return this.add(id, {
      metric: queue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum' }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      alarmDescription:
        `Dead letters: ${what}. Read the function's logs for the cause, fix it, then redrive the messages ` +
        `(SQS console > the queue > Start DLQ redrive). Messages expire 14 days after they arrive.`,
    });
  }

  /**
   * Alarms when a function reports any error (an uncaught exception or a timeout).
   *
   * @param id construct id of the alarm, unique within this construct
   * @param fn the function
   * @param what what it does, for the alarm description
   */
  alarmOnErrors(id: string, fn: lambda.IFunction, what: string): cloudwatch.Alarm {
    return this.add(id, {
      metric: fn.metricErrors({ period: PERIOD, statistic: 'Sum' }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      alarmDescription: `Function errors: ${what}. Read its log group for the error and the failing input.`,
    });
  }

  /**
   * Alarms when the oldest message in a queue is older than `maxAge`: detection is falling behind.
   *
   * @param id construct id of the alarm, unique within this construct
   * @param queue the queue
   * @param maxAge the age that counts as a backlog
   * @param what what the queue carries, for the alarm description
   */
  alarmOnQueueAge(id: string, queue: sqs.IQueue, maxAge: Duration, what: string): cloudwatch.Alarm {
    return this.add(id, {
      metric: queue.metricApproximateAgeOfOldestMessage({ period: PERIOD, statistic: 'Maximum' }),
      threshold: maxAge.toSeconds(),
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      alarmDescription:
        `Backlog: the oldest ${what} waited more than ${maxAge.toHumanString()}, so findings are late. ` +
        `Look for throttling or errors of the consuming function.`,
    });
  }

  /**
   * Alarms when a metric goes above a threshold (a poller's lag, its failed polls).
   *
   * @param id construct id of the alarm, unique within this construct
   * @param metric the metric, with its statistic and period
   * @param threshold the value above which the alarm fires
   * @param description what it means and what to do
   */
  alarmAbove(
    id: string,
    metric: cloudwatch.IMetric,
    threshold: number,
    description: string,
  ): cloudwatch.Alarm {
    return this.add(id, {
      metric,
      threshold,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      alarmDescription: description,
    });
  }

  private add(id: string, props: Omit<cloudwatch.AlarmProps, 'evaluationPeriods'>): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      ...props,
      evaluationPeriods: 1,
      // No data means no messages and no invocations: healthy (a poller that stops running at all
      // shows as function errors or dead letters).
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(this.action);
    alarm.addOkAction(this.action);
    this.created.push(alarm);
    return alarm;
  }
}
