import { type Connection, needsReconnect } from '#shared/domain/connection.ts';
import { logger } from '#shared/observability/logger.ts';
import { publishCounts } from '#shared/observability/metrics.ts';
import type { Clock } from '#shared/ports/clock.ts';
import type { ConnectionRepository } from '#shared/store/connection-repository.ts';
import type { SyncErrorRepository } from '#shared/store/sync-error-repository.ts';

/** Tenants whose open sync errors are counted at once. */
const COUNT_CONCURRENCY = 25;
/** How many of the tenants with the most open sync errors the result names. */
const TOP_TENANTS = 10;

/** A nightly run is a day apart; allow two hours of spread and retries. */
export const RECONCILE_OVERDUE_MS = 26 * 3600_000;

/** The fleet at a glance, for the on-call team. */
export interface FleetHealth {
  readonly connected: number;
  readonly reconnectRequired: number;
  readonly disconnected: number;
  /** Connected tenants with no finished reconcile for 26 hours. */
  readonly reconcileOverdue: readonly string[];
  /** Open entries in the Sync Errors panels of tenants that are not disconnected. */
  readonly openSyncErrors: number;
  /** The tenants with the most open sync errors, most first. */
  readonly mostSyncErrors: readonly { readonly tenantId: string; readonly open: number }[];
}

/**
 * Checks every tenant's connection: how many are connected, how many need a reconnect, which
 * connected ones have had no finished reconcile for 26 hours (their nightly schedule or run is
 * broken), and how many sync errors are open. Publishes the counts as metrics, which the alarms
 * and the dashboard watch, and logs the overdue tenants.
 *
 * @param deps - connections, sync errors and the clock
 */
export async function fleetHealth(deps: {
  readonly connections: ConnectionRepository;
  readonly syncErrors: Pick<SyncErrorRepository, 'countOpen'>;
  readonly clock: Clock;
}): Promise<FleetHealth> {
  const now = deps.clock.now();
  const counts = { connected: 0, reconnectRequired: 0, disconnected: 0 };
  const overdue: string[] = [];
  const errors: { tenantId: string; open: number }[] = [];
  await deps.connections.forEachConnection(async (page) => {
    for (const c of page) {
      if (c.status === 'connected') counts.connected += 1;
      // A lapsed subscription also waits on the tenant (renew, then reconnect).
      else if (needsReconnect(c.status)) counts.reconnectRequired += 1;
      else counts.disconnected += 1;
      if (c.status === 'connected' && isOverdue(c, now)) overdue.push(c.tenantId);
    }
    const active = page.filter((c) => c.status !== 'disconnected');
    for (let i = 0; i < active.length; i += COUNT_CONCURRENCY) {
      const batch = active.slice(i, i + COUNT_CONCURRENCY);
      const open = await Promise.all(batch.map((c) => deps.syncErrors.countOpen(c.tenantId)));
      batch.forEach((c, j) => {
        const count = open[j] ?? 0;
        if (count > 0) errors.push({ tenantId: c.tenantId, open: count });
      });
    }
  });
  const openSyncErrors = errors.reduce((sum, e) => sum + e.open, 0);
  publishCounts({
    TenantsConnected: counts.connected,
    TenantsReconnectRequired: counts.reconnectRequired,
    TenantsReconcileOverdue: overdue.length,
    SyncErrorsOpen: openSyncErrors,
  });
  if (overdue.length > 0) logger.warn('Tenants with no reconcile for 26 h', { tenants: overdue });
  const mostSyncErrors = errors.sort((a, b) => b.open - a.open).slice(0, TOP_TENANTS);
  return { ...counts, reconcileOverdue: overdue, openSyncErrors, mostSyncErrors };
}

function isOverdue(c: Connection, now: number): boolean {
  const last = Date.parse(c.lastReconcile ?? c.connectedAt);
  return now - last > RECONCILE_OVERDUE_MS;
}
