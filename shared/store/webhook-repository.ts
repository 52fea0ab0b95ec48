import { createHash } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { ChangeNotice } from '#shared/webhooks/notifications.ts';
import { documentClient } from './dynamo.ts';

/** Intuit retries for days; a week of dedupe keys covers every retry of a delivery. */
const DEDUPE_TTL_SECONDS = 7 * 24 * 3600;

/**
 * A delivery's own partition, apart from the tenant's data (`TENANT#…`), so that the public
 * receiver may write only there (IAM `dynamodb:LeadingKeys`, `lib/sync-data.ts`).
 */
const deliveryPk = (tenantId: string) => `WEBHOOK#${tenantId}`;

/** The same events, in any order, give the same key. */
const deliveryKey = (notices: readonly ChangeNotice[]) =>
  `DELIVERY#${createHash('sha256')
    .update(
      notices
        .map((n) => n.dedupeKey)
        .sort()
        .join('\n'),
    )
    .digest('hex')}`;

/**
 * Webhook deliveries seen, by their events' dedupe keys, so Intuit's retries and duplicates are
 * queued once, each tenant's in a `WEBHOOK#<tenant>` partition of its own. Bodies that were signed
 * but unreadable are kept for an operator (never logged), in a system partition because no tenant
 * can be named for them. These are the only items the public receiver can write.
 */
export class WebhookRepository {
  /** @param tableName - the sync-state table's physical name */
  constructor(private readonly tableName: string) {}

  /**
   * Claims one delivery's events, the first time that set of events is seen: a single conditional
   * put keyed by a hash of their dedupe keys, however many events the delivery carries (a bulk
   * payment run sends hundreds; one write per event is not acknowledged inside Intuit's 3 s on a
   * local DynamoDB). Intuit's retry of a delivery re-sends the same events (same CloudEvents
   * ids), as does a copy arriving at the same instant: they lose the claim and count as repeats.
   * An event that comes back inside a different delivery is queued again; the FIFO queue drops it
   * within its 5-minute deduplication window, and the change worker, which re-reads QBO, applies
   * it as a no-op after that.
   *
   * @param tenantId - the tenant that owns the events' company
   * @param notices - the delivery's events for this tenant, each once
   * @param nowSeconds - epoch seconds
   * @returns `true` the first time, `false` for a repeat
   */
  async claimDelivery(
    tenantId: string,
    notices: readonly ChangeNotice[],
    nowSeconds: number,
  ): Promise<boolean> {
    try {
      await documentClient.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: deliveryPk(tenantId),
            sk: deliveryKey(notices),
            events: notices.length,
            receivedAt: nowSeconds,
            expiresAt: nowSeconds + DEDUPE_TTL_SECONDS,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }

  /**
   * Forgets a claim (its events could not all be queued; Intuit's retry brings them again).
   *
   * @param tenantId - the tenant
   * @param notices - the events claimed
   */
  async releaseDelivery(tenantId: string, notices: readonly ChangeNotice[]): Promise<void> {
    await documentClient.send(
      new DeleteCommand({
        TableName: this.tableName,
        Key: { pk: deliveryPk(tenantId), sk: deliveryKey(notices) },
      }),
    );
  }

  /**
   * Keeps a signed body that could not be read, for an operator: its hash, size and first bytes.
   *
   * @param rawBody - the body
   * @param hash - its SHA-256
   * @param nowSeconds - epoch seconds
   */
  async keepUnreadable(rawBody: Buffer, hash: string, nowSeconds: number): Promise<void> {
    await documentClient.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk: 'SYSTEM#webhooks',
          sk: `UNREADABLE#${hash}`,
          size: rawBody.length,
          head: rawBody.subarray(0, 512).toString('base64'),
          receivedAt: nowSeconds,
          expiresAt: nowSeconds + 14 * 24 * 3600,
        },
      }),
    );
  }
}
