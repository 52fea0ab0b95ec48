/**
 * Reconcile worker (SQS → Lambda): one tenant's reconcile per message, from its nightly schedule
 * or "run now". A scheduled request first waits a random few minutes (by postponing its own
 * message), so tenants whose 2 AM falls together do not all start at once.
 */
import { runtimeEnv } from '#shared/config/runtime-env.ts';
import { reconcileRequestSchema } from '#shared/ports/reconcile-queue.ts';
import { reconcileTenant } from '#shared/use-cases/reconcile-tenant.ts';
import { intuitServices } from '#shared/wiring/intuit-services.ts';
import { queueWorker } from '#shared/worker/queue-worker.ts';

const deps = await intuitServices();

/** Longest random wait before a scheduled run starts. */
const JITTER_SECONDS = runtimeEnv().reconcileJitterSeconds;

export const handler = queueWorker(
  {
    schema: reconcileRequestSchema,
    consumes: 'reconcile',
    queue: deps.reconcileQueue,
    logKeys: (run) => ({ tenantId: run.tenantId }),
    onError: { retry: 'visibility', what: 'A reconcile' },
  },
  async ({ message: run, attempt }) => {
    if (!run.manual && attempt === 1 && JITTER_SECONDS > 0) {
      return {
        retryAfterSeconds: Math.max(1, Math.round(Math.random() * JITTER_SECONDS)),
        why: 'Scheduled reconcile spread out; it starts in a few minutes',
      };
    }
    const outcome = await reconcileTenant(deps, run);
    // Another run of this tenant holds the lock: try again in a minute, not after 30.
    return outcome === 'busy'
      ? { retryAfterSeconds: 60, why: 'Another reconcile of this tenant is running' }
      : undefined;
  },
);
