import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from './dynamo.ts';
import { tenantPk } from './keys.ts';
import { type ItemRef, ReadAhead, readItem } from './read-ahead.ts';

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
  /** Customers in a multicurrency company: the currency QBO fixed for the customer. */
  readonly currency?: string;
  /**
   * QBO refused the object as inactive (or a Category): the next push links or creates a
   * replacement and overwrites this mapping.
   */
  readonly stale?: true;
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
   * @param ahead - items read ahead, if the mapping is among them
   */
  async get(
    tenantId: string,
    kind: MappingKind,
    realmId: string,
    key: string,
    ahead: ReadAhead = ReadAhead.none,
  ): Promise<Mapping | undefined> {
    const item = await readItem(this.ref(tenantId, kind, realmId, key), ahead);
    return item ? (item.mapping as Mapping) : undefined;
  }

  /**
   * A mapping's item, to read it ahead with others ({@link ReadAhead}).
   *
   * @param tenantId - the tenant
   * @param kind - customer, item or account mapping
   * @param realmId - the QBO company
   * @param key - TradelyHQ's client id, the item key, or the account's role
   */
  ref(tenantId: string, kind: MappingKind, realmId: string, key: string): ItemRef {
    return { tableName: this.tableName, key: this.key(tenantId, kind, realmId, key) };
  }

  /**
   * Records a mapping unless one exists (or only the stale one it replaces); returns the one that
   * holds.
   *
   * @param tenantId - the tenant
   * @param kind - customer or item
   * @param realmId - the QBO company
   * @param key - the client id, or the item key
   * @param mapping - the mapping to record
   * @param replacing - the QBO Id of a stale mapping this one may overwrite
   */
  async putIfAbsent(
    tenantId: string,
    kind: MappingKind,
    realmId: string,
    key: string,
    mapping: Mapping,
    replacing?: string,
  ): Promise<Mapping> {
    try {
      await documentClient.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...this.key(tenantId, kind, realmId, key), mapping },
          ...(replacing
            ? {
                ConditionExpression:
                  'attribute_not_exists(pk) OR (#m.qboId = :old AND #m.stale = :stale)',
                ExpressionAttributeNames: { '#m': 'mapping' },
                ExpressionAttributeValues: { ':old': replacing, ':stale': true },
              }
            : { ConditionExpression: 'attribute_not_exists(pk)' }),
        }),
      );
      return mapping;
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      return (await this.get(tenantId, kind, realmId, key)) ?? mapping;
    }
  }

  /**
   * Marks a mapping stale (QBO refused its object), if it still names that object.
   *
   * @param tenantId - the tenant
   * @param kind - customer or item
   * @param realmId - the QBO company
   * @param key - the client id, or the item key
   * @param qboId - the QBO Id QBO refused
   */
  async markStale(
    tenantId: string,
    kind: MappingKind,
    realmId: string,
    key: string,
    qboId: string,
  ): Promise<void> {
    try {
      await documentClient.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key(tenantId, kind, realmId, key),
          UpdateExpression: 'SET #m.stale = :stale',
          ConditionExpression: '#m.qboId = :id',
          ExpressionAttributeNames: { '#m': 'mapping' },
          ExpressionAttributeValues: { ':id': qboId, ':stale': true },
        }),
      );
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
  }

  /**
   * Points every mapping of a company that names `fromId` at `to` (a Merge in QBO), each only if
   * it still names `fromId`.
   *
   * @param tenantId - the tenant
   * @param kind - customer or item
   * @param realmId - the QBO company
   * @param fromId - the QBO Id merged away
   * @param to - the survivor's Id and name
   * @returns how many mappings moved
   */
  async relink(
    tenantId: string,
    kind: MappingKind,
    realmId: string,
    fromId: string,
    to: { readonly qboId: string; readonly qboName: string },
  ): Promise<number> {
    let moved = 0;
    let cursor: Record<string, unknown> | undefined;
    do {
      const page = await documentClient.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          FilterExpression: '#m.qboId = :from',
          ExpressionAttributeNames: { '#m': 'mapping' },
          ExpressionAttributeValues: {
            ':pk': tenantPk(tenantId),
            ':prefix': `${kind}#${realmId}#`,
            ':from': fromId,
          },
          ...(cursor ? { ExclusiveStartKey: cursor } : {}),
        }),
      );
      for (const item of page.Items ?? []) {
        try {
          await documentClient.send(
            new UpdateCommand({
              TableName: this.tableName,
              Key: { pk: item.pk, sk: item.sk },
              UpdateExpression:
                'SET #m.qboId = :to, #m.qboName = :name, #m.how = :how REMOVE #m.stale',
              ConditionExpression: '#m.qboId = :from',
              ExpressionAttributeNames: { '#m': 'mapping' },
              ExpressionAttributeValues: {
                ':to': to.qboId,
                ':name': to.qboName,
                ':how': 'linked',
                ':from': fromId,
              },
            }),
          );
          moved += 1;
        } catch (err) {
          if (!(err instanceof ConditionalCheckFailedException)) throw err;
        }
      }
      cursor = page.LastEvaluatedKey;
    } while (cursor);
    return moved;
  }
}
