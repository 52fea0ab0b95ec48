import { toError } from '#shared/errors.ts';
import { logger } from '#shared/observability/logger.ts';
import type { PushQueue } from '#shared/ports/push-queue.ts';
import { catchUpChanges } from './catch-up-changes.ts';
import type { InvoiceSyncDeps } from './invoice-sync-deps.ts';
import { resumeParkedPushes } from './resume-parked-pushes.ts';

/** What {@link afterReconnect} needs: the change-worker dependencies and the push queue. */
export type AfterReconnectDeps = InvoiceSyncDeps & { readonly pushQueue: PushQueue };

/**
 * What follows a (re)connect: pushes that waited for it go out, and changes made in QBO while
 * webhooks could not be applied are caught up by CDC. A failed catch-up does not undo the
 * connection; the nightly reconcile catches up too.
 *
 * @param deps - the change-worker dependencies and the push queue
 * @param tenantId - the tenant that connected
 */
export async function afterReconnect(deps: AfterReconnectDeps, tenantId: string): Promise<void> {
  await resumeParkedPushes(deps, tenantId);
  const connection = await deps.connections.get(tenantId);
  const from = connection?.changesCaughtUpTo;
  if (!from) return;
  try {
    const { nextSince } = await catchUpChanges(deps, tenantId, Date.parse(from));
    await deps.connections.patch(
      tenantId,
      { changesCaughtUpTo: new Date(nextSince).toISOString() },
      { status: 'connected' },
    );
  } catch (err) {
    logger.warn('Catch-up after reconnect failed; the nightly reconcile will retry', {
      tenantId,
      error: toError(err).message,
    });
  }
}
