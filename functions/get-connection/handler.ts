/**
 * `GET /integrations/quickbooks` (JWT): the caller's tenant's QuickBooks connection status.
 */
import { requiredEnv } from '#shared/config/env.ts';
import { tenantRoute } from '#shared/http/api-handler.ts';
import { ConnectionRepository } from '#shared/store/connection-repository.ts';
import { TABLE_ENV } from '#shared/store/tables.ts';
import { getConnectionStatus } from '#shared/use-cases/get-connection-status.ts';

const connections = new ConnectionRepository(requiredEnv(TABLE_ENV.syncState));

export const handler = tenantRoute({}, async ({ tenantId }) => ({
  statusCode: 200,
  body: await getConnectionStatus({ connections }, tenantId),
}));
