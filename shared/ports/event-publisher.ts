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

/** One domain event. */
export interface DomainEvent {
  readonly type: DomainEventType;
  readonly tenantId: string;
  readonly invoiceId: string;
  /** ISO-8601 instant of the change. */
  readonly at: string;
  readonly detail: Readonly<Record<string, unknown>>;
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
