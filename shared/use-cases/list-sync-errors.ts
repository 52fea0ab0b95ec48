import { needsReconnect } from '#shared/domain/connection.ts';
import type { SyncError, SyncErrorKind } from '#shared/domain/sync-error.ts';
import type { ConnectionRepository } from '#shared/store/connection-repository.ts';
import type { SyncErrorRepository } from '#shared/store/sync-error-repository.ts';

/** The Sync Errors panel: the banner flag and a page of entries. */
export interface SyncErrorsPage {
  /** Show the "Reconnect QuickBooks" banner. */
  readonly reconnectRequired: boolean;
  readonly reconnectReason: string | null;
  readonly errors: readonly Omit<SyncError, 'tenantId'>[];
  readonly nextCursor: string | null;
}

/**
 * The Sync Errors panel's data: whether the connection needs a reconnect (the banner) and the
 * entries, open ones by default, one per invoice.
 *
 * @param deps - connections and sync errors
 * @param tenantId - the tenant, from the verified JWT
 * @param options - state and kind filters, page size, cursor
 */
export async function listSyncErrors(
  deps: { readonly connections: ConnectionRepository; readonly syncErrors: SyncErrorRepository },
  tenantId: string,
  options: { state: SyncError['state']; kind?: SyncErrorKind; limit: number; cursor?: string },
): Promise<SyncErrorsPage> {
  const connection = await deps.connections.get(tenantId);
  const page = await deps.syncErrors.list(tenantId, options);
  const reconnectRequired = needsReconnect(connection?.status);
  return {
    reconnectRequired,
    reconnectReason: reconnectRequired ? (connection?.reconnectReason ?? null) : null,
    errors: page.items.map(({ tenantId: _t, ...error }) => error),
    nextCursor: page.cursor,
  };
}
