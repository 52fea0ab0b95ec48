/**
 * Change worker (SQS FIFO → Lambda, partial batch failures): applies each change Intuit notified
 * to the invoices this stack pushed, re-reading QBO every time. One company's changes are handled
 * in order, one at a time; a failed record is retried with backoff and, after 40 receives (about
 * eight hours), goes to the dead-letter queue (with an alarm); the nightly reconcile repairs it.
 */
import { logger } from '#shared/observability/logger.ts';
import { changeMessageSchema } from '#shared/ports/change-queue.ts';
import { applyQboChange } from '#shared/use-cases/apply-qbo-change.ts';
import { intuitServices } from '#shared/wiring/intuit-services.ts';
import { queueWorker } from '#shared/worker/queue-worker.ts';

const deps = await intuitServices();

export const handler = queueWorker(
  {
    schema: changeMessageSchema,
    consumes: 'changes',
    queue: deps.changeQueue,
    logKeys: (change) => ({ tenantId: change.tenantId, realmId: change.notice.realmId }),
    // QBO unreachable or throttled: try again later, backing off, rather than at once.
    onError: { retry: 'backoff', what: 'Applying a QuickBooks change' },
  },
  async ({ message: change }) => {
    const changed = await applyQboChange(deps, change);
    logger.info('QuickBooks change applied', {
      entity: change.notice.entity,
      operation: change.notice.operation,
      invoicesChanged: changed,
    });
    return undefined;
  },
);
