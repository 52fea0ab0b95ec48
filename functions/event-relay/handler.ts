/**
 * Event relay: delivers the outbox's `invoice.*` events to the bus. Invoked by the sync-state
 * table's stream with new outbox items (their events put on the bus, then their items deleted; a
 * failure throws, so the stream retries the batch, halved, and then leaves it to the sweep), and
 * every 5 minutes by a rule that sweeps the events the stream has not delivered within 5 minutes.
 */
import type { DynamoDBStreamEvent, ScheduledEvent } from 'aws-lambda';
import { outboxEvent } from '#shared/store/outbox-repository.ts';
import { relayEvents } from '#shared/use-cases/relay-events.ts';
import { sweepOutbox } from '#shared/use-cases/sweep-outbox.ts';
import { services } from '#shared/wiring/services.ts';

const deps = services();

export const handler = async (event: DynamoDBStreamEvent | ScheduledEvent) => {
  if (!('Records' in event)) return { swept: (await sweepOutbox(deps)).length };
  const events = event.Records.flatMap((record) => {
    const text = record.dynamodb?.NewImage?.event?.S;
    return text ? [outboxEvent(text)] : [];
  });
  await relayEvents(deps, events);
  return { delivered: events.length };
};
