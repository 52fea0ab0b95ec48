/**
 * `GET /oauth/quickbooks/callback` (public; authenticated by the signed single-use `state`):
 * Intuit's redirect after consent. Always answers with a redirect to the portal, carrying
 * `?quickbooks=connected` or `?quickbooks=error&reason=<code>`; never a stack.
 */
import { publicRoute } from '#shared/http/api-handler.ts';
import { logger } from '#shared/observability/logger.ts';
import { afterReconnect } from '#shared/use-cases/after-reconnect.ts';
import {
  type CompleteConnectDeps,
  completeConnect,
  withResult,
} from '#shared/use-cases/complete-connect.ts';
import { connectionServices } from '#shared/wiring/connection-services.ts';
import { eventPublisher, invoiceStores, pushQueue } from '#shared/wiring/push-services.ts';

const services = await connectionServices();
const followUp = {
  ...invoiceStores(),
  queue: pushQueue(),
  events: eventPublisher(),
  qbo: (tenantId: string) => services.qbo(tenantId),
};
const deps: CompleteConnectDeps = {
  connections: services.connections,
  states: services.states,
  intuit: services.intuit,
  vault: services.vault,
  schedules: services.schedules,
  clock: services.clock,
  config: services.config,
  // Parked pushes go out again; missed webhooks are caught up.
  onConnected: (tenantId: string) => afterReconnect(followUp, tenantId),
};

export const handler = publicRoute({}, async ({ query, rawQueryString }) => {
  const callbackUrl = `${services.config.intuit.redirectUri}?${rawQueryString}`;
  let location: string;
  try {
    location = await completeConnect(
      deps,
      { code: query.code, state: query.state, realmId: query.realmId, error: query.error },
      callbackUrl,
    );
  } catch (error) {
    logger.error('QuickBooks callback failed', { error });
    location = withResult(services.config.portalUrl, 'internal_error');
  }
  return { statusCode: 302, headers: { location, 'cache-control': 'no-store' } };
});
