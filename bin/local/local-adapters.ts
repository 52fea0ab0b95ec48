import { LocalKeyWrapper } from '#shared/adapters/local/local-key-wrapper.ts';
import type { LocalQueue } from '#shared/adapters/local/local-queue.ts';
import {
  localChangeQueue,
  localChangeSender,
  localGrantQueue,
  localGrantSender,
  localPushQueue,
  localPushSender,
  localReconcileQueue,
  localReconcileSender,
} from '#shared/adapters/local/local-queues.ts';
import { localSchedules } from '#shared/adapters/local/local-schedule-registry.ts';
import { localEvents } from '#shared/adapters/local/memory-event-publisher.ts';
import { requiredEnv } from '#shared/config/env.ts';
import type { MessageDelay } from '#shared/ports/push-queue.ts';
import type { PlatformAdapters } from '#shared/wiring/services.ts';

/** A local queue's sender that also postpones received messages, as an SQS adapter does. */
function withDelay<S extends object>(sender: S, queue: LocalQueue): S & MessageDelay {
  return { ...sender, delay: (receiptHandle, seconds) => queue.delay(receiptHandle, seconds) };
}

/**
 * Local mode's side of {@link PlatformAdapters}: this process's queues (SQS's semantics), croner
 * schedules, events kept in memory (`GET /_local/events`) and the master key file that stands in
 * for KMS. `bin/local.ts`, the test setup and the soak's worker process hand it to
 * `useLocalAdapters` before any handler loads.
 */
export const localAdapters: PlatformAdapters = {
  keys: () => LocalKeyWrapper.fromFile(requiredEnv('LOCAL_MASTER_KEY_FILE')),
  schedules: () => localSchedules,
  events: () => localEvents,
  pushQueue: () => withDelay(localPushSender, localPushQueue),
  changeQueue: () => withDelay(localChangeSender, localChangeQueue),
  reconcileQueue: () => withDelay(localReconcileSender, localReconcileQueue),
  grantQueue: () => withDelay(localGrantSender, localGrantQueue),
};
