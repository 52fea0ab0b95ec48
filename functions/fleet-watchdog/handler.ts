/**
 * Fleet watchdog (EventBridge rule, hourly): counts connected tenants, tenants that need a
 * reconnect, connected tenants whose nightly reconcile has not finished for 26 hours, and open
 * sync errors, as metrics the alarms and the dashboard watch.
 */
import { fleetHealth } from '#shared/use-cases/fleet-health.ts';
import { services } from '#shared/wiring/services.ts';

const deps = services();

export const handler = async () => fleetHealth(deps);
