import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** Props of {@link Observability}. */
export interface ObservabilityProps {
  /** Encrypts the alarm topic. */
  readonly key: IKey;
}

/**
 * Where the on-call team hears about problems: an encrypted, TLS-only SNS topic that every alarm
 * notifies, and helpers that create the alarms.
 */
export class Observability extends Construct {
  /** Every alarm notifies this topic. */
  readonly alarmTopic: Topic;

  /**
   * @param scope - parent construct
   * @param id - construct id
   * @param props - see {@link ObservabilityProps}
   */
  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    this.alarmTopic = new Topic(this, 'Alarms', {
      displayName: 'TradelyHQ QuickBooks integration alarms',
      masterKey: props.key,
      enforceSSL: true,
    });
    this.alarmTopic.applyRemovalPolicy(RemovalPolicy.DESTROY);
  }

  /**
   * Alarms as soon as any message waits in a dead-letter queue: something was given up on.
   *
   * @param id - construct id of the alarm
   * @param deadLetterQueue - the DLQ
   * @param what - what the messages are, for the alarm description
   */
  alarmOnDeadLetters(id: string, deadLetterQueue: IQueue, what: string): Alarm {
    const alarm = new Alarm(this, id, {
      alarmDescription: `${what} reached the dead-letter queue ${deadLetterQueue.queueName}. See docs/runbook.md.`,
      metric: deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: 'Maximum',
      }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new SnsAction(this.alarmTopic));
    return alarm;
  }
}
