/**
 * `POST /reconcile` (JWT): the tenant's admin runs the reconcile now (one at a time).
 */
import { tenantRoute } from '#shared/http/api-handler.ts';
import { requestReconcile } from '#shared/use-cases/request-reconcile.ts';
import { services } from '#shared/wiring/services.ts';

const deps = services();

export const handler = tenantRoute({}, async ({ tenantId }) => ({
  statusCode: 202,
  body: await requestReconcile(deps, tenantId),
}));
