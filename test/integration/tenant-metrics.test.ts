import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { newTenantId } from '../support/local-api.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';
import { metricLines } from '../support/log-audit.ts';
import { invoiceBody, pushInvoice, queueDrained } from '../support/push.ts';

vi.hoisted(() => {
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
});

type Emf = Record<string, unknown> & {
  _aws: { CloudWatchMetrics: { Dimensions: string[][]; Metrics: { Name: string }[] }[] };
};

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack.close());

describe('Metrics say which tenant and company, without a metric per tenant', () => {
  it('tags pushes with the tenant and QBO requests with the company', async () => {
    const tenantId = newTenantId();
    const realmId = await stack.world.newCompany();
    await stack.connect(tenantId, realmId);
    await pushInvoice(stack, tenantId, 'inv_m', invoiceBody());
    await queueDrained();

    const emf = metricLines() as Emf[];
    const pushed = emf.find((line) => line.InvoicePushed === 1 && line.tenantId === tenantId);
    expect(pushed).toMatchObject({ tenantId, realmId });
    const requests = emf.filter((line) => line.QboRequests === 1 && line.realmId === realmId);
    expect(requests.length).toBeGreaterThan(0);
    // Only the service is a dimension: tenants and companies are properties.
    const dimensions = new Set(
      emf.flatMap((line) => line._aws.CloudWatchMetrics.flatMap((m) => m.Dimensions.flat())),
    );
    expect([...dimensions]).toEqual(['service']);
  });
});
