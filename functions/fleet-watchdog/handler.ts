/**
 * Fleet watchdog (EventBridge rule, hourly): counts connected tenants, tenants that need a
 * reconnect, connected tenants whose nightly reconcile has not finished for 26 hours, and open
 * sync errors, as metrics the alarms and the dashboard watch; then sweeps the grants past their
 * deadline, so that no grant escapes revocation (it reads their deadline index and queues their
 * revocation; it never reads a token).
 */
import { fleetHealth } from '#shared/use-cases/fleet-health.ts';
import { sweepGrants } from '#shared/use-cases/sweep-grants.ts';
import { services } from '#shared/wiring/services.ts';

const deps = services();

export const handler = async () => {
  // One failing must not stop the other: the sweep runs whatever the census met.
  const [health, grants] = await Promise.allSettled([fleetHealth(deps), sweepGrants(deps)]);
  if (health.status === 'rejected') throw health.reason;
  if (grants.status === 'rejected') throw grants.reason;
  return { ...health.value, grants: grants.value };
};
