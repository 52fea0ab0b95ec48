import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Connection } from '#shared/domain/connection.ts';
import { documentClient } from './dynamo.ts';
import { connectionSk, realmPk, tenantPk } from './keys.ts';

/**
 * Connection records in the sync-state table: one per tenant and provider, indexed by realm so a
 * webhook can find its tenant.
 */
export class ConnectionRepository {
  /** @param tableName - the sync-state table's physical name */
  constructor(private readonly tableName: string) {}

  /**
   * Reads a tenant's QuickBooks connection.
   *
   * @param tenantId - the tenant, from the verified JWT
   * @returns the record, or `undefined` when the tenant never connected
   */
  async get(tenantId: string): Promise<Connection | undefined> {
    const { Item } = await documentClient.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: tenantPk(tenantId), sk: connectionSk('quickbooks') },
        ConsistentRead: true,
      }),
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
          pk: tenantPk(connection.tenantId),
          sk: connectionSk('quickbooks'),
          realmPk: realmPk(connection.realmId),
          realmSk: tenantPk(connection.tenantId),
          ...connection,
        },
      }),
    );
  }
}

function fromItem(item: Record<string, unknown>): Connection {
  return {
    tenantId: String(item.tenantId),
    status: item.status as Connection['status'],
    realmId: String(item.realmId),
    companyName: String(item.companyName),
    connectedAt: String(item.connectedAt),
    refreshTokenExpiresAt: (item.refreshTokenExpiresAt as string | null) ?? null,
    timezone: String(item.timezone),
    lastReconcile: (item.lastReconcile as string | null) ?? null,
  };
}
