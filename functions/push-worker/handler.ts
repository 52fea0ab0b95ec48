/**
 * Push worker (SQS FIFO → Lambda, partial batch failures): brings QBO up to each queued invoice
 * revision. Records of one message group are processed in order; a failed record fails the rest of
 * its group only. A retryable failure postpones its message with backoff (ChangeMessageVisibility);
 * after the last receive it goes to the dead-letter queue with a sync error opened.
 */
import { runtimeEnv } from '#shared/config/runtime-env.ts';
import { pushMessageSchema } from '#shared/ports/push-queue.ts';
import { pushInvoice } from '#shared/use-cases/push-invoice.ts';
import { intuitServices } from '#shared/wiring/intuit-services.ts';
import { queueWorker } from '#shared/worker/queue-worker.ts';

const deps = await intuitServices();
/** Must equal the queue's redrive maxReceiveCount. */
const MAX_RECEIVES = runtimeEnv().pushMaxReceives;
/** Other first creates waiting in a message group that make a batch request worth it (0: never). */
const BATCH_MIN_BACKLOG = runtimeEnv().qboBatchMinBacklog;

export const handler = queueWorker(
  {
    schema: pushMessageSchema,
    consumes: 'push',
    queue: deps.pushQueue,
    logKeys: (push) => ({ tenantId: push.tenantId, invoiceId: push.invoiceId }),
    // pushInvoice decides every failure it knows; anything else waits for the visibility timeout.
    onError: { retry: 'visibility', what: 'An invoice push' },
  },
  async ({ message: push, attempt, record }) => {
    const outcome = await pushInvoice(deps, push, attempt, attempt >= MAX_RECEIVES, {
      minBacklog: BATCH_MIN_BACKLOG,
      queuedMs: Date.now() - Number(record.attributes.SentTimestamp),
    });
    return outcome.done
      ? undefined
      : {
          retryAfterSeconds: outcome.retryAfterSeconds,
          why: `Push of ${push.invoiceId} will be retried`,
        };
  },
);
