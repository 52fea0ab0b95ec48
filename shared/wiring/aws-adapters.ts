import { EventBridgePublisher } from '#shared/adapters/aws/eventbridge-publisher.ts';
import { KmsKeyWrapper } from '#shared/adapters/aws/kms-key-wrapper.ts';
import { EventBridgeScheduleRegistry } from '#shared/adapters/aws/scheduler-registry.ts';
import { SqsFifoQueue } from '#shared/adapters/aws/sqs-fifo-queue.ts';
import { SqsGrantQueue } from '#shared/adapters/aws/sqs-grant-queue.ts';
import { SqsReconcileQueue } from '#shared/adapters/aws/sqs-reconcile-queue.ts';
import { requiredEnv } from '#shared/config/env.ts';
import { changeKeys } from '#shared/ports/change-queue.ts';
import { GRANT_QUEUE_ENV } from '#shared/ports/grant-queue.ts';
import { pushKeys } from '#shared/ports/push-queue.ts';
import type { PlatformAdapters } from './services.ts';

/**
 * The AWS side of {@link PlatformAdapters}: each reads the environment variable the stack sets on
 * the functions whose row in `lib/functions.ts` grants it, when first asked for, and a function
 * deployed without it fails with the variable's name.
 */
export const awsAdapters: PlatformAdapters = {
  keys: () => new KmsKeyWrapper(requiredEnv('TOKEN_KEY_ARN')),
  schedules: () =>
    new EventBridgeScheduleRegistry({
      group: requiredEnv('SCHEDULE_GROUP'),
      queueArn: requiredEnv('RECONCILE_QUEUE_ARN'),
      roleArn: requiredEnv('SCHEDULER_ROLE_ARN'),
      deadLetterArn: requiredEnv('SCHEDULE_DLQ_ARN'),
    }),
  events: () => new EventBridgePublisher(requiredEnv('EVENT_BUS_NAME')),
  pushQueue: () => new SqsFifoQueue(requiredEnv('PUSH_QUEUE_URL'), pushKeys),
  changeQueue: () => new SqsFifoQueue(requiredEnv('CHANGE_QUEUE_URL'), changeKeys),
  reconcileQueue: () => new SqsReconcileQueue(requiredEnv('RECONCILE_QUEUE_URL')),
  grantQueue: () => new SqsGrantQueue(requiredEnv(GRANT_QUEUE_ENV)),
};
