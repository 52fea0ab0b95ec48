import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type DynamoDbStore, STORE_ENV } from '#local/dynamodb-store.ts';
import { listeningSockets, type Probe, startProbe } from '../support/network-probe.ts';
import { exited, startNpmStart, waitForOutput } from '../support/npm-start.ts';

/**
 * Nothing that `npm start`, `npm test` or CI starts can be reached from another machine: the API,
 * the emulator and the DynamoDB store (DynamoDB Local's jar binds every interface unless started
 * through `bin/local/java/LoopbackDynamoDbLocal.java`). Every TCP port the process tree of
 * `npm start` listens on is found in `/proc` and tried from another address; so is the test run's
 * own store.
 */

const LOOPBACK = ['127.0.0.1', '::1', '::ffff:127.0.0.1'];
const runStore = inject('dynamoStore');
const stores: DynamoDbStore[] = [...new Set<DynamoDbStore>([runStore, 'embedded'])];

let probe: Probe;
/** A server on every interface: the probe must reach it, or it proves nothing. */
let control: Server;
let controlPort: number;

beforeAll(async () => {
  probe = startProbe();
  control = createServer((_, res) => res.end());
  await new Promise<void>((resolve) => control.listen(0, '0.0.0.0', resolve));
  controlPort = (control.address() as AddressInfo).port;
});

afterAll(async () => {
  probe?.close();
  await new Promise((resolve) => control?.close(resolve));
});

describe.each(stores)('npm start on the %s store, tried from another address', (store) => {
  it('listens on loopback only, and every port refuses a connection from elsewhere', async () => {
    const started = startNpmStart(['--in-memory', '--port', '0'], { [STORE_ENV]: store });
    try {
      const api = new URL((await waitForOutput(started, /API:\s+(http:\/\/\S+)/))[1] as string);
      const dynamo = new URL(
        (await waitForOutput(started, /DynamoDB:\s+(http:\/\/\S+)/))[1] as string,
      );
      const info = (await (await fetch(`${api.origin}/_local/info`)).json()) as {
        emulatorUrl: string;
      };
      const sockets = listeningSockets(started.child.pid as number);
      const ports = [...new Set(sockets.map((s) => s.port))];
      // The three servers it starts are all found (DynamoDB Local in its own Java process).
      expect(ports).toEqual(
        expect.arrayContaining([api, dynamo, new URL(info.emulatorUrl)].map((u) => Number(u.port))),
      );
      expect(sockets.filter((s) => !LOOPBACK.includes(s.address))).toEqual([]);

      const reached = await probe.reach([...ports, controlPort]);
      expect(reached[controlPort], probe.how).toBe('connected');
      expect(Object.fromEntries(ports.map((p) => [p, reached[p]])), probe.how).toEqual(
        Object.fromEntries(ports.map((p) => [p, 'refused'])),
      );
    } finally {
      started.child.kill('SIGINT');
      await exited(started.child);
    }
  }, 120_000);
});

describe('the stores, asked by a web page', () => {
  it.each(stores)(
    'the %s store refuses a foreign Host and any Origin',
    async (store) => {
      const started = startNpmStart(['--in-memory', '--port', '0'], { [STORE_ENV]: store });
      try {
        const dynamo = (await waitForOutput(started, /DynamoDB:\s+(http:\/\/\S+)/))[1] as string;
        const listTables = (headers: Record<string, string>) =>
          fetchRaw(dynamo, {
            'content-type': 'application/x-amz-json-1.0',
            'x-amz-target': 'DynamoDB_20120810.ListTables',
            authorization:
              'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
            'x-amz-date': '20260101T000000Z',
            ...headers,
          });
        expect(await listTables({})).toBe(200);
        expect(await listTables({ host: 'rebound.example' })).toBe(403);
        expect(await listTables({ origin: 'http://evil.example' })).toBe(403);
        expect(await listTables({ origin: new URL(dynamo).origin })).toBe(403);
      } finally {
        started.child.kill('SIGINT');
        await exited(started.child);
      }
    },
    120_000,
  );
});

describe('npm test', () => {
  it("the run's own DynamoDB refuses a connection from another address", async () => {
    const port = Number(new URL(inject('dynamoEndpoint')).port);
    const reached = await probe.reach([port, controlPort]);
    expect(reached, probe.how).toEqual({ [port]: 'refused', [controlPort]: 'connected' });
  });
});

/**
 * A POST with headers `fetch` will not send as given (`Host`): node:http sends them as written.
 * Resolves with the status.
 */
async function fetchRaw(url: string, headers: Record<string, string>): Promise<number> {
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.once('error', reject);
    req.end('{}');
  });
}
