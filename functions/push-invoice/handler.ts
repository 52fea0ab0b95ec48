/**
 * `POST /invoices/{invoiceId}/push` (JWT): "Authorize & Send". Validates the invoice, stores the
 * revision and queues it; answers `202 {status: "queued"}` at once. The push worker does the rest.
 */
import { pushInvoiceSchema } from '#shared/domain/invoice.ts';
import { tenantRoute } from '#shared/http/api-handler.ts';
import { invoiceIdParam } from '#shared/http/path.ts';
import { acceptInvoicePush } from '#shared/use-cases/accept-invoice-push.ts';
import { services } from '#shared/wiring/services.ts';

const deps = services();

export const handler = tenantRoute(
  { body: pushInvoiceSchema },
  async ({ tenantId, body, pathParameters }) => {
    const invoiceId = invoiceIdParam(pathParameters, 'invoiceId');
    return { statusCode: 202, body: await acceptInvoicePush(deps, tenantId, invoiceId, body) };
  },
);
