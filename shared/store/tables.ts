/**
 * The one source of truth for the stack's DynamoDB tables: key schema, indexes and TTL.
 * The CDK stack (`lib/sync-data.ts`) and the local runtime (`bin/local/dynamodb-local.ts`) both build
 * their tables from these definitions, so a key that works locally works in AWS.
 */

/** A DynamoDB key attribute. Every key in this stack is a string. */
export interface KeyAttribute {
  readonly name: string;
  readonly type: 'S';
}

/** A global secondary index. */
export interface IndexDefinition {
  readonly indexName: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey: KeyAttribute;
  /**
   * The attributes besides the keys that it projects (`INCLUDE`); absent: every attribute (`ALL`).
   * An index of the tokens' table projects no secret, so reading it needs no right to them.
   */
  readonly projectedAttributes?: readonly string[];
}

/** Everything needed to create a table the same way in AWS and in DynamoDB Local. */
export interface TableDefinition {
  /** Name in local mode; in AWS the stack prefixes it with the environment name. */
  readonly localName: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey: KeyAttribute;
  readonly timeToLiveAttribute?: string;
  readonly globalSecondaryIndexes: readonly IndexDefinition[];
  /**
   * A stream of new item images, in AWS only (the outbox's delivery, `functions/event-relay`);
   * local mode reads the outbox items instead.
   */
  readonly stream?: 'NEW_IMAGE';
}

const pk: KeyAttribute = { name: 'pk', type: 'S' };
const sk: KeyAttribute = { name: 'sk', type: 'S' };

/** Name of the GSI that maps a QBO realm (company) to the tenant that connected it. */
export const REALM_INDEX = 'byRealm';

/**
 * Single-table sync state: connections, invoice snapshots and mappings, sync errors, OAuth state,
 * webhook dedupe, reconcile runs and the events not yet delivered (`OUTBOX#…` items, also on the
 * realm index under `OUTBOX#<hex digit>` for the sweep). Every primary key starts with the tenant
 * id; items that are only temporary (OAuth state, webhook dedupe) carry `expiresAt` in epoch
 * seconds.
 */
export const syncStateTable: TableDefinition = {
  localName: 'sync_state',
  partitionKey: pk,
  sortKey: sk,
  timeToLiveAttribute: 'expiresAt',
  stream: 'NEW_IMAGE',
  globalSecondaryIndexes: [
    {
      indexName: REALM_INDEX,
      partitionKey: { name: 'realmPk', type: 'S' },
      sortKey: { name: 'realmSk', type: 'S' },
    },
  ],
};

/**
 * Grants that no connection holds, by the time something must happen to them (`grant-repository.ts`):
 * one partition, `sweepPk = GRANT`, sorted by `sweepAt`. Only grant records have these attributes,
 * so the index holds nothing else; it projects no token.
 */
export const GRANT_DEADLINE_INDEX = 'byDeadline';

/**
 * `tenant_provider_keys`: only envelope-encrypted OAuth token blobs: each tenant's grant with its
 * version and expiry timestamps, and grants no connection holds yet or any more (pending
 * confirmations, revocations; purged by TTL once their refresh token has expired, never before
 * 15 days). Kept apart so that only token functions, and the public callback for its own pending
 * grant, can touch it.
 */
export const tenantProviderKeysTable: TableDefinition = {
  localName: 'tenant_provider_keys',
  partitionKey: pk,
  sortKey: sk,
  timeToLiveAttribute: 'purgeAt',
  globalSecondaryIndexes: [
    {
      indexName: GRANT_DEADLINE_INDEX,
      partitionKey: { name: 'sweepPk', type: 'S' },
      sortKey: { name: 'sweepAt', type: 'S' },
      projectedAttributes: ['state', 'stateAt', 'tenantId'],
    },
  ],
};
