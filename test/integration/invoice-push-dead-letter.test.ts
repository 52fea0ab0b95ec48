import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { localPushQueue } from '#shared/adapters/local/local-queues.ts';
import { SyncErrorRepository } from '#shared/store/sync-error-repository.ts';
import { syncStateTable } from '#shared/store/tables.ts';
import { newTenantId } from '../support/local-api.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';
import { ops } from '../support/ops.ts';
import { invoiceBody, pushInvoice, queueDrained, syncOf } from '../support/push.ts';

// Three receives instead of forty: the same path, in a fraction of the time.
vi.hoisted(() => {
  process.env.PUSH_MAX_RECEIVES = '3';
});

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack.close());

it('dead-letters a push after its last attempt, with a push_failed sync error, and a redrive sends it', async () => {
  const tenantId = newTenantId();
  const realmId = await stack.world.newCompany();
  await stack.connect(tenantId, realmId);
  await stack.world.admin('POST', `/_admin/companies/${realmId}/faults`, {
    kind: '503',
    count: 100,
  });
  await pushInvoice(stack, tenantId, 'inv_dlq', invoiceBody());
  await queueDrained();

  expect(localPushQueue.deadLettered().map((m) => JSON.parse(m.body).invoiceId)).toContain(
    'inv_dlq',
  );
  expect(await syncOf(stack, tenantId, 'inv_dlq')).toMatchObject({
    status: 'failed',
    lastError: { code: 'push_failed' },
  });
  const syncErrors = new SyncErrorRepository(syncStateTable.localName);
  const error = await syncErrors.get(tenantId, 'inv_dlq');
  expect(error).toMatchObject({ kind: 'push_failed', state: 'open' });
  expect(error?.message).toMatch(/Gave up after 3 attempts/);

  // QuickBooks is back; the operator redrives the DLQ with the runbook's command.
  await stack.world.admin('DELETE', `/_admin/companies/${realmId}/faults`);
  expect(await ops(stack, 'redrive', 'push')).toEqual({ redriven: 1 });
  await queueDrained();
  expect((await syncOf(stack, tenantId, 'inv_dlq')).status).toBe('pushed');
  expect(
    error &&
      (await new SyncErrorRepository(syncStateTable.localName).get(tenantId, 'inv_dlq'))?.state,
  ).toBe('closed');
});
