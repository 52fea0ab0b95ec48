/**
 * Key schema of the sync-state table, in one place. Every partition key starts with the tenant, so
 * no query can cross tenants; the realm index is the only way in from a QBO company id.
 */

/** Partition key of everything a tenant owns. */
export const tenantPk = (tenantId: string): string => `TENANT#${tenantId}`;

/** Sort key of a tenant's connection to a provider. */
export const connectionSk = (provider: Provider): string => `CONNECTION#${provider}`;

/** Realm-index partition key of a connected QBO company. */
export const realmPk = (realmId: string): string => `REALM#${realmId}`;

/** The accounting providers this stack connects to. */
export type Provider = 'quickbooks';
