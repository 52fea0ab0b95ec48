import type { DomainEvent, EventPublisher } from '#shared/ports/event-publisher.ts';

/** {@link EventPublisher} for local mode: keeps events in memory (`GET /_local/events`). */
export class MemoryEventPublisher implements EventPublisher {
  private readonly events: DomainEvent[] = [];

  async publish(events: readonly DomainEvent[]): Promise<void> {
    this.events.push(...events);
  }

  /**
   * The events published so far, oldest first.
   *
   * @param tenantId - only this tenant's, when given
   */
  list(tenantId?: string): readonly DomainEvent[] {
    return tenantId ? this.events.filter((e) => e.tenantId === tenantId) : [...this.events];
  }
}

/** The one local publisher of this process. */
export const localEvents = new MemoryEventPublisher();
