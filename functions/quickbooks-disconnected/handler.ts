/**
 * `GET /oauth/quickbooks/disconnected` (public): the Intuit app's Disconnect URL. Intuit sends the
 * browser of a user who disconnected the app inside QuickBooks here. The tenant's grant is checked
 * with Intuit (never trusted from the request), then the browser goes to the portal.
 */
import { REALM_ID } from '#shared/domain/connection.ts';
import { publicRoute } from '#shared/http/api-handler.ts';
import { verifyDisconnectNotice } from '#shared/use-cases/verify-disconnect-notice.ts';
import { connectionServices } from '#shared/wiring/connection-services.ts';

const services = await connectionServices();

export const handler = publicRoute({}, async ({ query }) => {
  const realmId = query.realmId ?? query.realmid ?? '';
  if (REALM_ID.test(realmId)) {
    await verifyDisconnectNotice(
      { connections: services.connections, qbo: (t) => services.qbo(t), clock: services.clock },
      realmId,
    );
  }
  const portal = new URL(services.config.portalUrl);
  portal.searchParams.set('quickbooks', 'disconnected_in_quickbooks');
  return { statusCode: 302, headers: { location: portal.toString(), 'cache-control': 'no-store' } };
});
