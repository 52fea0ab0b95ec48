import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CfnElement } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { METRIC_NAMES, METRICS_NAMESPACE } from '#shared/observability/metric-names.ts';
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

/** The metric names every `publishCounts(...)` call in the code names (its first object's keys). */
function publishedInCode(): Set<string> {
  const names = new Set<string>();
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
    );
  for (const file of [...walk('shared'), ...walk('functions')]) {
    const text = readFileSync(file, 'utf8');
    for (const call of text.matchAll(/publishCounts\(\s*\{([^}]*)\}/g)) {
      for (const key of (call[1] ?? '').matchAll(/([A-Z]\w+)\s*:/g)) names.add(key[1] ?? '');
    }
  }
  return names;
}

/** The app metrics a template watches: alarms, the dashboard, Contributor Insights rules. */
function watchedIn(template: Record<string, Resource>): Set<string> {
  const watched = new Set<string>();
  for (const r of Object.values(template)) {
    const text = JSON.stringify(r.Properties);
    if (r.Type === 'AWS::CloudWatch::Alarm' && r.Properties.Namespace === METRICS_NAMESPACE) {
      watched.add(String(r.Properties.MetricName));
    }
    if (r.Type === 'AWS::CloudWatch::Dashboard') {
      // The body is JSON text: each metric is ["<namespace>","<name>",...].
      for (const after of text.split(METRICS_NAMESPACE).slice(1)) {
        watched.add(/^\W*(\w+)/.exec(after)?.[1] ?? '');
      }
    }
    if (r.Type === 'AWS::CloudWatch::InsightRule') {
      for (const m of text.matchAll(/ValueOf\W*\$\.(\w+)/g)) watched.add(m[1] ?? '');
    }
  }
  return watched;
}

describe('Stack: metrics named once', () => {
  it('publishes every name of the table somewhere in the code, and no other', () => {
    expect([...publishedInCode()].sort()).toEqual([...METRIC_NAMES].sort());
  });

  it('watches (alarms, dashboard, Contributor Insights) only metrics the code publishes', () => {
    const watched = watchedIn(resources);
    expect(watched.size).toBeGreaterThan(10);
    const published = publishedInCode();
    expect([...watched].filter((n) => !published.has(n))).toEqual([]);
  });

  it('fails when an alarm watches a metric no code publishes', () => {
    const template = {
      ...resources,
      WatchesNothing: {
        Type: 'AWS::CloudWatch::Alarm',
        Properties: { Namespace: METRICS_NAMESPACE, MetricName: 'InvoicesTeleported' },
      },
    };
    const published = publishedInCode();
    expect([...watchedIn(template)].filter((n) => !published.has(n))).toEqual([
      'InvoicesTeleported',
    ]);
  });
});
