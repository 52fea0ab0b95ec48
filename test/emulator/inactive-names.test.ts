import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './helpers.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests read QBO JSON structurally
type Json = Record<string, any>;

/**
 * A name made inactive becomes "Name (deleted)", as in qbo_api's recordings, and the plain name
 * is free again (emulator/README.md, *Clean-up after the first push*).
 */
describe('Emulator: inactive names', () => {
  let h: Harness;
  let realmId: string;
  let token: string;

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });
  beforeEach(async () => {
    const connected = await h.connectedCompany('Inactive Names Co');
    realmId = connected.realmId;
    token = connected.token.access_token;
  });

  const call = (method: string, path: string, body?: unknown) =>
    h.apiJson<Json>(realmId, token, method, path, body);
  const create = async (entity: string, body: Json) => {
    const res = await call('POST', `/${entity.toLowerCase()}`, body);
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    return res.json[entity] as Json;
  };
  const patch = (collection: string, id: string, body: Json) =>
    h.admin<Json>('PATCH', `/_admin/companies/${realmId}/${collection}/${id}`, body);
  const service = (Name: string) => ({ Name, Type: 'Service', IncomeAccountRef: { value: '1' } });

  it('admin PATCH Active:false renames a customer "Name (deleted)" and frees the plain name', async () => {
    const ann = await create('Customer', { DisplayName: 'Ann Lee' });
    const patched = await patch('customers', ann.Id, { Active: false });
    expect(patched).toMatchObject({
      DisplayName: 'Ann Lee (deleted)',
      FullyQualifiedName: 'Ann Lee (deleted)',
      PrintOnCheckName: 'Ann Lee',
      Active: false,
    });
    const again = await create('Customer', { DisplayName: 'Ann Lee' });
    expect(again).toMatchObject({ DisplayName: 'Ann Lee', Active: true });
    expect(again.Id).not.toBe(ann.Id);
    // Made inactive in turn, the second takes the next free inactive name.
    expect((await patch('customers', again.Id, { Active: false })).DisplayName).toBe(
      'Ann Lee (deleted 2)',
    );
  });

  it("the API's sparse update with Active:false renames an item; an inactive record keeps its name", async () => {
    const item = await create('Item', service('Labour'));
    const sparse = await call('POST', '/item', {
      Id: item.Id,
      SyncToken: item.SyncToken,
      sparse: true,
      Active: false,
    });
    expect(sparse.json.Item).toMatchObject({ Name: 'Labour (deleted)', Active: false });
    // As in the recorded update of an employee already inactive: no second suffix.
    const again = await call('POST', '/item', {
      Id: item.Id,
      SyncToken: sparse.json.Item.SyncToken,
      sparse: true,
      Active: false,
    });
    expect(again.json.Item.Name).toBe('Labour (deleted)');
    expect((await create('Item', service('Labour'))).Active).toBe(true);
    // Reactivated, it keeps the name it has (unconfirmed what QBO does).
    expect((await patch('items', item.Id, { Active: true })).Name).toBe('Labour (deleted)');
  });

  it('cuts a long item name so " (deleted)" fits its 100 characters', async () => {
    const long = 'x'.repeat(100);
    const item = await create('Item', service(long));
    const patched = await patch('items', item.Id, { Active: false });
    expect(patched.Name).toBe(`${'x'.repeat(90)} (deleted)`);
  });

  it('a merged-away customer is inactive and named "(deleted)"; its name is free again', async () => {
    const dupe = await create('Customer', { DisplayName: 'Acme Ltd' });
    const keep = await create('Customer', { DisplayName: 'Acme' });
    await h.admin('POST', `/_admin/companies/${realmId}/customers/${dupe.Id}/merge`, {
      into: keep.Id,
    });
    const merged = (await call('GET', `/customer/${dupe.Id}`)).json.Customer;
    expect(merged).toMatchObject({ DisplayName: 'Acme Ltd (deleted)', Active: false });
    expect((await create('Customer', { DisplayName: 'Acme Ltd' })).Active).toBe(true);
  });

  it('admin PATCH still renames (6240 rules apply) and edits other fields', async () => {
    const a = await create('Customer', { DisplayName: 'First' });
    await create('Customer', { DisplayName: 'Second' });
    expect((await patch('customers', a.Id, { DisplayName: 'Renamed' })).DisplayName).toBe(
      'Renamed',
    );
    const clash = await h.adminRaw('PATCH', `/_admin/companies/${realmId}/customers/${a.Id}`, {
      DisplayName: 'Second',
    });
    expect(clash.status).toBe(400);
    const item = await create('Item', service('Fitting'));
    expect((await patch('items', item.Id, { UnitPrice: 12 })).UnitPrice).toBe(12);
  });
});
