/**
 * Fleet watchdog (EventBridge rule, hourly): counts connected tenants, tenants that need a
 * reconnect, and connected tenants whose nightly reconcile has not finished for 26 hours, as
 * metrics the alarms watch.
 */
import { requiredEnv } from '#shared/config/env.ts';
import { systemClock } from '#shared/ports/clock.ts';
import { ConnectionRepository } from '#shared/store/connection-repository.ts';
import { TABLE_ENV } from '#shared/store/tables.ts';
import { fleetHealth } from '#shared/use-cases/fleet-health.ts';

const deps = {
  connections: new ConnectionRepository(requiredEnv(TABLE_ENV.syncState)),
  clock: systemClock,
};

export const handler = async () => fleetHealth(deps);
