import { relayEvents } from '#shared/use-cases/relay-events.ts';
import { sweepOutbox } from '#shared/use-cases/sweep-outbox.ts';
import { services } from '#shared/wiring/services.ts';

/** The delivery under way, so two readers never deliver the same events twice. */
let delivering: Promise<unknown> = Promise.resolve();

/** Outbox items read at a time. */
const PAGE = 100;

/** Delivers one tenant's waiting events, from its own partition, until none is left. */
async function deliverTenant(tenantId: string): Promise<void> {
  const deps = services();
  for (;;) {
    const waiting = await deps.outbox.waitingOf(tenantId, PAGE);
    if (waiting.length === 0) return;
    await relayEvents(deps, waiting);
  }
}

/**
 * Local mode's stand-in for the table's stream: delivers the events waiting in the outbox to the
 * local publisher (`GET /_local/events` lists them), one delivery at a time: a tenant's (its own
 * partition: processes that share one DynamoDB never take each other's tenants' events), or every
 * tenant's (the sweep, with no wait). Any DynamoDB-compatible endpoint will do: it only queries
 * the outbox items.
 *
 * @param tenantId - only this tenant's events, when given
 */
export function deliverLocalOutbox(tenantId?: string): Promise<void> {
  const run = delivering.then(async () => {
    if (tenantId) await deliverTenant(tenantId);
    else await sweepOutbox(services(), 0);
  });
  delivering = run.catch(() => undefined);
  return run.then(() => undefined);
}
