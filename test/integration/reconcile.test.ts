import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localPushQueue, localReconcileQueue } from '#shared/adapters/local/local-queues.ts';
import { documentClient } from '#shared/store/dynamo.ts';
import { syncStateTable } from '#shared/store/tables.ts';
import { newTenantId } from '../support/local-api.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';
import { DEFAULT_PROFILE, SUITE_PROFILES, type TestProfile } from '../support/profiles.ts';
import {
  books,
  invoiceBody,
  pushInvoice,
  queueDrained,
  syncOf,
  withoutWebhooks,
} from '../support/push.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack.close());

/** A one-line invoice: 3 × 95.00 labour = 285.00. */
const oneLine = invoiceBody((b) => {
  b.lines = [b.lines[0] as (typeof b.lines)[number]];
  b.totals = { subtotal: '285.00', tax: '0.00', total: '285.00' };
});

async function pushedTenant(profile: TestProfile = DEFAULT_PROFILE) {
  const tenantId = newTenantId();
  const realmId = await stack.world.newCompany(undefined, profile.fields);
  await stack.connect(tenantId, realmId);
  await pushInvoice(stack, tenantId, 'inv_1', oneLine);
  await queueDrained();
  await stack.world.emulator.webhooksIdle();
  const { qboInvoiceId } = await syncOf(stack, tenantId, 'inv_1');
  return { tenantId, realmId, qboInvoiceId };
}

async function reconcile(tenantId: string) {
  const res = await stack.call(tenantId, 'POST', '/reconcile');
  expect(res.status).toBe(202);
  await localReconcileQueue.idle();
  await queueDrained();
}

async function syncErrors(tenantId: string, query = '') {
  const res = await stack.call(tenantId, 'GET', `/sync-errors${query}`);
  expect(res.status).toBe(200);
  return (await res.json()) as {
    reconnectRequired: boolean;
    errors: { id: string; invoiceId: string; kind: string; diff: unknown[]; message: string }[];
  };
}

describe.each(SUITE_PROFILES)('Nightly reconcile, Sync Errors and re-sync ($name)', (profile) => {
  it('finds a hand-edited amount with the exact diff, and a re-sync puts it right', async () => {
    const { tenantId, realmId, qboInvoiceId } = await pushedTenant(profile);
    await withoutWebhooks(stack, async () => {
      await stack.world.admin('PATCH', `/_admin/companies/${realmId}/invoices/${qboInvoiceId}`, {
        amount: 300,
      });
    });
    expect((await syncErrors(tenantId)).errors).toEqual([]);
    await reconcile(tenantId);
    const { errors } = await syncErrors(tenantId);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ invoiceId: 'inv_1', kind: 'drift' });
    expect(errors[0]?.diff).toEqual([
      { field: 'total', tradelyhq: '285.00', quickbooks: '300.00' },
      { field: 'lines.0.unitPrice', tradelyhq: '95', quickbooks: '100' },
      { field: 'lines.0.amount', tradelyhq: '285.00', quickbooks: '300.00' },
    ]);

    const resync = await stack.call(tenantId, 'POST', `/sync-errors/${errors[0]?.id}/resync`);
    expect(resync.status).toBe(202);
    await queueDrained();
    const [invoice] = (await books(stack, realmId)).invoices;
    expect(invoice).toMatchObject({ TotalAmt: 285 });
    expect((await syncErrors(tenantId)).errors).toEqual([]);
    await reconcile(tenantId);
    expect((await syncErrors(tenantId)).errors).toEqual([]);
  });

  it('reports an invoice deleted in QBO, and a re-sync creates it again, once', async () => {
    const { tenantId, realmId, qboInvoiceId } = await pushedTenant(profile);
    await withoutWebhooks(stack, () =>
      stack.world.admin('DELETE', `/_admin/companies/${realmId}/invoices/${qboInvoiceId}`),
    );
    await reconcile(tenantId);
    expect((await syncOf(stack, tenantId, 'inv_1')).status).toBe('deleted_in_quickbooks');
    const [error] = (await syncErrors(tenantId)).errors;
    expect(error).toMatchObject({ kind: 'deleted_in_quickbooks' });
    await stack.call(tenantId, 'POST', `/sync-errors/${error?.id}/resync`);
    await queueDrained();
    const invoices = (await books(stack, realmId)).invoices;
    expect(invoices).toHaveLength(1);
    expect(invoices[0]?.Id).not.toBe(qboInvoiceId);
    expect((await syncOf(stack, tenantId, 'inv_1')).status).toBe('pushed');
    expect((await syncErrors(tenantId)).errors).toEqual([]);
  });

  it('finds a push lost between the queue and QBO', async () => {
    const tenantId = newTenantId();
    const realmId = await stack.world.newCompany(undefined, profile.fields);
    await stack.connect(tenantId, realmId);
    localPushQueue.stop();
    await pushInvoice(stack, tenantId, 'inv_lost', oneLine);
    localPushQueue.purge(); // the message is lost
    const worker = (await import('../../functions/push-worker/handler.ts')) as {
      handler: Parameters<typeof localPushQueue.start>[0];
    };
    localPushQueue.start(worker.handler);
    // The push was accepted two hours ago and never heard of again.
    await documentClient.send(
      new UpdateCommand({
        TableName: syncStateTable.localName,
        Key: { pk: `TENANT#${tenantId}`, sk: 'INVOICE#inv_lost' },
        UpdateExpression: 'SET updatedAt = :old',
        ExpressionAttributeValues: { ':old': new Date(Date.now() - 2 * 3600_000).toISOString() },
      }),
    );
    await reconcile(tenantId);
    const [error] = (await syncErrors(tenantId)).errors;
    expect(error).toMatchObject({ invoiceId: 'inv_lost', kind: 'missing_in_quickbooks' });
    await stack.call(tenantId, 'POST', `/sync-errors/${error?.id}/resync`);
    await queueDrained();
    expect((await syncOf(stack, tenantId, 'inv_lost')).status).toBe('pushed');
    expect((await books(stack, realmId)).invoices).toHaveLength(1);
  });

  it('applies a payment recorded while webhooks were down', async () => {
    const { tenantId, realmId, qboInvoiceId } = await pushedTenant(profile);
    await withoutWebhooks(stack, () =>
      stack.world.admin('POST', `/_admin/companies/${realmId}/payments`, {
        invoiceId: qboInvoiceId,
        amount: 285,
      }),
    );
    expect((await syncOf(stack, tenantId, 'inv_1')).status).toBe('pushed');
    await reconcile(tenantId);
    expect(await syncOf(stack, tenantId, 'inv_1')).toMatchObject({
      status: 'paid',
      balance: '0.00',
    });
    expect((await syncErrors(tenantId)).errors).toEqual([]);
  });

  it('accepts QBO memo changes with who and when, and dismisses others with a reason', async () => {
    const { tenantId, realmId, qboInvoiceId } = await pushedTenant(profile);
    await withoutWebhooks(stack, () =>
      stack.world.admin('PATCH', `/_admin/companies/${realmId}/invoices/${qboInvoiceId}`, {
        CustomerMemo: { value: 'Thanks for your business' },
      }),
    );
    await reconcile(tenantId);
    const [memo] = (await syncErrors(tenantId)).errors;
    expect(memo?.diff).toEqual([
      {
        field: 'memo',
        tradelyhq: 'Water heater replacement',
        quickbooks: 'Thanks for your business',
      },
    ]);
    const accepted = await stack.call(tenantId, 'POST', `/sync-errors/${memo?.id}/accept`);
    expect(await accepted.json()).toMatchObject({
      state: 'accepted',
      resolvedBy: 'local-admin',
    });
    await reconcile(tenantId);
    expect((await syncErrors(tenantId)).errors).toEqual([]);

    await withoutWebhooks(stack, () =>
      stack.world.admin('PATCH', `/_admin/companies/${realmId}/invoices/${qboInvoiceId}`, {
        amount: 290,
      }),
    );
    await reconcile(tenantId);
    const [amount] = (await syncErrors(tenantId)).errors;
    const refused = await stack.call(tenantId, 'POST', `/sync-errors/${amount?.id}/accept`);
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ code: 'cannot_accept' });
    const dismissed = await stack.call(tenantId, 'POST', `/sync-errors/${amount?.id}/dismiss`, {
      reason: 'Agreed a goodwill adjustment with the customer',
    });
    expect(await dismissed.json()).toMatchObject({
      state: 'dismissed',
      resolution: 'Agreed a goodwill adjustment with the customer',
    });
    await reconcile(tenantId);
    expect((await syncErrors(tenantId)).errors).toEqual([]);
    expect((await syncErrors(tenantId, '?state=dismissed')).errors).toHaveLength(1);
  });
});

describe('Nightly reconcile runs', () => {
  it("refreshes the company's settings, so a preference changed in QBO since the connect counts", async () => {
    const { tenantId, realmId } = await pushedTenant();
    const company = async () =>
      (
        (await (await stack.call(tenantId, 'GET', '/integrations/quickbooks')).json()) as {
          company: { multiCurrency: boolean; customTxnNumbers: boolean };
        }
      ).company;
    expect(await company()).toMatchObject({ multiCurrency: false });
    const prefs = stack.world.emulator.state.companies[realmId]?.preferences as unknown as {
      CurrencyPrefs: { MultiCurrencyEnabled: boolean };
    };
    prefs.CurrencyPrefs.MultiCurrencyEnabled = true;
    await reconcile(tenantId);
    expect(await company()).toMatchObject({ multiCurrency: true });
  });

  it('runs one reconcile at a time: a second "run now" waits its turn', async () => {
    const { tenantId } = await pushedTenant();
    localReconcileQueue.stop();
    try {
      expect((await stack.call(tenantId, 'POST', '/reconcile')).status).toBe(202);
      const second = await stack.call(tenantId, 'POST', '/reconcile');
      expect(second.status).toBe(409);
      expect(await second.json()).toMatchObject({ code: 'reconcile_running' });
    } finally {
      const worker = (await import('../../functions/reconcile-worker/handler.ts')) as {
        handler: Parameters<typeof localReconcileQueue.start>[0];
      };
      localReconcileQueue.start(worker.handler);
      await localReconcileQueue.idle();
    }
    expect((await stack.call(tenantId, 'POST', '/reconcile')).status).toBe(202);
    await localReconcileQueue.idle();
  });

  it('stops early and raises the banner when the grant is dead', async () => {
    const { tenantId, realmId } = await pushedTenant();
    await stack.world.admin('POST', `/_admin/companies/${realmId}/revoke`);
    stack.world.emulator.clock.advance(3700);
    await reconcile(tenantId);
    const panel = await syncErrors(tenantId);
    expect(panel.reconnectRequired).toBe(true);
  });
});
