import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from './dynamo.ts';
import { tenantPk } from './keys.ts';

/** A TradelyHQ client or item and the QBO object it is mirrored to, in one QBO company. */
export interface Mapping {
  /** The QBO Customer or Item Id. */
  readonly qboId: string;
  /** The name it has in QBO (cleaned, maybe suffixed). */
  readonly qboName: string;
  /** The name TradelyHQ used. */
  readonly originalName: string;
  /** `linked` to an object that already existed, or `created` by us. */
  readonly how: 'linked' | 'created';
}

/** What a company's mapping kinds are keyed by. */
export type MappingKind = 'CUSTOMERMAP' | 'ITEMMAP' | 'ACCOUNTMAP';

/**
 * Customer and item mappings, per tenant and QBO company (a company switch starts empty, and the
 * old company's mappings stay for a switch back). A mapping is written once: the first writer wins
 * and everyone else reads its answer, so two workers racing on a new client agree on one Customer.
 */
export class MappingRepository {
  /** @param tableName - the sync-state table's physical name */
  constructor(private readonly tableName: string) {}

  private key(tenantId: string, kind: MappingKind, realmId: string, key: string) {
    return { pk: tenantPk(tenantId), sk: `${kind}#${realmId}#${key}` };
  }

  /**
   * Reads a mapping.
   *
   * @param tenantId - the tenant
   * @param kind - customer or item
   * @param realmId - the QBO company
   * @param key - the client id, or the item key
   */
  async get(
    tenantId: string,
    kind: MappingKind,
    realmId: string,
    key: string,
  ): Promise<Mapping | undefined> {
    const { Item } = await documentClient.send(
      new GetCommand({
        TableName: this.tableName,
        Key: this.key(tenantId, kind, realmId, key),
        ConsistentRead: true,
      }),
    );
    return Item ? (Item.mapping as Mapping) : undefined;
  }

  /**
   * Records a mapping unless one exists; returns the one that holds.
   *
   * @param tenantId - the tenant
   * @param kind - customer or item
   * @param realmId - the QBO company
   * @param key - the client id, or the item key
   * @param mapping - the mapping to record
   */
  async putIfAbsent(
    tenantId: string,
    kind: MappingKind,
    realmId: string,
    key: string,
    mapping: Mapping,
  ): Promise<Mapping> {
    try {
      await documentClient.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...this.key(tenantId, kind, realmId, key), mapping },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return mapping;
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      return (await this.get(tenantId, kind, realmId, key)) ?? mapping;
    }
  }
}
