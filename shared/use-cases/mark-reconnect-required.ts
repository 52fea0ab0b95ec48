import { logger } from '#shared/observability/logger.ts';
import type { Clock } from '#shared/ports/clock.ts';
import type { ConnectionRepository } from '#shared/store/connection-repository.ts';

/**
 * Marks a connected tenant `reconnect_required` (Intuit refused the grant: revoked or expired) or
 * `subscription_lapsed` (QBO fault 6190), which raises the "Reconnect QuickBooks" banner with the
 * reason. A dead grant also ends a lapse (it is no longer only the subscription); a tenant that
 * disconnected stays disconnected.
 *
 * @param deps - the connection repository
 * @param tenantId - the tenant
 * @param reason - what Intuit said, for the admin
 * @param status - which of the two (default `reconnect_required`)
 */
export async function markReconnectRequired(
  deps: { readonly connections: ConnectionRepository; readonly clock: Clock },
  tenantId: string,
  reason: string,
  status: 'reconnect_required' | 'subscription_lapsed' = 'reconnect_required',
): Promise<void> {
  const changed = await deps.connections.patch(
    tenantId,
    {
      status,
      reconnectReason: `${reason}. Reconnect QuickBooks to resume syncing.`,
      reconnectRequiredAt: new Date(deps.clock.now()).toISOString(),
    },
    {
      status: status === 'reconnect_required' ? ['connected', 'subscription_lapsed'] : 'connected',
    },
  );
  if (changed) {
    logger.warn('QuickBooks connection needs a reconnect', { tenantId, realmId: changed.realmId });
  }
}
