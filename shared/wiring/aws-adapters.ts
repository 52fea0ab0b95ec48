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
 */
export const awsAdapters: PlatformAdapters = {
  keys: () => new KmsKeyWrapper(required('tokenKeyArn')),
  schedules: () =>
    new EventBridgeScheduleRegistry({
      group: required('scheduleGroup'),
      queueArn: required('reconcileQueueArn'),
      roleArn: required('schedulerRoleArn'),
      deadLetterArn: required('scheduleDlqArn'),
    }),
  events: () => new EventBridgePublisher(required('eventBus')),
  pushQueue: () => new SqsFifoQueue(urlOf('push'), pushKeys),
  changeQueue: () => new SqsFifoQueue(urlOf('changes'), changeKeys),
  reconcileQueue: () => new SqsReconcileQueue(urlOf('reconcile')),
  grantQueue: () => new SqsGrantQueue(urlOf('grants')),
};

/** A queue's URL, from the variable its row names (set by the stack on its worker and senders). */
function urlOf(queue: QueueName): string {
  return required(QUEUES[queue].url);
}
