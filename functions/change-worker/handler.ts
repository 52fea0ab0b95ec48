/**
 * Change worker (SQS FIFO → Lambda, partial batch failures): applies each change Intuit notified
 * to the invoices this stack pushed, re-reading QBO every time. One company's changes are handled
 * in order, one at a time; a failed record is retried after the visibility timeout and, after ten
 * receives, goes to the dead-letter queue (with an alarm).
 */
import { processPartialResponse, SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { logger } from '#shared/observability/logger.ts';
import { applyQboChange } from '#shared/use-cases/apply-qbo-change.ts';
import { connectionServices } from '#shared/wiring/connection-services.ts';
import { eventPublisher, invoiceStores } from '#shared/wiring/push-services.ts';

const services = await connectionServices();
const deps = {
  ...invoiceStores(),
  events: eventPublisher(),
  qbo: (tenantId: string) => services.qbo(tenantId),
};
const message = z.object({
  tenantId: z.string().min(1),
  notice: z.object({
    realmId: z.string(),
    entity: z.string(),
    entityId: z.string(),
    operation: z.string(),
    occurredAt: z.string(),
    dedupeKey: z.string(),
  }),
});

async function handleRecord(record: SQSRecord): Promise<void> {
  const change = message.parse(JSON.parse(record.body));
  logger.appendKeys({ tenantId: change.tenantId, realmId: change.notice.realmId });
  const changed = await applyQboChange(deps, change);
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
