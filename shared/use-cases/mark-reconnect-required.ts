import { logger } from '#shared/observability/logger.ts';
import type { Clock } from '#shared/ports/clock.ts';
import type { ConnectionRepository } from '#shared/store/connection-repository.ts';

/**
 * Marks a connected tenant `reconnect_required` (Intuit refused the grant: revoked, lapsed or
 * expired), which raises the "Reconnect QuickBooks" banner. A tenant that disconnected stays
 * disconnected.
 *
 * @param deps - the connection repository
 * @param tenantId - the tenant
 * @param reason - what Intuit said, for the admin
 */
export async function markReconnectRequired(
  deps: { readonly connections: ConnectionRepository; readonly clock: Clock },
  tenantId: string,
  reason: string,
): Promise<void> {
  const changed = await deps.connections.patch(
    tenantId,
    {
      status: 'reconnect_required',
      reconnectReason: `${reason}. Reconnect QuickBooks to resume syncing.`,
      reconnectRequiredAt: new Date(deps.clock.now()).toISOString(),
    },
    { status: 'connected' },
  );
  if (changed) {
    logger.warn('QuickBooks connection needs a reconnect', { tenantId, realmId: changed.realmId });
  }
}
