import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Connection } from '#shared/domain/connection.ts';
import { documentClient } from './dynamo.ts';
import { connectionSk, realmPk, tenantPk } from './keys.ts';
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
  async get(tenantId: string): Promise<Connection | undefined> {
    const { Item } = await documentClient.send(
      new GetCommand({ TableName: this.tableName, Key: this.key(tenantId), ConsistentRead: true }),
    );
    return Item ? fromItem(Item) : undefined;
  }

  /**
   * Writes a tenant's QuickBooks connection, replacing the previous record.
   *
   * @param connection - the record to store
   */
  async put(connection: Connection): Promise<void> {
    await documentClient.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...this.key(connection.tenantId),
          realmPk: realmPk(connection.realmId),
          realmSk: tenantPk(connection.tenantId),
          ...connection,
        },
      }),
    );
  }

  /**
   * Changes some fields of an existing record; nothing happens when there is none.
   *
   * @param tenantId - the tenant
   * @param fields - the fields to set (never the tenant or realm)
   * @returns the record after the change, or `undefined` when the tenant has no record
   */
  async patch(
    tenantId: string,
    fields: Partial<Omit<Connection, 'tenantId' | 'realmId'>>,
  ): Promise<Connection | undefined> {
    const entries = Object.entries(fields).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return this.get(tenantId);
    try {
      const { Attributes } = await documentClient.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key(tenantId),
          ConditionExpression: 'attribute_exists(pk)',
          UpdateExpression: `SET ${entries.map((_, i) => `#f${i} = :v${i}`).join(', ')}`,
          ExpressionAttributeNames: Object.fromEntries(entries.map(([k], i) => [`#f${i}`, k])),
          ExpressionAttributeValues: Object.fromEntries(entries.map(([, v], i) => [`:v${i}`, v])),
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
  };
}
