import { mkdirSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findChromium } from '../support/chromium.ts';
import { newTenantId } from '../support/local-api.ts';
import { resultOf, startTestStack, type TestStack } from '../support/local-stack.ts';
import { books } from '../support/push.ts';

/**
 * The whole story of the product brief, in the reference admin console, in Debian's Chromium:
 * connect through the consent page, send an invoice, see it pushed and then paid, see a hand-edit
 * in QuickBooks as a sync error with its diff, re-sync it, lose the grant and see the Reconnect
 * banner, reconnect without touching invoices, and disconnect with the keyboard alone. Locators
 * are accessible roles and labels, so the test also proves that the page can be used that way.
 */

const screenshots = new URL('./screenshots/', import.meta.url).pathname;
/** Chromium as the machine runs it: no GPU, no sandbox as root, no calls home. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const chromiumPath = findChromium();
// Outside CI a machine without Chromium skips this file, and says so; in CI a missing Chromium fails.
const noChromium = !chromiumPath && process.env.CI !== 'true';
if (noChromium) {
  console.warn(
    'test/e2e/console.test.ts SKIPPED: no Chromium found (/usr/bin/chromium or chromium on PATH). ' +
      "Install Debian's chromium (apt-get install chromium) to run the browser test.",
  );
}
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
/** Every wait for the page, a locator's or an `expect.poll`'s (whose default is 1 s): 15 s. */
const WAIT = { timeout: 15_000 };

let stack: TestStack;
let browser: Browser;
let page: Page;
const external: string[] = [];
const tenantId = newTenantId('console');
let shot = 0;

/** Writes `NN-step.png` for the step just reached. */
async function screenshot(step: string): Promise<void> {
  shot += 1;
  const name = `${String(shot).padStart(2, '0')}-${step}.png`;
  await page.screenshot({ path: `${screenshots}${name}`, fullPage: true });
}

/** The row of an invoice in the Invoices table. */
const invoiceRow = (docNumber: string) =>
  page.getByRole('table', { name: 'Invoices sent to QuickBooks' }).getByRole('row', {
    name: new RegExp(`^${docNumber} `),
  });

describe.skipIf(noChromium)('Admin console in a real browser', () => {
  beforeAll(async () => {
    mkdirSync(screenshots, { recursive: true });
    stack = await startTestStack({ console: true });
    // launch() gives Chromium a new, empty --user-data-dir of its own, removed on close.
    browser = await chromium.launch({
      executablePath: chromiumPath ?? '/usr/bin/chromium',
      args: CHROMIUM_ARGS,
    });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    // No external network requests: anything but loopback is refused and remembered.
    await context.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (LOOPBACK.has(url.hostname)) return route.continue();
      external.push(url.href);
      return route.abort('blockedbyclient');
    });
    page = await context.newPage();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('walks the whole story of the product brief', async () => {
    const realmId = await stack.world.newCompany('Acme Plumbing');
    const status = page.getByRole('status');

    // 1. Sign in as a tenant with a development token.
    await page.goto(`${stack.api.url}/`);
    await page.getByLabel('Tenant id').fill(tenantId);
    await page.getByRole('button', { name: 'Sign in as this tenant' }).click();
    const connect = page.getByRole('button', { name: 'Connect QuickBooks' });
    await connect.waitFor(WAIT);
    await screenshot('disconnected');

    // 2. Connect through the real OAuth redirect and the consent page: first denied, then approved.
    await connect.click();
    await page.getByRole('button', { name: 'Deny' }).click();
    await page
      .getByRole('alert')
      .getByText("QuickBooks was not connected: the connection was not approved on Intuit's page.")
      .waitFor(WAIT);
    await page.getByRole('button', { name: 'Connect QuickBooks' }).click();
    await page.getByRole('heading', { name: 'Connect your QuickBooks company' }).waitFor(WAIT);
    await page.getByRole('radio', { name: /Acme Plumbing/ }).check();
    await screenshot('consent-page');
    await page.getByRole('button', { name: 'Approve' }).click();
    await status.getByText(/^QuickBooks connected to /).waitFor(WAIT);
    await page.getByText('Acme Plumbing', { exact: true }).waitFor(WAIT);
    // The result came in the fragment and is gone from the address once read.
    expect(new URL(page.url()).search).toBe('');
    expect(new URL(page.url()).hash).toBe('');
    await expect.poll(() => page.getByText(realmId, { exact: true }).count(), WAIT).toBe(1);
    // The settings: a time zone, and an income account listed from the company's accounts.
    const income = page.getByLabel('Income account for items mirrored to QuickBooks');
    await income.getByRole('option', { name: 'Design income' }).waitFor({ state: 'attached' });
    await income.selectOption({ label: 'Design income' });
    await page
      .getByLabel('Time zone of the nightly reconcile (2 AM)')
      .selectOption('America/Chicago');
    await page.getByRole('button', { name: 'Save settings' }).click();
    // Where the admin clicked: next to Save settings, not only at the top of the page.
    await page
      .locator('form.settings')
      .getByRole('status')
      .getByText('Settings saved.')
      .waitFor(WAIT);
    const saved = await stack.call(tenantId, 'GET', '/integrations/quickbooks');
    expect(await saved.json()).toMatchObject({ timezone: 'America/Chicago' });
    await screenshot('connected');

    // 3. Send a test invoice, as TradelyHQ core's "Authorize & Send" would: it shows pushed.
    await page.getByLabel('Invoice number').fill('INV-2001');
    await page.getByLabel('Line 1 amount (USD)').fill('480.00');
    await page.getByRole('button', { name: 'Send test invoice' }).click();
    await invoiceRow('INV-2001').getByText('Pushed', { exact: true }).waitFor(WAIT);
    await screenshot('invoice-pushed');

    // 4. A payment recorded in QuickBooks comes back by webhook: it shows paid.
    await page.getByLabel('Invoice to pay').selectOption({ label: 'INV-2001 (pushed)' });
    await page.getByRole('button', { name: 'Record payment' }).click();
    await invoiceRow('INV-2001').getByText('Paid', { exact: true }).waitFor(WAIT);
    await screenshot('invoice-paid');

    // 5. Someone hand-edits the invoice in QuickBooks; the reconcile runs; the error and its diff.
    await page.getByLabel('New memo in QuickBooks').fill('Edited in QuickBooks by the bookkeeper');
    await page.getByRole('button', { name: 'Hand-edit invoice' }).click();
    await page.getByRole('button', { name: 'Run the 2 AM reconcile now' }).click();
    const errorButton = page
      .getByRole('table', { name: /open sync error/ })
      .getByRole('button', { name: 'INV-2001' });
    await errorButton.waitFor(WAIT);
    await errorButton.click();
    const diff = page.getByRole('table', { name: 'Field by field' });
    await diff.getByRole('row', { name: /memo/ }).waitFor(WAIT);
    await diff.getByText('Edited in QuickBooks by the bookkeeper').waitFor(WAIT);
    await page.getByRole('button', { name: "Accept QuickBooks' value" }).waitFor(WAIT);
    await screenshot('sync-error-diff');

    // 6. Re-sync: TradelyHQ's version goes back to QuickBooks and the error clears.
    await page.getByRole('button', { name: 'Re-sync' }).click();
    await page.getByText('No sync errors: TradelyHQ and QuickBooks agree.').waitFor(WAIT);
    await screenshot('resynced');

    // 7. The company disconnects the app inside QuickBooks: the Reconnect banner.
    await page.getByRole('button', { name: 'Revoke the grant' }).click();
    const banner = page
      .getByRole('alert')
      .filter({ hasText: 'QuickBooks needs to be reconnected' });
    await banner.waitFor(WAIT);
    await screenshot('reconnect-banner');

    // 8. Reconnect through the consent page: the banner goes, the invoices are untouched.
    await banner.getByRole('button', { name: 'Reconnect QuickBooks' }).click();
    await page.getByRole('radio', { name: /Acme Plumbing/ }).check(WAIT);
    await page.getByRole('button', { name: 'Approve' }).click();
    await status.getByText(/^QuickBooks connected to /).waitFor(WAIT);
    await banner.waitFor({ state: 'detached', ...WAIT });
    await invoiceRow('INV-2001').getByText('Paid', { exact: true }).waitFor(WAIT);
    expect((await books(stack, realmId)).invoices).toHaveLength(1);
    await screenshot('reconnected');

    // 9. Disconnect with the keyboard alone: Tab to the button, Enter, Tab to confirm, Enter.
    await income.getByRole('option', { name: 'Design income' }).waitFor({ state: 'attached' });
    await page.getByRole('button', { name: 'Save settings' }).focus();
    await page.keyboard.press('Tab');
    await expect
      .poll(() => page.locator(':focus').textContent(), WAIT)
      .toBe('Disconnect QuickBooks');
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Disconnect QuickBooks?' });
    await dialog.getByText('Invoices already pushed stay in QuickBooks unchanged.').waitFor(WAIT);
    await screenshot('disconnect-confirmation');
    await page.keyboard.press('Tab');
    await expect.poll(() => page.locator(':focus').textContent(), WAIT).toBe('Yes, disconnect');
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Connect QuickBooks' }).waitFor(WAIT);
    await status.getByText(/stay in QuickBooks unchanged/).waitFor(WAIT);
    expect((await books(stack, realmId)).invoices).toHaveLength(1);
    await screenshot('disconnected-again');

    // 10. Readable on a phone: nothing wider than the screen.
    await page.setViewportSize({ width: 390, height: 844 });
    await expect
      .poll(() => page.evaluate('document.documentElement.scrollWidth'))
      .toBeLessThanOrEqual(390);
    await screenshot('phone');

    expect(external, 'requests to anything but loopback').toEqual([]);
  }, 60_000);

  it('switches company: connect A, disconnect, connect B, confirm the switch', async () => {
    const tenant = newTenantId('switch');
    const first = await stack.world.newCompany('Switch First Co');
    const second = await stack.world.newCompany('Switch Second Co');
    await stack.connect(tenant, first);
    expect((await stack.call(tenant, 'DELETE', '/integrations/quickbooks')).status).toBe(200);
    const tab = await page.context().newPage();
    await tab.goto(`${stack.api.url}/`);
    await tab.getByLabel('Tenant id').fill(tenant);
    await tab.getByRole('button', { name: 'Sign in as this tenant' }).click();
    await tab.getByRole('button', { name: 'Connect QuickBooks' }).click();
    await tab.getByRole('radio', { name: /Switch Second Co/ }).check(WAIT);
    await tab.getByRole('button', { name: 'Approve' }).click();
    // Refused by the API until the switch is confirmed; the console says what a switch means.
    const offer = tab.getByRole('group', { name: 'Connect a different QuickBooks company?' });
    await offer.getByText(/different QuickBooks company from Switch First Co/).waitFor(WAIT);
    await offer.getByText('Connected before: Switch First Co (now disconnected).').waitFor(WAIT);
    await offer.getByText(/Invoices already sent stay in Switch First Co/).waitFor(WAIT);
    await tab.screenshot({ path: `${screenshots}switch-company.png`, fullPage: true });
    await offer.getByRole('button', { name: 'Connect a different company' }).click();
    await tab.getByRole('radio', { name: /Switch Second Co/ }).check(WAIT);
    await tab.getByRole('button', { name: 'Approve' }).click();
    await tab
      .getByRole('status')
      .getByText('QuickBooks connected to Switch Second Co.')
      .waitFor(WAIT);
    await offer.waitFor({ state: 'detached', ...WAIT });
    const now = await stack.call(tenant, 'GET', '/integrations/quickbooks');
    expect(await now.json()).toMatchObject({ status: 'connected', realmId: second });
    await tab.close();
    expect(external, 'requests to anything but loopback').toEqual([]);
  }, 60_000);

  it('ignores a confirmation in the query string (where servers and their logs see it)', async () => {
    const tenant = newTenantId('query');
    const back = await stack.consent(tenant, await stack.world.newCompany('Query Co'));
    const secret = resultOf(back).get('confirmation') ?? '';
    expect(secret).not.toBe('');
    const tab = await page.context().newPage();
    await tab.goto(
      `${stack.api.url}/?quickbooks=confirm&confirmation=${encodeURIComponent(secret)}`,
    );
    await tab.getByLabel('Tenant id').fill(tenant);
    await tab.getByRole('button', { name: 'Sign in as this tenant' }).click();
    await tab.getByRole('button', { name: 'Connect QuickBooks' }).waitFor(WAIT);
    await tab.close();
    // Nothing was confirmed: the approval is still there for the admin's own confirm.
    const status = await stack.call(tenant, 'GET', '/integrations/quickbooks');
    expect(await status.json()).toMatchObject({ status: 'disconnected' });
    const confirm = await stack.call(tenant, 'POST', '/integrations/quickbooks/confirm', {
      confirmation: secret,
    });
    expect(confirm.status).toBe(200);
  }, 60_000);

  it('shows the tax code map beside the income account and lets the admin set it', async () => {
    const tenant = newTenantId('tax');
    const created = await stack.world.admin('POST', '/_admin/companies', {
      name: 'Maple Renovations',
      country: 'CA',
    });
    const realmOf = ((await created.json()) as { realmId: string }).realmId;
    await stack.connect(tenant, realmOf);
    const { taxCodes } = (await (
      await stack.call(tenant, 'GET', '/integrations/quickbooks/tax-codes')
    ).json()) as { taxCodes: { id: string; name: string }[] };
    const id = (name: string) => taxCodes.find((c) => c.name === name)?.id;
    // Its own tab: the session is per tab.
    const tab = await page.context().newPage();
    await tab.goto(`${stack.api.url}/`);
    await tab.getByLabel('Tenant id').fill(tenant);
    await tab.getByRole('button', { name: 'Sign in as this tenant' }).click();
    // Before any push, Settings says what a CA company needs, and which fields are required.
    const needed = tab.getByRole('group', { name: 'Needed before invoices can be sent' });
    await needed.getByText(/^Choose the QuickBooks tax code for taxable lines: /).waitFor(WAIT);
    await needed.getByText(/^Choose the QuickBooks tax code for exempt lines: /).waitFor(WAIT);
    const taxable = tab.getByLabel('QuickBooks tax code for taxable lines (required)');
    await taxable.getByRole('option', { name: 'HST ON (13 %)' }).waitFor({ state: 'attached' });
    await tab.screenshot({ path: `${screenshots}setup-needed.png`, fullPage: true });
    await taxable.selectOption({ label: 'HST ON (13 %)' });
    await tab
      .getByLabel('QuickBooks tax code for exempt lines (required)')
      .selectOption({ label: 'Exempt (0 %)' });
    await tab.getByRole('button', { name: 'Save settings' }).click();
    await tab.getByRole('status').getByText('Settings saved.').waitFor(WAIT);
    await needed.waitFor({ state: 'detached', ...WAIT });
    const saved = await stack.call(tenant, 'GET', '/integrations/quickbooks');
    expect(await saved.json()).toMatchObject({
      taxCodeMap: { taxable: id('HST ON'), exempt: id('Exempt') },
    });
    await tab.reload();
    const mapped = tab.getByLabel('QuickBooks tax code for taxable lines', { exact: true });
    await mapped.getByRole('option', { name: 'HST ON (13 %)' }).waitFor({ state: 'attached' });
    await expect.poll(() => mapped.inputValue(), WAIT).toBe(id('HST ON'));
    await tab.screenshot({ path: `${screenshots}tax-code-map.png`, fullPage: true });

    // A test invoice follows the company: CAD, two taxable lines, the tax the product predicts.
    await tab.getByLabel('Invoice number').fill('CA-100');
    await tab.getByLabel('Line 1 item').fill('Labour');
    await tab.getByLabel('Line 1 amount (CAD)').fill('100.00');
    await tab.getByLabel('Line 1 is taxable').check();
    await tab.getByLabel('Line 2 item (optional)').fill('Parts');
    await tab.getByLabel('Line 2 amount (CAD)').fill('50.00');
    await tab.getByLabel('Line 2 is taxable').check();
    await tab
      .getByText(
        /^Tax 19\.50 CAD \(as TradelyHQ predicts QuickBooks will book it\), total 169\.50 CAD\.$/,
      )
      .waitFor(WAIT);
    await tab.getByRole('button', { name: 'Send test invoice' }).click();
    await tab
      .locator('form.test-invoice')
      .getByRole('status')
      .getByText('Invoice CA-100 sent: it is queued for QuickBooks.')
      .waitFor(WAIT);
    await tab
      .getByRole('table', { name: 'Invoices sent to QuickBooks' })
      .getByRole('row', { name: /^CA-100 / })
      .getByText('Pushed', { exact: true })
      .waitFor(WAIT);
    const [booked] = (await books(stack, realmOf)).invoices as {
      CurrencyRef: { value: string };
      TotalAmt: number;
      TxnTaxDetail: { TotalTax: number };
    }[];
    expect(booked).toMatchObject({
      CurrencyRef: { value: 'CAD' },
      TotalAmt: 169.5,
      TxnTaxDetail: { TotalTax: 19.5 },
    });
    await tab.screenshot({ path: `${screenshots}test-invoice-cad.png`, fullPage: true });
    await tab.close();
    expect(external, 'requests to anything but loopback').toEqual([]);
  }, 60_000);
});
