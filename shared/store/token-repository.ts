import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { SealedBlob } from '#shared/oauth/envelope.ts';
import type { TokenExpiries } from '#shared/oauth/tokens.ts';
import { documentClient } from './dynamo.ts';
import { type Provider, tenantPk } from './keys.ts';

/** A row of `tenant_provider_keys`: the sealed token blob and what may be known in the clear. */
export interface StoredTokens extends TokenExpiries {
  readonly realmId: string;
  /** Increases on every write; a write names the version it replaces. */
  readonly version: number;
  readonly blob: SealedBlob;
  /** Who holds the refresh lease, and until when (epoch ms). */
  readonly leaseOwner?: string;
  readonly leaseUntil?: number;
  /** Set when Intuit refused this grant (`invalid_grant`): nobody tries it again. */
  readonly deadReason?: string;
  /** Which grant the row holds: new on every connect, kept by its refreshes. */
  readonly grantId?: string;
}

/** What a write of new tokens stores. */
export interface TokenWrite extends TokenExpiries {
  readonly realmId: string;
  readonly blob: SealedBlob;
}

const providerSk = (provider: Provider) => `PROVIDER#${provider}`;

/**
 * `tenant_provider_keys`: one row per tenant and provider. Every write is conditional, so that two
 * Lambdas refreshing at once can never store an older token pair over a newer one:
 *
 * ```
 * reader A ─ get v7 ─ lease ✓ ─ refresh at Intuit ─ save(v7→v8, owner A) ✓
 * reader B ─ get v7 ─ lease ✗ (A holds it) ─ wait ─ get v8 ─ use
 * reconnect ─ replace(v→v+1, lease cleared) ─ A's save(v7→v8) ✗ (version moved)
 * ```
 */
export class TokenRepository {
  /** @param tableName - the `tenant_provider_keys` table's physical name */
  constructor(private readonly tableName: string) {}

  private key(tenantId: string) {
    return { pk: tenantPk(tenantId), sk: providerSk('quickbooks') };
  }

  /**
   * Reads a tenant's tokens (strongly consistent).
   *
   * @param tenantId - the tenant
   */
  async get(tenantId: string): Promise<StoredTokens | undefined> {
    const { Item } = await documentClient.send(
      new GetCommand({ TableName: this.tableName, Key: this.key(tenantId), ConsistentRead: true }),
    );
    return Item as StoredTokens | undefined;
  }

  /**
   * Stores tokens from a new grant (connect or reconnect), whatever was there, at the next
   * version, and drops any lease: an in-flight refresh of the old grant then fails its write.
   *
   * @param tenantId - the tenant
   * @param write - sealed tokens, realm and expiries
   */
  async replace(tenantId: string, write: TokenWrite): Promise<void> {
    await documentClient.send(new UpdateCommand(this.replaceItem(tenantId, write)));
  }

  /**
   * The write of {@link replace}, for a transaction; with `replacing`, only over the grant that was
   * read (none, or that version), so a grant refreshed meanwhile is never overwritten unseen.
   *
   * @param tenantId - the tenant
   * @param write - sealed tokens, realm and expiries
   * @param replacing - the version read before (`null`: there was none); omitted: whatever is there
   */
  replaceItem(tenantId: string, write: TokenWrite, replacing?: number | null) {
    const guarded = replacing !== undefined;
    return {
      TableName: this.tableName,
      Key: this.key(tenantId),
      UpdateExpression:
        'SET #version = if_not_exists(#version, :zero) + :one, #realmId = :realmId, #blob = :blob, ' +
        '#at = :at, #rt = :rt, #hard = :hard, grantId = :grantId ' +
        'REMOVE #leaseOwner, #leaseUntil, #dead',
      ...(guarded
        ? {
            ConditionExpression:
              replacing === null ? 'attribute_not_exists(pk)' : '#version = :read',
          }
        : {}),
      ExpressionAttributeNames: {
        ...names,
        '#realmId': 'realmId',
        '#dead': 'deadReason',
      },
      ExpressionAttributeValues: {
        ':zero': 0,
        ':one': 1,
        ':realmId': write.realmId,
        ':grantId': randomUUID(),
        ...(guarded && replacing !== null ? { ':read': replacing } : {}),
        ...values(write),
      },
    };
  }

  /**
   * Takes the refresh lease if nobody holds a live one.
   *
   * @param tenantId - the tenant
   * @param owner - a unique id of the caller
   * @param now - epoch ms
   * @param ttlMs - how long the lease lasts if its owner dies
   * @returns the row as it is under the lease, or `undefined` if someone else holds it (or the row
   *   is gone)
   */
  async acquireLease(
    tenantId: string,
    owner: string,
    now: number,
    ttlMs: number,
  ): Promise<StoredTokens | undefined> {
    try {
      const { Attributes } = await documentClient.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key(tenantId),
          UpdateExpression: 'SET #leaseOwner = :owner, #leaseUntil = :until',
          ConditionExpression:
            'attribute_exists(pk) AND (attribute_not_exists(#leaseUntil) OR #leaseUntil < :now)',
          ExpressionAttributeNames: { '#leaseOwner': 'leaseOwner', '#leaseUntil': 'leaseUntil' },
          ExpressionAttributeValues: { ':owner': owner, ':until': now + ttlMs, ':now': now },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return Attributes as StoredTokens;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return undefined;
      throw err;
    }
  }

  /**
   * Stores refreshed tokens, only if the row is still the version the lease holder read and the
   * lease is still its own; releases the lease.
   *
   * @param tenantId - the tenant
   * @param expectedVersion - the version the refresh started from
   * @param owner - the lease holder
   * @param write - the new sealed tokens and expiries
   * @returns whether the write happened
   */
  async saveRefreshed(
    tenantId: string,
    expectedVersion: number,
    owner: string,
    write: Omit<TokenWrite, 'realmId'>,
  ): Promise<boolean> {
    try {
      await documentClient.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key(tenantId),
          UpdateExpression:
            'SET #version = :next, #blob = :blob, #at = :at, #rt = :rt, #hard = :hard ' +
            'REMOVE #leaseOwner, #leaseUntil',
          ConditionExpression: '#version = :expected AND #leaseOwner = :owner',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: {
            ':expected': expectedVersion,
            ':next': expectedVersion + 1,
            ':owner': owner,
            ...values(write),
          },
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }

  /**
   * Marks the grant dead (Intuit answered `invalid_grant`) and releases the lease, only if the row
   * is still the version whose refresh failed: a reconnect that replaced it meanwhile wins.
   *
   * @param tenantId - the tenant
   * @param version - the version whose refresh token Intuit refused
   * @param reason - what Intuit said
   * @returns whether this version was still current
   */
  async markDead(tenantId: string, version: number, reason: string): Promise<boolean> {
    try {
      await documentClient.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key(tenantId),
          UpdateExpression: 'SET #dead = :reason REMOVE #leaseOwner, #leaseUntil',
          ConditionExpression: '#version = :version',
          ExpressionAttributeNames: {
            '#dead': 'deadReason',
            '#version': 'version',
            '#leaseOwner': 'leaseOwner',
            '#leaseUntil': 'leaseUntil',
          },
          ExpressionAttributeValues: { ':reason': reason, ':version': version },
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }

  /**
   * Gives the lease back without writing tokens (the refresh failed).
   *
   * @param tenantId - the tenant
   * @param owner - the lease holder; someone else's lease is left alone
   */
  async releaseLease(tenantId: string, owner: string): Promise<void> {
    try {
      await documentClient.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key(tenantId),
          UpdateExpression: 'REMOVE #leaseOwner, #leaseUntil',
          ConditionExpression: '#leaseOwner = :owner',
          ExpressionAttributeNames: { '#leaseOwner': 'leaseOwner', '#leaseUntil': 'leaseUntil' },
          ExpressionAttributeValues: { ':owner': owner },
        }),
      );
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
  }

  /**
   * The deletion of a tenant's tokens, only at the version that was read, for a transaction (a
   * takeover that makes them a revocation).
   *
   * @param tenantId - the tenant
   * @param version - the version read
   */
  deleteItem(tenantId: string, version: number) {
    return {
      TableName: this.tableName,
      Key: this.key(tenantId),
      ConditionExpression: '#version = :read',
      ExpressionAttributeNames: { '#version': 'version' },
      ExpressionAttributeValues: { ':read': version },
    };
  }
}

const names = {
  '#version': 'version',
  '#blob': 'blob',
  '#at': 'accessTokenExpiresAt',
  '#rt': 'refreshTokenExpiresAt',
  '#hard': 'refreshTokenHardExpiresAt',
  '#leaseOwner': 'leaseOwner',
  '#leaseUntil': 'leaseUntil',
};

function values(write: Omit<TokenWrite, 'realmId'>) {
  return {
    ':blob': write.blob,
    ':at': write.accessTokenExpiresAt,
    ':rt': write.refreshTokenExpiresAt,
    ':hard': write.refreshTokenHardExpiresAt,
  };
}
