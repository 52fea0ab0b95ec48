/**
 * `POST /invoices/{invoiceId}/push` (JWT): "Authorize & Send". Validates the invoice, stores the
 * revision and queues it; answers `202 {status: "queued"}` at once. The push worker does the rest.
 */
import { pushInvoiceSchema } from '#shared/domain/invoice.ts';
import { ValidationError } from '#shared/errors.ts';
import { tenantRoute } from '#shared/http/api-handler.ts';
import { acceptInvoicePush } from '#shared/use-cases/accept-invoice-push.ts';
import { eventPublisher, invoiceStores, pushQueue } from '#shared/wiring/push-services.ts';

const deps = { ...invoiceStores(), queue: pushQueue(), events: eventPublisher() };
const INVOICE_ID = /^[A-Za-z0-9_.:-]{1,64}$/;

export const handler = tenantRoute(
  { body: pushInvoiceSchema },
  async ({ tenantId, body, pathParameters }) => {
    const invoiceId = pathParameters.invoiceId ?? '';
    if (!INVOICE_ID.test(invoiceId)) {
      throw new ValidationError([
        { path: 'invoiceId', message: 'must be 1-64 letters, digits or _ . : -' },
      ]);
    }
    return { statusCode: 202, body: await acceptInvoicePush(deps, tenantId, invoiceId, body) };
  },
);
