import { EventBridgePublisher } from '#shared/adapters/aws/eventbridge-publisher.ts';
import { KmsKeyWrapper } from '#shared/adapters/aws/kms-key-wrapper.ts';
import { EventBridgeScheduleRegistry } from '#shared/adapters/aws/scheduler-registry.ts';
import { SqsFifoQueue } from '#shared/adapters/aws/sqs-fifo-queue.ts';
import { SqsGrantQueue } from '#shared/adapters/aws/sqs-grant-queue.ts';
import { SqsReconcileQueue } from '#shared/adapters/aws/sqs-reconcile-queue.ts';
import { QUEUES, type QueueName } from '#shared/config/queues.ts';
import { required } from '#shared/config/runtime-env.ts';
import { changeKeys } from '#shared/ports/change-queue.ts';
import { pushKeys } from '#shared/ports/push-queue.ts';
import type { PlatformAdapters } from './services.ts';

/**
 * The AWS side of {@link PlatformAdapters}: each reads the environment variable the stack sets on
 * the functions whose row in `lib/functions.ts` grants it, when first asked for, and a function
 * deployed without it fails with the variable's name.
 *
 * A function's bundle holds only the adapters its row grants (and so only their AWS SDK clients):
 * the stack bundles each function with `bundleDefines(row)` (`lib/functions.ts`), which sets
 * `process.env.AWS_ADAPTER_<NAME>` to `'left-out'` for every other adapter, and esbuild drops the
 * branch, the adapter and its SDK. Unbundled (local mode, tests) nothing is left out. Each test is
 * written out in full, because esbuild folds only a literal comparison.
 */
export const awsAdapters: PlatformAdapters = {
  keys:
    process.env.AWS_ADAPTER_KEYS === 'left-out'
      ? leftOut('keys')
      : () => new KmsKeyWrapper(required('tokenKeyArn')),
  schedules:
    process.env.AWS_ADAPTER_SCHEDULES === 'left-out'
      ? leftOut('schedules')
      : () =>
          new EventBridgeScheduleRegistry({
            group: required('scheduleGroup'),
            queueArn: required('reconcileQueueArn'),
            roleArn: required('schedulerRoleArn'),
            deadLetterArn: required('scheduleDlqArn'),
          }),
  events:
    process.env.AWS_ADAPTER_EVENTS === 'left-out'
      ? leftOut('events')
      : () => new EventBridgePublisher(required('eventBus')),
  pushQueue:
    process.env.AWS_ADAPTER_PUSH_QUEUE === 'left-out'
      ? leftOut('pushQueue')
      : () => new SqsFifoQueue(urlOf('push'), pushKeys),
  changeQueue:
    process.env.AWS_ADAPTER_CHANGE_QUEUE === 'left-out'
      ? leftOut('changeQueue')
      : () => new SqsFifoQueue(urlOf('changes'), changeKeys),
  reconcileQueue:
    process.env.AWS_ADAPTER_RECONCILE_QUEUE === 'left-out'
      ? leftOut('reconcileQueue')
      : () => new SqsReconcileQueue(urlOf('reconcile')),
  grantQueue:
    process.env.AWS_ADAPTER_GRANT_QUEUE === 'left-out'
      ? leftOut('grantQueue')
      : () => new SqsGrantQueue(urlOf('grants')),
};

/** A queue's URL, from the variable its row names (set by the stack on its worker and senders). */
function urlOf(queue: QueueName): string {
  return required(QUEUES[queue].url);
}

/**
 * The getter of an adapter left out of this bundle: asked for, it fails as a missing variable
 * would, since the stack grants it to no function whose bundle lacks it.
 */
function leftOut(adapter: keyof PlatformAdapters): () => never {
  return () => {
    throw new Error(
      `The ${adapter} adapter is not in this function's bundle: its row in lib/functions.ts does not grant it`,
    );
  };
}
