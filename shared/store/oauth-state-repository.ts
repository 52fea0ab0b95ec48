import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from './dynamo.ts';

/** What a pending OAuth flow remembers between `connect` and the callback. */
export interface PendingOAuth {
  readonly tenantId: string;
  /** The admin (the token's `sub`) who started it: only they can confirm what it brings back. */
  readonly subject: string;
  readonly nonce: string;
  /** Where the browser goes back to (already checked against the allow-list). */
  readonly returnUrl: string;
  /** The admin confirmed switching to a different QBO company. */
  readonly allowCompanySwitch: boolean;
  /** Epoch seconds; the TTL attribute, checked in code too (TTL deletion is lazy). */
  readonly expiresAt: number;
}

/**
 * A tenant's pending flows live in a partition of their own, apart from its data (`TENANT#…`), so
 * that the public callback may touch only them (IAM `dynamodb:LeadingKeys`, `lib/sync-data.ts`).
 */
const statePk = (tenantId: string) => `OAUTH#${tenantId}`;
const stateSk = (nonce: string) => `OAUTHSTATE#${nonce}`;

/** Pending OAuth flows: written once, consumed at most once. */
export class OAuthStateRepository {
  /** @param tableName - the sync-state table's physical name */
  constructor(private readonly tableName: string) {}

  /**
   * Remembers a pending flow.
   *
   * @param pending - the flow
   */
  async put(pending: PendingOAuth): Promise<void> {
    await documentClient.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: statePk(pending.tenantId), sk: stateSk(pending.nonce), ...pending },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  /**
   * Deletes a pending flow and returns it, only if it exists and has not expired: a replayed or
   * late state finds nothing.
   *
   * @param tenantId - the tenant named in the (verified) state
   * @param nonce - the state's nonce
   * @param nowSeconds - the current time in epoch seconds
   */
  async consume(
    tenantId: string,
    nonce: string,
    nowSeconds: number,
  ): Promise<PendingOAuth | undefined> {
    try {
      const { Attributes } = await documentClient.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { pk: statePk(tenantId), sk: stateSk(nonce) },
          ConditionExpression: 'attribute_exists(pk) AND expiresAt > :now',
          ExpressionAttributeValues: { ':now': nowSeconds },
          ReturnValues: 'ALL_OLD',
        }),
      );
      return Attributes as PendingOAuth | undefined;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return undefined;
      throw err;
    }
  }
}
