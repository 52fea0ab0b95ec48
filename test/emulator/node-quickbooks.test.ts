import nodeQuickBooks, { type QuickBooks as Client } from 'node-quickbooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness, type TokenJson } from './helpers.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests read QBO JSON structurally
type Json = Record<string, any>;

/** What node-quickbooks hands a callback: the unwrapped entity, and axios' response. */
interface Answer {
  readonly data: Json;
  /** The whole JSON body QBO (here the emulator) sent. */
  readonly body: Json;
}

/** The package's CommonJS export is the class itself; its typings describe it as a named export. */
const QuickBooks = nodeQuickBooks as unknown as typeof Client;

/** QBO's response `time`: Pacific local time with milliseconds and offset. */
const QBO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{2}:\d{2}$/;

/**
 * node-quickbooks (mcohen01/node-quickbooks), an independent QBO client that many apps run against
 * real QBO, pointed at the emulator. Every call below is one of its public methods used as its
 * README shows; wherever the emulator answered differently from QBO, the emulator was fixed
 * (see emulator/README.md, "Found with node-quickbooks").
 */
describe('Emulator driven by node-quickbooks 2.0.50', () => {
  let h: Harness;
  let realmId: string;
  let token: TokenJson;
  let qbo: Client;
  const saved = {
    base: QuickBooks.V3_ENDPOINT_BASE_URL,
    tokenUrl: QuickBooks.TOKEN_URL,
    revokeUrl: QuickBooks.REVOKE_URL,
  };

  beforeAll(async () => {
    h = await startHarness();
    // node-quickbooks reads these module-level settings; the instance copies the API base when built.
    QuickBooks.V3_ENDPOINT_BASE_URL = `${h.url}/v3/company/`;
    QuickBooks.TOKEN_URL = `${h.url}/oauth2/v1/tokens/bearer`;
    QuickBooks.REVOKE_URL = `${h.url}/v2/oauth2/tokens/revoke`;
    const connected = await h.connectedCompany('Harbor Electric LLC');
    realmId = connected.realmId;
    token = connected.token;
    qbo = new QuickBooks(
      h.emulator.clientId,
      h.emulator.clientSecret,
      token.access_token,
      false, // no token secret with OAuth 2.0
      realmId,
      true, // sandbox
      false, // debug
      null, // minorversion: its default, 75
      '2.0',
      token.refresh_token,
    );
  });
  afterAll(async () => {
    QuickBooks.V3_ENDPOINT_BASE_URL = saved.base;
    QuickBooks.TOKEN_URL = saved.tokenUrl;
    QuickBooks.REVOKE_URL = saved.revokeUrl;
    await h.close();
  });

  /** Runs one node-quickbooks call; rejects with QBO's JSON (a Fault) when it reports an error. */
  const run = (start: (cb: (err: unknown, data?: unknown, res?: unknown) => void) => void) =>
    new Promise<Answer>((resolve, reject) => {
      start((err, data, res) => {
        // Its find* helpers pass the axios error where other calls pass the response.
        const answer = (res ?? (err as { response?: unknown } | null)?.response) as
          | { data?: Json }
          | undefined;
        const body = answer?.data ?? {};
        if (err) reject(Object.keys(body).length > 0 ? body : err);
        else resolve({ data: (data ?? {}) as Json, body });
      });
    });

  async function incomeAccountId(): Promise<string> {
    const { data } = await run((cb) => qbo.findAccounts({ AccountType: 'Income' }, cb));
    const first = data.QueryResponse.Account?.[0];
    expect(first?.AccountType).toBe('Income');
    return first.Id;
  }

  it('a GB profile: finds its TaxCodes and TaxRates, and 6140 yields to allowDuplicateDocNum', async () => {
    const created = await h.admin<Json>('POST', '/_admin/companies', {
      name: 'Thames Joinery Ltd',
      country: 'GB',
    });
    const gbToken = await h.connect(created.realmId);
    const gb = new QuickBooks(
      h.emulator.clientId,
      h.emulator.clientSecret,
      gbToken.access_token,
      false,
      created.realmId,
      true,
      false,
      null,
      '2.0',
      gbToken.refresh_token,
    );
    const codes = await run((cb) => gb.findTaxCodes({ Name: '20.0% S' }, cb));
    const standard = codes.data.QueryResponse.TaxCode[0];
    expect(standard.SalesTaxRateList.TaxRateDetail[0].TaxRateRef.name).toBe('SS-20.0');
    const rates = await run((cb) => gb.findTaxRates(cb));
    expect(rates.data.QueryResponse.TaxRate.length).toBeGreaterThan(0);
    const customer = await run((cb) => gb.createCustomer({ DisplayName: 'Mrs Hudson' }, cb));
    const invoice = () => ({
      CustomerRef: { value: customer.data.Id },
      DocNumber: 'TJ-100',
      Line: [
        {
          Amount: 100,
          DetailType: 'SalesItemLineDetail',
          SalesItemLineDetail: { ItemRef: { value: '1' }, TaxCodeRef: { value: standard.Id } },
        },
      ],
    });
    const first = await run((cb) => gb.createInvoice(invoice(), cb));
    expect(first.data).toMatchObject({ DocNumber: 'TJ-100', TotalAmt: 120 });
    const refused = (await run((cb) => gb.createInvoice(invoice(), cb)).catch((e) => e)) as Json;
    expect(refused.Fault.Error[0].code).toBe('6140');
    const allowed = await run((cb) =>
      gb.createInvoice({ ...invoice(), allowDuplicateDocNum: true }, cb),
    );
    expect(allowed.data.DocNumber).toBe('TJ-100');
  });

  it('reads CompanyInfo and Preferences, each answer carrying QBO time', async () => {
    const info = await run((cb) => qbo.getCompanyInfo(realmId, cb));
    expect(info.data.CompanyName).toBe('Harbor Electric LLC');
    expect(info.body.time).toMatch(QBO_TIME);
    const prefs = await run((cb) => qbo.getPreferences(cb));
    expect(prefs.data.SalesFormsPrefs).toBeDefined();
    expect(prefs.body.time).toMatch(QBO_TIME);
  });

  it('creates a customer, a service item and an invoice, and finds them with its lowercase queries', async () => {
    const customer = await run((cb) =>
      qbo.createCustomer({ DisplayName: "O'Neil Renovations" }, cb),
    );
    expect(customer.data).toMatchObject({ DisplayName: "O'Neil Renovations", SyncToken: '0' });
    expect(customer.body.time).toMatch(QBO_TIME);

    const refused = (await run((cb) =>
      qbo.createItem(
        {
          Name: 'Panel upgrade',
          Type: 'Service',
          UnitPrice: 1250,
          IncomeAccountRef: { value: '' },
        },
        cb,
      ),
    ).catch((fault: Json) => fault)) as Json;
    // An item needs a real income account: QBO refuses an empty reference.
    expect(refused.Fault.Error[0].code).toBeDefined();
    const income = await incomeAccountId();
    const panel = await run((cb) =>
      qbo.createItem(
        {
          Name: 'Panel upgrade',
          Type: 'Service',
          UnitPrice: 1250,
          IncomeAccountRef: { value: income },
        },
        cb,
      ),
    );
    expect(panel.data).toMatchObject({ Name: 'Panel upgrade', Type: 'Service' });

    const invoice = await run((cb) =>
      qbo.createInvoice(
        {
          CustomerRef: { value: customer.data.Id },
          Line: [
            {
              DetailType: 'SalesItemLineDetail',
              Amount: 2500,
              SalesItemLineDetail: { ItemRef: { value: panel.data.Id }, Qty: 2, UnitPrice: 1250 },
            },
          ],
        },
        cb,
      ),
    );
    expect(invoice.data).toMatchObject({ TotalAmt: 2500, Balance: 2500 });
    expect(invoice.body.time).toMatch(QBO_TIME);

    // `select * from customer where DisplayName = 'O\'Neil Renovations' startposition 1 maxresults 1000`
    const byName = await run((cb) => qbo.findCustomers({ DisplayName: "O'Neil Renovations" }, cb));
    expect(byName.data.QueryResponse.Customer.map((c: Json) => c.Id)).toEqual([customer.data.Id]);
    expect(byName.data.time).toMatch(QBO_TIME);

    const byCustomer = await run((cb) => qbo.findInvoices({ CustomerRef: customer.data.Id }, cb));
    expect(byCustomer.data.QueryResponse.Invoice.map((i: Json) => i.Id)).toEqual([invoice.data.Id]);

    const like = await run((cb) =>
      qbo.findItems([{ field: 'Name', value: 'Panel%', operator: 'LIKE' }], cb),
    );
    expect(like.data.QueryResponse.Item.map((i: Json) => i.Name)).toEqual(['Panel upgrade']);

    const counted = await run((cb) => qbo.findInvoices({ count: true }, cb));
    expect(counted.data.QueryResponse.totalCount).toBe(1);

    const none = await run((cb) => qbo.findCustomers({ DisplayName: 'Nobody at all' }, cb));
    expect(none.data.QueryResponse).toEqual({});
    expect(none.data.time).toMatch(QBO_TIME);

    const all = await run((cb) => qbo.findCustomers({ fetchAll: true }, cb));
    expect(all.data.QueryResponse.Customer.map((c: Json) => c.DisplayName)).toContain(
      "O'Neil Renovations",
    );
  });

  it('reads, updates (sparse), voids and deletes an invoice the way its helpers do', async () => {
    const customer = await run((cb) => qbo.createCustomer({ DisplayName: 'Lakeside Dental' }, cb));
    const make = () =>
      run((cb) =>
        qbo.createInvoice(
          {
            CustomerRef: { value: customer.data.Id },
            Line: [
              {
                DetailType: 'SalesItemLineDetail',
                Amount: 480,
                SalesItemLineDetail: { ItemRef: { value: '1' } },
              },
            ],
          },
          cb,
        ),
      );
    const first = await make();
    const read = await run((cb) => qbo.getInvoice(first.data.Id, cb));
    expect(read.data.TotalAmt).toBe(480);
    expect(read.body.time).toMatch(QBO_TIME);

    const renamed = await run((cb) =>
      qbo.updateCustomer(
        {
          Id: customer.data.Id,
          SyncToken: customer.data.SyncToken,
          CompanyName: 'Lakeside Dental PC',
        },
        cb,
      ),
    );
    expect(renamed.data).toMatchObject({ DisplayName: 'Lakeside Dental', SyncToken: '1' });

    // voidInvoice(id) reads the invoice, then posts all of it to invoice?operation=void.
    const voided = await run((cb) => qbo.voidInvoice(first.data.Id, cb));
    expect(voided.data.Invoice).toMatchObject({ TotalAmt: 0, Balance: 0 });
    expect(voided.data.time).toMatch(QBO_TIME);

    const second = await make();
    const deleted = await run((cb) => qbo.deleteInvoice(second.data.Id, cb));
    expect(deleted.data.Invoice).toMatchObject({ status: 'Deleted', Id: second.data.Id });
    const gone = (await run((cb) => qbo.getInvoice(second.data.Id, cb)).catch(
      (f: Json) => f,
    )) as Json;
    expect(gone.Fault.Error[0].code).toBe('610');
  });

  it('voids a payment with its sparse update and include=void, as QBO does', async () => {
    const customer = await run((cb) => qbo.createCustomer({ DisplayName: 'Birch Bakery' }, cb));
    const invoice = await run((cb) =>
      qbo.createInvoice(
        {
          CustomerRef: { value: customer.data.Id },
          Line: [
            {
              DetailType: 'SalesItemLineDetail',
              Amount: 300,
              SalesItemLineDetail: { ItemRef: { value: '1' } },
            },
          ],
        },
        cb,
      ),
    );
    const payment = await run((cb) =>
      qbo.createPayment(
        {
          CustomerRef: { value: customer.data.Id },
          TotalAmt: 300,
          Line: [{ Amount: 300, LinkedTxn: [{ TxnId: invoice.data.Id, TxnType: 'Invoice' }] }],
        },
        cb,
      ),
    );
    expect((await run((cb) => qbo.getInvoice(invoice.data.Id, cb))).data.Balance).toBe(0);

    const voided = await run((cb) =>
      qbo.voidPayment({ Id: payment.data.Id, SyncToken: payment.data.SyncToken }, cb),
    );
    expect(voided.data).toMatchObject({ TotalAmt: 0 });
    // The invoice is open again, as in QBO after a payment is voided.
    expect((await run((cb) => qbo.getInvoice(invoice.data.Id, cb))).data.Balance).toBe(300);
  });

  it('runs a batch whose query item uses a lowercase entity name', async () => {
    const { data } = await run((cb) =>
      qbo.batch(
        [
          { bId: 'c1', operation: 'create', Customer: { DisplayName: 'Quarry Road Cafe' } },
          {
            bId: 'q1',
            operation: 'query',
            Query: "select * from customer where DisplayName = 'Lakeside Dental'",
          },
        ],
        cb,
      ),
    );
    const [created, queried] = data.BatchItemResponse as Json[];
    expect(created?.Customer.DisplayName).toBe('Quarry Road Cafe');
    expect(queried?.QueryResponse.Customer[0].DisplayName).toBe('Lakeside Dental');
    expect(data.time).toMatch(QBO_TIME);
  });

  it('reads changes through CDC', async () => {
    const since = new Date(h.emulator.clock.now() - 3600_000).toISOString();
    const { data } = await run((cb) => qbo.changeDataCapture(['Invoice', 'Customer'], since, cb));
    const [changes] = data.CDCResponse[0].QueryResponse as Json[];
    expect(changes?.Invoice.length).toBeGreaterThan(0);
    expect(data.time).toMatch(QBO_TIME);
  });

  it('answers a malformed query with a 4000-range fault that the client reports', async () => {
    const fault = (await run((cb) => qbo.findCustomers({ NoSuchField: 'x' }, cb)).catch(
      (f: Json) => f,
    )) as Json;
    expect(fault.Fault.Error[0].code).toBe('4001');
    expect(fault.time).toMatch(QBO_TIME);
  });

  it('refreshes its token, then revokes the grant with its form-encoded revoke', async () => {
    const refreshed = await run((cb) => qbo.refreshAccessToken(cb));
    expect(refreshed.data.access_token).toBeTruthy();
    expect(qbo.token).toBe(refreshed.data.access_token);
    // node-quickbooks never asks for the 5-year cap, so the emulator does not send it.
    expect(refreshed.data).not.toHaveProperty('x_refresh_token_hard_expires_in');

    const live = await run((cb) => qbo.getCompanyInfo(realmId, cb));
    expect(live.data.CompanyName).toBe('Harbor Electric LLC');

    const stale = qbo.token;
    await run((cb) => qbo.revokeAccess(true, cb));
    qbo.token = stale;
    const refused = (await run((cb) => qbo.getCompanyInfo(realmId, cb)).catch(
      (f: Json) => f,
    )) as Json;
    expect(refused.fault.error[0].code).toBe('3200');
  });
});
