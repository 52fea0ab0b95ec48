/**
 * Fleet watchdog (EventBridge rule, hourly): counts connected tenants, tenants that need a
 * reconnect, connected tenants whose nightly reconcile has not finished for 26 hours, and open
 * sync errors, as metrics the alarms and the dashboard watch.
 */
import { requiredEnv } from '#shared/config/env.ts';
import { systemClock } from '#shared/ports/clock.ts';
import { ConnectionRepository } from '#shared/store/connection-repository.ts';
import { SyncErrorRepository } from '#shared/store/sync-error-repository.ts';
import { TABLE_ENV } from '#shared/store/tables.ts';
import { fleetHealth } from '#shared/use-cases/fleet-health.ts';

const table = requiredEnv(TABLE_ENV.syncState);
const deps = {
  connections: new ConnectionRepository(table),
  syncErrors: new SyncErrorRepository(table),
  clock: systemClock,
};

export const handler = async () => fleetHealth(deps);
