/**
 * The stack's work queues, as both the CDK stack (`lib/`) and local mode's queues build them, so
 * that a message is retried, dead-lettered and hidden the same way in both. The visibility
 * timeout is six times the consumer's timeout (AWS's advice for Lambda event sources; the infra
 * test checks it against `lib/functions.ts`).
 */
export const QUEUES = {
  /** Invoice pushes: FIFO per invoice group; with the worker's backoff about eight hours. */
  push: { fifo: true, maxReceives: 40, visibilitySeconds: 360 },
  /** QBO changes (webhooks): FIFO per company; about eight hours, then the nightly CDC repairs. */
  changes: { fifo: true, maxReceives: 40, visibilitySeconds: 360 },
  /** Nightly and "run now" reconciles. */
  reconcile: { fifo: false, maxReceives: 20, visibilitySeconds: 1800 },
  /** Grant revocations, confirmation expiries and Disconnect-URL checks. */
  grants: { fifo: false, maxReceives: 40, visibilitySeconds: 180 },
} as const satisfies Record<
  string,
  { readonly fifo: boolean; readonly maxReceives: number; readonly visibilitySeconds: number }
>;

/**
 * How long every queue, and every dead-letter queue, keeps a message: SQS's longest. Whatever a
 * job names must outlive it, so that a redriven job still finds its record.
 */
export const MESSAGE_RETENTION_DAYS = 14;

/** One of the stack's work queues. */
export type QueueName = keyof typeof QUEUES;
