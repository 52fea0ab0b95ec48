import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '#shared/ports/clock.ts';
import { documentClient } from '#shared/store/dynamo.ts';
import { tenantPk } from '#shared/store/keys.ts';
import { QboError } from './faults.ts';

/** Options of a {@link RealmLimiter}. */
export interface RealmLimiterOptions {
  readonly tableName: string;
  readonly clock: Clock;
  /**
   * Requests per second per company. 8 keeps any 60-second window under QBO's 500 per minute (and
   * under its 10 per second), whatever window QBO counts in. @default 8
   */
  readonly perSecond?: number;
  /** Longest a caller waits for a slot before giving up (the message is retried). @default 20 s */
  readonly maxWaitMs?: number;
}

/**
 * QBO's per-company rate limit, shared by every Lambda: one DynamoDB counter per company and
 * second (a conditional `ADD` that refuses the 9th request of a second), and a "throttled until"
 * mark that a 429 sets for 60 seconds, for that company only.
 */
export class RealmLimiter {
  private throttledUntil = new Map<string, { until: number; checkedAt: number }>();

  /** @param options - see {@link RealmLimiterOptions} */
  constructor(private readonly options: RealmLimiterOptions) {}

  /**
   * Waits for a request slot for a company.
   *
   * @param tenantId - the tenant that owns the company
   * @param realmId - the company
   * @throws QboError `throttled` when no slot came within the wait limit
   */
  async acquire(tenantId: string, realmId: string): Promise<void> {
    const { clock } = this.options;
    const deadline = clock.now() + (this.options.maxWaitMs ?? 20_000);
    for (;;) {
      const throttled = await this.throttledUntilMs(tenantId, realmId);
      const now = clock.now();
      if (throttled > now) {
        if (throttled > deadline) throw new QboError('throttled', 429, [], false);
        await sleep(throttled - now);
        continue;
      }
      const second = Math.floor(now / 1000);
      if (await this.take(tenantId, realmId, second)) return;
      if (clock.now() > deadline) throw new QboError('throttled', 429, [], false);
      await sleep((second + 1) * 1000 - clock.now() + Math.random() * 100);
    }
  }

  /**
   * Marks a company throttled (QBO answered 429): nobody calls it for `seconds`.
   *
   * @param tenantId - the tenant that owns the company
   * @param realmId - the company
   * @param seconds - how long to stay away (QBO says 60)
   */
  async throttle(tenantId: string, realmId: string, seconds: number): Promise<void> {
    const until = this.options.clock.now() + seconds * 1000;
    this.throttledUntil.set(realmId, { until, checkedAt: this.options.clock.now() });
    await documentClient.send(
      new PutCommand({
        TableName: this.options.tableName,
        Item: {
          pk: tenantPk(tenantId),
          sk: `QBOTHROTTLE#${realmId}`,
          until,
          expiresAt: Math.ceil(until / 1000) + 60,
        },
      }),
    );
  }

  /** The shared "throttled until" mark, re-read at most once a second per company. */
  private async throttledUntilMs(tenantId: string, realmId: string): Promise<number> {
    const now = this.options.clock.now();
    const cached = this.throttledUntil.get(realmId);
    if (cached && now - cached.checkedAt < 1000) return cached.until;
    const { Item } = await documentClient.send(
      new GetCommand({
        TableName: this.options.tableName,
        Key: { pk: tenantPk(tenantId), sk: `QBOTHROTTLE#${realmId}` },
      }),
    );
    const until = typeof Item?.until === 'number' ? Item.until : 0;
    this.throttledUntil.set(realmId, { until, checkedAt: now });
    return until;
  }

  private async take(tenantId: string, realmId: string, second: number): Promise<boolean> {
    try {
      await documentClient.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: { pk: tenantPk(tenantId), sk: `QBORATE#${realmId}#${second}` },
          UpdateExpression: 'ADD #n :one SET expiresAt = :expires',
          ConditionExpression: 'attribute_not_exists(#n) OR #n < :limit',
          ExpressionAttributeNames: { '#n': 'n' },
          ExpressionAttributeValues: {
            ':one': 1,
            ':limit': this.options.perSecond ?? 8,
            ':expires': second + 120,
          },
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
