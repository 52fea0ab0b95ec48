import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { CompanyProfile } from '#shared/domain/company.ts';
import type { SealedBlob } from '#shared/oauth/envelope.ts';
import type { TokenExpiries } from '#shared/oauth/tokens.ts';
import { documentClient } from './dynamo.ts';

/**
 * Where a grant that is not (or no longer) a tenant's connection stands:
 *
 * - `pending`: Intuit's callback exchanged the code; it waits for the admin who started the flow
 *   to confirm it (10 minutes).
 * - `confirming`: that admin's confirm took it; it becomes the tenant's connection.
 * - `revoke`: it must be given back to Intuit (refused or expired confirmation, disconnect); the
 *   grant worker revokes it and then deletes the record.
 */
export type GrantState = 'pending' | 'confirming' | 'revoke';

/** Why a grant is revoked. */
export type RevokeReason =
  | 'disconnect'
  | 'confirmation_mismatch'
  | 'different_company'
  | 'company_in_use'
  | 'expired';

/**
 * A grant kept apart from any tenant's connection, sealed as in `tenant_provider_keys` (envelope
 * encryption under the `{tenantId, provider}` context of the tenant whose flow obtained it).
 */
export interface HeldGrant extends TokenExpiries {
  /** The record's id: a hash of the confirmation secret, or a revocation id. */
  readonly ref: string;
  readonly state: GrantState;
  /** The tenant whose flow obtained the grant (the encryption context). */
  readonly tenantId: string;
  readonly realmId: string;
  readonly blob: SealedBlob;
  /** Epoch ms after which a pending grant can no longer be confirmed. */
  readonly expiresAt: number;
  /** The admin who started the flow (pending grants). */
  readonly subject?: string;
  readonly companyName?: string;
  /** The company's settings, read with the grant (pending grants). */
  readonly company?: CompanyProfile;
  /** Where the browser went back to. */
  readonly returnUrl?: string;
  /** The admin allowed switching to another company when starting the flow. */
  readonly allowCompanySwitch?: boolean;
  /** Why it is revoked (state `revoke`). */
  readonly revokeReason?: RevokeReason;
}

/** Records are purged by DynamoDB TTL a week after they stop mattering, whatever happened. */
const PURGE_AFTER_SECONDS = 7 * 24 * 3600;

/**
 * Grants held outside a connection, in `tenant_provider_keys` (the only table whose readers may
 * hold tokens): pending confirmations and grants waiting to be revoked at Intuit. Each change of
 * state is one conditional write, so a confirm, an expiry and a revocation can never act on the same
 * grant twice.
 */
export class GrantRepository {
  /** @param tableName - the `tenant_provider_keys` table's physical name */
  constructor(private readonly tableName: string) {}

  private key(ref: string) {
    return { pk: `GRANT#${ref}`, sk: 'GRANT' };
  }

  /**
   * Stores a grant (a new pending confirmation, or a revocation).
   *
   * @param grant - the grant
   */
  async put(grant: HeldGrant): Promise<void> {
    await documentClient.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...this.key(grant.ref),
          ...grant,
          purgeAt: Math.floor(grant.expiresAt / 1000) + PURGE_AFTER_SECONDS,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  /**
   * Reads a grant.
   *
   * @param ref - its id
   */
  async get(ref: string): Promise<HeldGrant | undefined> {
    const { Item } = await documentClient.send(
      new GetCommand({ TableName: this.tableName, Key: this.key(ref), ConsistentRead: true }),
    );
    return Item ? fromItem(Item) : undefined;
  }

  /**
   * Moves a grant from one state to another, only if it is in `from` (and, when given, only while
   * it has or has not expired).
   *
   * @param ref - its id
   * @param from - the state it must be in
   * @param to - the new state
   * @param options - `expired`: require `expiresAt` to be past (true) or still ahead (false) of
   *   `now`; `revokeReason` to record
   * @returns the grant after the move, or `undefined` when it was not in that state
   */
  async move(
    ref: string,
    from: GrantState,
    to: GrantState,
    options: { now?: number; expired?: boolean; revokeReason?: RevokeReason } = {},
  ): Promise<HeldGrant | undefined> {
    const timed = options.expired !== undefined && options.now !== undefined;
    try {
      const { Attributes } = await documentClient.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key(ref),
          UpdateExpression: `SET #state = :to${options.revokeReason ? ', revokeReason = :why' : ''}`,
          ConditionExpression: `#state = :from${
            timed ? (options.expired ? ' AND expiresAt <= :now' : ' AND expiresAt > :now') : ''
          }`,
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: {
            ':from': from,
            ':to': to,
            ...(timed ? { ':now': options.now } : {}),
            ...(options.revokeReason ? { ':why': options.revokeReason } : {}),
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
   * Deletes a grant (revoked at Intuit, or now a tenant's connection).
   *
   * @param ref - its id
   */
  async delete(ref: string): Promise<void> {
    await documentClient.send(new DeleteCommand({ TableName: this.tableName, Key: this.key(ref) }));
  }
}

function fromItem(item: Record<string, unknown>): HeldGrant {
  const { pk: _pk, sk: _sk, purgeAt: _purge, ...grant } = item;
  return grant as unknown as HeldGrant;
}
