import { expect, it, vi } from 'vitest';
import { receiveWebhook } from '#shared/use-cases/receive-webhook.ts';

vi.hoisted(() => {
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
});

it('counts a refused signature in a CloudWatch metric (EMF), storing nothing', async () => {
  const lines: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string) => {
    lines.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  const untouched = new Proxy(
    {},
    { get: () => () => Promise.reject(new Error('must not be called')) },
  );
  try {
    const receipt = await receiveWebhook(
      {
        connections: untouched as never,
        webhooks: untouched as never,
        queue: untouched as never,
        clock: { now: () => 0 },
        verifierTokens: ['token'],
      },
      Buffer.from('{}'),
      'forged',
    );
    expect(receipt.statusCode).toBe(401);
  } finally {
    process.stdout.write = write;
  }
  const emf = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => '_aws' in l);
  expect(emf).toMatchObject({ WebhookSignatureRejected: 1, service: 'tradelyhq-quickbooks' });
});
