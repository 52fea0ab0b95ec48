import {
  deduplicationId,
  messageGroup,
  PUSH_MAX_RECEIVES,
  type PushMessage,
  type PushQueue,
} from '#shared/ports/push-queue.ts';
import { LocalQueue } from './local-queue.ts';

/** Multiplies local queue delays; tests set `LOCAL_QUEUE_TIME_SCALE=0.001`. */
const timeScale = Number(process.env.LOCAL_QUEUE_TIME_SCALE ?? '1') || 1;

/** The local FIFO push queue of this process (local mode and tests). */
export const localPushQueue = new LocalQueue({
  name: 'push.fifo',
  fifo: true,
  visibilityTimeoutSeconds: 360,
  // The worker reads the same variable, so both agree on which receive is the last.
  maxReceiveCount: Number(process.env.PUSH_MAX_RECEIVES ?? PUSH_MAX_RECEIVES),
  timeScale,
});

/** {@link PushQueue} on the local FIFO queue, with the same groups and deduplication as SQS. */
export const localPushSender: PushQueue = {
  async send(message: PushMessage, reason?: string) {
    localPushQueue.send(JSON.stringify(message), {
      groupId: messageGroup(message),
      dedupeId: deduplicationId(message, reason),
    });
  },
};
