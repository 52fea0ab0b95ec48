import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { awsClient } from '#shared/adapters/aws/clients.ts';
import type { DomainEvent, EventPublisher } from '#shared/ports/event-publisher.ts';

/** Source of every event this stack publishes. */
export const EVENT_SOURCE = 'tradelyhq.quickbooks';

/**
 * {@link EventPublisher} on an EventBridge bus: `source` is `tradelyhq.quickbooks`, `detail-type`
 * the event type (`invoice.paid`), the detail the event. Entries the bus rejects are retried once,
 * then reported as an error so the caller's message is retried.
 */
export class EventBridgePublisher implements EventPublisher {
  /** @param busName - the event bus */
  constructor(private readonly busName: string) {}

  async publish(events: readonly DomainEvent[]): Promise<void> {
    for (let start = 0; start < events.length; start += 10) {
      let batch = events.slice(start, start + 10);
      for (let attempt = 0; attempt < 2 && batch.length > 0; attempt++) {
        const out = await awsClient(EventBridgeClient).send(
          new PutEventsCommand({ Entries: batch.map(this.entry) }),
        );
        batch = batch.filter((_, i) => out.Entries?.[i]?.ErrorCode);
      }
      if (batch.length > 0) throw new Error(`EventBridge rejected ${batch.length} event(s)`);
    }
  }

  private entry = (e: DomainEvent) => ({
    EventBusName: this.busName,
    Source: EVENT_SOURCE,
    DetailType: e.type,
    Time: new Date(e.at),
    Detail: JSON.stringify(e),
  });
}
