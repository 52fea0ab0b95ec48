import type { Clock } from '#shared/ports/clock.ts';
import type { DomainEvent, EventPublisher } from '#shared/ports/event-publisher.ts';
import type { OutboxRepository } from '#shared/store/outbox-repository.ts';

/** What delivering the outbox needs. */
export interface RelayDeps {
  readonly outbox: OutboxRepository;
  readonly events: EventPublisher;
  readonly clock: Clock;
}

/**
 * Delivers events from the outbox: puts them on the bus, then forgets them. An event is forgotten
 * only once the bus accepted it, so a failure (or a crash between the two) delivers it again, with
 * the same `id`.
 *
 * @param deps - see {@link RelayDeps}
 * @param events - outbox events (from the table's stream, or a sweep)
 * @throws whatever the bus threw (nothing is forgotten then)
 */
export async function relayEvents(deps: RelayDeps, events: readonly DomainEvent[]): Promise<void> {
  if (events.length === 0) return;
  await deps.events.publish(events);
  await Promise.all(events.map((event) => deps.outbox.delivered(event)));
}
