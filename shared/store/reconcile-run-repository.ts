import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from './dynamo.ts';
import { tenantPk } from './keys.ts';

/** One reconcile run of a tenant. */
export interface ReconcileRun {
  readonly tenantId: string;
  /** The tenant-local date (scheduled runs), or `<date>#manual#<instant>`. */
  readonly runKey: string;
  readonly localDate: string;
  /** Local dates this run stands for (a skipped or missed date is covered by the next run). */
  readonly coveredDates: readonly string[];
  readonly startedAt: string;
  readonly finishedAt?: string;
  readonly outcome?: 'completed' | 'reconnect_required' | 'failed';
  readonly invoicesChecked?: number;
  readonly qboRequests?: number;
  readonly errorsOpened?: number;
  readonly errorsClosed?: number;
}

/** Reconcile runs (one per tenant-local date) and the per-tenant "a run is going" lock. */
export class ReconcileRunRepository {
  /** @param tableName - the sync-state table's physical name */
  constructor(private readonly tableName: string) {}

  /**
   * Records that a run starts, unless one already ran for that key: two deliveries for one date
   * run once. A run that failed, or died without an outcome (its caller holds the tenant's lock,
   * so nobody else is running it), is taken over by its retry.
   *
   * @param run - the run
   * @returns whether this caller runs it
   */
  async start(run: ReconcileRun): Promise<boolean> {
    try {
      await documentClient.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: tenantPk(run.tenantId), sk: `RECONRUN#${run.runKey}`, ...run },
          ConditionExpression:
            'attribute_not_exists(pk) OR attribute_not_exists(outcome) OR outcome = :failed',
          ExpressionAttributeValues: { ':failed': 'failed' },
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }

  /**
   * Records how a run ended.
   *
   * @param run - the finished run
   */
  async finish(run: ReconcileRun): Promise<void> {
    await documentClient.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: tenantPk(run.tenantId), sk: `RECONRUN#${run.runKey}`, ...run },
      }),
    );
  }

  /**
   * A tenant's runs, newest first.
   *
   * @param tenantId - the tenant
   * @param limit - how many
   */
  async recent(tenantId: string, limit: number): Promise<ReconcileRun[]> {
    const { Items = [] } = await documentClient.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': tenantPk(tenantId), ':prefix': 'RECONRUN#' },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return Items as ReconcileRun[];
  }

  /**
   * Takes the tenant's reconcile lock (one run at a time), or says it is taken.
   *
   * @param tenantId - the tenant
   * @param owner - who takes it
   * @param now - epoch ms
   * @param ttlMs - when a dead holder's lock lapses
   */
  async lock(tenantId: string, owner: string, now: number, ttlMs: number): Promise<boolean> {
    try {
      await documentClient.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: tenantPk(tenantId), sk: 'RECONLOCK' },
          UpdateExpression: 'SET lockOwner = :owner, lockUntil = :until',
          ConditionExpression: 'attribute_not_exists(lockUntil) OR lockUntil < :now',
          ExpressionAttributeValues: { ':owner': owner, ':until': now + ttlMs, ':now': now },
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }

  /**
   * Claims the tenant's single "run now" slot: a manual run waits in the queue or runs; another
   * click meanwhile is refused. The slot frees itself after `ttlMs` if its run never comes.
   *
   * @param tenantId - the tenant
   * @param now - epoch ms
   * @param ttlMs - how long a claim lasts at most
   * @returns whether the caller got it
   */
  async claimManual(tenantId: string, now: number, ttlMs: number): Promise<boolean> {
    try {
      await documentClient.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: tenantPk(tenantId),
            sk: 'RECONMANUAL',
            pendingUntil: now + ttlMs,
            expiresAt: Math.ceil((now + ttlMs) / 1000),
          },
          ConditionExpression: 'attribute_not_exists(pk) OR pendingUntil < :now',
          ExpressionAttributeValues: { ':now': now },
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }

  /**
   * Frees the "run now" slot (the manual run finished).
   *
   * @param tenantId - the tenant
   */
  async releaseManual(tenantId: string): Promise<void> {
    await documentClient.send(
      new DeleteCommand({
        TableName: this.tableName,
        Key: { pk: tenantPk(tenantId), sk: 'RECONMANUAL' },
      }),
    );
  }

  /**
   * Whether a run holds the lock now.
   *
   * @param tenantId - the tenant
   * @param now - epoch ms
   */
  async locked(tenantId: string, now: number): Promise<boolean> {
    const { Items = [] } = await documentClient.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND sk = :sk',
        ExpressionAttributeValues: { ':pk': tenantPk(tenantId), ':sk': 'RECONLOCK' },
        ConsistentRead: true,
      }),
    );
    return typeof Items[0]?.lockUntil === 'number' && Items[0].lockUntil >= now;
  }

  /**
   * Releases the lock if the caller holds it.
   *
   * @param tenantId - the tenant
   * @param owner - who took it
   */
  async unlock(tenantId: string, owner: string): Promise<void> {
    try {
      await documentClient.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { pk: tenantPk(tenantId), sk: 'RECONLOCK' },
          ConditionExpression: 'lockOwner = :owner',
          ExpressionAttributeValues: { ':owner': owner },
        }),
      );
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
  }
}
