import { createHash, randomBytes } from 'node:crypto';
import { REALM_ID } from '#shared/domain/connection.ts';
import { ReconnectRequiredError } from '#shared/oauth/errors.ts';
import type { IntuitOAuth } from '#shared/oauth/intuit-oauth.ts';
import type { OAuthStates } from '#shared/oauth/oauth-state.ts';
import type { AccessGrant, TokenVault } from '#shared/oauth/token-vault.ts';
import type { TokenSet } from '#shared/oauth/tokens.ts';
import { logger } from '#shared/observability/logger.ts';
import type { Clock } from '#shared/ports/clock.ts';
import type { GrantQueue } from '#shared/ports/grant-queue.ts';
import { type CompanyRead, readCompany } from '#shared/qbo/company-profile.ts';
import type { QboClient } from '#shared/qbo/qbo-client.ts';
import type { GrantRepository } from '#shared/store/grant-repository.ts';
import type { PendingOAuth } from '#shared/store/oauth-state-repository.ts';

/** The query Intuit's redirect carries. */
export interface CallbackQuery {
  readonly code?: string;
  readonly state?: string;
  readonly realmId?: string;
  readonly error?: string;
}

/** What {@link receiveConsent} needs. */
export interface ReceiveConsentDeps {
  readonly states: OAuthStates;
  readonly intuit: IntuitOAuth;
  /** Seals the new grant (the callback never opens a stored one). */
  readonly vault: Pick<TokenVault, 'seal'>;
  readonly grants: GrantRepository;
  readonly grantQueue: GrantQueue;
  readonly clock: Clock;
  readonly config: { readonly portalUrl: string };
  /** A QBO client for the new grant, each request bounded by `maxTimeoutMs` (the root's). */
  qboWithGrant(grant: AccessGrant, maxTimeoutMs: number): QboClient;
}

/**
 * Why a connection attempt failed; each becomes `#quickbooks=error&reason=<code>` on the portal,
 * which maps the code to its own words. The list is fixed: nothing else ever reaches the URL.
 */
export const CONNECT_FAILURES = [
  'invalid_state',
  'access_denied',
  'intuit_error',
  'missing_code',
  'intuit_unavailable',
  'internal_error',
] as const;

/** One of {@link CONNECT_FAILURES}. */
export type ConnectFailure = (typeof CONNECT_FAILURES)[number];

/** How long the admin has to confirm a consent (the OAuth state's life too). */
export const CONFIRMATION_TTL_MS = 10 * 60_000;

/**
 * The id under which a confirmation's grant is kept: a hash of the secret, so the table never
 * holds a usable confirmation.
 *
 * @param confirmation - the secret from the redirect
 */
export function confirmationRef(confirmation: string): string {
  return createHash('sha256').update(confirmation).digest('base64url');
}

/**
 * Intuit's redirect back after consent. It connects nothing: it verifies and consumes the state,
 * exchanges the code, proves the grant is for the company Intuit names (CompanyInfo and Preferences read
 * with the new token, kept for the connection), and keeps the grant sealed and pending. The browser goes back to the portal with
 * `#quickbooks=confirm&confirmation=<secret>` (in the fragment), a fresh single-use secret that has nothing to do with
 * the state; only the admin who started the flow can confirm it with their own token
 * (`confirmConnect`). Whoever approved at Intuit, a grant nobody confirms is revoked after 10
 * minutes. Nothing about which tenant holds which company is decided, or revealed, here.
 *
 * @param deps - see {@link ReceiveConsentDeps}
 * @param query - the callback's query parameters
 * @param callbackUrl - the full callback URL (the code is read from it)
 * @returns where to send the browser
 */
export async function receiveConsent(
  deps: ReceiveConsentDeps,
  query: CallbackQuery,
  callbackUrl: string,
): Promise<string> {
  const flow = await deps.states.consume(query.state);
  if (!flow) {
    logger.warn('QuickBooks callback with an invalid, used or expired state');
    return withResult(deps.config.portalUrl, { failure: 'invalid_state' });
  }
  const back = (failure: ConnectFailure) => {
    logger.warn('QuickBooks consent not kept', { tenantId: flow.tenantId, reason: failure });
    return withResult(flow.returnUrl, { failure });
  };
  if (query.error) return back(query.error === 'access_denied' ? 'access_denied' : 'intuit_error');
  const { code, realmId } = query;
  if (!code || !realmId) return back('missing_code');
  // Intuit sends a numeric company id; anything else would reach DynamoDB keys and QBO URL paths.
  if (!REALM_ID.test(realmId)) return back('intuit_error');

  let granted: Awaited<ReturnType<IntuitOAuth['exchangeCode']>>;
  try {
    granted = await deps.intuit.exchangeCode(callbackUrl);
  } catch (err) {
    return back(failureOf(err));
  }
  // From here on Intuit has issued a grant: whatever fails, it is given back, never left alive.
  try {
    return await keep(deps, flow, realmId, granted);
  } catch (err) {
    await deps.intuit.revoke(granted.refreshToken).catch((error: unknown) => {
      // The grant's record, if it was stored, still has its deadline: the sweep revokes it.
      logger.error('A grant whose callback failed could not be revoked', { realmId, error });
    });
    if (err instanceof IntuitCallFailed) return back(failureOf(err.cause));
    logger.error('QuickBooks callback failed after the code exchange; grant given back', {
      tenantId: flow.tenantId,
      realmId,
      error: err,
    });
    return withResult(flow.returnUrl, { failure: 'internal_error' });
  }
}

/** A call to Intuit after the exchange failed: the browser is told Intuit's side of it. */
class IntuitCallFailed extends Error {
  override readonly name = 'IntuitCallFailed';
}

/** Each company read of the callback gives up after this long, inside the function's 29 s. */
const COMPANY_READ_TIMEOUT_MS = 8_000;

/**
 * Keeps an exchanged grant. It is put on record first, sealed and pending with its deadline, so
 * that whatever happens next (a failure, or the function ended by its timeout) the grant cannot be
 * forgotten: the hourly sweep revokes what was never confirmed. Then it proves the grant is for
 * the company Intuit names (CompanyInfo and Preferences read with it), adds what it read to the
 * record, and queues its expiry. Only then does the browser get the confirmation, so a record
 * left half-written can never be confirmed.
 *
 * @returns where to send the browser: the portal with the confirmation
 * @throws IntuitCallFailed when reading the company failed; anything else as it came
 */
async function keep(
  deps: ReceiveConsentDeps,
  flow: PendingOAuth,
  realmId: string,
  granted: TokenSet,
): Promise<string> {
  const confirmation = randomBytes(32).toString('base64url');
  const ref = confirmationRef(confirmation);
  const now = deps.clock.now();
  await deps.grants.put(
    {
      ref,
      state: 'pending',
      tenantId: flow.tenantId,
      subject: flow.subject,
      realmId,
      returnUrl: flow.returnUrl,
      allowCompanySwitch: flow.allowCompanySwitch,
      blob: await deps.vault.seal(flow.tenantId, granted),
      accessTokenExpiresAt: granted.accessTokenExpiresAt,
      refreshTokenExpiresAt: granted.refreshTokenExpiresAt,
      refreshTokenHardExpiresAt: granted.refreshTokenHardExpiresAt,
      expiresAt: now + CONFIRMATION_TTL_MS,
    },
    now,
  );
  let company: CompanyRead;
  try {
    const grant = { accessToken: granted.accessToken, realmId, version: 0 };
    company = await readCompany(deps.qboWithGrant(grant, COMPANY_READ_TIMEOUT_MS), realmId);
  } catch (err) {
    throw new IntuitCallFailed('Reading the company failed', { cause: err });
  }
  await deps.grants.describe(ref, company.companyName, company.profile);
  // A grant nobody confirms is revoked when its confirmation expires.
  await deps.grantQueue.send(
    { job: 'expire', ref },
    Math.ceil(CONFIRMATION_TTL_MS / 1000) + EXPIRY_SLACK_SECONDS,
  );
  logger.info('QuickBooks consent received; waiting for the admin to confirm', {
    tenantId: flow.tenantId,
    realmId,
  });
  return withResult(flow.returnUrl, { confirmation });
}

/** The expiry check runs this long after the deadline, so clocks a little apart agree. */
const EXPIRY_SLACK_SECONDS = 30;

function failureOf(err: unknown): ConnectFailure {
  if (err instanceof ReconnectRequiredError) return 'intuit_error';
  const kind = (err as { kind?: string }).kind;
  return kind === 'unavailable' ? 'intuit_unavailable' : 'intuit_error';
}

/**
 * The portal page with the callback's result in its fragment: `#quickbooks=confirm&confirmation=
 * <secret>`, or `#quickbooks=error&reason=<code>`. A browser never sends a fragment to a server,
 * so the secret stays out of the portal's and its CDN's access logs, and out of the `Referer` of
 * anything the page loads; the page reads it and then drops it from the address.
 *
 * @param page - the return page (from the allow-list; it has no fragment)
 * @param result - a confirmation secret, or a failure code
 */
export function withResult(
  page: string,
  result: { readonly confirmation: string } | { readonly failure: ConnectFailure },
): string {
  const url = new URL(page);
  url.hash = new URLSearchParams(
    'confirmation' in result
      ? { quickbooks: 'confirm', confirmation: result.confirmation }
      : { quickbooks: 'error', reason: result.failure },
  ).toString();
  return url.toString();
}
