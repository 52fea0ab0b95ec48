import { correlationAttributes } from '#shared/observability/correlation.ts';
import { type ChangeMessage, type ChangeQueue, changeKeys } from '#shared/ports/change-queue.ts';
import {
  GRANT_MAX_RECEIVES,
  GRANT_VISIBILITY_SECONDS,
  type GrantQueue,
} from '#shared/ports/grant-queue.ts';
import {
  PUSH_MAX_RECEIVES,
  type PushMessage,
  type PushQueue,
  pushKeys,
} from '#shared/ports/push-queue.ts';
import type { ReconcileQueue, ReconcileRequest } from '#shared/ports/reconcile-queue.ts';
import { LocalQueue } from './local-queue.ts';

/** Multiplies local queue delays; tests set `LOCAL_QUEUE_TIME_SCALE=0.001`. */
const timeScale = Number(process.env.LOCAL_QUEUE_TIME_SCALE ?? '1') || 1;
/**
 * Invocations at once per queue. In AWS a FIFO queue's Lambda scales with its active message
 * groups; locally 10 keeps a laptop responsive, and the benchmarks raise it.
 */
const concurrency = Number(process.env.LOCAL_QUEUE_CONCURRENCY ?? '10') || 10;

/** The local FIFO push queue of this process (local mode and tests). */
export const localPushQueue = new LocalQueue({
  name: 'push.fifo',
  fifo: true,
  visibilityTimeoutSeconds: 360,
  // The worker reads the same variable, so both agree on which receive is the last.
  maxReceiveCount: Number(process.env.PUSH_MAX_RECEIVES ?? PUSH_MAX_RECEIVES),
  timeScale,
  concurrency,
});

/** {@link PushQueue} on the local FIFO queue, with the same groups and deduplication as SQS. */
export const localPushSender: PushQueue = {
  async send(message: PushMessage, reason?: string) {
    localPushQueue.send(
      JSON.stringify(message),
      {
        groupId: pushKeys.group(message),
        dedupeId: pushKeys.dedupe(message, reason),
      },
      correlationAttributes(),
    );
  },
};

/** The local FIFO change queue (webhook receiver → change worker). */
export const localChangeQueue = new LocalQueue({
  name: 'changes.fifo',
  fifo: true,
  visibilityTimeoutSeconds: 360,
  maxReceiveCount: 40,
  timeScale,
  concurrency,
});

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
export const localReconcileQueue = new LocalQueue({
  name: 'reconcile',
  fifo: false,
  visibilityTimeoutSeconds: 1800,
  maxReceiveCount: 20,
  timeScale,
  concurrency,
});

/** {@link ReconcileQueue} on the local reconcile queue. */
export const localReconcileSender: ReconcileQueue = {
  async send(request: ReconcileRequest) {
    localReconcileQueue.send(JSON.stringify(request), undefined, correlationAttributes());
  },
};

/** The local grant queue (revocations, confirmation expiries, Disconnect-URL checks). */
export const localGrantQueue = new LocalQueue({
  name: 'grants',
  fifo: false,
  visibilityTimeoutSeconds: GRANT_VISIBILITY_SECONDS,
  maxReceiveCount: GRANT_MAX_RECEIVES,
  timeScale,
  concurrency,
});

/** {@link GrantQueue} on the local grant queue. */
export const localGrantSender: GrantQueue = {
  async send(job, delaySeconds) {
    localGrantQueue.send(JSON.stringify(job), undefined, correlationAttributes(), delaySeconds);
  },
};
