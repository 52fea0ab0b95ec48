import { expect, it, vi } from 'vitest';
import { receiveWebhook } from '#shared/use-cases/receive-webhook.ts';
import { metricLines } from '../support/log-audit.ts';

vi.hoisted(() => {
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
});

it('counts a refused signature in a CloudWatch metric (EMF), storing nothing', async () => {
  const untouched = new Proxy(
    {},
    { get: () => () => Promise.reject(new Error('must not be called')) },
  );
  const receipt = await receiveWebhook(
    {
      claims: untouched as never,
      webhooks: untouched as never,
      queue: untouched as never,
      clock: { now: () => 0 },
      verifierTokens: ['token'],
    },
    Buffer.from('{}'),
    'forged',
  );
  expect(receipt.statusCode).toBe(401);
  const emf = metricLines().find((l) => 'WebhookSignatureRejected' in l);
  expect(emf).toMatchObject({ WebhookSignatureRejected: 1, service: 'tradelyhq-quickbooks' });
});
