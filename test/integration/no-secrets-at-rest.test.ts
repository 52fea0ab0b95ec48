import { paginateScan } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  localChangeQueue,
  localGrantQueue,
  localReconcileQueue,
} from '#shared/adapters/local/local-queues.ts';
import { documentClient } from '#shared/store/dynamo.ts';
import { syncStateTable, tenantProviderKeysTable } from '#shared/store/tables.ts';
import { newTenantId } from '../support/local-api.ts';
import { resultOf, startTestStack, type TestStack, WEBHOOK_TOKEN } from '../support/local-stack.ts';
import { invoiceBody, pushInvoice, queueDrained, syncOf } from '../support/push.ts';

let stack: TestStack;
let captured = '';
const responses: string[] = [];
const restore: (() => void)[] = [];

beforeAll(async () => {
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream);
    stream.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
      captured += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
      return write(chunk, ...rest);
    }) as typeof stream.write;
    restore.push(() => {
      stream.write = write;
    });
  }
  stack = await startTestStack();
});
afterAll(async () => {
  for (const undo of restore) undo();
  await stack.close();
});

async function keep(res: Response): Promise<Response> {
  responses.push(`${res.status} ${JSON.stringify([...res.headers])} ${await res.clone().text()}`);
  return res;
}

/** Every secret the emulator has handed out or holds: codes, access and refresh tokens. */
function issuedSecrets(): string[] {
  const { grants, codes } = stack.world.emulator.state;
  return [
    ...Object.keys(codes),
    ...Object.values(grants).flatMap((g) => [
      ...Object.keys(g.accessTokens),
      ...Object.keys(g.refreshTokens),
    ]),
    stack.world.emulator.clientSecret,
  ];
}

/** Every item of a table: one Scan stops after 1 MB, and the table is shared by the run. */
async function dumpTable(TableName: string): Promise<string> {
  const items: unknown[] = [];
  for await (const page of paginateScan({ client: documentClient }, { TableName })) {
    items.push(...(page.Items ?? []));
  }
  return JSON.stringify(items);
}

/** The grant worker checks a Disconnect notice (a refresh, here) after the route answered. */
const grantJobsDone = () =>
  vi.waitFor(() => expect(localGrantQueue.depth).toBe(0), { timeout: 10_000 });

describe('Secrets never reach DynamoDB, logs or API responses', () => {
  it('after connect, refresh, a revoked grant, disconnect and reconnect', async () => {
    const tenantId = newTenantId();
    const realmId = await stack.world.newCompany();
    await stack.connect(tenantId, realmId);
    await keep(await stack.call(tenantId, 'GET', '/integrations/quickbooks'));
    // Force refreshes through the Disconnect URL check after the access token expired.
    stack.world.emulator.clock.advance(3700);
    await keep(
      await fetch(`${stack.api.url}/oauth/quickbooks/disconnected?realmId=${realmId}`, {
        redirect: 'manual',
      }),
    );
    await grantJobsDone();
    await keep(await stack.call(tenantId, 'DELETE', '/integrations/quickbooks'));
    const back = await stack.connect(tenantId, realmId);
    expect(resultOf(back).get('quickbooks')).toBe('connected');
    await stack.world.admin('POST', `/_admin/companies/${realmId}/revoke`);
    stack.world.emulator.clock.advance(3700);
    await keep(
      await fetch(`${stack.api.url}/oauth/quickbooks/disconnected?realmId=${realmId}`, {
        redirect: 'manual',
      }),
    );
    await grantJobsDone();
    await keep(await stack.call(tenantId, 'GET', '/integrations/quickbooks'));

    const secrets = issuedSecrets();
    expect(secrets.length).toBeGreaterThan(6);
    const tables =
      (await dumpTable(syncStateTable.localName)) +
      (await dumpTable(tenantProviderKeysTable.localName));
    const haystacks = { tables, logs: captured, responses: responses.join('\n') };
    for (const [where, text] of Object.entries(haystacks)) {
      const found = secrets.filter((s) => text.includes(s));
      expect(found, `secrets found in ${where}`).toEqual([]);
    }
    expect(captured.length).toBeGreaterThan(0);
  });

  it('after a push, a payment through a signed webhook, a reconcile and the panel', async () => {
    const tenantId = newTenantId();
    const realmId = await stack.world.newCompany();
    await stack.connect(tenantId, realmId);
    await keep(await pushInvoice(stack, tenantId, 'inv_s', invoiceBody()));
    await queueDrained();
    const { qboInvoiceId } = await syncOf(stack, tenantId, 'inv_s');
    await stack.world.admin('POST', `/_admin/companies/${realmId}/payments`, {
      invoiceId: qboInvoiceId,
      amount: 934,
    });
    await stack.world.emulator.webhooksIdle();
    await localChangeQueue.idle();
    await keep(await stack.call(tenantId, 'POST', '/reconcile'));
    await localReconcileQueue.idle();
    await keep(await stack.call(tenantId, 'GET', '/sync-errors'));
    await keep(await stack.call(tenantId, 'GET', `/invoices/inv_s/sync`));

    const { deliveries } = (await (
      await stack.world.admin('GET', '/_admin/webhooks/deliveries')
    ).json()) as { deliveries: { body: string; signature: string }[] };
    expect(deliveries.length).toBeGreaterThan(0);
    const secrets = [
      ...issuedSecrets(),
      WEBHOOK_TOKEN,
      ...deliveries.flatMap((d) => [d.signature, d.body]),
    ];
    const tables =
      (await dumpTable(syncStateTable.localName)) +
      (await dumpTable(tenantProviderKeysTable.localName));
    for (const [where, text] of Object.entries({
      tables,
      logs: captured,
      responses: responses.join('\n'),
    })) {
      const found = secrets.filter((secret) => text.includes(secret));
      expect(found, `secrets found in ${where}`).toEqual([]);
    }
    expect(captured).toContain('Invoice pushed');
  });
});
