import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { signPayload } from '#emulator/webhooks.ts';
import { type Harness, seedInvoice, startHarness } from './helpers.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests read QBO JSON structurally
type Json = Record<string, any>;

interface Received {
  headers: IncomingHttpHeaders;
  raw: Buffer;
  // biome-ignore lint/suspicious/noExplicitAny: the body is either format
  json: any;
}

const VERIFIER = 'verifier-token-for-tests';

/** What a webhook listener verifies: base64(HMAC-SHA256(verifier, raw body)), compared in constant time. */
function verifies(raw: Buffer, signature: string | string[] | undefined, verifier = VERIFIER) {
  const expected = createHmac('sha256', verifier).update(raw).digest();
  const given = Buffer.from(String(signature ?? ''), 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

describe('Emulator: webhooks', () => {
  let h: Harness;
  let receiver: Server;
  let receiverUrl: string;
  let received: Received[];
  let respond: (n: number) => { status: number; delayMs?: number };

  beforeAll(async () => {
    h = await startHarness();
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        received.push({ headers: req.headers, raw, json: JSON.parse(raw.toString('utf8')) });
        const { status, delayMs } = respond(received.length);
        setTimeout(() => {
          if (!res.destroyed) res.writeHead(status).end();
        }, delayMs ?? 0);
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks`;
  });
  afterAll(async () => {
    await h.close();
    receiver.closeAllConnections();
    await new Promise((r) => receiver.close(r));
  });
  beforeEach(async () => {
    received = [];
    respond = () => ({ status: 200 });
    await h.admin('DELETE', '/_admin/webhooks/deliveries');
  });

  async function configure(extra: Record<string, unknown> = {}) {
    await h.admin('PUT', '/_admin/webhooks', {
      url: receiverUrl,
      verifierToken: VERIFIER,
      format: 'legacy',
      batchWindowMs: 40,
      ...extra,
    });
  }

  async function deliveries(): Promise<Json[]> {
    return (await h.admin<{ deliveries: Json[] }>('GET', '/_admin/webhooks/deliveries')).deliveries;
  }

  it('signs exactly like the Intuit Java SDK test vector', () => {
    const payload =
      '{"eventNotifications":[{"realmId":"1185883450","dataChangeEvent":{"entities":[{"name":"Customer","id":"1","operation":"Create","lastUpdated":"2015-10-05T14:42:19-0700"}]}}]}';
    expect(signPayload('b5771f19b12ddb4bcdb9f08bdc50bc63878a', payload)).toBe(
      'JC2GUwciPmRBwEO7WvrRmKqu9tGOKL8FFallocTFi8Q=',
    );
  });

  it('delivers legacy eventNotifications signed over the raw body', async () => {
    await configure();
    const { realmId, token } = await h.connectedCompany();
    const created = await h.apiJson<Json>(realmId, token.access_token, 'POST', '/customer', {
      DisplayName: 'Hooked',
    });
    await h.emulator.webhooksIdle();
    expect(received).toHaveLength(1);
    const [msg] = received as [Received];
    expect(msg.headers['content-type']).toBe('application/json');
    expect(verifies(msg.raw, msg.headers['intuit-signature'])).toBe(true);
    expect(verifies(msg.raw, msg.headers['intuit-signature'], 'another-token')).toBe(false);
    expect(msg.json).toEqual({
      eventNotifications: [
        {
          realmId,
          dataChangeEvent: {
            entities: [
              {
                name: 'Customer',
                id: created.json.Customer.Id,
                operation: 'Create',
                lastUpdated: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
              },
            ],
          },
        },
      ],
    });
  });

  it("names a Merge's merged-away record as deletedID on the legacy entity, as Intuit's webhooks page spells it", async () => {
    await configure();
    const { realmId, token } = await h.connectedCompany();
    const create = async (name: string) =>
      (
        await h.apiJson<Json>(realmId, token.access_token, 'POST', '/customer', {
          DisplayName: name,
        })
      ).json.Customer as Json;
    const dupe = await create('Merge Me');
    const keep = await create('Keep Me');
    await h.emulator.webhooksIdle();
    received = [];
    await h.admin('POST', `/_admin/companies/${realmId}/customers/${dupe.Id}/merge`, {
      into: keep.Id,
    });
    await h.emulator.webhooksIdle();
    const entities = received.flatMap(
      (r) => r.json.eventNotifications[0].dataChangeEvent.entities as Json[],
    );
    expect(entities).toEqual([
      expect.objectContaining({
        name: 'Customer',
        id: keep.Id,
        operation: 'Merge',
        deletedID: dupe.Id,
      }),
    ]);
  });

  it('delivers the CloudEvents array format, also signed', async () => {
    await configure({ format: 'cloudevents' });
    const { realmId, token } = await h.connectedCompany();
    const created = await h.apiJson<Json>(realmId, token.access_token, 'POST', '/customer', {
      DisplayName: 'Cloudy',
    });
    await h.emulator.webhooksIdle();
    const [msg] = received as [Received];
    expect(msg.headers['content-type']).toBe('application/cloudevents+json');
    expect(verifies(msg.raw, msg.headers['intuit-signature'])).toBe(true);
    expect(Array.isArray(msg.json)).toBe(true);
    expect(msg.json[0]).toEqual({
      specversion: '1.0',
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      source: expect.stringMatching(/^intuit\./),
      type: 'qbo.customer.created.v1',
      datacontenttype: 'application/json',
      time: expect.any(String),
      intuitentityid: created.json.Customer.Id,
      intuitaccountid: realmId,
      data: {},
    });
  });

  it('batches several changes into one delivery (admin payment → Payment + Invoice)', async () => {
    await configure({ format: 'cloudevents' });
    const { realmId, token } = await h.connectedCompany();
    const { invoice } = await seedInvoice(h, realmId, token.access_token, 100);
    await h.emulator.webhooksIdle();
    received = [];
    const payment = await h.admin<Json>('POST', `/_admin/companies/${realmId}/payments`, {
      invoiceId: invoice.Id,
      amount: 40,
    });
    await h.emulator.webhooksIdle();
    expect(received).toHaveLength(1);
    const types = ((received[0] as Received).json as Json[]).map(
      (e) => `${e.type}:${e.intuitentityid}`,
    );
    expect(types).toEqual([
      `qbo.payment.created.v1:${payment.Id}`,
      `qbo.invoice.updated.v1:${invoice.Id}`,
    ]);
  });

  it('announces admin hand-edits, voids, deletes and renames', async () => {
    await configure();
    const { realmId, token } = await h.connectedCompany();
    const { invoice, customerId } = await seedInvoice(h, realmId, token.access_token, 100);
    const second = await seedInvoice(h, realmId, token.access_token, 50);
    await h.emulator.webhooksIdle();
    received = [];
    const base = `/_admin/companies/${realmId}`;
    await h.admin('PATCH', `${base}/invoices/${invoice.Id}`, { amount: 120 });
    await h.admin('PATCH', `${base}/customers/${customerId}`, { DisplayName: 'Renamed' });
    await h.admin('POST', `${base}/invoices/${invoice.Id}/void`);
    await h.admin('DELETE', `${base}/invoices/${second.invoice.Id}`);
    await h.emulator.webhooksIdle();
    const entities = received.flatMap(
      (r) => r.json.eventNotifications[0].dataChangeEvent.entities as Json[],
    );
    expect(entities.map((e) => `${e.name}:${e.id}:${e.operation}`)).toEqual([
      `Invoice:${invoice.Id}:Update`,
      `Customer:${customerId}:Update`,
      `Invoice:${invoice.Id}:Void`,
      `Invoice:${second.invoice.Id}:Delete`,
    ]);
  });

  it('retries a non-200 answer on the emulator clock and records every attempt', async () => {
    await configure();
    respond = (n) => ({ status: n === 1 ? 500 : 200 });
    const { realmId, token } = await h.connectedCompany();
    await h.apiJson(realmId, token.access_token, 'POST', '/customer', { DisplayName: 'Retry Me' });
    await h.emulator.webhooksIdle();
    expect(received).toHaveLength(1);
    let [delivery] = await deliveries();
    expect(delivery).toMatchObject({ status: 'retrying', attempts: [{ status: 500 }] });
    const gap = Date.parse(delivery?.nextAttemptAt) - Date.parse(delivery?.attempts[0].at);
    // The retry is due 10 s after the answer; the attempt's time is taken before the POST.
    const answered = gap - (delivery?.attempts[0].durationMs ?? 0);
    expect(gap).toBeGreaterThanOrEqual(10_000);
    expect(answered).toBeLessThan(10_100);

    h.emulator.clock.advance(9);
    await h.emulator.webhooksIdle();
    expect(received).toHaveLength(1);
    h.emulator.clock.advance(1);
    await h.emulator.webhooksIdle();
    expect(received).toHaveLength(2);
    expect(received[1]?.raw.equals(received[0]?.raw as Buffer)).toBe(true);
    expect(received[1]?.headers['intuit-signature']).toBe(received[0]?.headers['intuit-signature']);
    [delivery] = await deliveries();
    expect(delivery).toMatchObject({
      status: 'delivered',
      attempts: [{ status: 500 }, { status: 200 }],
    });
  });

  it('treats an answer slower than the timeout as failed and backs off 10 s, 20 s, 30 s', async () => {
    await configure({ timeoutMs: 100 });
    respond = (n) => (n <= 3 ? { status: 200, delayMs: 300 } : { status: 200 });
    const { realmId, token } = await h.connectedCompany();
    await h.apiJson(realmId, token.access_token, 'POST', '/customer', { DisplayName: 'Slow' });
    await h.emulator.webhooksIdle();
    const gaps: number[] = [];
    for (const step of [10, 20, 30]) {
      const [d] = await deliveries();
      expect(d?.attempts.at(-1).error).toMatch(/no answer within 100 ms/);
      gaps.push(
        Math.round((Date.parse(d?.nextAttemptAt) - Date.parse(d?.attempts.at(-1).at)) / 1000),
      );
      h.emulator.clock.advance(step);
      await h.emulator.webhooksIdle();
    }
    expect(gaps).toEqual([10, 20, 30]);
    const [done] = await deliveries();
    expect(done?.status).toBe('delivered');
    expect(done?.attempts).toHaveLength(4);
  });

  it('holds later events back until the failing delivery succeeds', async () => {
    await configure();
    respond = (n) => ({ status: n === 1 ? 503 : 200 });
    const { realmId, token } = await h.connectedCompany();
    await h.apiJson(realmId, token.access_token, 'POST', '/customer', { DisplayName: 'First' });
    await h.emulator.webhooksIdle();
    await h.apiJson(realmId, token.access_token, 'POST', '/customer', { DisplayName: 'Second' });
    await h.emulator.webhooksIdle();
    expect(received).toHaveLength(1);
    h.emulator.clock.advance(10);
    await h.emulator.webhooksIdle();
    await h.emulator.webhooksIdle();
    expect(received).toHaveLength(3);
    expect(received[1]?.raw.equals(received[0]?.raw as Buffer)).toBe(true);
  });

  it('sends every delivery twice with duplicate: true (same event ids)', async () => {
    await configure({ format: 'cloudevents', duplicate: true });
    const { realmId, token } = await h.connectedCompany();
    await h.apiJson(realmId, token.access_token, 'POST', '/customer', { DisplayName: 'Twice' });
    await h.emulator.webhooksIdle();
    await h.emulator.webhooksIdle();
    expect(received).toHaveLength(2);
    expect(received[1]?.json[0].id).toBe(received[0]?.json[0].id);
    const list = await deliveries();
    expect(list[1]?.duplicateOf).toBe(list[0]?.id);
  });

  it('delivers the events of a batch out of order with shuffle: true', async () => {
    await configure({ shuffle: true, batchWindowMs: 500 });
    const { realmId, token } = await h.connectedCompany();
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      const c = await h.apiJson<Json>(realmId, token.access_token, 'POST', '/customer', {
        DisplayName: `Shuffled ${i}`,
      });
      ids.push(c.json.Customer.Id);
    }
    await h.emulator.webhooksIdle();
    expect(received).toHaveLength(1);
    const got = (
      (received[0] as Received).json.eventNotifications[0].dataChangeEvent.entities as Json[]
    ).map((e) => e.id);
    expect([...got].sort()).toEqual([...ids].sort());
    expect(got).not.toEqual(ids);
  });

  it('announces a write whose answer was lost to commit_then_reset', async () => {
    await configure();
    const { realmId, token } = await h.connectedCompany();
    const { customerId } = await seedInvoice(h, realmId, token.access_token, 10);
    await h.emulator.webhooksIdle();
    received = [];
    await h.admin('POST', `/_admin/companies/${realmId}/faults`, { kind: 'commit_then_reset' });
    const body = {
      CustomerRef: { value: customerId },
      DocNumber: 'INV-LOST',
      Line: [
        {
          Amount: 42.5,
          DetailType: 'SalesItemLineDetail',
          SalesItemLineDetail: { ItemRef: { value: '1' } },
        },
      ],
    };
    await expect(
      h.api(realmId, token.access_token, 'POST', '/invoice?requestid=lost-1', body),
    ).rejects.toThrow(/fetch failed/);
    // The pipeline's recovery: find the invoice by DocNumber, then replay the requestid.
    const q = encodeURIComponent("SELECT * FROM Invoice WHERE DocNumber = 'INV-LOST'");
    const found = await h.apiJson<Json>(realmId, token.access_token, 'GET', `/query?query=${q}`);
    const [invoice] = found.json.QueryResponse.Invoice as Json[];
    expect(invoice?.TotalAmt).toBe(42.5);
    const replay = await h.apiJson<Json>(
      realmId,
      token.access_token,
      'POST',
      '/invoice?requestid=lost-1',
      body,
    );
    expect(replay.json.Invoice.Id).toBe(invoice?.Id);
    await h.emulator.webhooksIdle();
    const entities = received.flatMap(
      (r) => r.json.eventNotifications[0].dataChangeEvent.entities as Json[],
    );
    expect(entities.map((e) => `${e.name}:${e.id}:${e.operation}`)).toEqual([
      `Invoice:${invoice?.Id}:Create`,
    ]);
  });

  it('sends nothing for a company that is not connected', async () => {
    await configure();
    const realmId = await h.newCompany();
    await h.admin('POST', `/_admin/companies/${realmId}/customers`, { DisplayName: 'Quiet' });
    await h.emulator.webhooksIdle();
    expect(received).toHaveLength(0);
  });
});
