/**
 * `POST /sync-errors/{id}/accept` (JWT): keep QuickBooks' value where that is legitimate (memo,
 * due date), recorded with who and when.
 */
import { tenantRoute } from '#shared/http/api-handler.ts';
import { invoiceIdParam } from '#shared/http/path.ts';
import { acceptQuickBooksVersion } from '#shared/use-cases/resolve-sync-error.ts';
import { services } from '#shared/wiring/services.ts';

const deps = services();

export const handler = tenantRoute({}, async ({ tenantId, subject, pathParameters }) => ({
  statusCode: 200,
  body: await acceptQuickBooksVersion(
    deps,
    tenantId,
    invoiceIdParam(pathParameters, 'id'),
    subject,
  ),
}));
