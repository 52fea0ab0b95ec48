/**
 * `GET /oauth/quickbooks/callback` (public; authenticated by the signed single-use `state`):
 * Intuit's redirect after consent. It connects nothing: the grant is kept pending, and the browser
 * goes back to the portal with `#quickbooks=confirm&confirmation=<secret>` (the fragment) for the admin who started
 * the flow to confirm, or with `#quickbooks=error&reason=<code>`; never a stack. It can seal tokens
 * (GenerateDataKey) but never open any.
 */
import { publicRoute } from '#shared/http/api-handler.ts';
import { logger } from '#shared/observability/logger.ts';
import { receiveConsent, withResult } from '#shared/use-cases/receive-consent.ts';
import { intuitServices } from '#shared/wiring/intuit-services.ts';

const deps = await intuitServices();

export const handler = publicRoute({}, async ({ query, rawQueryString }) => {
  const callbackUrl = `${deps.config.intuit.redirectUri}?${rawQueryString}`;
  let location: string;
  try {
    location = await receiveConsent(
      deps,
      { code: query.code, state: query.state, realmId: query.realmId, error: query.error },
      callbackUrl,
    );
  } catch (error) {
    logger.error('QuickBooks callback failed', { error });
    location = withResult(deps.config.portalUrl, { failure: 'internal_error' });
  }
  return { statusCode: 302, headers: { location, 'cache-control': 'no-store' } };
});
