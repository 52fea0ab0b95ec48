/**
 * The two routes of issue 15 item 3: `GET /integrations/quickbooks/tax-codes` (live from QBO) and
 * `taxCodeMap` in `PUT /integrations/quickbooks/settings` (checked against the company's codes,
 * kept across a reconnect to the same company).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newTenantId } from '../support/local-api.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack.close());

interface TaxCodes {
  taxCodes: { id: string; name: string; rate: number }[];
}

async function company(fields: Record<string, unknown>): Promise<string> {
  const res = await stack.world.admin('POST', '/_admin/companies', { name: 'Maple Co', ...fields });
  return ((await res.json()) as { realmId: string }).realmId;
}

async function connected(fields: Record<string, unknown>) {
  const tenantId = newTenantId();
  const realmId = await company(fields);
  await stack.connect(tenantId, realmId);
  return { tenantId, realmId };
}

const settings = (tenantId: string, body: unknown) =>
  stack.call(tenantId, 'PUT', '/integrations/quickbooks/settings', body);
const status = async (tenantId: string) =>
  (await (await stack.call(tenantId, 'GET', '/integrations/quickbooks')).json()) as Record<
    string,
    unknown
  >;

describe('GET /integrations/quickbooks/tax-codes', () => {
  it("lists the company's active tax codes with their total sales rate, read from QuickBooks", async () => {
    const { tenantId, realmId } = await connected({ country: 'CA' });
    const res = await stack.call(tenantId, 'GET', '/integrations/quickbooks/tax-codes');
    expect(res.status).toBe(200);
    const { taxCodes } = (await res.json()) as TaxCodes;
    expect(taxCodes).toContainEqual({ id: expect.any(String), name: 'GST/PST BC', rate: 12 });
    expect(taxCodes).toContainEqual({ id: expect.any(String), name: 'Exempt', rate: 0 });
    // Live: a code made inactive in QuickBooks is gone from the list at once.
    const gst = taxCodes.find((c) => c.name === 'GST')?.id as string;
    const state = stack.world.emulator.state.companies[realmId] as unknown as {
      taxCodes: Record<string, { Active: boolean }>;
    };
    (state.taxCodes[gst] as { Active: boolean }).Active = false;
    const after = (await (
      await stack.call(tenantId, 'GET', '/integrations/quickbooks/tax-codes')
    ).json()) as TaxCodes;
    expect(after.taxCodes.map((c) => c.name)).not.toContain('GST');
    expect(after.taxCodes).toHaveLength(taxCodes.length - 1);
  });

  it('answers 409 quickbooks_not_connected for a tenant that never connected', async () => {
    const res = await stack.call(newTenantId(), 'GET', '/integrations/quickbooks/tax-codes');
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ code: 'quickbooks_not_connected' });
  });
});

describe('PUT /integrations/quickbooks/settings {taxCodeMap}', () => {
  it('keeps a map of the company’s codes, beside the income account, and shows it', async () => {
    const { tenantId } = await connected({ country: 'GB' });
    const { taxCodes } = (await (
      await stack.call(tenantId, 'GET', '/integrations/quickbooks/tax-codes')
    ).json()) as TaxCodes;
    const id = (name: string) => taxCodes.find((c) => c.name === name)?.id as string;
    const map = { taxable: id('20.0% S'), exempt: id('Exempt'), 'VAT-5': id('5.0% R') };
    const res = await settings(tenantId, { taxCodeMap: map, incomeAccountId: '1' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ taxCodeMap: map, incomeAccountId: '1' });
    expect(await status(tenantId)).toMatchObject({ taxCodeMap: map, incomeAccountId: '1' });
    // Another setting alone leaves the map as it is; null removes it.
    await settings(tenantId, { timezone: 'Europe/London' });
    expect(await status(tenantId)).toMatchObject({ taxCodeMap: map });
    await settings(tenantId, { taxCodeMap: null });
    expect(await status(tenantId)).toMatchObject({ taxCodeMap: null, incomeAccountId: '1' });
  });

  it('refuses an Id that is not one of the company’s active codes, by key, and keeps nothing', async () => {
    const { tenantId } = await connected({ country: 'AU' });
    const res = await settings(tenantId, {
      taxCodeMap: { taxable: '1', exempt: '999' },
      incomeAccountId: '1',
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { code: string; issues: { path: string }[] };
    expect(body.code).toBe('invalid_request');
    expect(body.issues.map((i) => i.path)).toEqual(['taxCodeMap.exempt']);
    expect(await status(tenantId)).toMatchObject({ taxCodeMap: null, incomeAccountId: null });
    const malformed = await settings(tenantId, { taxCodeMap: { taxable: 'TAX' } });
    expect(malformed.status).toBe(400);
  });

  it('survives a reconnect to the same company, and not a switch to another', async () => {
    const { tenantId, realmId } = await connected({ country: 'CA' });
    await settings(tenantId, { taxCodeMap: { taxable: '1', exempt: '4' } });
    await stack.call(tenantId, 'DELETE', '/integrations/quickbooks');
    await stack.connect(tenantId, realmId);
    expect(await status(tenantId)).toMatchObject({
      status: 'connected',
      taxCodeMap: { taxable: '1', exempt: '4' },
    });
    await stack.call(tenantId, 'DELETE', '/integrations/quickbooks');
    await stack.connect(tenantId, await company({ country: 'CA' }), { switchCompany: true });
    expect(await status(tenantId)).toMatchObject({ status: 'connected', taxCodeMap: null });
  });
});
