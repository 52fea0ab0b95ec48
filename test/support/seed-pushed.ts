import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { type InvoiceSnapshot, pushInvoiceSchema, toSnapshot } from '#shared/domain/invoice.ts';
import type { InvoiceRecord } from '#shared/domain/invoice-record.ts';
import { itemKey } from '#shared/qbo/names.ts';
import { privateNoteMarker } from '#shared/qbo/qbo-invoice.ts';
import { documentClient } from '#shared/store/dynamo.ts';
import { syncStateTable } from '#shared/store/tables.ts';
import { invoiceBody } from './push.ts';

/** Calls the emulator's admin API. */
type EmulatorAdmin = (method: string, path: string, body?: unknown) => Promise<Response>;

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

/**
 * Leaves `count` invoices as the push pipeline would have: created in the emulator's company
 * (with the customer and item mapped) and recorded as pushed in the sync table, without spending
 * QBO requests of the company on the way. For reconcile tests and benchmarks at scale.
 *
 * @param admin - the emulator's admin API
 * @param tenantId - a tenant connected to `realmId`
 * @param realmId - its company
 * @param count - how many invoices (`inv_0` …)
 */
export async function seedPushedInvoices(
  admin: EmulatorAdmin,
  tenantId: string,
  realmId: string,
  count: number,
): Promise<void> {
  const create = async <T>(path: string, body: unknown) =>
    (await (await admin('POST', `/_admin/companies/${realmId}/${path}`, body)).json()) as T;
  const customer = await create<{ Id: string }>('customers', { DisplayName: 'Jane Smith' });
  const item = await create<{ Id: string }>('items', {
    Name: 'Labor',
    Type: 'Service',
    IncomeAccountRef: { value: '1' },
  });
  const body = invoiceBody((b) => {
    b.lines = [b.lines[0] as (typeof b.lines)[number]];
    b.totals = { subtotal: '285.00', tax: '0.00', total: '285.00' };
  });
  const base = toSnapshot(pushInvoiceSchema.parse(body)) as InvoiceSnapshot;
  const now = new Date().toISOString();
  const snapshots = Array.from({ length: count }, (_, n) => ({ ...base, docNumber: `S-${n}` }));
  const qboIds: string[] = [];
  // The emulator takes an array per call: 500 invoices a request.
  for (let from = 0; from < count; from += 500) {
    const created = await create<{ Id: string }[]>(
      'invoices',
      snapshots.slice(from, from + 500).map((snapshot, i) => ({
        DocNumber: snapshot.docNumber,
        TxnDate: snapshot.issueDate,
        DueDate: snapshot.dueDate,
        CustomerRef: { value: customer.Id },
        CustomerMemo: { value: snapshot.memo },
        PrivateNote: `${privateNoteMarker(`inv_${from + i}`)} revision 1`,
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
      })),
    );
    qboIds.push(...created.map((c) => c.Id));
  }
  const records: Record<string, unknown>[] = snapshots.map((snapshot, n) => {
    const invoiceId = `inv_${n}`;
    const record: InvoiceRecord = {
      tenantId,
      invoiceId,
      revision: 1,
      snapshot,
      status: 'pushed',
      realmId,
      qboInvoiceId: qboIds[n] as string,
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
    return { pk: `TENANT#${tenantId}`, sk: `INVOICE#${invoiceId}`, ...record };
  });
  const mapping = (qboId: string, name: string) => ({
    qboId,
    qboName: name,
    originalName: name,
    how: 'linked',
  });
  records.push(
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
  await writeAll(records);
}
