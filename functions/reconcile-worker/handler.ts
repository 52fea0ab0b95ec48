/**
 * Reconcile worker (SQS → Lambda): one tenant's reconcile per message, from its nightly schedule
 * or "run now". A scheduled request first waits a random few minutes (by postponing its own
 * message), so tenants whose 2 AM falls together do not all start at once.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
// zod/mini: the same checks as zod in a seventh of the bundle; see FUNCTION_BUNDLING.
import * as z from 'zod/mini';
import { runtimeEnv } from '#shared/config/runtime-env.ts';
import { beginRecord } from '#shared/observability/correlation.ts';
import { logger } from '#shared/observability/logger.ts';
import { reconcileTenant } from '#shared/use-cases/reconcile-tenant.ts';
import { intuitServices } from '#shared/wiring/services.ts';

const deps = await intuitServices();

/** Longest random wait before a scheduled run starts. */
const JITTER_SECONDS = runtimeEnv().reconcileJitterSeconds;
const request = z.object({
  tenantId: z.string().check(z.minLength(1)),
  scheduledFor: z.iso.datetime({ offset: true }),
  manual: z.optional(z.boolean()),
  catchUpSince: z.optional(z.iso.datetime({ offset: true })),
});

async function handleRecord(record: SQSRecord): Promise<void> {
  const run = request.parse(JSON.parse(record.body));
  beginRecord(record, { tenantId: run.tenantId });
  if (!run.manual && record.attributes.ApproximateReceiveCount === '1' && JITTER_SECONDS > 0) {
    await deps.reconcileQueue.delay(
      record.receiptHandle,
      Math.round(Math.random() * JITTER_SECONDS),
    );
    throw new Error('Scheduled reconcile spread out; it starts in a few minutes');
  }
  let outcome: Awaited<ReturnType<typeof reconcileTenant>>;
  try {
    outcome = await reconcileTenant(deps, run);
  } catch (err) {
    // The batch processor keeps failures to itself: say why before the run is retried.
    logger.warn('Reconcile failed; it runs again after the visibility timeout', {
      attempt: Number(record.attributes.ApproximateReceiveCount) || 1,
      error: err,
    });
    throw err;
  }
  if (outcome === 'busy') {
    // Another run of this tenant holds the lock: try again in a minute, not after 30.
    await deps.reconcileQueue.delay(record.receiptHandle, 60);
    throw new Error('Another reconcile of this tenant is running');
  }
}

export const handler = async (event: SQSEvent) =>
  processPartialResponse(event, handleRecord, new BatchProcessor(EventType.SQS), {
    throwOnFullBatchFailure: false,
  });
