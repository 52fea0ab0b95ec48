import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { localReconcileQueue } from '#shared/adapters/local/local-queues.ts';
import { type InvoiceSnapshot, pushInvoiceSchema, toSnapshot } from '#shared/domain/invoice.ts';
import type { InvoiceRecord } from '#shared/domain/invoice-record.ts';
import { itemKey } from '#shared/qbo/names.ts';
import { privateNoteMarker } from '#shared/qbo/qbo-invoice.ts';
import { documentClient } from '#shared/store/dynamo.ts';
import { ReconcileRunRepository } from '#shared/store/reconcile-run-repository.ts';
import { syncStateTable } from '#shared/store/tables.ts';
import { newTenantId } from '../support/local-api.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';
import { books, invoiceBody } from '../support/push.ts';

const COUNT = 2500;
let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack.close());

async function writeAll(items: Record<string, unknown>[]): Promise<void> {
  for (let i = 0; i < items.length; i += 25) {
    await documentClient.send(
      new BatchWriteCommand({
        RequestItems: {
          [syncStateTable.localName]: items
            .slice(i, i + 25)
            .map((Item) => ({ PutRequest: { Item } })),
        },
      }),
    );
  }
}

it(`reconciles ${COUNT} pushed invoices in ceil(${COUNT}/1000) + a small constant QBO requests`, async () => {
  const tenantId = newTenantId();
  const realmId = await stack.world.newCompany();
  await stack.connect(tenantId, realmId);
  await stack.world.admin('DELETE', '/_admin/webhooks'); // seeding must not trigger webhook reads
  const admin = async (path: string, body: unknown) =>
    (await (
      await stack.world.admin('POST', `/_admin/companies/${realmId}/${path}`, body)
    ).json()) as { Id: string };
  const customer = await admin('customers', { DisplayName: 'Jane Smith' });
  const item = await admin('items', {
    Name: 'Labor',
    Type: 'Service',
    IncomeAccountRef: { value: '1' },
  });

  // 2,500 invoices as the push pipeline would have left them: in QBO, and on our side.
  const body = invoiceBody((b) => {
    b.lines = [b.lines[0] as (typeof b.lines)[number]];
    b.totals = { subtotal: '285.00', tax: '0.00', total: '285.00' };
  });
  const base = toSnapshot(pushInvoiceSchema.parse(body)) as InvoiceSnapshot;
  const now = new Date().toISOString();
  const items: Record<string, unknown>[] = [];
  for (let n = 0; n < COUNT; n++) {
    const invoiceId = `inv_${n}`;
    const snapshot = { ...base, docNumber: `S-${n}` };
    const qbo = await admin('invoices', {
      DocNumber: snapshot.docNumber,
      TxnDate: snapshot.issueDate,
      DueDate: snapshot.dueDate,
      CustomerRef: { value: customer.Id },
      CustomerMemo: { value: snapshot.memo },
      PrivateNote: `${privateNoteMarker(invoiceId)} revision 1`,
      Line: [
        {
          DetailType: 'SalesItemLineDetail',
          Amount: 285,
          Description: snapshot.lines[0]?.description,
          SalesItemLineDetail: {
            ItemRef: { value: item.Id },
            Qty: 3,
            UnitPrice: 95,
            TaxCodeRef: { value: 'NON' },
          },
        },
      ],
    });
    const record: InvoiceRecord = {
      tenantId,
      invoiceId,
      revision: 1,
      snapshot,
      status: 'pushed',
      realmId,
      qboInvoiceId: qbo.Id,
      qboDocNumber: snapshot.docNumber,
      syncToken: '0',
      pushedRevision: 1,
      balance: 28500,
      qboTotal: 28500,
      pendingCreate: null,
      parked: false,
      lastError: null,
      notices: [],
      history: [],
      createdAt: now,
      updatedAt: now,
      version: 1,
    };
    items.push({ pk: `TENANT#${tenantId}`, sk: `INVOICE#${invoiceId}`, ...record });
  }
  const mapping = (qboId: string, name: string) => ({
    qboId,
    qboName: name,
    originalName: name,
    how: 'linked',
  });
  items.push(
    {
      pk: `TENANT#${tenantId}`,
      sk: `CUSTOMERMAP#${realmId}#cl_123`,
      mapping: mapping(customer.Id, 'Jane Smith'),
    },
    {
      pk: `TENANT#${tenantId}`,
      sk: `ITEMMAP#${realmId}#${itemKey(base.lines[0] as InvoiceSnapshot['lines'][number])}`,
      mapping: mapping(item.Id, 'Labor'),
    },
  );
  await writeAll(items);

  const before = (await books(stack, realmId)).requestCount;
  const res = await stack.call(tenantId, 'POST', '/reconcile');
  expect(res.status).toBe(202);
  await localReconcileQueue.idle();
  const used = (await books(stack, realmId)).requestCount - before;

  expect(used).toBeGreaterThanOrEqual(Math.ceil(COUNT / 1000));
  expect(used).toBeLessThanOrEqual(Math.ceil(COUNT / 1000) + 2);
  const [run] = await new ReconcileRunRepository(syncStateTable.localName).recent(tenantId, 1);
  expect(run).toMatchObject({ outcome: 'completed', invoicesChecked: COUNT, qboRequests: 3 });
  const panel = (await (await stack.call(tenantId, 'GET', '/sync-errors')).json()) as {
    errors: unknown[];
  };
  expect(panel.errors).toEqual([]);
  const status = (await (await stack.call(tenantId, 'GET', '/integrations/quickbooks')).json()) as {
    lastReconcile: string | null;
  };
  expect(status.lastReconcile).not.toBeNull();
}, 180_000);
