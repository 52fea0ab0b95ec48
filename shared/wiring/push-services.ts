import { EventBridgePublisher } from '#shared/adapters/aws/eventbridge-publisher.ts';
import { SqsFifoQueue, SqsMessageDelay } from '#shared/adapters/aws/sqs-fifo-queue.ts';
import { SqsGrantQueue } from '#shared/adapters/aws/sqs-grant-queue.ts';
import { SqsReconcileQueue } from '#shared/adapters/aws/sqs-reconcile-queue.ts';
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
import { localEvents } from '#shared/adapters/local/memory-event-publisher.ts';
import { requiredEnv } from '#shared/config/env.ts';
import { type ChangeQueue, changeKeys } from '#shared/ports/change-queue.ts';
import { systemClock } from '#shared/ports/clock.ts';
import type { EventPublisher } from '#shared/ports/event-publisher.ts';
import { GRANT_QUEUE_ENV, type GrantQueue } from '#shared/ports/grant-queue.ts';
import { type MessageDelay, type PushQueue, pushKeys } from '#shared/ports/push-queue.ts';
import type { ReconcileQueue } from '#shared/ports/reconcile-queue.ts';
import { ConnectionRepository } from '#shared/store/connection-repository.ts';
import { InvoiceRepository } from '#shared/store/invoice-repository.ts';
import { MappingRepository } from '#shared/store/mapping-repository.ts';
import { QboLinkRepository } from '#shared/store/qbo-link-repository.ts';
import { ReconcileRunRepository } from '#shared/store/reconcile-run-repository.ts';
import { SyncErrorRepository } from '#shared/store/sync-error-repository.ts';
import { TABLE_ENV } from '#shared/store/tables.ts';

/**
 * The local stand-in of an AWS resource, refused inside Lambda: a function deployed without the
 * resource's environment variable must fail at cold start, never queue into its own memory.
 */
function localOnly<T>(variable: string, local: T): T {
  if (process.env.AWS_LAMBDA_FUNCTION_NAME) throw new Error(`${variable} is not set`);
  return local;
}

/** EventBridge when `EVENT_BUS_NAME` is set (AWS), else this process's memory (local mode). */
export function eventPublisher(): EventPublisher {
  const bus = process.env.EVENT_BUS_NAME;
  return bus ? new EventBridgePublisher(bus) : localOnly('EVENT_BUS_NAME', localEvents);
}

/** The SQS FIFO queue when `PUSH_QUEUE_URL` is set (AWS), else the local FIFO queue. */
export function pushQueue(): PushQueue & MessageDelay {
  const url = process.env.PUSH_QUEUE_URL;
  return url
    ? new SqsFifoQueue(url, pushKeys)
    : localOnly('PUSH_QUEUE_URL', {
        ...localPushSender,
        delay: (h: string, sec: number) => localPushQueue.delay(h, sec),
      });
}

/** The repositories the invoice routes and workers use, on the sync-state table. */
export function invoiceStores() {
  const table = requiredEnv(TABLE_ENV.syncState);
  return {
    invoices: new InvoiceRepository(table),
    connections: new ConnectionRepository(table),
    mappings: new MappingRepository(table),
    syncErrors: new SyncErrorRepository(table),
    links: new QboLinkRepository(table),
    runs: new ReconcileRunRepository(table),
    clock: systemClock,
  };
}

/** The SQS FIFO change queue when `CHANGE_QUEUE_URL` is set (AWS), else the local one. */
export function changeQueue(): ChangeQueue {
  const url = process.env.CHANGE_QUEUE_URL;
  return url ? new SqsFifoQueue(url, changeKeys) : localOnly('CHANGE_QUEUE_URL', localChangeSender);
}

/** The SQS reconcile queue when `RECONCILE_QUEUE_URL` is set (AWS), else the local one. */
export function reconcileQueue(): ReconcileQueue {
  const url = process.env.RECONCILE_QUEUE_URL;
  return url ? new SqsReconcileQueue(url) : localOnly('RECONCILE_QUEUE_URL', localReconcileSender);
}

/** Postpones reconcile messages (the start jitter): SQS in AWS, the local queue locally. */
export function reconcileDelay(): MessageDelay {
  const url = process.env.RECONCILE_QUEUE_URL;
  return url ? new SqsMessageDelay(url) : localOnly('RECONCILE_QUEUE_URL', localReconcileQueue);
}

/** Postpones change messages (backoff): SQS in AWS, the local queue locally. */
export function changeDelay(): MessageDelay {
  const url = process.env.CHANGE_QUEUE_URL;
  return url ? new SqsMessageDelay(url) : localOnly('CHANGE_QUEUE_URL', localChangeQueue);
}

/** The SQS grant queue when `GRANT_QUEUE_URL` is set (AWS), else the local one. */
export function grantQueue(): GrantQueue {
  const url = process.env[GRANT_QUEUE_ENV];
  return url ? new SqsGrantQueue(url) : localOnly(GRANT_QUEUE_ENV, localGrantSender);
}

/** Postpones grant jobs (backoff): SQS in AWS, the local queue locally. */
export function grantDelay(): MessageDelay {
  const url = process.env[GRANT_QUEUE_ENV];
  return url ? new SqsMessageDelay(url) : localOnly(GRANT_QUEUE_ENV, localGrantQueue);
}
