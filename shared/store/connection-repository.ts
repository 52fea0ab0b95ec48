import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, QueryCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { CompanyProfile } from '#shared/domain/company.ts';
import type { Connection } from '#shared/domain/connection.ts';
import type { TaxCodeMap } from '#shared/domain/tax.ts';
import { documentClient } from './dynamo.ts';
import { connectionSk, realmPk, tenantPk } from './keys.ts';
import { type ItemRef, ReadAhead, readItem } from './read-ahead.ts';
import { REALM_INDEX } from './tables.ts';

/**
 * Connection records in the sync-state table: one per tenant and provider, indexed by realm so a
 * webhook (or a second tenant trying the same company) can find its tenant.
 */
export class ConnectionRepository {
  /** @param tableName - the sync-state table's physical name */
  constructor(private readonly tableName: string) {}

  private key(tenantId: string) {
    return { pk: tenantPk(tenantId), sk: connectionSk('quickbooks') };
  }

  /**
   * Reads a tenant's QuickBooks connection.
   *
   * @param tenantId - the tenant, from the verified JWT
   * @returns the record, or `undefined` when the tenant never connected
   */
  async get(tenantId: string, ahead: ReadAhead = ReadAhead.none): Promise<Connection | undefined> {
    const item = await readItem(this.ref(tenantId), ahead);
    return item ? fromItem(item) : undefined;
  }

  /**
   * The tenant's connection item, to read it ahead with others ({@link ReadAhead}).
   *
   * @param tenantId - the tenant
   */
  ref(tenantId: string): ItemRef {
    return { tableName: this.tableName, key: this.key(tenantId) };
  }

  /**
   * Writes a tenant's QuickBooks connection, replacing the previous record.
   *
   * @param connection - the record to store
   */
  async put(connection: Connection): Promise<void> {
    await documentClient.send(new PutCommand(this.putItem(connection)));
  }

  /**
   * The write of {@link put}, for a transaction.
   *
   * @param connection - the whole record
   */
  putItem(connection: Connection) {
    return {
      TableName: this.tableName,
      Item: {
        ...this.key(connection.tenantId),
        realmPk: realmPk(connection.realmId),
        realmSk: tenantPk(connection.tenantId),
        ...connection,
      },
    };
  }

  /**
   * Changes some fields of an existing record; nothing happens when there is none.
   *
   * @param tenantId - the tenant
   * @param fields - the fields to set (never the tenant or realm)
   * @param onlyIf - change it only while the record has this status
   * @returns the record after the change, or `undefined` when there is no (matching) record
   */
  async patch(
    tenantId: string,
    fields: Partial<Omit<Connection, 'tenantId' | 'realmId'>>,
    onlyIf?: { readonly status: Connection['status'] | readonly Connection['status'][] },
  ): Promise<Connection | undefined> {
    const entries = Object.entries(fields).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return this.get(tenantId);
    const allowed = onlyIf ? [onlyIf.status].flat() : [];
    try {
      const { Attributes } = await documentClient.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key(tenantId),
          ConditionExpression: onlyIf
            ? `attribute_exists(pk) AND #status IN (${allowed.map((_, i) => `:onlyIf${i}`).join(', ')})`
            : 'attribute_exists(pk)',
          UpdateExpression: `SET ${entries.map((_, i) => `#f${i} = :v${i}`).join(', ')}`,
          ExpressionAttributeNames: {
            ...Object.fromEntries(entries.map(([k], i) => [`#f${i}`, k])),
            ...(onlyIf ? { '#status': 'status' } : {}),
          },
          ExpressionAttributeValues: {
            ...Object.fromEntries(entries.map(([, v], i) => [`:v${i}`, v])),
            ...Object.fromEntries(allowed.map((status, i) => [`:onlyIf${i}`, status])),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return Attributes ? fromItem(Attributes) : undefined;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return undefined;
      throw err;
    }
  }

  /**
   * A takeover's change of the old holder, for the claim's transaction: `disconnected`, with the
   * instant that says why, only while it is still on that company in the state the taker read.
   *
   * @param tenantId - the old holder
   * @param realmId - the company taken over
   * @param seen - the status read when the hold was found dead
   * @param now - epoch ms
   */
  takenOverItem(tenantId: string, realmId: string, seen: Connection['status'], now: number) {
    return {
      TableName: this.tableName,
      Key: this.key(tenantId),
      UpdateExpression:
        'SET #status = :disconnected, reconnectReason = :none, companyTakenOverAt = :now',
      ConditionExpression: 'realmId = :realm AND #status = :seen',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':disconnected': 'disconnected',
        ':none': null,
        ':now': new Date(now).toISOString(),
        ':realm': realmId,
        ':seen': seen,
      },
    };
  }

  /**
   * A check, for the claim's transaction, that a tenant named by a stale claim is still not on the
   * company (no record, another company, or disconnected).
   *
   * @param tenantId - the tenant the claim names
   * @param realmId - the company
   */
  notOnRealmItem(tenantId: string, realmId: string) {
    return {
      TableName: this.tableName,
      Key: this.key(tenantId),
      ConditionExpression:
        'attribute_not_exists(pk) OR realmId <> :realm OR #status = :disconnected',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':realm': realmId, ':disconnected': 'disconnected' },
    };
  }

  /**
   * Claims the right to check a tenant's grant with Intuit, at most once per cooldown, so a flood
   * of unauthenticated disconnect notices cannot spend the company's QBO request budget.
   *
   * @param tenantId - the tenant
   * @param now - epoch ms
   * @param cooldownMs - the shortest time between two checks
   * @returns whether the caller may check now
   */
  async claimGrantCheck(tenantId: string, now: number, cooldownMs: number): Promise<boolean> {
    try {
      await documentClient.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key(tenantId),
          UpdateExpression: 'SET grantCheckedAt = :now',
          ConditionExpression:
            'attribute_exists(pk) AND (attribute_not_exists(grantCheckedAt) OR grantCheckedAt < :since)',
          ExpressionAttributeValues: { ':now': now, ':since': now - cooldownMs },
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }

  /**
   * Every connection of every tenant, a page at a time: a scan of the realm index, which holds
   * connection records only (they alone carry `realmPk`). For fleet-wide operations checks.
   *
   * @param visit - called with each page
   */
  async forEachConnection(visit: (page: Connection[]) => Promise<void>): Promise<void> {
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await documentClient.send(
        new ScanCommand({
          TableName: this.tableName,
          IndexName: REALM_INDEX,
          ExclusiveStartKey: startKey,
        }),
      );
      await visit((out.Items ?? []).map(fromItem));
      startKey = out.LastEvaluatedKey;
    } while (startKey);
  }

  /**
   * The tenants whose connection names this QBO company (normally zero or one).
   *
   * @param realmId - the QBO company id
   */
  async tenantsOfRealm(realmId: string): Promise<Connection[]> {
    const { Items = [] } = await documentClient.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: REALM_INDEX,
        KeyConditionExpression: 'realmPk = :realm',
        ExpressionAttributeValues: { ':realm': realmPk(realmId) },
      }),
    );
    return Items.map(fromItem);
  }
}

function fromItem(item: Record<string, unknown>): Connection {
  const text = (key: string) => (typeof item[key] === 'string' ? (item[key] as string) : null);
  return {
    tenantId: String(item.tenantId),
    status: item.status as Connection['status'],
    realmId: String(item.realmId),
    companyName: String(item.companyName),
    connectedAt: String(item.connectedAt),
    refreshTokenExpiresAt: text('refreshTokenExpiresAt'),
    refreshTokenHardExpiresAt: text('refreshTokenHardExpiresAt'),
    timezone: String(item.timezone),
    incomeAccountId: text('incomeAccountId'),
    reconnectReason: text('reconnectReason'),
    lastReconcile: text('lastReconcile'),
    changesCaughtUpTo: text('changesCaughtUpTo'),
    reconnectRequiredAt: text('reconnectRequiredAt'),
    disconnectedInQuickBooksAt: text('disconnectedInQuickBooksAt'),
    companyTakenOverAt: text('companyTakenOverAt'),
    revokedAtIntuit: typeof item.revokedAtIntuit === 'boolean' ? item.revokedAtIntuit : null,
    company: (item.company as CompanyProfile | undefined) ?? null,
    taxCodeMap: (item.taxCodeMap as TaxCodeMap | undefined) ?? null,
  };
}
