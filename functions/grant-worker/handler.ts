/**
 * Grant worker (SQS standard → Lambda, partial batch failures): revokes grants that no connection
 * holds (a disconnect, a refused or expired confirmation) until Intuit confirms, and checks the
 * grant of a company named by Intuit's Disconnect URL. The only function besides the API's token
 * routes and the QBO workers that opens tokens; no public function does. A failed job is retried
 * with backoff and, after 40 receives (about eight hours), goes to the dead-letter queue, which
 * alarms.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
// zod/mini: the same checks as zod in a seventh of the bundle; see FUNCTION_BUNDLING.
import * as z from 'zod/mini';
import { beginRecord } from '#shared/observability/correlation.ts';
import { logger } from '#shared/observability/logger.ts';
import { expireConfirmation } from '#shared/use-cases/expire-confirmation.ts';
import { backoffSeconds } from '#shared/use-cases/push-invoice.ts';
import { revokeHeldGrant } from '#shared/use-cases/revoke-held-grant.ts';
import { verifyDisconnectNotice } from '#shared/use-cases/verify-disconnect-notice.ts';
import { intuitServices } from '#shared/wiring/services.ts';

const deps = await intuitServices();
const queue = deps.grantQueue;

const job = z.union([
  z.object({ job: z.literal('revoke'), ref: z.string().check(z.minLength(1)) }),
  z.object({ job: z.literal('expire'), ref: z.string().check(z.minLength(1)) }),
  z.object({
    job: z.literal('disconnect-notice'),
    realmId: z.string().check(z.regex(/^\d{1,32}$/)),
  }),
]);

async function run(work: z.infer<typeof job>): Promise<void> {
  if (work.job === 'revoke') {
    await revokeHeldGrant(deps, work.ref);
  } else if (work.job === 'expire') {
    const result = await expireConfirmation(deps, work.ref);
    // Came early (clocks apart): look again when the deadline has passed.
    if (result.outcome === 'not_yet') {
      await queue.send(work, Math.min(900, result.secondsLeft + 1));
    }
  } else {
    await verifyDisconnectNotice(deps, work.realmId);
  }
}

async function handleRecord(record: SQSRecord): Promise<void> {
  const work = job.parse(JSON.parse(record.body));
  // Most expiry jobs find their grant confirmed long ago: nothing to do, and nothing to log.
  if (work.job === 'expire' && !(await deps.grants.get(work.ref))) return;
  beginRecord(record, {});
  try {
    await run(work);
  } catch (err) {
    const attempt = Number(record.attributes.ApproximateReceiveCount) || 1;
    logger.warn('Grant job failed; it is tried again with backoff', {
      job: work.job,
      attempt,
      error: err,
    });
    await queue.delay(record.receiptHandle, backoffSeconds(attempt));
    throw err;
  }
}

export const handler = async (event: SQSEvent) =>
  processPartialResponse(event, handleRecord, new BatchProcessor(EventType.SQS), {
    throwOnFullBatchFailure: false,
  });
