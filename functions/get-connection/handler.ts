/**
 * `GET /integrations/quickbooks` (JWT): the caller's tenant's QuickBooks connection status.
 */
import { requiredEnv } from '#shared/config/env.ts';
import { tenantRoute } from '#shared/http/api-handler.ts';
import { systemClock } from '#shared/ports/clock.ts';
import { ConnectionRepository } from '#shared/store/connection-repository.ts';
import { TABLE_ENV } from '#shared/store/tables.ts';
import { getConnectionStatus } from '#shared/use-cases/get-connection-status.ts';

const deps = {
  connections: new ConnectionRepository(requiredEnv(TABLE_ENV.syncState)),
  clock: systemClock,
};

export const handler = tenantRoute({}, async ({ tenantId }) => ({
  statusCode: 200,
  body: await getConnectionStatus(deps, tenantId),
}));
