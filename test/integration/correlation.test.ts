import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newTenantId } from '../support/local-api.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';
import { logLines } from '../support/log-audit.ts';
import { invoiceBody, pushInvoice, queueDrained, withoutWebhooks } from '../support/push.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack.close();
});

type LogLine = Record<string, unknown> & { message: string; correlation_id?: string };

function logsOf(correlationId: string): LogLine[] {
  return logLines()
    .map((line) => JSON.parse(line) as LogLine)
    .filter((line) => line.correlation_id === correlationId);
}

describe('One correlation id from the API request to the QBO call', () => {
  it('links a push request, the worker that pushed it and the intuit_tid of the QBO write', async () => {
    const tenantId = newTenantId();
    const realmId = await stack.world.newCompany();
    await stack.connect(tenantId, realmId);
    // Local mode runs every function in one process with one Powertools logger, so a webhook
    // handled while the worker runs would take over its log keys (in Lambda each invocation has its
    // own process). Without webhooks the chain under test runs alone.
    const res = await withoutWebhooks(stack, async () => {
      const sent = await pushInvoice(stack, tenantId, 'inv_corr', invoiceBody());
      await queueDrained();
      return sent;
    });
    expect(res.status).toBe(202);
    const requestId = res.headers.get('apigw-requestid');
    expect(requestId).toBeTruthy();

    const lines = logsOf(requestId ?? '');
    const pushed = lines.find((line) => line.message === 'Invoice pushed');
    expect(pushed).toMatchObject({ tenantId, invoiceId: 'inv_corr', realmId });
    const write = lines.find(
      (line) => line.message === 'QuickBooks answered' && line.call === 'POST invoice',
    );
    expect(write).toMatchObject({ status: 200, realmId, tenantId });
    expect(write?.intuit_tid).toMatch(/^[0-9a-f-]{36}$/);
  });
});
