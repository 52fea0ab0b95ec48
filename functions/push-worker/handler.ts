/**
 * Push worker (SQS FIFO → Lambda, partial batch failures): brings QBO up to each queued invoice
 * revision. Records of one message group are processed in order; a failed record fails the rest of
 * its group only. A retryable failure postpones its message with backoff (ChangeMessageVisibility);
 * after the last receive it goes to the dead-letter queue with a sync error opened.
 */
import { processPartialResponse, SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
// zod/mini: the same checks as zod in a seventh of the bundle; see FUNCTION_BUNDLING.
import * as z from 'zod/mini';
import { runtimeEnv } from '#shared/config/runtime-env.ts';
import { beginRecord } from '#shared/observability/correlation.ts';
import { pushInvoice } from '#shared/use-cases/push-invoice.ts';
import { intuitServices } from '#shared/wiring/services.ts';

const deps = await intuitServices();
const queue = deps.pushQueue;
/** Must equal the queue's redrive maxReceiveCount. */
const MAX_RECEIVES = runtimeEnv().pushMaxReceives;
/** Other first creates waiting in a message group that make a batch request worth it (0: never). */
const BATCH_MIN_BACKLOG = runtimeEnv().qboBatchMinBacklog;
const message = z.strictObject({
  tenantId: z.string().check(z.minLength(1)),
  invoiceId: z.string().check(z.minLength(1)),
  revision: z.int().check(z.minimum(1)),
});

async function handleRecord(record: SQSRecord): Promise<void> {
  const push = message.parse(JSON.parse(record.body));
  const attempt = Number(record.attributes.ApproximateReceiveCount) || 1;
  beginRecord(record, { tenantId: push.tenantId, invoiceId: push.invoiceId });
  const outcome = await pushInvoice(deps, push, attempt, attempt >= MAX_RECEIVES, {
    minBacklog: BATCH_MIN_BACKLOG,
    queuedMs: Date.now() - Number(record.attributes.SentTimestamp),
  });
  if (outcome.done) return;
  if (outcome.retryAfterSeconds > 0)
    await queue.delay(record.receiptHandle, outcome.retryAfterSeconds);
  throw new Error(`Push of ${push.invoiceId} will be retried`);
}

export const handler = async (event: SQSEvent) =>
  processPartialResponse(event, handleRecord, new SqsFifoPartialProcessorAsync(), {
    skipGroupOnError: true,
    throwOnFullBatchFailure: false,
  });
