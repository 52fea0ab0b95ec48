import { sweepOutbox } from '#shared/use-cases/sweep-outbox.ts';
import { services } from '#shared/wiring/services.ts';

/** The delivery under way, so two readers never deliver the same events twice. */
let delivering: Promise<unknown> = Promise.resolve();

/**
 * Local mode's stand-in for the table's stream: delivers every event waiting in the outbox to the
 * local publisher (`GET /_local/events` lists them), one delivery at a time. Any
 * DynamoDB-compatible endpoint will do: it only queries the outbox items.
 */
export function deliverLocalOutbox(): Promise<void> {
  const run = delivering.then(() => sweepOutbox(services(), 0));
  delivering = run.catch(() => undefined);
  return run.then(() => undefined);
}
