/**
 * `POST /webhooks/quickbooks` (public; authenticated by the `intuit-signature` HMAC over the raw
 * body): Intuit's change notifications. Verified, stored, queued, and acknowledged in
 * milliseconds; the change worker does the QBO reads. This public function holds only the
 * verifier tokens: no Intuit client secret, no tokens, no QBO access.
 */
import { loadVerifierTokens } from '#shared/config/integration.ts';
import { rawPublicRoute } from '#shared/http/api-handler.ts';
import { receiveWebhook } from '#shared/use-cases/receive-webhook.ts';
import { services } from '#shared/wiring/services.ts';

const root = services();
const deps = {
  claims: root.claims,
  webhooks: root.webhooks,
  queue: root.changeQueue,
  clock: root.clock,
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
