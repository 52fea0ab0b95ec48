/**
 * Change worker (SQS FIFO → Lambda, partial batch failures): applies each change Intuit notified
 * to the invoices this stack pushed, re-reading QBO every time. One company's changes are handled
 * in order, one at a time; a failed record is retried with backoff and, after 40 receives (about
 * eight hours), goes to the dead-letter queue (with an alarm); the nightly reconcile repairs it.
 */
import { processPartialResponse, SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
// zod/mini: the same checks as zod in a seventh of the bundle; see FUNCTION_BUNDLING.
import * as z from 'zod/mini';
import { beginRecord } from '#shared/observability/correlation.ts';
import { logger } from '#shared/observability/logger.ts';
import { applyQboChange } from '#shared/use-cases/apply-qbo-change.ts';
import { backoffSeconds } from '#shared/use-cases/push-invoice.ts';
import { intuitServices } from '#shared/wiring/services.ts';

const deps = await intuitServices();

const message = z.object({
  tenantId: z.string().check(z.minLength(1)),
  notice: z.object({
    realmId: z.string(),
    entity: z.string(),
    entityId: z.string(),
    operation: z.string(),
    occurredAt: z.string(),
    dedupeKey: z.string(),
    // A Merge names the record merged away; the change worker re-links it to the survivor.
    deletedId: z.optional(z.string()),
  }),
  receivedAt: z.optional(z.number()),
});

async function handleRecord(record: SQSRecord): Promise<void> {
  const change = message.parse(JSON.parse(record.body));
  beginRecord(record, { tenantId: change.tenantId, realmId: change.notice.realmId });
  let changed: number;
  try {
    changed = await applyQboChange(deps, change);
  } catch (err) {
    // QBO unreachable or throttled: try again later, backing off, rather than at once.
    const attempt = Number(record.attributes.ApproximateReceiveCount) || 1;
    logger.warn('QuickBooks change not applied; it is tried again with backoff', {
      attempt,
      error: err,
    });
    await deps.changeQueue.delay(record.receiptHandle, backoffSeconds(attempt));
    throw err;
  }
  logger.info('QuickBooks change applied', {
    entity: change.notice.entity,
    operation: change.notice.operation,
    invoicesChanged: changed,
  });
}

export const handler = async (event: SQSEvent) =>
  processPartialResponse(event, handleRecord, new SqsFifoPartialProcessorAsync(), {
    skipGroupOnError: true,
    throwOnFullBatchFailure: false,
  });
