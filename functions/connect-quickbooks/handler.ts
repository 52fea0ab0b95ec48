/**
 * `POST /integrations/quickbooks/connect` (JWT): starts "Connect QuickBooks" (or "Reconnect") and
 * returns the Intuit consent URL for the portal to send the browser to.
 */
import * as z from 'zod';
import { tenantRoute } from '#shared/http/api-handler.ts';
import { startConnect } from '#shared/use-cases/start-connect.ts';
import { intuitServices } from '#shared/wiring/intuit-services.ts';

const services = await intuitServices();

const body = z
  .strictObject({
    returnUrl: z.string().max(2048).optional(),
    switchCompany: z.boolean().optional(),
  })
  .optional();

export const handler = tenantRoute({ body }, async ({ tenantId, subject, body }) => ({
  statusCode: 200,
  body: await startConnect(services, tenantId, {
    subject,
    ...(body?.returnUrl === undefined ? {} : { returnUrl: body.returnUrl }),
    switchCompany: body?.switchCompany === true,
  }),
}));
