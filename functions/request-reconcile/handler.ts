/**
 * `POST /reconcile` (JWT): the tenant's admin runs the reconcile now (one at a time).
 */
import { tenantRoute } from '#shared/http/api-handler.ts';
import { requestReconcile } from '#shared/use-cases/request-reconcile.ts';
import { invoiceStores, reconcileQueue } from '#shared/wiring/push-services.ts';

const deps = { ...invoiceStores(), reconcile: reconcileQueue() };

export const handler = tenantRoute({}, async ({ tenantId }) => ({
  statusCode: 202,
  body: await requestReconcile(deps, tenantId),
}));
