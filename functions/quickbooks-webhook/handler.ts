/**
 * `POST /webhooks/quickbooks` (public; authenticated by the `intuit-signature` HMAC over the raw
 * body): Intuit's change notifications. Verified, stored, queued, and acknowledged in
 * milliseconds; the change worker does the QBO reads. This public function holds only the
 * verifier tokens: no Intuit client secret, no tokens, no QBO access.
 */
import { requiredEnv } from '#shared/config/env.ts';
import { loadVerifierTokens } from '#shared/config/integration.ts';
import { rawPublicRoute } from '#shared/http/api-handler.ts';
import { systemClock } from '#shared/ports/clock.ts';
import { ConnectionRepository } from '#shared/store/connection-repository.ts';
import { TABLE_ENV } from '#shared/store/tables.ts';
import { WebhookRepository } from '#shared/store/webhook-repository.ts';
import { receiveWebhook } from '#shared/use-cases/receive-webhook.ts';
import { changeQueue } from '#shared/wiring/push-services.ts';

const table = requiredEnv(TABLE_ENV.syncState);
const deps = {
  connections: new ConnectionRepository(table),
  webhooks: new WebhookRepository(table),
  queue: changeQueue(),
  clock: systemClock,
  verifierTokens: await loadVerifierTokens(),
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
