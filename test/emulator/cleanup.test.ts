import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './helpers.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests read QBO JSON structurally
type Json = Record<string, any>;

/** What a bookkeeper does to a company after the first push: merges, inactive names, categories, a lapse. */
describe('Emulator: clean-up in QBO', () => {
  let h: Harness;
  let realmId: string;
  let token: string;
  let receiver: Server;
  let received: Json[];

  beforeAll(async () => {
    h = await startHarness();
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push(...(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Json[]));
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    await h.admin('PUT', '/_admin/webhooks', {
      url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`,
      verifierToken: 'v',
      format: 'cloudevents',
      batchWindowMs: 20,
    });
  });
  afterAll(async () => {
    await h.close();
    receiver.closeAllConnections();
    await new Promise((r) => receiver.close(r));
  });
  beforeEach(async () => {
    const connected = await h.connectedCompany('Clean-up Co');
    realmId = connected.realmId;
    token = connected.token.access_token;
    received = [];
  });

  const call = <T = Json>(method: string, path: string, body?: unknown) =>
    h.apiJson<T>(realmId, token, method, path, body);
  const create = async (entity: string, body: Json) =>
    (await call('POST', `/${entity.toLowerCase()}`, body)).json[entity] as Json;
  const invoiceFor = (customerId: string, itemId = '1') => ({
    CustomerRef: { value: customerId },
    Line: [
      {
        Amount: 50,
        DetailType: 'SalesItemLineDetail',
        SalesItemLineDetail: { ItemRef: { value: itemId } },
      },
    ],
  });
  const code = (json: Json) => json.Fault?.Error?.[0]?.code;

  it('merges a customer: its invoices move to the survivor, it goes inactive, one Merge event', async () => {
    const dupe = await create('Customer', { DisplayName: 'Acme Ltd' });
    const keep = await create('Customer', { DisplayName: 'Acme' });
    const invoice = await create('Invoice', invoiceFor(dupe.Id));
    await h.emulator.webhooksIdle();
    received = [];

    const merged = await h.adminRaw(
      'POST',
      `/_admin/companies/${realmId}/customers/${dupe.Id}/merge`,
      { into: keep.Id },
    );
    expect(merged.status).toBe(200);
    await h.emulator.webhooksIdle();

    const moved = (await call('GET', `/invoice/${invoice.Id}`)).json.Invoice;
    expect(moved.CustomerRef).toEqual({ value: keep.Id, name: 'Acme' });
    expect(Number(moved.SyncToken)).toBeGreaterThan(Number(invoice.SyncToken));
    expect((await call('GET', `/customer/${dupe.Id}`)).json.Customer.Active).toBe(false);
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({
      type: 'qbo.customer.merged.v1',
      intuitentityid: keep.Id,
      intuitaccountid: realmId,
      data: { deletedid: dupe.Id },
    });
    // A new invoice for the merged-away customer is refused as an inactive reference.
    const refused = await call('POST', '/invoice', invoiceFor(dupe.Id));
    expect(refused.status).toBe(400);
    expect(code(refused.json)).toBe('2500');
  });

  it('merges an item: invoice lines move to the survivor and the merged-away item is refused', async () => {
    const customer = await create('Customer', { DisplayName: 'Item Merge Client' });
    const dupe = await create('Item', {
      Name: 'Plumbing labour',
      Type: 'Service',
      IncomeAccountRef: { value: '1' },
    });
    const invoice = await create('Invoice', invoiceFor(customer.Id, dupe.Id));
    await h.emulator.webhooksIdle();
    received = [];
    const merged = await h.adminRaw('POST', `/_admin/companies/${realmId}/items/${dupe.Id}/merge`, {
      into: '1',
    });
    expect(merged.status).toBe(200);
    await h.emulator.webhooksIdle();
    const moved = (await call('GET', `/invoice/${invoice.Id}`)).json.Invoice;
    expect(moved.Line[0].SalesItemLineDetail.ItemRef).toEqual({ value: '1', name: 'Services' });
    expect(received[0]).toMatchObject({
      type: 'qbo.item.merged.v1',
      intuitentityid: '1',
      data: { deletedid: dupe.Id },
    });
    const refused = await call('POST', '/invoice', invoiceFor(customer.Id, dupe.Id));
    expect(code(refused.json)).toBe('2500');
  });

  it('makes a customer inactive through PATCH; it is hidden from plain queries and refused on invoices', async () => {
    const customer = await create('Customer', { DisplayName: 'Gone Quiet' });
    const patched = await h.adminRaw(
      'PATCH',
      `/_admin/companies/${realmId}/customers/${customer.Id}`,
      {
        Active: false,
      },
    );
    expect(patched.status).toBe(200);
    const q = await call(
      'GET',
      `/query?query=${encodeURIComponent("SELECT * FROM Customer WHERE DisplayName = 'Gone Quiet'")}`,
    );
    expect(q.json.QueryResponse.Customer).toBeUndefined();
    const refused = await call('POST', '/invoice', invoiceFor(customer.Id));
    expect(refused.status).toBe(400);
    expect(refused.json.Fault.Error[0]).toMatchObject({
      code: '2500',
      Message: 'Invalid Reference Id',
    });
    expect(refused.json.Fault.Error[0].Detail).toContain('made inactive');
  });

  it('keeps Category items, answers them in Item queries, and refuses them on a line', async () => {
    const cat = await h.admin<Json>('POST', `/_admin/companies/${realmId}/items`, {
      Name: 'Plumbing',
      Type: 'Category',
    });
    expect(cat).toMatchObject({ Name: 'Plumbing', Type: 'Category', Active: true });
    const q = await call(
      'GET',
      `/query?query=${encodeURIComponent("select * from item where Name = 'Plumbing'")}`,
    );
    expect(q.json.QueryResponse.Item.map((i: Json) => i.Type)).toEqual(['Category']);
    const customer = await create('Customer', { DisplayName: 'Category Client' });
    const refused = await call('POST', '/invoice', invoiceFor(customer.Id, cat.Id));
    expect(refused.status).toBe(400);
    expect(refused.json.Fault.Error[0]).toMatchObject({
      code: '2500',
      Detail: 'Invalid Reference Id : Categories cannot be used in transactions.',
    });
    // One name per item whatever the type (the stricter reading).
    const clash = await call('POST', '/item', {
      Name: 'plumbing',
      Type: 'Service',
      IncomeAccountRef: { value: '1' },
    });
    expect(code(clash.json)).toBe('6240');
  });

  it('keeps an existing PrivateNote on void (only an empty one becomes "Voided")', async () => {
    const customer = await create('Customer', { DisplayName: 'Memo Client' });
    const invoice = await create('Invoice', {
      ...invoiceFor(customer.Id),
      PrivateNote: 'Our note',
    });
    const voided = await call('POST', '/invoice?operation=void', {
      Id: invoice.Id,
      SyncToken: invoice.SyncToken,
    });
    expect(voided.json.Invoice).toMatchObject({ TotalAmt: 0, Balance: 0, PrivateNote: 'Our note' });
  });

  it('plays a lapsed subscription as read-only: refresh and reads answer, writes get 6190', async () => {
    const customer = await create('Customer', { DisplayName: 'Before Lapse' });
    await h.admin('POST', `/_admin/companies/${realmId}/lapse`);
    expect((await call('GET', `/customer/${customer.Id}`)).status).toBe(200);
    const q = encodeURIComponent("SELECT * FROM Customer WHERE DisplayName = 'Before Lapse'");
    expect((await call('GET', `/query?query=${q}`)).json.QueryResponse.Customer).toHaveLength(1);
    const write = await call('POST', '/invoice', invoiceFor(customer.Id));
    expect(write.status).toBe(400);
    expect(write.json.Fault.Error[0]).toMatchObject({
      code: '6190',
      Message: 'Invalid Company Status',
    });
    await h.admin('POST', `/_admin/companies/${realmId}/reactivate`);
    expect((await call('POST', '/invoice', invoiceFor(customer.Id))).status).toBe(200);
  });

  it('drops the last row of the next query answer with the drop_row hook', async () => {
    await create('Customer', { DisplayName: 'Row One' });
    await create('Customer', { DisplayName: 'Row Two' });
    await h.admin('POST', `/_admin/companies/${realmId}/faults`, { kind: 'drop_row', count: 1 });
    const q = encodeURIComponent("SELECT * FROM Customer WHERE DisplayName LIKE 'Row%'");
    expect((await call('GET', `/query?query=${q}`)).json.QueryResponse.Customer).toHaveLength(1);
    expect((await call('GET', `/query?query=${q}`)).json.QueryResponse.Customer).toHaveLength(2);
  });
});
