import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { ChangeNotice } from '#shared/webhooks/notifications.ts';
import { documentClient } from './dynamo.ts';
import { tenantPk } from './keys.ts';

/** Intuit retries for days; a week of dedupe keys covers every retry of an event. */
const DEDUPE_TTL_SECONDS = 7 * 24 * 3600;

/**
 * Webhook events seen, by dedupe key, so Intuit's retries and duplicates are stored and queued
 * once. Bodies that were signed but unreadable are kept for an operator (never logged), in a
 * system partition because no tenant can be named for them.
 */
export class WebhookRepository {
  /** @param tableName - the sync-state table's physical name */
  constructor(private readonly tableName: string) {}

  /**
   * Records an event the first time it is seen.
   *
   * @param tenantId - the tenant that owns the event's company
   * @param notice - the event
   * @param nowSeconds - epoch seconds
   * @returns `true` the first time, `false` for a repeat
   */
  async recordOnce(tenantId: string, notice: ChangeNotice, nowSeconds: number): Promise<boolean> {
    try {
      await documentClient.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: tenantPk(tenantId),
            sk: `WEBHOOK#${notice.dedupeKey}`,
            notice,
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
   * Forgets an event (it could not be queued; Intuit's retry will bring it again).
   *
   * @param tenantId - the tenant
   * @param notice - the event
   */
  async forget(tenantId: string, notice: ChangeNotice): Promise<void> {
    await documentClient.send(
      new DeleteCommand({
        TableName: this.tableName,
        Key: { pk: tenantPk(tenantId), sk: `WEBHOOK#${notice.dedupeKey}` },
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
