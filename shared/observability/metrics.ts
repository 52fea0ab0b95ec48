import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { METRICS_NAMESPACE, type MetricName, SERVICE_NAME } from './metric-names.ts';

/**
 * The one metrics buffer of a function (CloudWatch EMF). Namespace `TradelyHQ/QuickBooks`.
 * Local mode and tests set `POWERTOOLS_METRICS_DISABLED` so nothing is printed.
 */
export const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });

/** Whom a count is about: the tenant and the QuickBooks company. */
export interface CountedFor {
  readonly tenantId?: string | undefined;
  readonly realmId?: string | undefined;
}

/**
 * Adds counts to the buffer (zero counts are skipped) and flushes it. The tenant and company ride
 * along as EMF properties, not dimensions: a dimension per tenant would make a custom metric per
 * tenant (priced per metric), while a property costs nothing and still answers "which tenants" in
 * Contributor Insights and Logs Insights.
 *
 * @param counts - metric name → count
 * @param about - the tenant and company the counts are about
 */
export function publishCounts(
  counts: Readonly<Partial<Record<MetricName, number>>>,
  about?: CountedFor,
): void {
  let any = false;
  for (const [name, value] of Object.entries(counts)) {
    if (value > 0) {
      metrics.addMetric(name, MetricUnit.Count, value);
      any = true;
    }
  }
  if (!any) return;
  for (const [key, value] of Object.entries(about ?? {})) {
    if (value) metrics.addMetadata(key, value);
  }
  metrics.publishStoredMetrics();
}
