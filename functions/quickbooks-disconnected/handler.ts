/**
 * `GET /oauth/quickbooks/disconnected` (public): the Intuit app's Disconnect URL. Intuit sends the
 * browser of a user who disconnected the app inside QuickBooks here. It trusts nothing in the
 * request and holds no token key: it only queues a check of the grant (the grant worker asks
 * Intuit), answers every company id alike, and sends the browser to the portal.
 */
import { required } from '#shared/config/runtime-env.ts';
import { REALM_ID } from '#shared/domain/connection.ts';
import { publicRoute } from '#shared/http/api-handler.ts';
import { services } from '#shared/wiring/services.ts';

const portalUrl = required('portalUrl');
const queue = services().grantQueue;

export const handler = publicRoute({}, async ({ query }) => {
  const realmId = query.realmId ?? query.realmid ?? '';
  if (REALM_ID.test(realmId)) await queue.send({ job: 'disconnect-notice', realmId });
  const portal = new URL(portalUrl);
  portal.hash = 'quickbooks=disconnected_in_quickbooks';
  return { statusCode: 302, headers: { location: portal.toString(), 'cache-control': 'no-store' } };
});
