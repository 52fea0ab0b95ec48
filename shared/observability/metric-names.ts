/**
 * Every count the runtime publishes, once: the runtime's `publishCounts` takes only these names,
 * and the stack's alarms, dashboard and Contributor Insights rules name them from here, so a
 * rename reaches both sides or fails the typecheck. `test/infra/observability.test.ts` checks that
 * each name is published somewhere in the code and that everything the stack watches is one.
 */
export const METRIC_NAMES = [
  'GrantRevocationsRequeued',
  'GrantRevokesOverdue',
  'InvalidGrant',
  'InvoicePushed',
  'InvoicePushFailed',
  'InvoicePushParked',
  'InvoicePushRetried',
  'InvoiceStatusChanged',
  'QboBatches',
  'QboChangesApplied',
  'QboRequests',
  'QboThrottled',
  'ReconcileErrorsClosed',
  'ReconcileErrorsOpened',
  'ReconcileInvoicesChecked',
  'ReconcileQboRequests',
  'ReconcileRuns',
  'ReconcileStoppedReconnectRequired',
  'SyncErrorsOpen',
  'TenantsConnected',
  'TenantsReconcileOverdue',
  'TenantsReconnectRequired',
  'TokenRefreshed',
  'WebhookEventsAccepted',
  'WebhookEventsDuplicate',
  'WebhookEventsIgnoredEntity',
  'WebhookEventsUnknownRealm',
  'WebhookSignatureRejected',
  'WebhookUnreadable',
] as const;

/** One of {@link METRIC_NAMES}. */
export type MetricName = (typeof METRIC_NAMES)[number];

/** Namespace of the functions' own metrics. */
export const METRICS_NAMESPACE = 'TradelyHQ/QuickBooks';

/** The service name of every log line, trace and metric (Powertools' `service`). */
export const SERVICE_NAME = 'tradelyhq-quickbooks';
