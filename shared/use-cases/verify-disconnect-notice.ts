import { toError } from '#shared/errors.ts';
import { ReconnectRequiredError } from '#shared/oauth/errors.ts';
import { logger } from '#shared/observability/logger.ts';
import type { Clock } from '#shared/ports/clock.ts';
import type { QboClient } from '#shared/qbo/qbo-client.ts';
import type { ConnectionRepository } from '#shared/store/connection-repository.ts';
import type { RealmClaimRepository } from '#shared/store/realm-claim-repository.ts';

/**
 * Intuit's Disconnect URL: a user disconnected the app from inside QuickBooks, and Intuit sent
 * their browser to the public route with the company's `realmId`, which queued this check for the
 * grant worker. The request carries no proof, so it changes nothing on its own say-so: for the
 * tenant connected to that company, it asks QuickBooks (one CompanyInfo read). A dead grant answers
 * 401, the refresh then gets `invalid_grant`, and the vault marks the connection
 * `reconnect_required`, which raises the banner; the connection also records that Intuit confirmed
 * the disconnect. A live grant changes nothing. At most one check per company per minute, so
 * notices cannot be used to spend its QBO budget.
 *
 * @param deps - connections, and a QBO client per tenant
 * @param realmId - the company Intuit names
 * @returns the tenant's status after the check, or `unknown` when no tenant has that company
 */
export async function verifyDisconnectNotice(
  deps: {
    readonly connections: ConnectionRepository;
    readonly claims: Pick<RealmClaimRepository, 'holder'>;
    readonly qbo: (tenantId: string) => QboClient;
    readonly clock: Clock;
  },
  realmId: string,
): Promise<'connected' | 'reconnect_required' | 'unknown'> {
  const holder = await deps.claims.holder(realmId);
  // Connections made before claims existed (until their next reconcile claims) are on the index.
  const candidates = holder
    ? [await deps.connections.get(holder)]
    : await deps.connections.tenantsOfRealm(realmId);
  const connection = candidates.find(
    (c) =>
      c?.realmId === realmId && (c.status === 'connected' || c.status === 'subscription_lapsed'),
  );
  if (!connection) return 'unknown';
  // One check per company per minute, whatever the number of notices.
  if (!(await deps.connections.claimGrantCheck(connection.tenantId, deps.clock.now(), 60_000))) {
    return 'connected';
  }
  try {
    await deps.qbo(connection.tenantId).companyInfo(realmId);
    return 'connected';
  } catch (err) {
    if (err instanceof ReconnectRequiredError) {
      // Proven dead at Intuit: another tenant's confirmed consent may now take the company over.
      await deps.connections.patch(
        connection.tenantId,
        { disconnectedInQuickBooksAt: new Date(deps.clock.now()).toISOString() },
        { status: 'reconnect_required' },
      );
      return 'reconnect_required';
    }
    logger.warn('Could not verify a disconnect notice', { realmId, error: toError(err).message });
    return 'connected';
  }
}
