import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newTenantId } from '../support/local-api.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';
import { books, invoiceBody, pushInvoice, queueDrained } from '../support/push.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack.close());

interface Listed {
  accounts: { id: string; name: string }[];
}

async function accountsOf(tenantId: string) {
  return stack.call(tenantId, 'GET', '/integrations/quickbooks/accounts');
}

async function seedAccount(realmId: string, account: Record<string, unknown>) {
  const res = await stack.world.admin('POST', `/_admin/companies/${realmId}/accounts`, account);
  return ((await res.json()) as { Id: string }).Id;
}

describe('GET /integrations/quickbooks/accounts', () => {
  it("lists the company's active Income accounts by name, read from QuickBooks", async () => {
    const tenantId = newTenantId();
    const realmId = await stack.world.newCompany();
    await stack.connect(tenantId, realmId);
    await seedAccount(realmId, {
      Name: 'Aardvark Repairs',
      AccountType: 'Income',
      AccountSubType: 'ServiceFeeIncome',
    });
    await seedAccount(realmId, {
      Name: 'Old Income',
      AccountType: 'Income',
      AccountSubType: 'ServiceFeeIncome',
      Active: false,
    });
    const res = await accountsOf(tenantId);
    expect(res.status).toBe(200);
    const { accounts } = (await res.json()) as Listed;
    const incomeInQbo = (
      (await (await stack.world.admin('GET', `/_admin/companies/${realmId}`)).json()) as {
        accounts: { Id: string; Name: string; AccountType: string; Active?: boolean }[];
      }
    ).accounts.filter((a) => a.AccountType === 'Income' && a.Active !== false);
    expect(accounts.map((a) => a.id).sort()).toEqual(incomeInQbo.map((a) => a.Id).sort());
    expect(accounts[0]?.name).toBe('Aardvark Repairs');
    expect(accounts.map((a) => a.name)).not.toContain('Old Income');
    const names = accounts.map((a) => a.name);
    expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b)));
  });

  it('gives the Id the settings take: items mirrored afterwards use that income account', async () => {
    const tenantId = newTenantId();
    const realmId = await stack.world.newCompany();
    await stack.connect(tenantId, realmId);
    const chosen = await seedAccount(realmId, {
      Name: 'Installations',
      AccountType: 'Income',
      AccountSubType: 'ServiceFeeIncome',
    });
    const { accounts } = (await (await accountsOf(tenantId)).json()) as Listed;
    expect(accounts).toContainEqual({ id: chosen, name: 'Installations' });
    const saved = await stack.call(tenantId, 'PUT', '/integrations/quickbooks/settings', {
      incomeAccountId: chosen,
    });
    expect(saved.status).toBe(200);
    await pushInvoice(stack, tenantId, 'inv_accounts', invoiceBody());
    await queueDrained();
    const items = (await books(stack, realmId)).items as {
      Name: string;
      IncomeAccountRef?: { value: string };
    }[];
    const mirrored = items.filter((i) => i.Name === 'Labor' || i.Name === '50 gal water heater');
    expect(mirrored).toHaveLength(2);
    for (const item of mirrored) expect(item.IncomeAccountRef?.value).toBe(chosen);
  });

  it('answers 409 quickbooks_not_connected for a tenant that never connected', async () => {
    const res = await accountsOf(newTenantId());
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ code: 'quickbooks_not_connected' });
  });

  it('answers 409 quickbooks_reconnect_required once the grant is revoked in QuickBooks', async () => {
    const tenantId = newTenantId();
    const realmId = await stack.world.newCompany();
    await stack.connect(tenantId, realmId);
    await stack.world.admin('POST', `/_admin/companies/${realmId}/revoke`);
    // The first call finds out from Intuit (401, then invalid_grant); the next from the record.
    for (let i = 0; i < 2; i += 1) {
      const res = await accountsOf(tenantId);
      expect(res.status).toBe(409);
      expect(await res.json()).toMatchObject({ code: 'quickbooks_reconnect_required' });
    }
    const status = await stack.call(tenantId, 'GET', '/integrations/quickbooks');
    expect(await status.json()).toMatchObject({ status: 'reconnect_required' });
  });
});
