/**
 * `DELETE /integrations/quickbooks` (JWT, admin): "Disconnect". Tokens are deleted from
 * `tenant_provider_keys` and revoked at Intuit (retried from the grant queue until Intuit
 * confirms); pushed invoices stay in QuickBooks unchanged.
 */
import { tenantRoute } from '#shared/http/api-handler.ts';
import { disconnect } from '#shared/use-cases/disconnect.ts';
import { intuitServices } from '#shared/wiring/intuit-services.ts';

const deps = await intuitServices();

export const handler = tenantRoute({}, async ({ tenantId }) => ({
  statusCode: 200,
  body: await disconnect(deps, tenantId),
}));
