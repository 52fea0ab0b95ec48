import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from '#shared/domain/connection.ts';
import { QboClient } from '#shared/qbo/qbo-client.ts';
import type { ConnectionRepository } from '#shared/store/connection-repository.ts';
import { listTaxCodes } from '#shared/use-cases/list-tax-codes.ts';

/**
 * Intuit's TaxCode query answer replayed against the product's parsing, without the emulator's
 * rules: the pseudo codes `TAX` and `NON` listed first (`TaxGroup: false`, no `Active`), then the
 * company's own codes, as the query sample of Intuit's TaxCode reference shows them
 * (docs/company-profiles.md, *US pseudo codes*). The fixture is that sample as Intuit publishes it
 * (`select * From TaxCode`, its `totalCount` of 5 included though it lists four codes); the TaxRate
 * answer beside it is illustrative (the sample names the rates, not their values).
 */
const TAX_CODES = readFileSync(
  new URL('../fixtures/qbo-samples/query-taxcode-intuit-reference.json', import.meta.url),
).toString();
const TAX_RATES = JSON.stringify({
  QueryResponse: {
    TaxRate: [
      { Id: '1', Name: 'AZ State tax', RateValue: 5.6, Active: true },
      { Id: '2', Name: 'Tucson City', RateValue: 2.6, Active: true },
      { Id: '3', Name: 'California', RateValue: 8, Active: true },
    ],
  },
  time: '2015-07-22T11:58:11.262-07:00',
});

let server: Server;
let baseUrl: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    const query = new URL(req.url ?? '/', 'http://qbo').searchParams.get('query') ?? '';
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(/FROM TaxCode/i.test(query) ? TAX_CODES : TAX_RATES);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('GET /integrations/quickbooks/tax-codes over Intuit’s TaxCode query sample', () => {
  it('offers only the company’s own codes, never the pseudo codes TAX and NON', async () => {
    const qbo = new QboClient({
      baseUrl,
      timeoutMs: 1000,
      tokens: { getAccessToken: async () => ({ accessToken: 'a', realmId: 'r1', version: 1 }) },
      limiter: { acquire: async () => async () => {}, throttle: async () => {} },
    });
    const connection = { tenantId: 't1', status: 'connected', realmId: 'r1' } as Connection;
    const connections = { get: async () => connection } as unknown as ConnectionRepository;
    const sample = JSON.parse(TAX_CODES).QueryResponse.TaxCode as { Id: string }[];
    expect(sample.slice(0, 2).map((c) => c.Id)).toEqual(['TAX', 'NON']);
    await expect(listTaxCodes({ connections, qbo: () => qbo }, 't1')).resolves.toEqual({
      taxCodes: [
        { id: '2', name: 'California', rate: 8 },
        // A group of two rates: their sum, as QBO charges them (TaxOnAmount, order 0).
        { id: '3', name: 'Tucson', rate: 8.2 },
      ],
    });
  });
});
