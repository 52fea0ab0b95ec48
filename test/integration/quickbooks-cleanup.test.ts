import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localChangeQueue, localReconcileQueue } from '#shared/adapters/local/local-queues.ts';
import { newTenantId } from '../support/local-api.ts';
import { resultOf, startTestStack, type TestStack } from '../support/local-stack.ts';
import { books, invoiceBody, pushInvoice, queueDrained, syncOf } from '../support/push.ts';
import { WEBHOOK_TOKEN } from '../support/secret-shapes.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests read QBO JSON structurally
type Json = Record<string, any>;

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack.close());

/** Waits for Intuit's deliveries, then for the change worker, then for any push they caused. */
async function settle(): Promise<void> {
  await stack.world.emulator.webhooksIdle();
  await localChangeQueue.idle();
  await queueDrained();
}

/** A connected tenant with the contract example (client "Jane Smith") pushed as INV-1. */
async function pushedTenant() {
  const tenantId = newTenantId();
  const realmId = await stack.world.newCompany();
  await stack.connect(tenantId, realmId);
  await pushInvoice(
    stack,
    tenantId,
    'inv_1',
    invoiceBody((b) => {
      b.docNumber = 'INV-1';
    }),
  );
  await settle();
  expect((await syncOf(stack, tenantId, 'inv_1')).status).toBe('pushed');
  return { tenantId, realmId };
}

/** The next invoice of the same client, pushed and settled. */
async function pushNext(tenantId: string, invoiceId: string, docNumber: string) {
  const res = await pushInvoice(
    stack,
    tenantId,
    invoiceId,
    invoiceBody((b) => {
      b.docNumber = docNumber;
    }),
  );
  expect(res.status).toBe(202);
  await settle();
}

async function admin(method: string, path: string, body?: unknown): Promise<Json> {
  const res = await stack.world.admin(method, path, body);
  expect(res.status, `${method} ${path}`).toBeLessThan(300);
  return (await res.json()) as Json;
}

const invoiceNumbered = async (realmId: string, docNumber: string) =>
  (await books(stack, realmId)).invoices.find((i) => i.DocNumber === docNumber) as Json;
const customerNamed = async (realmId: string, name: string) =>
  (await books(stack, realmId)).customers.find((c) => c.DisplayName === name) as Json;
const itemNamed = async (realmId: string, name: string) =>
  (await books(stack, realmId)).items.find((i) => i.Name === name) as Json;

async function panel(tenantId: string) {
  const res = await stack.call(tenantId, 'GET', '/sync-errors');
  return (await res.json()) as { reconnectRequired: boolean; errors: Json[] };
}

describe('A bookkeeper merges names in QuickBooks', () => {
  it('follows a merged customer: the next invoice lands on the survivor with no admin action', async () => {
    const { tenantId, realmId } = await pushedTenant();
    const ours = await customerNamed(realmId, 'Jane Smith');
    const survivor = await admin('POST', `/_admin/companies/${realmId}/customers`, {
      DisplayName: 'Jane Smith (Smith Plumbing)',
    });
    await admin('POST', `/_admin/companies/${realmId}/customers/${ours.Id}/merge`, {
      into: survivor.Id,
    });
    await settle();

    await pushNext(tenantId, 'inv_2', 'INV-2');
    expect(await syncOf(stack, tenantId, 'inv_2')).toMatchObject({ status: 'pushed' });
    expect((await invoiceNumbered(realmId, 'INV-2')).CustomerRef.value).toBe(survivor.Id);
    // Nothing re-created: the merged-away name is not back.
    expect((await books(stack, realmId)).customers.filter((c) => c.Active !== false)).toHaveLength(
      1,
    );
    expect((await panel(tenantId)).errors).toEqual([]);
  });

  it("follows a merge notified in the legacy format, whose merged-away id is deletedID (Intuit's webhooks page)", async () => {
    const { tenantId, realmId } = await pushedTenant();
    const ours = await customerNamed(realmId, 'Jane Smith');
    const survivor = await admin('POST', `/_admin/companies/${realmId}/customers`, {
      DisplayName: 'Jane Smith (Smith Plumbing)',
    });
    const webhooks = (format: string) =>
      admin('PUT', '/_admin/webhooks', {
        url: `${stack.api.url}/webhooks/quickbooks`,
        verifierToken: WEBHOOK_TOKEN,
        format,
      });
    await webhooks('legacy');
    try {
      await admin('POST', `/_admin/companies/${realmId}/customers/${ours.Id}/merge`, {
        into: survivor.Id,
      });
      await settle();
    } finally {
      await webhooks('cloudevents');
    }
    const { deliveries } = await admin('GET', '/_admin/webhooks/deliveries');
    const bodies = (deliveries as Json[]).map((d) => String(d.body)).join('\n');
    expect(bodies).toContain(`"deletedID":"${ours.Id}"`);

    await pushNext(tenantId, 'inv_2', 'INV-2');
    expect((await invoiceNumbered(realmId, 'INV-2')).CustomerRef.value).toBe(survivor.Id);
    expect((await syncOf(stack, tenantId, 'inv_2')).notices).toEqual([]);
  });

  it('follows a merged item: the next invoice uses the survivor on its line', async () => {
    const { tenantId, realmId } = await pushedTenant();
    const labor = await itemNamed(realmId, 'Labor');
    await admin('POST', `/_admin/companies/${realmId}/items/${labor.Id}/merge`, { into: '2' });
    await settle();

    await pushNext(tenantId, 'inv_2', 'INV-2');
    expect(await syncOf(stack, tenantId, 'inv_2')).toMatchObject({ status: 'pushed' });
    const lines = (await invoiceNumbered(realmId, 'INV-2')).Line as Json[];
    expect(lines[0]?.SalesItemLineDetail.ItemRef).toEqual({ value: '2', name: 'Hours' });
  });
});

describe('A bookkeeper makes a name inactive or adds a Category', () => {
  it('re-creates an inactivated customer under its plain name, which QBO freed, and pushes by itself, saying so', async () => {
    const { tenantId, realmId } = await pushedTenant();
    const ours = await customerNamed(realmId, 'Jane Smith');
    await admin('PATCH', `/_admin/companies/${realmId}/customers/${ours.Id}`, { Active: false });

    await pushNext(tenantId, 'inv_2', 'INV-2');
    const sync = await syncOf(stack, tenantId, 'inv_2');
    expect(sync.status).toBe('pushed');
    const customerId = (await invoiceNumbered(realmId, 'INV-2')).CustomerRef.value;
    expect(customerId).not.toBe(ours.Id);
    const customers = (await books(stack, realmId)).customers;
    expect(customers.find((c) => c.Id === customerId)).toMatchObject({
      DisplayName: 'Jane Smith',
      Active: true,
    });
    expect(customers.find((c) => c.Id === ours.Id)).toMatchObject({
      DisplayName: 'Jane Smith (deleted)',
      Active: false,
    });
    expect(sync.notices).toEqual([
      'The QuickBooks customer "Jane Smith (deleted)" was made inactive or merged away in ' +
        "QuickBooks, so the invoice was sent to an active customer with the client's name.",
    ]);
    expect((await panel(tenantId)).errors).toEqual([]);
    // The next one reuses the replacement: no third customer.
    await pushNext(tenantId, 'inv_3', 'INV-3');
    expect((await invoiceNumbered(realmId, 'INV-3')).CustomerRef.value).toBe(customerId);
  });

  it('re-creates an inactivated item under its plain name and says so', async () => {
    const { tenantId, realmId } = await pushedTenant();
    const labor = await itemNamed(realmId, 'Labor');
    await admin('PATCH', `/_admin/companies/${realmId}/items/${labor.Id}`, { Active: false });

    await pushNext(tenantId, 'inv_2', 'INV-2');
    const sync = await syncOf(stack, tenantId, 'inv_2');
    expect(sync.status).toBe('pushed');
    const itemId = ((await invoiceNumbered(realmId, 'INV-2')).Line as Json[])[0]
      ?.SalesItemLineDetail.ItemRef.value;
    expect(itemId).not.toBe(labor.Id);
    expect(await itemNamed(realmId, 'Labor')).toMatchObject({ Id: itemId, Active: true });
    expect(sync.notices).toContain(
      'The QuickBooks item "Labor (deleted)" was made inactive or merged away in QuickBooks, ' +
        'so the line was sent with an active item of its name.',
    );
  });

  it('never links a Category that has the item name, and pushes on a Service item', async () => {
    const tenantId = newTenantId();
    const realmId = await stack.world.newCompany();
    await admin('POST', `/_admin/companies/${realmId}/items`, { Name: 'Labor', Type: 'Category' });
    await stack.connect(tenantId, realmId);
    await pushNext(tenantId, 'inv_1', 'INV-1');

    expect(await syncOf(stack, tenantId, 'inv_1')).toMatchObject({ status: 'pushed' });
    const line = ((await invoiceNumbered(realmId, 'INV-1')).Line as Json[])[0] as Json;
    const item = (await books(stack, realmId)).items.find(
      (i) => i.Id === line.SalesItemLineDetail.ItemRef.value,
    );
    expect(item).toMatchObject({ Name: 'Labor (service)', Type: 'Service' });
  });
});

describe('A reconcile whose bulk read comes back short', () => {
  it('reads a missing invoice directly and does not call an existing one deleted', async () => {
    const { tenantId, realmId } = await pushedTenant();
    await pushNext(tenantId, 'inv_2', 'INV-2');
    await admin('POST', `/_admin/companies/${realmId}/faults`, { kind: 'drop_row', count: 1 });
    expect((await stack.call(tenantId, 'POST', '/reconcile')).status).toBe(202);
    await localReconcileQueue.idle();

    for (const id of ['inv_1', 'inv_2']) {
      expect((await syncOf(stack, tenantId, id)).status).toBe('pushed');
    }
    expect((await panel(tenantId)).errors).toEqual([]);
    const events = await (
      await fetch(`${stack.api.url}/_local/events?tenantId=${tenantId}`)
    ).json();
    expect(JSON.stringify(events)).not.toContain('deleted_in_quickbooks');
  });
});

describe('A void in QuickBooks of an invoice with a memo', () => {
  it('is seen from QBO amounts, whatever happened to the note', async () => {
    const { tenantId, realmId } = await pushedTenant();
    const invoice = await invoiceNumbered(realmId, 'INV-1');
    expect(invoice.PrivateNote).toContain('TradelyHQ invoice inv_1');
    expect(invoice.CustomerMemo).toEqual({ value: 'Water heater replacement' });
    const voided = await admin('POST', `/_admin/companies/${realmId}/invoices/${invoice.Id}/void`);
    expect(voided.PrivateNote).toBe(invoice.PrivateNote); // the note is not "Voided"
    await settle();
    expect(await syncOf(stack, tenantId, 'inv_1')).toMatchObject({ status: 'voided' });
    const events = await (
      await fetch(`${stack.api.url}/_local/events?tenantId=${tenantId}`)
    ).json();
    expect(JSON.stringify(events)).toContain('invoice.voided');
  });
});

describe('A lapsed QuickBooks subscription', () => {
  it('raises one "Reconnect QuickBooks" banner that names the subscription, not per-invoice errors', async () => {
    const { tenantId, realmId } = await pushedTenant();
    await admin('POST', `/_admin/companies/${realmId}/lapse`);
    await pushNext(tenantId, 'inv_2', 'INV-2');

    const connection = (await (
      await stack.call(tenantId, 'GET', '/integrations/quickbooks')
    ).json()) as Json;
    expect(connection.status).toBe('subscription_lapsed');
    expect(connection.reconnectReason).toMatch(/subscription .*ended/);
    expect(connection.reconnectReason).toMatch(/Reconnect QuickBooks/);
    const shown = await panel(tenantId);
    expect(shown.reconnectRequired).toBe(true);
    expect(shown.errors.filter((e) => e.kind === 'validation')).toEqual([]);
    expect(await syncOf(stack, tenantId, 'inv_2')).toMatchObject({ status: 'queued' });
    // Reads still work while the company is read-only: the first invoice is untouched.
    expect((await syncOf(stack, tenantId, 'inv_1')).status).toBe('pushed');
  });

  it('lands the refused invoice once renewed and reconnected (a fresh requestid, not the replayed 6190)', async () => {
    const { tenantId, realmId } = await pushedTenant();
    await admin('POST', `/_admin/companies/${realmId}/lapse`);
    await pushNext(tenantId, 'inv_2', 'INV-2');
    expect((await syncOf(stack, tenantId, 'inv_2')).status).toBe('queued');

    await admin('POST', `/_admin/companies/${realmId}/reactivate`);
    const back = await stack.connect(tenantId, realmId);
    expect(resultOf(back).get('quickbooks')).toBe('connected');
    await settle();
    expect(await syncOf(stack, tenantId, 'inv_2')).toMatchObject({ status: 'pushed' });
    expect(
      (await books(stack, realmId)).invoices.filter((i) => i.DocNumber === 'INV-2'),
    ).toHaveLength(1);
    expect((await panel(tenantId)).errors).toEqual([]);
  });
});

describe('A refusal the admin fixes, then Re-sync', () => {
  it('pushes once after the fix: a fresh requestid, not the replayed refusal', async () => {
    const tenantId = newTenantId();
    const realmId = await stack.world.newCompany();
    await stack.connect(tenantId, realmId);
    // An income account that is not in the company: QBO refuses the item, so the invoice too.
    const wrong = await stack.call(tenantId, 'PUT', '/integrations/quickbooks/settings', {
      incomeAccountId: '9999',
    });
    expect(wrong.status).toBe(200);
    await pushNext(tenantId, 'inv_1', 'INV-1');
    const refused = await syncOf(stack, tenantId, 'inv_1');
    expect(refused.status).toBe('failed');
    expect((await panel(tenantId)).errors.map((e) => e.kind)).toEqual(['validation']);

    // The admin picks a real income account and clicks Re-sync.
    const accounts = await stack.call(tenantId, 'GET', '/integrations/quickbooks/accounts');
    const [account] = ((await accounts.json()) as { accounts: { id: string }[] }).accounts;
    await stack.call(tenantId, 'PUT', '/integrations/quickbooks/settings', {
      incomeAccountId: account?.id,
    });
    const resync = await stack.call(tenantId, 'POST', '/sync-errors/inv_1/resync');
    expect(resync.status).toBe(202);
    await settle();
    expect(await syncOf(stack, tenantId, 'inv_1')).toMatchObject({ status: 'pushed' });
    expect(
      (await books(stack, realmId)).invoices.filter((i) => i.DocNumber === 'INV-1'),
    ).toHaveLength(1);
    expect((await panel(tenantId)).errors).toEqual([]);
  });
});
