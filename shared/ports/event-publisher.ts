/** The domain events TradelyHQ core listens to, to flip its own invoice status. */
export type DomainEventType =
  | 'invoice.queued'
  | 'invoice.pushed'
  | 'invoice.push_failed'
  | 'invoice.paid'
  | 'invoice.partially_paid'
  | 'invoice.unpaid'
  | 'invoice.voided'
  | 'invoice.deleted_in_quickbooks';

/** What a use case says about a state change: the event before the write that records it. */
export interface EventDraft {
  readonly type: DomainEventType;
  readonly detail: Readonly<Record<string, unknown>>;
}

/** One domain event, as TradelyHQ core receives it (the contract: `docs/events.md`). */
export interface DomainEvent extends EventDraft {
  /** The same on every delivery of this event: a consumer drops a duplicate by it. */
  readonly id: string;
  readonly tenantId: string;
  readonly invoiceId: string;
  /**
   * The invoice record's version written with the event: rises with every change of the invoice,
   * so of two events of one invoice the higher `sequence` is the later state.
   */
  readonly sequence: number;
  /** ISO-8601 instant of the change. */
  readonly at: string;
}

/** Publishes domain events (EventBridge in AWS; kept in memory locally). */
export interface EventPublisher {
  /**
   * Publishes events; at least once.
   *
   * @param events - the events
   */
  publish(events: readonly DomainEvent[]): Promise<void>;
}
