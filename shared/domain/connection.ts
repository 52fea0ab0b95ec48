import { type CompanyProfile, shownCompany } from './company.ts';
import { type SetupNeed, type TaxCodeMap, taxSetupNeeds } from './tax.ts';

/**
 * A tenant's connection to QuickBooks Online, as the tenant sees it.
 *
 * - `disconnected`: never connected, or disconnected by the tenant (tokens revoked and deleted).
 * - `connected`: tokens are stored and usable.
 * - `reconnect_required`: the grant died at Intuit's side (revoked, refresh token expired, the app
 *   disconnected inside QuickBooks); the tenant must redo the OAuth flow, which restores the
 *   connection without touching invoices.
 * - `subscription_lapsed`: the company's QuickBooks subscription ended or has a billing problem
 *   (QBO fault 6190), so QuickBooks is read-only. The grant still works and the company stays
 *   this tenant's: no other tenant can take it over, however long it lasts. Pushes wait; once
 *   the subscription is renewed, the tenant reconnects as for `reconnect_required`.
 */
export type ConnectionStatus =
  | 'disconnected'
  | 'connected'
  | 'reconnect_required'
  | 'subscription_lapsed';

/**
 * Whether the tenant must act before the connection is used again: the "Reconnect QuickBooks"
 * banner, parked pushes.
 *
 * @param status - the connection's status
 */
export const needsReconnect = (status: ConnectionStatus | undefined): boolean =>
  status === 'reconnect_required' || status === 'subscription_lapsed';

/** The connection record kept in the sync-state table (never holds tokens). */
export interface Connection {
  readonly tenantId: string;
  readonly status: ConnectionStatus;
  /** The QBO company; kept after a disconnect so a reconnect can recognise it. */
  readonly realmId: string;
  readonly companyName: string;
  /** ISO-8601 instant of the last successful connect or reconnect. */
  readonly connectedAt: string;
  /** ISO-8601 instant after which the refresh token can no longer be used (rolling). */
  readonly refreshTokenExpiresAt: string | null;
  /** ISO-8601 instant no refresh can extend (Intuit's 5-year maximum), when known. */
  readonly refreshTokenHardExpiresAt: string | null;
  /** The tenant's IANA time zone, for the 2 AM reconcile. */
  readonly timezone: string;
  /** QBO income account for mirrored items; `null`: the company's default income account. */
  readonly incomeAccountId: string | null;
  /** Why a reconnect is needed, in words an admin understands. */
  readonly reconnectReason: string | null;
  /** ISO-8601 instant when the last reconcile finished, if any. */
  readonly lastReconcile: string | null;
  /** ISO-8601 instant up to which QBO's changes were caught up by CDC (missed webhooks). */
  readonly changesCaughtUpTo?: string | null;
  /** ISO-8601 instant when the connection started needing a reconnect. */
  readonly reconnectRequiredAt?: string | null;
  /** ISO-8601 instant when Intuit confirmed the app was disconnected inside QuickBooks. */
  readonly disconnectedInQuickBooksAt?: string | null;
  /** ISO-8601 instant when another tenant's confirmed consent took over this dead connection. */
  readonly companyTakenOverAt?: string | null;
  /** After a disconnect: whether Intuit has confirmed the revocation (retried until it does). */
  readonly revokedAtIntuit?: boolean | null;
  /** The company's settings as last read from QBO; absent on connections made before they were read. */
  readonly company?: CompanyProfile | null;
  /** Line key → QBO TaxCode Id (docs/company-profiles.md); kept across a reconnect to the same company. */
  readonly taxCodeMap?: TaxCodeMap | null;
}

/** The status payload of `GET /integrations/quickbooks`. */
export interface ConnectionView {
  readonly status: ConnectionStatus;
  readonly realmId: string | null;
  readonly companyName: string | null;
  readonly connectedAt: string | null;
  readonly refreshTokenExpiresAt: string | null;
  readonly timezone: string | null;
  readonly incomeAccountId: string | null;
  readonly lastReconcile: string | null;
  readonly reconnectReason: string | null;
  /** A warning to show near the connection, e.g. the hard token expiry is less than 30 days away. */
  readonly warning: string | null;
  /** After a disconnect: whether Intuit has confirmed the revocation; `null` otherwise. */
  readonly revokedAtIntuit: boolean | null;
  /** The company's settings as last read from QBO (at connect, then at each reconcile). */
  readonly company: CompanyProfile | null;
  /** Line key (`lines[].taxCode`, `taxable`, `exempt`) → QBO TaxCode Id; `null` when none is set. */
  readonly taxCodeMap: TaxCodeMap | null;
  /**
   * What must still be set before which invoices can be pushed (the push's own rules,
   * {@link taxSetupNeeds}); empty when nothing is missing, or when not connected.
   */
  readonly setupNeeded: readonly SetupNeed[];
}

/** What a QBO company id (realm id) looks like: a number, as a string of 1-32 digits. */
export const REALM_ID = /^\d{1,32}$/;

/** Warn this long before the refresh token's hard expiry. */
export const HARD_EXPIRY_WARNING_MS = 30 * 24 * 3600_000;

/**
 * What a tenant sees of its connection; a tenant with no record is simply disconnected.
 *
 * @param connection - the stored record, or `undefined` when there is none
 * @param now - epoch ms, for the expiry warning
 */
export function toConnectionView(connection: Connection | undefined, now: number): ConnectionView {
  if (!connection) {
    return {
      status: 'disconnected',
      realmId: null,
      companyName: null,
      connectedAt: null,
      refreshTokenExpiresAt: null,
      timezone: null,
      incomeAccountId: null,
      lastReconcile: null,
      reconnectReason: null,
      warning: null,
      revokedAtIntuit: null,
      company: null,
      taxCodeMap: null,
      setupNeeded: [],
    };
  }
  return {
    status: connection.status,
    realmId: connection.realmId,
    companyName: connection.companyName,
    connectedAt: connection.connectedAt,
    refreshTokenExpiresAt: connection.refreshTokenExpiresAt,
    timezone: connection.timezone,
    incomeAccountId: connection.incomeAccountId,
    lastReconcile: connection.lastReconcile,
    reconnectReason: needsReconnect(connection.status) ? connection.reconnectReason : null,
    warning: takeOverWarning(connection) ?? expiryWarning(connection, now),
    revokedAtIntuit:
      connection.status === 'disconnected' ? (connection.revokedAtIntuit ?? null) : null,
    company: connection.company ? shownCompany(connection.company) : null,
    taxCodeMap: connection.taxCodeMap ?? null,
    setupNeeded:
      connection.status === 'disconnected'
        ? []
        : taxSetupNeeds(connection.company, connection.taxCodeMap),
  };
}

function takeOverWarning(connection: Connection): string | null {
  const at = connection.companyTakenOverAt;
  if (connection.status !== 'disconnected' || !at) return null;
  return `${connection.companyName} was connected to another TradelyHQ account on ${at.slice(0, 10)}, after this connection had stopped working.`;
}

function expiryWarning(connection: Connection, now: number): string | null {
  const hard = connection.refreshTokenHardExpiresAt;
  if (connection.status !== 'connected' || !hard) return null;
  const left = Date.parse(hard) - now;
  if (left > HARD_EXPIRY_WARNING_MS) return null;
  const days = Math.max(0, Math.floor(left / (24 * 3600_000)));
  return `Intuit requires you to reconnect QuickBooks within ${days} days (the connection reaches its 5-year limit on ${hard.slice(0, 10)}).`;
}

/**
 * The canonical spelling of an IANA time zone (`america/chicago` → `America/Chicago`), or
 * `undefined` when the runtime does not know it.
 *
 * @param zone - e.g. `America/Chicago`
 */
export function canonicalTimeZone(zone: string): string | undefined {
  try {
    const canonical = new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions()
      .timeZone;
    return canonical.includes('/') || canonical === 'UTC' ? canonical : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Is this an IANA time zone the runtime knows?
 *
 * @param zone - e.g. `America/Chicago`
 */
export function isTimeZone(zone: string): boolean {
  return canonicalTimeZone(zone) !== undefined;
}
