/**
 * `POST /integrations/quickbooks/confirm` (JWT, admin): `{"confirmation"}` from the callback's
 * redirect. Only the admin (same tenant and user) who started the flow connects; anyone else's
 * attempt cancels it and the grant is revoked at Intuit.
 */
import * as z from 'zod';
import { tenantRoute } from '#shared/http/api-handler.ts';
import { afterReconnect } from '#shared/use-cases/after-reconnect.ts';
import { confirmConnect } from '#shared/use-cases/confirm-connect.ts';
import { connectionServices } from '#shared/wiring/connection-services.ts';
import {
  eventPublisher,
  grantQueue,
  invoiceStores,
  pushQueue,
} from '#shared/wiring/push-services.ts';

const services = await connectionServices();
const followUp = {
  ...invoiceStores(),
  queue: pushQueue(),
  events: eventPublisher(),
  qbo: (tenantId: string) => services.qbo(tenantId),
};
const deps = {
  ...services,
  grants: services.grants,
  vault: services.vault,
  schedules: services.schedules,
  grantQueue: grantQueue(),
  // Parked pushes go out again; missed webhooks are caught up.
  onConnected: (tenantId: string) => afterReconnect(followUp, tenantId),
};

const body = z.strictObject({ confirmation: z.string().min(1).max(128) });

export const handler = tenantRoute({ body }, async ({ tenantId, subject, body }) => ({
  statusCode: 200,
  body: await confirmConnect(deps, { tenantId, subject }, body.confirmation),
}));
