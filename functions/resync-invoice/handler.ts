/**
 * `POST /sync-errors/{id}/resync` (JWT): re-push TradelyHQ's current version of the invoice over
 * QBO's; the error closes when QBO agrees.
 */
import { tenantRoute } from '#shared/http/api-handler.ts';
import { invoiceIdParam } from '#shared/http/path.ts';
import { resyncInvoice } from '#shared/use-cases/resolve-sync-error.ts';
import { invoiceStores, pushQueue } from '#shared/wiring/push-services.ts';

const deps = { ...invoiceStores(), queue: pushQueue() };

export const handler = tenantRoute({}, async ({ tenantId, pathParameters }) => ({
  statusCode: 202,
  body: await resyncInvoice(deps, tenantId, invoiceIdParam(pathParameters, 'id')),
}));
