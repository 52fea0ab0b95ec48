/**
 * `POST /sync-errors/{id}/resync` (JWT): re-push TradelyHQ's current version of the invoice over
 * QBO's; the error closes when QBO agrees.
 */
import { tenantRoute } from '#shared/http/api-handler.ts';
import { invoiceIdParam } from '#shared/http/path.ts';
import { resyncInvoice } from '#shared/use-cases/resolve-sync-error.ts';
import { services } from '#shared/wiring/services.ts';

const deps = services();

export const handler = tenantRoute({}, async ({ tenantId, pathParameters }) => ({
  statusCode: 202,
  body: await resyncInvoice(deps, tenantId, invoiceIdParam(pathParameters, 'id')),
}));
