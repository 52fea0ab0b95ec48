import { readFileSync } from 'node:fs';
import type { CfnElement } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildStack } from '../support/stack.ts';

type Resource = { Type: string; Properties: Record<string, unknown> };
let built: ReturnType<typeof buildStack>;
let resources: Record<string, Resource>;
beforeAll(() => {
  built = buildStack();
  resources = built.template.toJSON().Resources as Record<string, Resource>;
});

const logicalIdOf = (c: IConstruct) => built.stack.getLogicalId(c.node.defaultChild as CfnElement);
const alarms = () => Object.values(resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm');
const topic = () => ({ Ref: logicalIdOf(built.stack.observability.alarmTopic) });

describe('Stack: observability', () => {
  it('sends every alarm to the alarm topic', () => {
    expect(alarms().length).toBeGreaterThan(0);
    for (const alarm of alarms()) expect(alarm.Properties.AlarmActions).toEqual([topic()]);
  });

  it('alarms on errors and throttles of every function', () => {
    const functions = Object.values(built.stack.functions);
    expect(functions.length).toBeGreaterThan(0);
    for (const fn of functions) {
      const id = { Ref: logicalIdOf(fn) };
      for (const metric of ['Errors', 'Throttles']) {
        const found = alarms().some(
          (a) =>
            a.Properties.MetricName === metric &&
            JSON.stringify(a.Properties.Dimensions) ===
              JSON.stringify([{ Name: 'FunctionName', Value: id }]),
        );
        expect(found, `${metric} alarm for ${fn.node.id}`).toBe(true);
      }
    }
  });

  it.each([
    ['InvoicePushFailed', 5],
    ['WebhookSignatureRejected', 20],
    ['QboThrottled', 10],
    ['InvalidGrant', 5],
  ])('alarms when %s exceeds %i in 5 minutes', (metricName, threshold) => {
    built.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'TradelyHQ/QuickBooks',
      MetricName: metricName,
      Dimensions: [{ Name: 'service', Value: 'tradelyhq-quickbooks' }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: threshold,
    });
  });

  it('alarms on API 5xx and on every dead-letter queue', () => {
    built.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: '5xx',
      Namespace: 'AWS/ApiGateway',
    });
    const dlqAlarms = alarms().filter(
      (a) => a.Properties.MetricName === 'ApproximateNumberOfMessagesVisible',
    );
    // Push, changes, reconcile, schedule deliveries and grant jobs.
    expect(dlqAlarms).toHaveLength(5);
  });

  it('runs the fleet watchdog hourly and alarms when a tenant has had no reconcile for 26 h', () => {
    built.template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 hour)',
      Targets: [
        Match.objectLike({
          Arn: {
            'Fn::GetAtt': [
              logicalIdOf(built.stack.functions['fleet-watchdog'] as IConstruct),
              'Arn',
            ],
          },
        }),
      ],
    });
    built.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'TenantsReconcileOverdue',
      Statistic: 'Maximum',
      Period: 3600,
      Threshold: 0,
    });
  });

  it('alarms when a grant has waited over 6 hours to be revoked, with a runbook section', () => {
    built.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'GrantRevokesOverdue',
      Statistic: 'Maximum',
      Period: 3600,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    const runbook = readFileSync(new URL('../../docs/runbook.md', import.meta.url), 'utf8');
    expect(runbook).toContain('## GrantRevokeOverdue:');
  });

  it('subscribes the configured on-call addresses and has a dashboard', () => {
    const subscriptions = Object.values(resources)
      .filter((r) => r.Type === 'AWS::SNS::Subscription')
      .map((r) => r.Properties.Endpoint)
      .sort();
    expect(subscriptions).toEqual(['oncall@tradelyhq.test', 'ops@tradelyhq.test']);
    built.template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });

  it('ranks companies by QBO 429s and tenants by push failures over the push worker logs', () => {
    const rules = Object.values(resources)
      .filter((r) => r.Type === 'AWS::CloudWatch::InsightRule')
      .map((r) => ({
        name: JSON.stringify(r.Properties.RuleName),
        text: JSON.stringify(r.Properties.RuleBody),
      }));
    const byName = (suffix: string) => rules.find((r) => r.name.includes(suffix));
    const throttling = byName('QboThrottlingByCompany');
    expect(throttling?.text).toContain('$.realmId');
    expect(throttling?.text).toContain('$.QboThrottled');
    const failures = byName('PushFailuresByTenant');
    expect(failures?.text).toContain('$.tenantId');
    expect(failures?.text).toContain('$.InvoicePushFailed');
    const pushLogs = logicalIdOf(built.stack.functions['push-worker']?.logGroup as IConstruct);
    expect(failures?.text).toContain(pushLogs);
  });

  it('warns at synth when no one is subscribed to the alarms', () => {
    const warning = Match.stringLikeRegexp('alarms reach nobody');
    const { stack } = buildStack({ alarmEmails: '' });
    Annotations.fromStack(stack).hasWarning('*', warning);
    Annotations.fromStack(built.stack).hasNoWarning('*', warning);
  });

  it('keeps the data and its keys when the stack is deleted', () => {
    for (const type of ['AWS::DynamoDB::GlobalTable', 'AWS::KMS::Key']) {
      // allResources passes on none at all.
      expect(Object.keys(built.template.findResources(type)).length, type).toBeGreaterThan(0);
      built.template.allResources(type, {
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
    }
  });
});
