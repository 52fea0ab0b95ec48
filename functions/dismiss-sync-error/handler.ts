/**
 * `POST /sync-errors/{id}/dismiss` (JWT) `{reason}`: the admin lives with this difference, and
 * says why.
 */
import * as z from 'zod';
import { storableText } from '#shared/domain/text.ts';
import { tenantRoute } from '#shared/http/api-handler.ts';
import { invoiceIdParam } from '#shared/http/path.ts';
import { dismissSyncError } from '#shared/use-cases/resolve-sync-error.ts';
import { services } from '#shared/wiring/services.ts';

const deps = services();
const body = z.strictObject({
  reason: storableText().min(1).max(500),
});

export const handler = tenantRoute(
  { body },
  async ({ tenantId, subject, pathParameters, body }) => ({
    statusCode: 200,
    body: await dismissSyncError(
      deps,
      tenantId,
      invoiceIdParam(pathParameters, 'id'),
      subject,
      body.reason,
    ),
  }),
);
