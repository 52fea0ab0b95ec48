/**
 * `GET /integrations/quickbooks` (JWT): the caller's tenant's QuickBooks connection status.
 */
import { tenantRoute } from '#shared/http/api-handler.ts';
import { getConnectionStatus } from '#shared/use-cases/get-connection-status.ts';
import { services } from '#shared/wiring/services.ts';

const deps = services();

export const handler = tenantRoute({}, async ({ tenantId }) => ({
  statusCode: 200,
  body: await getConnectionStatus(deps, tenantId),
}));
