/**
 * `POST /integrations/quickbooks/confirm` (JWT, admin): `{"confirmation"}` from the callback's
 * redirect. Only the admin (same tenant and user) who started the flow connects; anyone else's
 * attempt cancels it and the grant is revoked at Intuit.
 */
import * as z from 'zod/mini';
import { tenantRoute } from '#shared/http/api-handler.ts';
import { confirmConnect } from '#shared/use-cases/confirm-connect.ts';
import { intuitServices } from '#shared/wiring/intuit-services.ts';

const deps = await intuitServices();
const body = z.strictObject({ confirmation: z.string().check(z.minLength(1), z.maxLength(128)) });

export const handler = tenantRoute({ body }, async ({ tenantId, subject, body }) => ({
  statusCode: 200,
  body: await confirmConnect(deps, { tenantId, subject }, body.confirmation),
}));
