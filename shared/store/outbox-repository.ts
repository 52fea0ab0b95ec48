import { createHash } from 'node:crypto';
import { DeleteCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { DomainEvent, EventDraft } from '#shared/ports/event-publisher.ts';
import { documentClient, type TransactItem } from './dynamo.ts';
import { tenantPk } from './keys.ts';
import { REALM_INDEX } from './tables.ts';

/** Sort-key prefix of outbox items, in the tenant's partition (the stream's filter matches it). */
export const OUTBOX_PREFIX = 'OUTBOX#';

/**
 * Sweep partitions of the realm index: an event's partition is the first hex digit of its id, so
 * writes spread evenly over 16 index partitions however few tenants are busy.
 */
const SHARDS = [...'0123456789abcdef'];

/**
 * The stable id of the event written with an invoice record's version: the same on every
 * delivery, and no other event of any tenant has it.
 *
 * @param tenantId - the tenant
 * @param invoiceId - TradelyHQ's invoice id
 * @param sequence - the record's version written with the event
 */
export function eventId(tenantId: string, invoiceId: string, sequence: number): string {
  return createHash('sha256')
    .update(JSON.stringify([tenantId, invoiceId, sequence]))
    .digest('hex')
    .slice(0, 32);
}

/**
 * The event a use case drafted, as written with the record's new version.
 *
 * @param record - the invoice as written (its version is the event's sequence)
 * @param draft - the event's type and detail
 * @param at - ISO-8601 instant of the change
 */
export function eventOf(
  record: { readonly tenantId: string; readonly invoiceId: string; readonly version: number },
  draft: EventDraft,
  at: string,
): DomainEvent {
  const { tenantId, invoiceId, version } = record;
  return {
    id: eventId(tenantId, invoiceId, version),
    type: draft.type,
    tenantId,
    invoiceId,
    sequence: version,
    at,
    detail: draft.detail,
  };
}

/**
 * The event an outbox item holds (its `event` attribute, as the table or its stream gives it).
 *
 * @param text - the attribute's string
 */
export const outboxEvent = (text: string): DomainEvent => JSON.parse(text) as DomainEvent;

/** Events oldest first; one invoice's events of one instant in their order. */
const byTime = (events: DomainEvent[]): DomainEvent[] =>
  events.sort((a, b) => a.at.localeCompare(b.at) || a.sequence - b.sequence);

/**
 * Domain events not yet accepted by the bus (the transactional outbox), in the sync-state table:
 * each written in the same transaction as the state change it reports
 * (`InvoiceRepository.update`), delivered from the table's stream in AWS and by a sweep of the
 * realm index (`OUTBOX#<hex digit>` partitions, sorted by time), and deleted once delivered.
 */
export class OutboxRepository {
  /** @param tableName - the sync-state table's physical name */
  constructor(private readonly tableName: string) {}

  private key(event: DomainEvent) {
    const sequence = String(event.sequence).padStart(12, '0');
    return { pk: tenantPk(event.tenantId), sk: `${OUTBOX_PREFIX}${event.invoiceId}#${sequence}` };
  }

  /**
   * The `Put` of an event, to write in the transaction of its state change. It never overwrites:
   * a second write of the same event is refused by its condition (and so is its transaction).
   *
   * @param event - the event
   */
  putItem(event: DomainEvent): TransactItem {
    return {
      Put: {
        TableName: this.tableName,
        Item: {
          ...this.key(event),
          realmPk: `${OUTBOX_PREFIX}${event.id[0]}`,
          realmSk: `${event.at}#${event.id}`,
          // As JSON text: the stream's record carries it as it was written, no unmarshalling.
          event: JSON.stringify(event),
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  }

  /**
   * Events written at or before a time and still waiting, oldest first (the index is eventually
   * consistent: an event written just now may be missing).
   *
   * @param until - ISO-8601 instant
   * @param limit - at most this many from each sweep partition
   */
  async waiting(until: string, limit: number): Promise<DomainEvent[]> {
    const pages = await Promise.all(
      SHARDS.map((shard) =>
        documentClient.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: REALM_INDEX,
            KeyConditionExpression: 'realmPk = :shard AND realmSk < :after',
            // `~` sorts after every hex digit: each event of that instant is included.
            ExpressionAttributeValues: {
              ':shard': `${OUTBOX_PREFIX}${shard}`,
              ':after': `${until}#~`,
            },
            ProjectionExpression: 'event',
            Limit: limit,
          }),
        ),
      ),
    );
    return byTime(
      pages.flatMap((page) => (page.Items ?? []).map((item) => outboxEvent(String(item.event)))),
    );
  }

  /**
   * A tenant's events still waiting, oldest first, read from its partition (strongly consistent:
   * an event written before the call is there).
   *
   * @param tenantId - the tenant
   * @param limit - at most this many
   */
  async waitingOf(tenantId: string, limit: number): Promise<DomainEvent[]> {
    const { Items = [] } = await documentClient.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :outbox)',
        ExpressionAttributeValues: { ':pk': tenantPk(tenantId), ':outbox': OUTBOX_PREFIX },
        ProjectionExpression: 'event',
        ConsistentRead: true,
        Limit: limit,
      }),
    );
    return byTime(Items.map((item) => outboxEvent(String(item.event))));
  }

  /**
   * Forgets an event the bus has accepted (nothing when it is already gone).
   *
   * @param event - the event
   */
  async delivered(event: DomainEvent): Promise<void> {
    await documentClient.send(
      new DeleteCommand({ TableName: this.tableName, Key: this.key(event) }),
    );
  }
}
