import type { Connection } from '#shared/domain/connection.ts';
import { logger } from '#shared/observability/logger.ts';
import { publishCounts } from '#shared/observability/metrics.ts';
import type { Clock } from '#shared/ports/clock.ts';
import type { ConnectionRepository } from '#shared/store/connection-repository.ts';

/** A nightly run is a day apart; allow two hours of spread and retries. */
export const RECONCILE_OVERDUE_MS = 26 * 3600_000;

/** The fleet at a glance, for the on-call team. */
export interface FleetHealth {
  readonly connected: number;
  readonly reconnectRequired: number;
  readonly disconnected: number;
  /** Connected tenants with no finished reconcile for 26 hours. */
  readonly reconcileOverdue: readonly string[];
}

/**
 * Checks every tenant's connection: how many are connected, how many need a reconnect, and which
 * connected ones have had no finished reconcile for 26 hours (their nightly schedule or run is
 * broken). Publishes the counts as metrics, which the alarms watch, and logs the overdue tenants.
 *
 * @param deps - connections and the clock
 */
export async function fleetHealth(deps: {
  readonly connections: ConnectionRepository;
  readonly clock: Clock;
}): Promise<FleetHealth> {
  const now = deps.clock.now();
  const counts = { connected: 0, reconnectRequired: 0, disconnected: 0 };
  const overdue: string[] = [];
  await deps.connections.forEachConnection(async (page) => {
    for (const c of page) {
      if (c.status === 'connected') counts.connected += 1;
      else if (c.status === 'reconnect_required') counts.reconnectRequired += 1;
      else counts.disconnected += 1;
      if (c.status === 'connected' && isOverdue(c, now)) overdue.push(c.tenantId);
    }
  });
  publishCounts({
    TenantsConnected: counts.connected,
    TenantsReconnectRequired: counts.reconnectRequired,
    TenantsReconcileOverdue: overdue.length,
  });
  if (overdue.length > 0) logger.warn('Tenants with no reconcile for 26 h', { tenants: overdue });
  return { ...counts, reconcileOverdue: overdue };
}

function isOverdue(c: Connection, now: number): boolean {
  const last = Date.parse(c.lastReconcile ?? c.connectedAt);
  return now - last > RECONCILE_OVERDUE_MS;
}
