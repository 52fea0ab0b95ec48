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

  it("keeps QuickBooks' own words: a payment of an invoice the company does not have", async () => {
    const tenantId = newTenantId();
    const realmId = await stack.world.newCompany();
    await stack.connect(tenantId, realmId);
    const res = await demo('payment', { realmId, invoiceId: '999' });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(((await res.json()) as { message: string }).message).toMatch(
      /^QuickBooks said: .+ — .+ \[\d+\]$/,
    );
  });
});

describe('POST /_local/demo/test-invoice: the console test invoice follows the company', () => {
  const form = {
    docNumber: 'T-1',
    client: 'Jane Smith',
    lines: [
      { item: 'Labour', amount: '100.00', taxable: true },
      { item: 'Parts', amount: '50.00', taxable: true },
    ],
  };
  const draft = (tenantId: string, body: unknown) =>
    stack.call(tenantId, 'POST', '/_local/demo/test-invoice', body);

  it('needs the signed-in tenant', async () => {
    const res = await demo('test-invoice', form);
    expect(res.status).toBe(401);
  });

  it('outside the US: the home currency, and the tax the push predicts from the mapped codes', async () => {
    const tenantId = newTenantId();
    const created = await stack.world.admin('POST', '/_admin/companies', {
      name: 'Maple Test',
      country: 'CA',
    });
    await stack.connect(tenantId, ((await created.json()) as { realmId: string }).realmId);
    const refused = await draft(tenantId, form);
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({
      code: 'setup_needed',
      message: expect.stringMatching(/^Choose the QuickBooks tax code for taxable lines/),
    });
    const { taxCodes } = (await (
      await stack.call(tenantId, 'GET', '/integrations/quickbooks/tax-codes')
    ).json()) as { taxCodes: { id: string; name: string }[] };
    const id = (name: string) => taxCodes.find((c) => c.name === name)?.id;
    await stack.call(tenantId, 'PUT', '/integrations/quickbooks/settings', {
      taxCodeMap: { taxable: id('HST ON'), exempt: id('Exempt') },
    });
    const body = await draft(tenantId, form);
    expect(body.status).toBe(200);
    expect(await body.json()).toMatchObject({
      currency: 'CAD',
      totals: { subtotal: '150.00', tax: '19.50', total: '169.50' },
    });
  });

  it("in the US: TradelyHQ's own tax at the admin's rate, on the taxable lines only", async () => {
    const tenantId = newTenantId();
    await stack.connect(tenantId, await stack.world.newCompany());
    const body = await draft(tenantId, {
      ...form,
      lines: [form.lines[0], { ...form.lines[1], taxable: false }],
      usTaxRate: '8.25',
    });
    expect(await body.json()).toMatchObject({
      currency: 'USD',
      totals: { subtotal: '150.00', tax: '8.25', total: '158.25' },
    });
  });

  it('refuses a form it cannot read, saying what', async () => {
    const tenantId = newTenantId();
    await stack.connect(tenantId, await stack.world.newCompany());
    const res = await draft(tenantId, {
      ...form,
      lines: [{ item: 'X', amount: 'lots', taxable: true }],
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 'invalid_amount' });
  });
});
