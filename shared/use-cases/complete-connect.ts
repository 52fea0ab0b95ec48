import { type Connection, REALM_ID } from '#shared/domain/connection.ts';
import { ReconnectRequiredError } from '#shared/oauth/errors.ts';
import type { IntuitOAuth } from '#shared/oauth/intuit-oauth.ts';
import type { OAuthStates } from '#shared/oauth/oauth-state.ts';
import type { TokenVault } from '#shared/oauth/token-vault.ts';
import { logger } from '#shared/observability/logger.ts';
import type { Clock } from '#shared/ports/clock.ts';
import type { ScheduleRegistry } from '#shared/ports/schedule-registry.ts';
import { QboClient } from '#shared/qbo/qbo-client.ts';
import type { ConnectionRepository } from '#shared/store/connection-repository.ts';

/** The query Intuit's redirect carries. */
export interface CallbackQuery {
  readonly code?: string;
  readonly state?: string;
  readonly realmId?: string;
  readonly error?: string;
}

/** What {@link completeConnect} needs. */
export interface CompleteConnectDeps {
  readonly connections: ConnectionRepository;
  readonly states: OAuthStates;
  readonly intuit: IntuitOAuth;
  readonly vault: TokenVault;
  readonly schedules: ScheduleRegistry;
  readonly clock: Clock;
  /** Runs once connected (resumes pushes that waited for a reconnect). */
  readonly onConnected?: (tenantId: string) => Promise<unknown>;
  readonly config: {
    readonly portalUrl: string;
    readonly qboApiBaseUrl: string;
    readonly defaultTimezone: string;
  };
}

/**
 * Why a callback did not connect; each becomes `?quickbooks=error&reason=<code>` on the portal.
 * A refused callback stores nothing.
 */
export type CallbackFailure =
  | 'invalid_state'
  | 'access_denied'
  | 'intuit_error'
  | 'missing_code'
  | 'different_company'
  | 'company_in_use'
  | 'intuit_unavailable'
  | 'internal_error';

/**
 * Intuit's redirect back after consent: verify and consume the state, exchange the code, read the
 * company's name, store the tokens (encrypted), record the connection and set the tenant's nightly
 * schedule. Reconnecting to the same company keeps everything else (mappings, invoices, settings);
 * a different company needs the admin's confirmation, given when the flow started.
 *
 * @param deps - see {@link CompleteConnectDeps}
 * @param query - the callback's query parameters
 * @param callbackUrl - the full callback URL (intuit-oauth reads the code from it)
 * @returns where to send the browser
 */
export async function completeConnect(
  deps: CompleteConnectDeps,
  query: CallbackQuery,
  callbackUrl: string,
): Promise<string> {
  const pending = await deps.states.consume(query.state);
  if (!pending) {
    logger.warn('QuickBooks callback with an invalid, used or expired state');
    return withResult(deps.config.portalUrl, 'invalid_state');
  }
  const back = (failure: CallbackFailure) => {
    logger.warn('QuickBooks connection refused', { tenantId: pending.tenantId, reason: failure });
    return withResult(pending.returnUrl, failure);
  };
  if (query.error) return back(query.error === 'access_denied' ? 'access_denied' : 'intuit_error');
  const { code, realmId } = query;
  if (!code || !realmId) return back('missing_code');
  // Intuit sends a numeric company id; anything else would reach DynamoDB keys and QBO URL paths.
  if (!REALM_ID.test(realmId)) return back('intuit_error');

  const tenantId = pending.tenantId;
  const previous = await deps.connections.get(tenantId);
  if (previous && previous.realmId !== realmId && !pending.allowCompanySwitch) {
    return back('different_company');
  }
  const owners = await deps.connections.tenantsOfRealm(realmId);
  if (owners.some((c) => c.tenantId !== tenantId && c.status !== 'disconnected')) {
    return back('company_in_use');
  }

  let granted: Awaited<ReturnType<IntuitOAuth['exchangeCode']>>;
  try {
    granted = await deps.intuit.exchangeCode(callbackUrl);
  } catch (err) {
    return back(failureOf(err));
  }
  let companyName: string;
  try {
    // Reading CompanyInfo with the new token also proves the token is for this company.
    const fixed = { accessToken: granted.accessToken, realmId, version: 0 };
    const qbo = new QboClient({
      baseUrl: deps.config.qboApiBaseUrl,
      tokens: { getAccessToken: async () => fixed },
    });
    companyName = (await qbo.companyInfo(realmId)).CompanyName;
  } catch (err) {
    // Nothing is stored, so the fresh grant would only linger at Intuit: give it back.
    await deps.intuit.revoke(granted.refreshToken).catch(() => undefined);
    return back(failureOf(err));
  }

  await deps.vault.store(tenantId, realmId, granted);
  const sameCompany = previous?.realmId === realmId;
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  const connection: Connection = {
    tenantId,
    status: 'connected',
    realmId,
    companyName,
    connectedAt: new Date(deps.clock.now()).toISOString(),
    refreshTokenExpiresAt: iso(granted.refreshTokenExpiresAt),
    refreshTokenHardExpiresAt: iso(granted.refreshTokenHardExpiresAt),
    timezone: previous?.timezone ?? deps.config.defaultTimezone,
    incomeAccountId: sameCompany ? (previous?.incomeAccountId ?? null) : null,
    reconnectReason: null,
    lastReconcile: sameCompany ? (previous?.lastReconcile ?? null) : null,
    // A reconnect catches up from where the company's changes were last seen.
    changesCaughtUpTo: sameCompany
      ? (previous?.changesCaughtUpTo ?? previous?.connectedAt ?? null)
      : null,
  };
  // The schedule first: a connection is never shown as connected without its nightly reconcile.
  await deps.schedules.upsert(tenantId, connection.timezone);
  await deps.connections.put(connection);
  await deps.onConnected?.(tenantId);
  logger.info('QuickBooks connected', {
    tenantId,
    realmId,
    sameCompany,
    previous: previous?.status,
  });
  return withResult(pending.returnUrl, 'connected');
}

function failureOf(err: unknown): CallbackFailure {
  if (err instanceof ReconnectRequiredError) return 'intuit_error';
  const kind = (err as { kind?: string }).kind;
  return kind === 'unavailable' ? 'intuit_unavailable' : 'intuit_error';
}

/**
 * The portal page with the flow's result: `?quickbooks=connected`, or
 * `?quickbooks=error&reason=<code>`.
 *
 * @param page - the return page
 * @param result - `connected` or a failure code
 */
export function withResult(page: string, result: 'connected' | CallbackFailure): string {
  const url = new URL(page);
  if (result === 'connected') {
    url.searchParams.set('quickbooks', 'connected');
  } else {
    url.searchParams.set('quickbooks', 'error');
    url.searchParams.set('reason', result);
  }
  return url.toString();
}
