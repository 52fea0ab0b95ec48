/**
 * A tenant's connection to QuickBooks Online, as the tenant sees it.
 *
 * - `disconnected`: never connected, or disconnected by the tenant (tokens revoked and deleted).
 * - `connected`: tokens are stored and usable.
 * - `reconnect_required`: the grant died at Intuit's side (revoked, lapsed, refresh token expired);
 *   the tenant must redo the OAuth flow, which restores the connection without touching invoices.
 */
export type ConnectionStatus = 'disconnected' | 'connected' | 'reconnect_required';

/** The connection record kept in the sync-state table (never holds tokens). */
export interface Connection {
  readonly tenantId: string;
  readonly status: ConnectionStatus;
  readonly realmId: string;
  readonly companyName: string;
  /** ISO-8601 instant of the last successful connect or reconnect. */
  readonly connectedAt: string;
  /** ISO-8601 instant after which the refresh token can no longer be used, if known. */
  readonly refreshTokenExpiresAt: string | null;
  /** The tenant's IANA time zone, for the 2 AM reconcile. */
  readonly timezone: string;
  /** ISO-8601 instant when the last reconcile finished, if any. */
  readonly lastReconcile: string | null;
}

/** The status payload of `GET /integrations/quickbooks`. */
export interface ConnectionView {
  readonly status: ConnectionStatus;
  readonly realmId: string | null;
  readonly companyName: string | null;
  readonly connectedAt: string | null;
  readonly refreshTokenExpiresAt: string | null;
  readonly timezone: string | null;
  readonly lastReconcile: string | null;
}

/**
 * What a tenant sees of its connection; a tenant with no record is simply disconnected.
 *
 * @param connection - the stored record, or `undefined` when there is none
 */
export function toConnectionView(connection: Connection | undefined): ConnectionView {
  if (!connection) {
    return {
      status: 'disconnected',
      realmId: null,
      companyName: null,
      connectedAt: null,
      refreshTokenExpiresAt: null,
      timezone: null,
      lastReconcile: null,
    };
  }
  const { tenantId: _tenant, ...view } = connection;
  return view;
}
