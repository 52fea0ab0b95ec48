/**
 * `GET /invoices/{invoiceId}/sync` (JWT): where one invoice stands with QuickBooks, with its
 * history.
 */
import { toInvoiceSyncView } from '#shared/domain/invoice-view.ts';
import { AppError } from '#shared/errors.ts';
import { tenantRoute } from '#shared/http/api-handler.ts';
import { invoiceIdParam } from '#shared/http/path.ts';
import { services } from '#shared/wiring/services.ts';

const { invoices } = services();

export const handler = tenantRoute({}, async ({ tenantId, pathParameters }) => {
  const record = await invoices.get(tenantId, invoiceIdParam(pathParameters, 'invoiceId'));
  if (!record) {
    throw new AppError(
      'not_found',
      'invoice_not_found',
      'This invoice was never sent to QuickBooks.',
    );
  }
  return { statusCode: 200, body: toInvoiceSyncView(record) };
});
