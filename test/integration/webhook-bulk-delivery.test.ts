import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signPayload } from '#emulator/webhooks.ts';
import { localChangeQueue } from '#shared/adapters/local/local-queues.ts';
import { newTenantId } from '../support/local-api.ts';
import { startTestStack, type TestStack, WEBHOOK_TOKEN } from '../support/local-stack.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack.close());

/** One signed CloudEvents delivery of `count` invoice updates for a company. */
function delivery(realmId: string, count: number) {
  const body = JSON.stringify(
    Array.from({ length: count }, (_, n) => ({
      specversion: '1.0',
      id: randomUUID(),
      source: 'intuit.test',
      type: 'qbo.invoice.updated.v1',
      datacontenttype: 'application/json',
      time: new Date().toISOString(),
      intuitentityid: String(700_000 + n),
      intuitaccountid: realmId,
      data: {},
    })),
  );
  return { body, signature: signPayload(WEBHOOK_TOKEN, body) };
}

async function send(body: string, signature: string) {
  const t0 = performance.now();
  const res = await fetch(`${stack.api.url}/webhooks/quickbooks`, {
    method: 'POST',
    headers: { 'content-type': 'application/cloudevents+json', 'intuit-signature': signature },
    body,
  });
  const receipt = (await res.json()) as { accepted: number; duplicates: number };
  return { status: res.status, receipt, ms: performance.now() - t0 };
}

describe('A delivery of hundreds of events (a bulk payment run)', () => {
  it('acknowledges 500 events in under a second, each stored and queued once', async () => {
    const tenantId = newTenantId();
    const realmId = await stack.world.newCompany();
    await stack.connect(tenantId, realmId);
    const { body, signature } = delivery(realmId, 500);

    const first = await send(body, signature);
    expect(first.status).toBe(200);
    expect(first.receipt.accepted).toBe(500);
    expect(first.ms).toBeLessThan(1000);

    // Intuit's retry of the same delivery: acknowledged, nothing queued twice.
    const retry = await send(body, signature);
    expect(retry.status).toBe(200);
    expect(retry.receipt).toMatchObject({ accepted: 0, duplicates: 500 });
    await localChangeQueue.idle();
  });
});
