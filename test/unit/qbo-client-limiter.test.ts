import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QboError } from '#shared/qbo/faults.ts';
import { QboClient } from '#shared/qbo/qbo-client.ts';

/** The client gives back its limiter slot however its request ends, and pauses after a 429. */

let server: Server;
let baseUrl: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const throttled = req.url?.includes('/throttled');
    res.writeHead(throttled ? 429 : 200, { 'content-type': 'application/json' });
    res.end(throttled ? '{"Fault":{"Error":[{"code":"3001"}]}}' : '{"ok":true}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

function clientWithLimiter(url = baseUrl) {
  const events: string[] = [];
  const client = new QboClient({
    baseUrl: url,
    timeoutMs: 1000,
    tokens: { getAccessToken: async () => ({ accessToken: 'a', realmId: 'r1', version: 1 }) },
    limiter: {
      acquire: async (realmId) => {
        events.push(`acquire ${realmId}`);
        return async () => {
          events.push(`release ${realmId}`);
        };
      },
      throttle: async (realmId, seconds) => {
        events.push(`throttle ${realmId} ${seconds}`);
      },
    },
  });
  return { client, events };
}

describe('QboClient and its limiter', () => {
  it('releases the slot after an answer', async () => {
    const { client, events } = clientWithLimiter();
    await expect(client.send({ method: 'GET', path: 'companyinfo/r1' })).resolves.toEqual({
      ok: true,
    });
    expect(events).toEqual(['acquire r1', 'release r1']);
  });

  it('pauses the company after a 429, then releases the slot', async () => {
    const { client, events } = clientWithLimiter();
    await expect(client.send({ method: 'GET', path: 'throttled' })).rejects.toBeInstanceOf(
      QboError,
    );
    expect(events).toEqual(['acquire r1', 'throttle r1 60', 'release r1']);
  });

  it('releases the slot when the network fails', async () => {
    const { client, events } = clientWithLimiter('http://127.0.0.1:9');
    await expect(client.send({ method: 'GET', path: 'companyinfo/r1' })).rejects.toBeInstanceOf(
      QboError,
    );
    expect(events).toEqual(['acquire r1', 'release r1']);
  });
});
