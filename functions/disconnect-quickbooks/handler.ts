/**
 * `DELETE /integrations/quickbooks` (JWT): "Disconnect". Tokens are revoked at Intuit and deleted
 * from `tenant_provider_keys`; pushed invoices stay in QuickBooks unchanged.
 */
import { tenantRoute } from '#shared/http/api-handler.ts';
import { disconnect } from '#shared/use-cases/disconnect.ts';
import { connectionServices } from '#shared/wiring/connection-services.ts';

const services = await connectionServices();

export const handler = tenantRoute({}, async ({ tenantId }) => ({
  statusCode: 200,
  body: await disconnect(services, tenantId),
}));
