import { ENV } from '#shared/config/names.ts';
import { type QueueName, queueEntries } from '#shared/config/queues.ts';
import { correlationAttributes } from '#shared/observability/correlation.ts';
import { type ChangeMessage, type ChangeQueue, changeKeys } from '#shared/ports/change-queue.ts';
import type { GrantQueue } from '#shared/ports/grant-queue.ts';
import { type PushMessage, type PushQueue, pushKeys } from '#shared/ports/push-queue.ts';
import type { ReconcileQueue, ReconcileRequest } from '#shared/ports/reconcile-queue.ts';
import { LocalQueue } from './local-queue.ts';

/** Multiplies local queue delays; tests set `LOCAL_QUEUE_TIME_SCALE=0.001`. */
const timeScale = Number(process.env.LOCAL_QUEUE_TIME_SCALE ?? '1') || 1;
/**
 * Invocations at once per queue. In AWS a FIFO queue's Lambda scales with its active message
 * groups; locally 10 keeps a laptop responsive, and the benchmarks raise it.
 */
const concurrency = Number(process.env.LOCAL_QUEUE_CONCURRENCY ?? '10') || 10;

/**
 * This process's queues (local mode and tests), one per row of `shared/config/queues.ts`, defined
 * as the stack defines the SQS ones. The push queue's receive count may be lowered by the
 * variable its worker reads too, so both agree on which receive is the last.
 */
export const localQueues = Object.fromEntries(
  queueEntries().map(([name, spec]) => [
    name,
    new LocalQueue({
      name: spec.fifo ? `${name}.fifo` : name,
      fifo: spec.fifo,
      visibilityTimeoutSeconds: spec.visibilitySeconds,
      maxReceiveCount:
        name === 'push'
          ? Number(process.env[ENV.pushMaxReceives] ?? spec.maxReceives)
          : spec.maxReceives,
      timeScale,
      concurrency,
    }),
  ]),
) as Record<QueueName, LocalQueue>;

/** The local FIFO push queue. */
export const localPushQueue = localQueues.push;

/** {@link PushQueue} on the local FIFO queue, with the same groups and deduplication as SQS. */
export const localPushSender: PushQueue = {
  async send(message: PushMessage, reason?: string) {
    localPushQueue.send(
      pushKeys.body(message),
      {
        groupId: pushKeys.group(message),
        dedupeId: pushKeys.dedupe(message, reason),
      },
      correlationAttributes(),
    );
  },
};

/** The local FIFO change queue (webhook receiver → change worker). */
export const localChangeQueue = localQueues.changes;

/** {@link ChangeQueue} on the local FIFO queue. */
export const localChangeSender: ChangeQueue = {
  async send(message: ChangeMessage) {
    localChangeQueue.send(
      JSON.stringify(message),
      {
        groupId: changeKeys.group(message),
        dedupeId: changeKeys.dedupe(message),
      },
      correlationAttributes(),
    );
  },
};

/** The local reconcile queue (the schedules' target and "run now"). */
export const localReconcileQueue = localQueues.reconcile;

/** {@link ReconcileQueue} on the local reconcile queue. */
export const localReconcileSender: ReconcileQueue = {
  async send(request: ReconcileRequest) {
    localReconcileQueue.send(JSON.stringify(request), undefined, correlationAttributes());
  },
};

/** The local grant queue (revocations, confirmation expiries, Disconnect-URL checks). */
export const localGrantQueue = localQueues.grants;

/** {@link GrantQueue} on the local grant queue. */
export const localGrantSender: GrantQueue = {
  async send(job, delaySeconds) {
    localGrantQueue.send(JSON.stringify(job), undefined, correlationAttributes(), delaySeconds);
  },
};
