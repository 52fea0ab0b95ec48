import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { conditionHeld, documentClient } from './dynamo.ts';
import { realmPk } from './keys.ts';

/**
 * Which tenant holds each QBO company: one item per realm in the sync-state table (the one key
 * there that does not start with a tenant, because it is what keeps two tenants apart). A claim is
 * written in the confirm's one transaction, under a condition on who holds it now, so two confirms
 * for one company, or a takeover and the old holder's reconnect, can never both win.
 */
export class RealmClaimRepository {
  /** @param tableName - the sync-state table's physical name */
  constructor(private readonly tableName: string) {}

  private key(realmId: string) {
    return { pk: realmPk(realmId), sk: 'HOLDER' };
  }

  /**
   * The tenant that holds a company, if any.
   *
   * @param realmId - the QBO company
   */
  async holder(realmId: string): Promise<string | undefined> {
    const { Item } = await documentClient.send(
      new GetCommand({ TableName: this.tableName, Key: this.key(realmId), ConsistentRead: true }),
    );
    return typeof Item?.tenantId === 'string' ? Item.tenantId : undefined;
  }

  /**
   * Claims a company for a tenant only if nobody holds it: a connection made before claims
   * existed gets its claim item (what routes the company's webhooks).
   *
   * @param realmId - the QBO company
   * @param tenantId - the tenant connected to it
   * @param now - epoch ms
   */
  async claimIfUnheld(realmId: string, tenantId: string, now: number): Promise<void> {
    await conditionHeld(
      documentClient.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...this.key(realmId), tenantId, claimedAt: new Date(now).toISOString() },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
  }

  /**
   * The write that claims a company for a tenant, for a transaction: only if nobody holds it, the
   * tenant already does, or it is still held by `replacing` (a holder the caller has decided to
   * take over from).
   *
   * @param realmId - the QBO company
   * @param tenantId - the new holder
   * @param replacing - the holder being replaced, if any
   * @param now - epoch ms
   */
  claimItem(realmId: string, tenantId: string, replacing: string | undefined, now: number) {
    return {
      TableName: this.tableName,
      Item: { ...this.key(realmId), tenantId, claimedAt: new Date(now).toISOString() },
      ConditionExpression: `attribute_not_exists(pk) OR tenantId = :me${
        replacing ? ' OR tenantId = :old' : ''
      }`,
      ExpressionAttributeValues: {
        ':me': tenantId,
        ...(replacing ? { ':old': replacing } : {}),
      },
    };
  }

  /**
   * Lets a company go, if this tenant holds it (disconnect, or a switch to another company).
   *
   * @param realmId - the QBO company
   * @param tenantId - the holder
   */
  async release(realmId: string, tenantId: string): Promise<void> {
    try {
      await documentClient.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: this.key(realmId),
          ConditionExpression: 'tenantId = :me',
          ExpressionAttributeValues: { ':me': tenantId },
        }),
      );
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
  }
}
