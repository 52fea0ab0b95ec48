import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './helpers.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests read QBO JSON structurally
type Json = Record<string, any>;

describe('Emulator: throttling', () => {
  let h: Harness;

  beforeAll(async () => {
    // Latency keeps requests in flight long enough to overlap.
    h = await startHarness({ latencyMs: 300 });
  });
  afterAll(async () => {
    await h.close();
  });

  it('allows 10 concurrent requests per realm and answers 429 beyond that', async () => {
    const { realmId, token } = await h.connectedCompany();
    const other = await h.connectedCompany();
    const responses = await Promise.all([
      ...Array.from({ length: 12 }, () =>
        h.api(realmId, token.access_token, 'GET', '/preferences'),
      ),
      h.api(other.realmId, other.token.access_token, 'GET', '/preferences'),
    ]);
    const statuses = responses.slice(0, 12).map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(2);
    expect(responses[12]?.status).toBe(200);
    await Promise.all(responses.map((r) => r.arrayBuffer()));
    expect((await h.api(realmId, token.access_token, 'GET', '/preferences')).status).toBe(200);
  });

  it('answers the throttle fault as XML at times and as JSON at others', async () => {
    const { realmId, token } = await h.connectedCompany();
    const responses = await Promise.all(
      Array.from({ length: 12 }, () => h.api(realmId, token.access_token, 'GET', '/preferences')),
    );
    const throttled = responses.filter((r) => r.status === 429);
    const bodies = await Promise.all(
      throttled.map(async (r) => ({
        type: r.headers.get('content-type') ?? '',
        text: await r.text(),
      })),
    );
    const xml = bodies.find((b) => b.type.includes('xml'));
    const json = bodies.find((b) => b.type.includes('json'));
    expect(xml?.text).toContain('<Fault type="SERVICE"><Error code="3001">');
    expect(xml?.text).toContain('message=ThrottleExceeded; errorCode=003001; statusCode=429');
    expect(JSON.parse(json?.text ?? '{}')).toMatchObject({
      Fault: { Error: [{ code: '3001' }], type: 'SERVICE' },
    });
  });
});

describe('Emulator: per-minute limit', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it('allows 500 requests a minute per realm, then 429 until the minute has passed', async () => {
    const { realmId, token } = await h.connectedCompany();
    const other = await h.connectedCompany();
    let ok = 0;
    for (let i = 0; i < 50; i += 1) {
      const batch = await Promise.all(
        Array.from({ length: 10 }, () => h.api(realmId, token.access_token, 'GET', '/preferences')),
      );
      for (const res of batch) {
        if (res.status === 200) ok += 1;
        await res.arrayBuffer();
      }
    }
    expect(ok).toBe(500);
    const over = await h.api(realmId, token.access_token, 'GET', '/preferences');
    expect(over.status).toBe(429);
    expect(
      (await h.api(other.realmId, other.token.access_token, 'GET', '/preferences')).status,
    ).toBe(200);
    h.emulator.clock.advance(60);
    expect((await h.api(realmId, token.access_token, 'GET', '/preferences')).status).toBe(200);
  });

  it('allows 40 batch requests a minute per realm, each one request of the 500', async () => {
    const { realmId, token } = await h.connectedCompany();
    const batch = { BatchItemRequest: [{ bId: 'q', Query: 'SELECT COUNT(*) FROM Customer' }] };
    const statuses: number[] = [];
    for (let i = 0; i < 41; i += 1) {
      const res = await h.api(realmId, token.access_token, 'POST', '/batch', batch);
      statuses.push(res.status);
      await res.arrayBuffer();
    }
    expect(statuses.slice(0, 40).every((s) => s === 200)).toBe(true);
    expect(statuses[40]).toBe(429);
    // Single requests still have the rest of the minute's 500: 40 batches took 40 of them.
    let ok = 0;
    for (let i = 0; i < 46; i += 1) {
      const got = await Promise.all(
        Array.from({ length: 10 }, () => h.api(realmId, token.access_token, 'GET', '/preferences')),
      );
      for (const res of got) {
        if (res.status === 200) ok += 1;
        await res.arrayBuffer();
      }
    }
    expect(ok).toBe(460);
    h.emulator.clock.advance(60);
    expect((await h.api(realmId, token.access_token, 'POST', '/batch', batch)).status).toBe(200);
  });
});

describe('Emulator: fault injection', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ timeoutHoldMs: 400 });
  });
  afterAll(async () => {
    await h.close();
  });

  async function setup() {
    const { realmId, token } = await h.connectedCompany();
    const inject = (kind: string, count = 1) =>
      h.admin('POST', `/_admin/companies/${realmId}/faults`, { kind, count });
    const createCustomer = (name: string, init: RequestInit = {}, suffix = '') =>
      fetch(`${h.url}/v3/company/${realmId}/customer${suffix}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token.access_token}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ DisplayName: name }),
        ...init,
      });
    const customers = async () =>
      (await h.admin<Json>('GET', `/_admin/companies/${realmId}`)).customers.map(
        (c: Json) => c.DisplayName,
      );
    return { realmId, token, inject, createCustomer, customers };
  }

  it('answers 500 with a SystemFault for the next N requests only', async () => {
    const s = await setup();
    await s.inject('500', 2);
    for (let i = 0; i < 2; i += 1) {
      const res = await h.api(s.realmId, s.token.access_token, 'GET', '/preferences');
      expect(res.status).toBe(500);
      expect(await res.json()).toMatchObject({
        Fault: { Error: [{ code: '10000' }], type: 'SystemFault' },
      });
    }
    expect((await h.api(s.realmId, s.token.access_token, 'GET', '/preferences')).status).toBe(200);
  });

  it('answers 503 with a gateway page', async () => {
    const s = await setup();
    await s.inject('503');
    const res = await s.createCustomer('Nobody 503');
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(await s.customers()).not.toContain('Nobody 503');
  });

  it('answers 429 when asked to', async () => {
    const s = await setup();
    await s.inject('429');
    const res = await h.api(s.realmId, s.token.access_token, 'GET', '/preferences');
    expect(res.status).toBe(429);
    await res.arrayBuffer();
  });

  it('holds a request without answering until the client gives up (timeout)', async () => {
    const s = await setup();
    await s.inject('timeout');
    const started = Date.now();
    await expect(
      s.createCustomer('Held', { signal: AbortSignal.timeout(150) }),
    ).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(await s.customers()).not.toContain('Held');
  });

  it('drops a held request after the bounded hold', async () => {
    const s = await setup();
    await s.inject('timeout');
    const started = Date.now();
    await expect(s.createCustomer('Held Long')).rejects.toThrow();
    expect(Date.now() - started).toBeGreaterThanOrEqual(380);
  });

  it('resets the connection with nothing written and nothing changed (reset)', async () => {
    const s = await setup();
    await s.inject('reset');
    await expect(s.createCustomer('Reset Co')).rejects.toThrow(/fetch failed/);
    expect(await s.customers()).not.toContain('Reset Co');
  });

  it('applies the write and then resets (commit_then_reset); requestid makes the retry safe', async () => {
    const s = await setup();
    await s.inject('commit_then_reset');
    await expect(s.createCustomer('Committed', {}, '?requestid=r-42')).rejects.toThrow(
      /fetch failed/,
    );
    expect(await s.customers()).toContain('Committed');
    const retry = await s.createCustomer('Committed', {}, '?requestid=r-42');
    expect(retry.status).toBe(200);
    expect(((await retry.json()) as Json).Customer.DisplayName).toBe('Committed');
    expect((await s.customers()).filter((n: string) => n === 'Committed')).toHaveLength(1);
    const withoutId = await s.createCustomer('Committed');
    expect(withoutId.status).toBe(400);
  });

  it('rejects an unknown fault kind and lists pending faults', async () => {
    const s = await setup();
    const bad = await h.adminRaw('POST', `/_admin/companies/${s.realmId}/faults`, { kind: 'boom' });
    expect(bad.status).toBe(400);
    await s.inject('503', 3);
    const pending = await h.admin<Json>('GET', `/_admin/companies/${s.realmId}/faults`);
    expect(pending.pendingFaults).toEqual(['503', '503', '503']);
    await h.admin('DELETE', `/_admin/companies/${s.realmId}/faults`);
    expect((await h.api(s.realmId, s.token.access_token, 'GET', '/preferences')).status).toBe(200);
  });
});
