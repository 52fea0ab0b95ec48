/**
 * `POST /webhooks/quickbooks` (public; authenticated by the `intuit-signature` HMAC over the raw
 * body): Intuit's change notifications. Verified, stored, queued, and acknowledged in
 * milliseconds; the change worker does the QBO reads.
 */

import { requiredEnv } from '#shared/config/env.ts';
import { rawPublicRoute } from '#shared/http/api-handler.ts';
import { TABLE_ENV } from '#shared/store/tables.ts';
import { WebhookRepository } from '#shared/store/webhook-repository.ts';
import { receiveWebhook } from '#shared/use-cases/receive-webhook.ts';
import { connectionServices } from '#shared/wiring/connection-services.ts';
import { changeQueue, invoiceStores } from '#shared/wiring/push-services.ts';

const services = await connectionServices();
const deps = {
  connections: invoiceStores().connections,
  webhooks: new WebhookRepository(requiredEnv(TABLE_ENV.syncState)),
  queue: changeQueue(),
  clock: services.clock,
  verifierTokens: services.config.webhookVerifierTokens,
};

export const handler = rawPublicRoute(async ({ rawBody, headers }) => {
  const { statusCode, ...receipt } = await receiveWebhook(
    deps,
    rawBody,
    headers['intuit-signature'],
  );
  return statusCode === 401
    ? {
        statusCode,
        body: { code: 'invalid_signature', message: 'The intuit-signature does not verify.' },
      }
    : { statusCode, body: receipt };
});
