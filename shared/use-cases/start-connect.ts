import { AppError, ValidationError } from '#shared/errors.ts';
import type { IntuitOAuth } from '#shared/oauth/intuit-oauth.ts';
import type { OAuthStates } from '#shared/oauth/oauth-state.ts';
import type { ConnectionRepository } from '#shared/store/connection-repository.ts';

/** What the portal may ask for when it starts the flow. */
export interface StartConnectInput {
  /** The admin who starts it (the token's `sub`); only they can confirm the result. */
  readonly subject: string;
  /** A page of the portal to come back to; its origin and path must be on the allow-list. */
  readonly returnUrl?: string;
  /** The admin confirmed connecting a different QBO company than the one connected before. */
  readonly switchCompany?: boolean;
}

/** What {@link startConnect} needs. */
export interface StartConnectDeps {
  readonly connections: ConnectionRepository;
  readonly states: OAuthStates;
  readonly intuit: IntuitOAuth;
  readonly config: { readonly portalUrl: string; readonly returnUrls: readonly string[] };
}

/**
 * "Connect QuickBooks" (and "Reconnect QuickBooks"): a signed, single-use state bound to the tenant,
 * the admin who starts it and the return page, and the Intuit consent URL to send the browser to.
 *
 * @param deps - see {@link StartConnectDeps}
 * @param tenantId - the tenant, from the verified JWT
 * @param input - see {@link StartConnectInput}
 * @throws AppError `quickbooks_already_connected` (409) while a connection is live
 * @throws ValidationError `return_url_not_allowed` when the return URL is not an allowed page
 */
export async function startConnect(
  deps: StartConnectDeps,
  tenantId: string,
  input: StartConnectInput,
): Promise<{ authorizeUrl: string }> {
  const returnUrl = checkedReturnUrl(input.returnUrl, deps.config);
  const connection = await deps.connections.get(tenantId);
  if (connection?.status === 'connected') {
    throw new AppError(
      'conflict',
      'quickbooks_already_connected',
      `QuickBooks is already connected to ${connection.companyName}. Disconnect it first to connect again.`,
    );
  }
  const state = await deps.states.issue(tenantId, {
    subject: input.subject,
    returnUrl,
    allowCompanySwitch: input.switchCompany === true,
  });
  return { authorizeUrl: deps.intuit.authorizeUrl(state) };
}

/**
 * Only the pages of the allow-list (origin and path, exactly, as the URL parser normalises them; a
 * query is kept), without credentials (`https://evil@portal/` reads as a link to evil) and without
 * a fragment (the callback puts its result there): anything else would make the callback an open
 * redirect, a look-alike, or hand the confirmation to a page that was never meant to read it. The
 * page is kept as the URL parser normalised it, so the callback's Location is exactly what was
 * checked.
 */
function checkedReturnUrl(
  returnUrl: string | undefined,
  config: StartConnectDeps['config'],
): string {
  if (returnUrl === undefined) return config.portalUrl;
  const url = URL.canParse(returnUrl) ? new URL(returnUrl) : undefined;
  if (
    !url ||
    !config.returnUrls.includes(`${url.origin}${url.pathname}`) ||
    url.username !== '' ||
    url.password !== '' ||
    url.hash !== '' ||
    returnUrl.includes('#')
  ) {
    throw new ValidationError(
      [{ path: 'returnUrl', message: 'must be one of the admin portal pages on the allow-list' }],
      'That page of the admin portal may not receive the QuickBooks connection result.',
      'return_url_not_allowed',
    );
  }
  return url.href;
}
