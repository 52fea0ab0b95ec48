/**
 * `POST /sync-errors/{id}/accept` (JWT): keep QuickBooks' value where that is legitimate (memo,
 * due date), recorded with who and when.
 */
import { tenantRoute } from '#shared/http/api-handler.ts';
import { invoiceIdParam } from '#shared/http/path.ts';
import { acceptQuickBooksVersion } from '#shared/use-cases/resolve-sync-error.ts';
import { invoiceStores } from '#shared/wiring/push-services.ts';

const deps = invoiceStores();

export const handler = tenantRoute({}, async ({ tenantId, subject, pathParameters }) => ({
  statusCode: 200,
  body: await acceptQuickBooksVersion(
    deps,
    tenantId,
    invoiceIdParam(pathParameters, 'id'),
    subject,
  ),
}));
