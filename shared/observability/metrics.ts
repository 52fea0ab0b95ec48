import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/**
 * The one metrics buffer of a function (CloudWatch EMF). Namespace `TradelyHQ/QuickBooks`.
 * Local mode and tests set `POWERTOOLS_METRICS_DISABLED` so nothing is printed.
 */
export const metrics = new Metrics({
  namespace: 'TradelyHQ/QuickBooks',
  serviceName: 'tradelyhq-quickbooks',
});

/**
 * Adds counts to the buffer (zero counts are skipped) and flushes it.
 *
 * @param counts - metric name → count
 */
export function publishCounts(counts: Readonly<Record<string, number>>): void {
  for (const [name, value] of Object.entries(counts)) {
    if (value > 0) metrics.addMetric(name, MetricUnit.Count, value);
  }
  metrics.publishStoredMetrics();
}
