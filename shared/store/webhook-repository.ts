import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { ChangeNotice } from '#shared/webhooks/notifications.ts';
import { documentClient } from './dynamo.ts';
import { tenantPk } from './keys.ts';

/** Intuit retries for days; a week of dedupe keys covers every retry of an event. */
const DEDUPE_TTL_SECONDS = 7 * 24 * 3600;
/** Conditional puts in flight at once for one delivery. */
const PUT_CONCURRENCY = 25;
/** DynamoDB's limit per BatchWriteItem call. */
const WRITE_BATCH = 25;
/** Rounds of retrying what DynamoDB left unprocessed (throttling) before giving up. */
const UNPROCESSED_ROUNDS = 8;

/** No wait before the first call; then 20 ms doubling, as AWS advises for unprocessed items. */
const backoff = (round: number) =>
  round === 0 ? Promise.resolve() : new Promise((r) => setTimeout(r, 20 * 2 ** (round - 1)));

const chunks = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) =>
    items.slice(i * size, (i + 1) * size),
  );

/**
 * Webhook events seen, by dedupe key, so Intuit's retries and duplicates are stored and queued
 * once. Bodies that were signed but unreadable are kept for an operator (never logged), in a
 * system partition because no tenant can be named for them.
 */
export class WebhookRepository {
  /** @param tableName - the sync-state table's physical name */
  constructor(private readonly tableName: string) {}

  /**
   * Records the events of one delivery that were not seen before. Each record is a conditional
   * put (BatchWriteItem cannot carry the condition that makes a repeat fail, and two copies of a
   * delivery do arrive at the same instant), sent {@link PUT_CONCURRENCY} at a time, so a delivery
   * of hundreds of events takes a few round trips rather than one per event.
   *
   * @param tenantId - the tenant that owns the events' company
   * @param notices - the events (repeats within the delivery are counted once)
   * @param nowSeconds - epoch seconds
   * @returns the events seen for the first time
   */
  async recordNew(
    tenantId: string,
    notices: readonly ChangeNotice[],
    nowSeconds: number,
  ): Promise<ChangeNotice[]> {
    const unique = [...new Map(notices.map((n) => [n.dedupeKey, n])).values()];
    const first = new Array<boolean>(unique.length).fill(false);
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < unique.length; i = next++) {
        first[i] = await this.#recordOnce(tenantId, unique[i] as ChangeNotice, nowSeconds);
      }
    };
    await Promise.all(Array.from({ length: Math.min(PUT_CONCURRENCY, unique.length) }, worker));
    return unique.filter((_, i) => first[i]);
  }

  async #recordOnce(tenantId: string, notice: ChangeNotice, nowSeconds: number): Promise<boolean> {
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
   * Forgets events (they could not be queued; Intuit's retry will bring them again).
   *
   * @param tenantId - the tenant
   * @param notices - the events
   */
  async forgetAll(tenantId: string, notices: readonly ChangeNotice[]): Promise<void> {
    await this.#write(
      notices.map((n) => ({
        DeleteRequest: { Key: { pk: tenantPk(tenantId), sk: `WEBHOOK#${n.dedupeKey}` } },
      })),
    );
  }

  async #write(requests: readonly Record<string, unknown>[]): Promise<void> {
    await Promise.all(
      chunks(requests, WRITE_BATCH).map(async (part) => {
        let pending = part;
        for (let round = 0; pending.length > 0; round++) {
          if (round >= UNPROCESSED_ROUNDS)
            throw new Error('DynamoDB kept webhook writes unprocessed');
          await backoff(round);
          const out = await documentClient.send(
            new BatchWriteCommand({ RequestItems: { [this.tableName]: pending } }),
          );
          pending = out.UnprocessedItems?.[this.tableName] ?? [];
        }
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
