import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newTenantId } from '../support/local-api.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';
import { invoiceBody, pushInvoice, queueDrained, syncOf } from '../support/push.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ console: true });
});
afterAll(() => stack.close());

const demo = (action: string, body: unknown) =>
  fetch(`${stack.api.url}/_local/demo/${action}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('The admin console in local mode', () => {
  it('serves the page, its script and its stylesheet with a strict CSP and no caching', async () => {
    const page = await fetch(`${stack.api.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(await page.text()).toContain('<script type="module" src="app.js">');
    for (const [file, type] of [
      ['app.js', /^text\/javascript/],
      ['styles.css', /^text\/css/],
    ] as const) {
      const res = await fetch(`${stack.api.url}/${file}`);
      expect(res.headers.get('content-type')).toMatch(type);
      expect((await res.text()).length).toBeGreaterThan(100);
    }
  });

  it("tells the page it runs locally, on the API's own origin, with links into the emulator", async () => {
    const config = await (await fetch(`${stack.api.url}/config.json`)).json();
    expect(config).toEqual({
      mode: 'local',
      apiUrl: '',
      invoiceLinkTemplate: `${stack.world.emulator.url}/_admin/companies/{realmId}/invoices/{id}`,
    });
  });

  it('leaves API routes and unknown paths as they were', async () => {
    expect((await fetch(`${stack.api.url}/health`)).status).toBe(200);
    expect((await fetch(`${stack.api.url}/nothing-here.js`)).status).toBe(404);
    expect((await fetch(`${stack.api.url}/`, { method: 'POST' })).status).toBe(404);
  });
});

describe('POST /_local/demo/{action}', () => {
  it("records a payment on a company's invoice in the emulator", async () => {
    const tenantId = newTenantId();
    const realmId = await stack.world.newCompany();
    await stack.connect(tenantId, realmId);
    expect((await pushInvoice(stack, tenantId, 'inv_demo', invoiceBody())).status).toBe(202);
    await queueDrained();
    const sync = await syncOf(stack, tenantId, 'inv_demo');
    const paid = await demo('payment', { realmId, invoiceId: sync.qboInvoiceId });
    expect(paid.status).toBe(200);
    expect(await paid.json()).toMatchObject({ TotalAmt: 934 });
  });

  it('refuses ids that are not QBO ids, so nothing but the admin API paths can be reached', async () => {
    const bad = await demo('payment', { realmId: '../../reset', invoiceId: '1' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'demo_failed' });
    const badInvoice = await demo('hand-edit', { realmId: '123', invoiceId: '1/void' });
    expect(badInvoice.status).toBe(400);
    expect((await demo('reset', { realmId: '123' })).status).toBe(404);
  });

  it("passes the emulator's refusal on: an unknown company is a 404", async () => {
    const res = await demo('revoke', { realmId: '1' });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: 'demo_failed' });
  });
});
