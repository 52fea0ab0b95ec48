import { Annotations, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  Alarm,
  CfnInsightRule,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  METRICS_NAMESPACE,
  type MetricName,
  SERVICE_NAME,
} from '#shared/observability/metric-names.ts';

/** Props of {@link Observability}. */
export interface ObservabilityProps {
  /** Encrypts the alarm topic. */
  readonly key: IKey;
  /** E-mail addresses subscribed to the alarm topic. */
  readonly alarmEmails: readonly string[];
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
    if (props.alarmEmails.length === 0) {
      Annotations.of(this).addWarningV2(
        'tradelyhq:noAlarmSubscribers',
        'No alarmEmails: the alarm topic has no subscriber, so alarms reach nobody until one is added.',
      );
    }
    for (const email of props.alarmEmails) {
      this.alarmTopic.addSubscription(new EmailSubscription(email));
    }
  }

  /**
   * A Contributor Insights rule over the functions' metric lines: which tenants or companies
   * contribute most to a count (the functions publish them as EMF properties, not dimensions).
   *
   * @param id - construct id and the rule name's suffix, e.g. `QboThrottlingByCompany`
   * @param metricName - the count, e.g. `QboThrottled`
   * @param key - `tenantId` or `realmId`
   * @param logGroups - the log groups of the functions that publish the count
   */
  topContributors(
    id: string,
    metricName: MetricName,
    key: 'tenantId' | 'realmId',
    logGroups: readonly ILogGroup[],
  ): CfnInsightRule {
    const stack = Stack.of(this);
    return new CfnInsightRule(this, id, {
      ruleName: `${stack.stackName}-${id}`,
      ruleState: 'ENABLED',
      ruleBody: stack.toJsonString({
        Schema: { Name: 'CloudWatchLogRule', Version: 1 },
        LogGroupNames: logGroups.map((group) => group.logGroupName),
        LogFormat: 'JSON',
        Contribution: {
          Keys: [`$.${key}`],
          ValueOf: `$.${metricName}`,
          Filters: [{ Match: `$.${metricName}`, GreaterThan: 0 }],
        },
        AggregateOn: 'Sum',
      }),
    });
  }

  /**
   * An application metric the functions publish (Powertools EMF, namespace
   * `TradelyHQ/QuickBooks`, dimension `service`).
   *
   * @param metricName - e.g. `InvoicePushFailed`
   * @param period - aggregation period
   */
  static appMetric(metricName: MetricName, period = Duration.minutes(5)): Metric {
    return new Metric({
      namespace: METRICS_NAMESPACE,
      metricName,
      dimensionsMap: { service: SERVICE_NAME },
      statistic: 'Sum',
      period,
    });
  }

  /**
   * Alarms when an application count exceeds a threshold in 5 minutes.
   *
   * @param id - construct id
   * @param metricName - the metric
   * @param threshold - alarm above this many in 5 minutes
   * @param description - what it means and where the runbook is
   */
  alarmOnCount(id: string, metricName: MetricName, threshold: number, description: string): Alarm {
    return this.alarm(id, Observability.appMetric(metricName), threshold, description);
  }

  /**
   * Alarms on a function's errors and throttles.
   *
   * @param name - the function's name in the stack
   * @param fn - the function
   */
  alarmOnFunction(name: string, fn: IFunction): void {
    this.alarm(
      `${name}Errors`,
      fn.metricErrors({ period: Duration.minutes(5) }),
      0,
      `${name}: Lambda errors. See docs/runbook.md.`,
    );
    this.alarm(
      `${name}Throttles`,
      fn.metricThrottles({ period: Duration.minutes(5) }),
      0,
      `${name}: Lambda throttles (concurrency exhausted). See docs/runbook.md.`,
    );
  }

  /**
   * Alarms when a metric exceeds a threshold, to the alarm topic.
   *
   * @param id - construct id
   * @param metric - the metric
   * @param threshold - alarm above this
   * @param description - what it means and where the runbook is
   */
  alarm(id: string, metric: IMetric, threshold: number, description: string): Alarm {
    const alarm = new Alarm(this, id, {
      alarmDescription: description,
      metric,
      threshold,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new SnsAction(this.alarmTopic));
    return alarm;
  }

  /**
   * The on-call dashboard: the same figures the alarms watch, one graph per concern.
   *
   * @param deadLetterQueues - the DLQs, by what they hold
   * @param functions - every function, for errors
   */
  dashboard(
    deadLetterQueues: Readonly<Record<string, IQueue>>,
    functions: readonly IFunction[],
  ): Dashboard {
    const app = (title: string, names: readonly MetricName[]) =>
      new GraphWidget({ title, width: 12, left: names.map((n) => Observability.appMetric(n)) });
    return new Dashboard(this, 'Dashboard', {
      widgets: [
        [
          app('Invoice pushes', [
            'InvoicePushed',
            'InvoicePushFailed',
            'InvoicePushRetried',
            'InvoicePushParked',
          ]),
          app('QuickBooks requests', ['QboRequests', 'QboThrottled']),
        ],
        [
          app('Webhooks', [
            'WebhookEventsAccepted',
            'WebhookEventsDuplicate',
            'WebhookEventsUnknownRealm',
            'WebhookSignatureRejected',
            'QboChangesApplied',
            'InvoiceStatusChanged',
          ]),
          app('Connections', ['TokenRefreshed', 'InvalidGrant']),
        ],
        [
          app('Fleet (hourly)', [
            'TenantsConnected',
            'TenantsReconnectRequired',
            'TenantsReconcileOverdue',
            'SyncErrorsOpen',
          ]),
        ],
        [
          app('Nightly reconcile', [
            'ReconcileRuns',
            'ReconcileInvoicesChecked',
            'ReconcileQboRequests',
            'ReconcileErrorsOpened',
            'ReconcileErrorsClosed',
          ]),
          new GraphWidget({
            title: 'Dead-letter queues',
            width: 12,
            left: Object.entries(deadLetterQueues).map(([label, q]) =>
              q.metricApproximateNumberOfMessagesVisible({ label, statistic: 'Maximum' }),
            ),
          }),
        ],
        [
          new GraphWidget({
            title: 'Lambda errors',
            width: 24,
            left: functions.map((fn) => fn.metricErrors({ period: Duration.minutes(5) })),
          }),
        ],
      ],
    });
  }

  /**
   * Alarms as soon as any message waits in a dead-letter queue: something was given up on.
   *
   * @param id - construct id of the alarm
   * @param deadLetterQueue - the DLQ
   * @param what - what the messages are, for the alarm description
   */
  alarmOnDeadLetters(id: string, deadLetterQueue: IQueue, what: string): Alarm {
    return this.alarm(
      id,
      deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: 'Maximum',
      }),
      0,
      `${what} reached the dead-letter queue ${deadLetterQueue.queueName}. See docs/runbook.md.`,
    );
  }
}
