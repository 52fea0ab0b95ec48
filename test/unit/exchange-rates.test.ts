import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pushInvoiceSchema, toSnapshot } from '#shared/domain/invoice.ts';
import { qboExchangeRate, rateOfAnswer } from '#shared/qbo/exchange-rates.ts';
import { QboError } from '#shared/qbo/faults.ts';
import { QboClient } from '#shared/qbo/qbo-client.ts';
import { pushExample } from '../fixtures/push-example.ts';

/**
 * Intuit's ExchangeRate answer, replayed against the product's parsing without the emulator's
 * rules: quickbooks-ruby's recording (EUR → USD, Rate 2.5, as of 2015-07-07) in QBO's JSON shape
 * (docs/qbo-facts.md, *Recorded payloads*).
 */
const RECORDED = readFileSync(
  new URL('../fixtures/qbo-samples/exchangerate-quickbooks-ruby-eur-usd.json', import.meta.url),
).toString();

let server: Server;
let baseUrl: string;
/** What the next request is answered with, and the requests seen. */
let answer: { status: number; body: string };
let requests: URL[];

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push(new URL(req.url ?? '/', 'http://qbo'));
    res.writeHead(answer.status, { 'content-type': 'application/json' });
    res.end(answer.body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => {
  answer = { status: 200, body: RECORDED };
  requests = [];
});

/** A client of company `realmId` whose limiter records each slot taken. */
function client(realmId: string, slots: string[] = []) {
  return new QboClient({
    baseUrl,
    timeoutMs: 1000,
    tokens: { getAccessToken: async () => ({ accessToken: 'a', realmId, version: 1 }) },
    limiter: {
      acquire: async (realm) => {
        slots.push(realm);
        return async () => {};
      },
      throttle: async () => {},
    },
  });
}

describe('Function: rateOfAnswer', () => {
  it("reads the Rate of Intuit's recorded ExchangeRate answer", () => {
    expect(rateOfAnswer(JSON.parse(RECORDED))).toBe(2.5);
  });

  it('takes a missing, zero or negative Rate as no rate, never 1', () => {
    const recorded = JSON.parse(RECORDED) as {
      ExchangeRate: Record<string, unknown>;
      time: string;
    };
    const { Rate: _rate, ...withoutRate } = recorded.ExchangeRate;
    expect(rateOfAnswer({ ...recorded, ExchangeRate: withoutRate })).toBeNull();
    expect(rateOfAnswer({ ExchangeRate: { ...recorded.ExchangeRate, Rate: 0 } })).toBeNull();
    expect(rateOfAnswer({ ExchangeRate: { ...recorded.ExchangeRate, Rate: -1 } })).toBeNull();
    expect(rateOfAnswer({ time: recorded.time })).toBeNull();
  });
});

describe('Function: qboExchangeRate', () => {
  it('asks QBO for the currency and date, through the company limiter, and reads the recorded answer', async () => {
    const slots: string[] = [];
    await expect(
      qboExchangeRate(client('r-read', slots), 'r-read', 'EUR', '2015-07-07'),
    ).resolves.toBe(2.5);
    const [request] = requests;
    expect(request?.pathname).toBe('/v3/company/r-read/exchangerate');
    expect(request?.searchParams.get('sourcecurrencycode')).toBe('EUR');
    expect(request?.searchParams.get('asofdate')).toBe('2015-07-07');
    expect(slots).toEqual(['r-read']);
  });

  it('keeps a rate per company, currency and date', async () => {
    const qbo = client('r-cache');
    await qboExchangeRate(qbo, 'r-cache', 'EUR', '2015-07-07');
    await qboExchangeRate(qbo, 'r-cache', 'EUR', '2015-07-07');
    expect(requests).toHaveLength(1);
    await qboExchangeRate(qbo, 'r-cache', 'EUR', '2015-07-08');
    await qboExchangeRate(qbo, 'r-cache', 'GBP', '2015-07-07');
    await qboExchangeRate(client('r-other'), 'r-other', 'EUR', '2015-07-07');
    expect(requests).toHaveLength(4);
  });

  it('a fault QBO would repeat is no rate, and is not kept: the next push asks again', async () => {
    answer = {
      status: 400,
      body: '{"Fault":{"Error":[{"Message":"Object Not Found","Detail":"x","code":"610"}],"type":"ValidationFault"}}',
    };
    const qbo = client('r-missing');
    await expect(qboExchangeRate(qbo, 'r-missing', 'EUR', '2015-07-07')).resolves.toBeNull();
    answer = { status: 200, body: RECORDED };
    await expect(qboExchangeRate(qbo, 'r-missing', 'EUR', '2015-07-07')).resolves.toBe(2.5);
    expect(requests).toHaveLength(2);
  });

  it('a failure QBO may not repeat (500) is thrown for the retry, not taken as no rate', async () => {
    answer = { status: 500, body: '{"Fault":{"Error":[{"code":"10000"}],"type":"SystemFault"}}' };
    await expect(
      qboExchangeRate(client('r-down'), 'r-down', 'EUR', '2015-07-07'),
    ).rejects.toBeInstanceOf(QboError);
  });
});

describe('Push contract: exchangeRate', () => {
  const parse = (exchangeRate: unknown) =>
    pushInvoiceSchema.safeParse({ ...pushExample, currency: 'EUR', exchangeRate });

  it('takes a positive decimal string and keeps it without extra zeros', () => {
    const body = parse('01.0900');
    expect(body.success).toBe(true);
    const snapshot = toSnapshot(body.data as never);
    expect(snapshot).toMatchObject({ exchangeRate: '1.09' });
  });

  it('is optional: absent or null, the snapshot has none', () => {
    for (const rate of [undefined, null]) {
      const snapshot = toSnapshot(parse(rate).data as never);
      expect(snapshot).not.toHaveProperty('exchangeRate');
    }
  });

  it('refuses a number, zero, a negative or a malformed rate, by path', () => {
    for (const rate of [1.09, '0', '0.000', '-1.2', '1,09', '1.0000000000001', 'abc']) {
      const result = parse(rate);
      expect(result.success, String(rate)).toBe(false);
      expect(result.error?.issues[0]?.path).toEqual(['exchangeRate']);
    }
  });
});
