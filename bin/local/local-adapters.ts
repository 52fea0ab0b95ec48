import { LocalKeyWrapper } from '#shared/adapters/local/local-key-wrapper.ts';
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
import type { PlatformAdapters } from '#shared/wiring/services.ts';

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
  pushQueue: () => ({
    ...localPushSender,
    delay: (h: string, s: number) => localPushQueue.delay(h, s),
  }),
  changeQueue: () => ({
    ...localChangeSender,
    delay: (h: string, s: number) => localChangeQueue.delay(h, s),
  }),
  reconcileQueue: () => ({
    ...localReconcileSender,
    delay: (h: string, s: number) => localReconcileQueue.delay(h, s),
  }),
  grantQueue: () => ({
    ...localGrantSender,
    delay: (h: string, s: number) => localGrantQueue.delay(h, s),
  }),
};
